"""The suppression list: contacts (hashed email or phone) a store must never message."""

from __future__ import annotations

from typing import Any

from storeloom.adapters.dynamo_items import to_item


class DynamoSuppressionList:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def is_suppressed(self, store_id: str, contact_key: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"store_id": store_id, "contact_key": contact_key}),
        )
        return "Item" in response

    def add(self, store_id: str, contact_key: str, reason: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item({"store_id": store_id, "contact_key": contact_key, "reason": reason}),
        )
