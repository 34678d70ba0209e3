"""One send per (run, step) on the LedgerTable: a conditional claim before the provider call.

Items are keyed ``send#<run>#<step>``. A claim is taken when no item exists, when a previous attempt
released it after a provider failure, or when a crashed attempt's lease ran out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.dynamo_items import from_item, to_item


class DynamoSendLedger:
    def __init__(self, table_name: str, client: Any, lease_seconds: int = 120, ttl_seconds: int = 44 * 86400):
        self._table = table_name
        self._client = client
        self._lease = lease_seconds
        self._ttl = ttl_seconds

    def claim(self, key: str, now: datetime) -> tuple[str, str | None]:
        epoch = int(now.timestamp())
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": key,
                        "status": "claimed",
                        "lease_until": epoch + self._lease,
                        "expires_at": epoch + self._ttl,
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR (#s = :claimed AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":claimed": "claimed", ":now": epoch}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = from_item(error.response.get("Item") or {})  # type: ignore[arg-type]
            if old.get("status") == "delivered":
                return "delivered", old.get("provider_id")
            return "in_progress", None
        return "claimed", None

    def delivered(self, key: str, provider_id: str, now: datetime) -> None:
        self._client.put_item(TableName=self._table, Item=self.delivered_item(key, provider_id, now))

    def delivered_item(self, key: str, provider_id: str, now: datetime) -> dict[str, Any]:
        return to_item(
            {
                "pk": key,
                "status": "delivered",
                "provider_id": provider_id,
                "delivered_at": int(now.timestamp()),
                "expires_at": int(now.timestamp()) + self._ttl,
            }
        )

    def release(self, key: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_item({"pk": key}),
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":claimed": "claimed"}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
