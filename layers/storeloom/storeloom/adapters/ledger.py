"""Dedupe and upsert in one DynamoDB transaction; outcomes recorded for a whole SQS batch in one write.

A new version costs one TransactWriteItems (claim the idempotency key, write the entity if newer), its share
of one PutEvents, and its share of one BatchWriteItem that marks the batch's keys done. A duplicate costs
the one transaction, whose cancellation reason says which condition failed.

Written by hand rather than with Powertools' idempotency utility: that utility spends two single-item writes
per record and cannot join the entity write in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.adapters.entities import conditional_put, purchase_updates
from storeloom.domain.event import content_digest
from storeloom.domain.model import CommerceEvent
from storeloom.services.ingest.ports import ClaimOutcome, DoneMark

_BATCH_WRITE_LIMIT = 25
_CLAIM_CONDITION = "attribute_not_exists(pk) OR (#s = :claimed AND lease_until < :now)"


class DynamoIngestLedger:
    def __init__(
        self,
        ledger_table: str,
        entities_table: str,
        client: Any,
        *,
        ttl_seconds: int = 7 * 24 * 3600,
        lease_seconds: int = 60,
    ) -> None:
        # The lease must be shorter than the IngestQueue's visibility timeout, so a redelivery after a
        # crash finds it expired and takes the claim over.
        self._ledger = ledger_table
        self._entities = entities_table
        self._client = client
        self._ttl = ttl_seconds
        self._lease = lease_seconds

    def claim_and_store(self, event: CommerceEvent, now: datetime) -> ClaimOutcome:
        try:
            self._client.transact_write_items(TransactItems=[self._claim(event, now), *self._upsert(event)])
        except ClientError as error:
            outcome, old_digest = _cancellation_outcome(error)
            if outcome == "duplicate" and _revises(event, old_digest):
                return self._revise(event, old_digest, now)
            return outcome
        return "applied"

    def _revise(self, event: CommerceEvent, old_digest: str | None, now: datetime) -> ClaimOutcome:
        """A poll read content that differs from what was stored under the same ``updated_at``: two edits in
        one second (Shopify's resolution). The poll is the platform's current state, so it is applied."""
        claim = self._claim(event, now)
        claim["Put"]["ConditionExpression"] = "digest = :old"
        claim["Put"]["ExpressionAttributeValues"] = to_item({":old": old_digest or ""})
        del claim["Put"]["ExpressionAttributeNames"]
        try:
            self._client.transact_write_items(TransactItems=[claim, *self._upsert(event)])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return "duplicate"
        return "applied"

    def mark_done(self, marks: Sequence[DoneMark], now: datetime) -> None:
        expires = int(now.timestamp()) + self._ttl
        requests = [{"PutRequest": {"Item": _done_item(mark, expires)}} for mark in marks]
        for start in range(0, len(requests), _BATCH_WRITE_LIMIT):
            self._write_all(requests[start : start + _BATCH_WRITE_LIMIT])

    def _claim(self, event: CommerceEvent, now: datetime) -> dict[str, Any]:
        epoch = int(now.timestamp())
        item: dict[str, Any] = {
            "pk": f"ingest#{event.idempotency_key}",
            "status": "claimed",
            "lease_until": epoch + self._lease,
            "expires_at": epoch + self._ttl,
        }
        if event.raw_ref:
            item["raw_ref"] = event.raw_ref
        return {
            "Put": {
                "TableName": self._ledger,
                "Item": to_item(item),
                "ConditionExpression": _CLAIM_CONDITION,
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_item({":claimed": "claimed", ":now": epoch}),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _upsert(self, event: CommerceEvent) -> list[dict[str, Any]]:
        """The entity write, and for an order its purchase marks, in the same transaction (no extra request)."""
        put = {"Put": {"TableName": self._entities, **conditional_put(event)}}
        return [put, *purchase_updates(event, self._entities)]

    def _write_all(self, requests: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self._ledger: requests}
        for _attempt in range(5):
            response = self._client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
        raise RuntimeError(f"ledger batch write left {len(pending[self._ledger])} items unprocessed")


def _cancellation_outcome(error: ClientError) -> tuple[ClaimOutcome, str | None]:
    """Which condition failed, and the digest recorded for the key when it was already done."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        raise error
    reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons") or [])  # type: ignore[arg-type]
    claim, upsert = [*reasons, {}, {}][:2]
    if claim.get("Code") == "ConditionalCheckFailed":
        old = from_item(claim.get("Item", {}))
        if old.get("status") == "claimed":
            return "in_progress", None
        return "duplicate", old.get("digest")
    if upsert.get("Code") == "ConditionalCheckFailed":
        return "stale", None
    # TransactionConflict and throttling: the message is retried.
    raise error


def _revises(event: CommerceEvent, old_digest: str | None) -> bool:
    """Only a poll or backfill, which read the platform's current state, may replace a same-second version."""
    if event.source not in ("poll", "backfill") or old_digest is None:
        return False
    return old_digest != content_digest(event.entity.model_dump_json() if event.entity else None)


def _done_item(mark: DoneMark, expires: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": f"ingest#{mark.key}",
        "status": mark.outcome,
        "event_id": mark.event_id,
        "expires_at": expires,
    }
    if mark.raw_ref:
        item["raw_ref"] = mark.raw_ref
    if mark.digest:
        item["digest"] = mark.digest
    return to_item(item)
