"""The suppression list: contacts (hashed email or phone) a store must never message, in the SuppressionTable."""

from __future__ import annotations

from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.suppression import Suppression, is_reason, medium_of
from storeloom.domain.types import parse_utc


class DynamoSuppressionList:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def is_suppressed(self, store_id: str, contact_key: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"store_id": store_id, "contact_key": contact_key}),
            ProjectionExpression="contact_key",
        )
        return "Item" in response

    def add(self, store_id: str, contact_key: str, reason: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item({"store_id": store_id, "contact_key": contact_key, "reason": reason}),
        )

    def put(self, entry: Suppression) -> None:
        """Write ``entry`` over any earlier one for the contact; an earlier hint stays when it has none."""
        fields = entry.model_dump(mode="json", include={"medium", "reason", "source", "at", "hint"})
        values = {f":{name}": value for name, value in fields.items() if value is not None}
        update = "SET " + ", ".join(f"#{name[1:]} = {name}" for name in values)
        self._client.update_item(
            TableName=self._table,
            Key=to_item({"store_id": entry.store_id, "contact_key": entry.contact_key}),
            UpdateExpression=update,
            ExpressionAttributeNames={f"#{name[1:]}": name[1:] for name in values},
            ExpressionAttributeValues=to_item(values),
        )

    def delete(self, store_id: str, contact_key: str) -> bool:
        """Remove the entry; False when there was none."""
        response = self._client.delete_item(
            TableName=self._table,
            Key=to_item({"store_id": store_id, "contact_key": contact_key}),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in response

    def list(self, store_id: str) -> list[Suppression]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="store_id = :store",
            ExpressionAttributeValues=to_item({":store": store_id}),
        )
        return [_entry(from_item(item)) for page in pages for item in page.get("Items", [])]


def _entry(item: dict[str, Any]) -> Suppression:
    # A redacted entry keeps only its keys, and entries written before sources were recorded have no
    # source or time: they stay suppressed and are listed with what is known.
    key, reason = str(item["contact_key"]), item.get("reason")
    return Suppression(
        store_id=str(item["store_id"]),
        contact_key=key,
        medium=item.get("medium") or medium_of(key),
        reason=reason if isinstance(reason, str) and is_reason(reason) else "unknown",
        source=str(item.get("source") or "unknown"),
        at=parse_utc(str(item["at"])) if item.get("at") else None,
        hint=item.get("hint"),
    )
