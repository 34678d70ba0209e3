"""One send per (run, step) on the LedgerTable: a conditional claim before the provider call.

Items are keyed ``send#<run>#<step>``. A claim is taken when no item exists, when a previous attempt
released it after a provider failure, or when a crashed attempt's lease ran out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError


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
                Item={
                    "pk": {"S": key},
                    "status": {"S": "claimed"},
                    "lease_until": {"N": str(epoch + self._lease)},
                    "expires_at": {"N": str(epoch + self._ttl)},
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :claimed AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":claimed": {"S": "claimed"}, ":now": {"N": str(epoch)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            if old.get("status", {}).get("S") == "delivered":
                return "delivered", old.get("provider_id", {}).get("S")
            return "in_progress", None
        return "claimed", None

    def delivered(self, key: str, provider_id: str, now: datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": key},
                "status": {"S": "delivered"},
                "provider_id": {"S": provider_id},
                "delivered_at": {"N": str(int(now.timestamp()))},
                "expires_at": {"N": str(int(now.timestamp()) + self._ttl)},
            },
        )

    def release(self, key: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": key}},
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":claimed": {"S": "claimed"}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
