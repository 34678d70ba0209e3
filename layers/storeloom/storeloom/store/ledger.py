"""The idempotency ledger on DynamoDB: one conditional write claims a key, a batch write records outcomes.

Written by hand rather than with Powertools' idempotency utility because that utility spends two
single-item writes per record; here the outcomes of a whole SQS batch are recorded in one BatchWriteItem
and a duplicate is recognised by the claim itself (ReturnValuesOnConditionCheckFailure), so it costs one
request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from storeloom.ingest.ports import ClaimStatus, DoneMark

_BATCH_WRITE_LIMIT = 25


class DynamoLedger:
    def __init__(
        self, table_name: str, client: Any, *, ttl_seconds: int = 7 * 24 * 3600, lease_seconds: int = 60
    ) -> None:
        # The lease must be shorter than the IngestQueue's visibility timeout, so a redelivery after a
        # crash finds it expired and takes the claim over.
        self._table = table_name
        self._client = client
        self._ttl = ttl_seconds
        self._lease = lease_seconds

    def claim(self, key: str, raw_ref: str | None, now: datetime) -> ClaimStatus:
        epoch = int(now.timestamp())
        item = {
            "pk": {"S": f"ingest#{key}"},
            "status": {"S": "claimed"},
            "lease_until": {"N": str(epoch + self._lease)},
            "expires_at": {"N": str(epoch + self._ttl)},
        }
        if raw_ref:
            item["raw_ref"] = {"S": raw_ref}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR (#s = :claimed AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":claimed": {"S": "claimed"}, ":now": {"N": str(epoch)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old_item: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            old_status = old_item.get("status", {}).get("S")
            return "in_progress" if old_status == "claimed" else "duplicate"
        return "claimed"

    def mark_done(self, marks: Sequence[DoneMark], now: datetime) -> None:
        expires = str(int(now.timestamp()) + self._ttl)
        requests = [{"PutRequest": {"Item": _done_item(mark, expires)}} for mark in marks]
        for start in range(0, len(requests), _BATCH_WRITE_LIMIT):
            self._write_all(requests[start : start + _BATCH_WRITE_LIMIT])

    def lookup(self, key: str) -> dict[str, str] | None:
        """The recorded status and raw_ref of an ingest key (for demos, status and audits)."""
        response = self._client.get_item(TableName=self._table, Key={"pk": {"S": f"ingest#{key}"}})
        item = response.get("Item")
        if not item:
            return None
        return {name: value.get("S", value.get("N", "")) for name, value in item.items()}

    def _write_all(self, requests: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self._table: requests}
        for _attempt in range(5):
            response = self._client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
        raise RuntimeError(f"ledger batch write left {len(pending[self._table])} items unprocessed")


def _done_item(mark: DoneMark, expires: str) -> dict[str, Any]:
    item = {
        "pk": {"S": f"ingest#{mark.key}"},
        "status": {"S": mark.outcome},
        "event_id": {"S": mark.event_id},
        "expires_at": {"N": expires},
    }
    if mark.raw_ref:
        item["raw_ref"] = {"S": mark.raw_ref}
    return item
