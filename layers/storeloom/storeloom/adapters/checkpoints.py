"""Poll checkpoints on DynamoDB: one item per (store_id, entity key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.cursor import Cursor, format_time, parse_time

_COUNTS = ("last_fetched", "last_enqueued", "last_requests", "total_enqueued")


class DynamoCheckpointStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, store_id: str, key: str) -> Checkpoint | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=to_item({"store_id": store_id, "entity": key}),
            ConsistentRead=True,
        ).get("Item")
        return _checkpoint_of(item) if item else None

    def save(self, checkpoint: Checkpoint) -> None:
        self._client.put_item(TableName=self._table, Item=_item_of(checkpoint))

    def list(self, store_id: str) -> list[Checkpoint]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="store_id = :s",
            ExpressionAttributeValues=to_item({":s": store_id}),
            ConsistentRead=True,
        )
        # Keys starting with "#" are other records kept in this table (DynamoHealthLog).
        checkpoints = (_checkpoint_of(item) for page in pages for item in page.get("Items", []))
        return [checkpoint for checkpoint in checkpoints if not checkpoint.key.startswith("#")]


def _item_of(checkpoint: Checkpoint) -> dict[str, Any]:
    values: dict[str, Any] = {"store_id": checkpoint.store_id, "entity": checkpoint.key}
    texts: dict[str, str | None] = {
        "cursor": checkpoint.cursor.to_text() if checkpoint.cursor else None,
        "resume": checkpoint.resume.to_text() if checkpoint.resume else None,
        "resume_token": checkpoint.resume_token,
        "since": _time(checkpoint.since),
        "last_run_at": _time(checkpoint.last_run_at),
    }
    values |= {name: value for name, value in texts.items() if value is not None}
    values |= {name: getattr(checkpoint, name) for name in _COUNTS}
    if checkpoint.total_estimate is not None:
        values["total_estimate"] = checkpoint.total_estimate
    return to_item(values)


def _checkpoint_of(item: dict[str, Any]) -> Checkpoint:
    values = from_item(item)
    cursor, resume, since, last_run = (values.get(name) for name in ("cursor", "resume", "since", "last_run_at"))
    total_estimate = values.get("total_estimate")
    return Checkpoint(
        store_id=values["store_id"],
        key=values["entity"],
        cursor=Cursor.from_text(cursor) if cursor else None,
        resume=Cursor.from_text(resume) if resume else None,
        resume_token=values.get("resume_token"),
        since=parse_time(since) if since else None,
        last_run_at=parse_time(last_run) if last_run else None,
        total_estimate=int(total_estimate) if total_estimate is not None else None,
        **{name: int(values[name]) for name in _COUNTS if name in values},
    )


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment else None


class DynamoHealthLog:
    """Subscription repairs per store, kept beside the poll checkpoints under the key ``#subscriptions``."""

    KEY = "#subscriptions"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def record_repairs(self, store_id: str, topics: list[str], now: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=to_item({"store_id": store_id, "entity": self.KEY}),
            UpdateExpression="ADD repaired_total :n SET last_checked_at = :t, last_repaired = :r",
            ExpressionAttributeValues=to_item({":n": len(topics), ":t": format_time(now), ":r": ",".join(topics)}),
        )

    def record_credentials(self, store_id: str, error: str | None, now: datetime) -> None:
        """The last poll's verdict on the store's credentials: the refusal, or cleared once they work."""
        key = to_item({"store_id": store_id, "entity": self.KEY})
        if error is None:
            update, values = "REMOVE credentials_error SET credentials_checked_at = :t", {":t": format_time(now)}
        else:
            update = "SET credentials_error = :e, credentials_checked_at = :t"
            values = {":e": error[:500], ":t": format_time(now)}
        self._client.update_item(
            TableName=self._table, Key=key, UpdateExpression=update, ExpressionAttributeValues=to_item(values)
        )

    def read(self, store_id: str) -> dict[str, str | int]:
        item = self._client.get_item(TableName=self._table, Key=to_item({"store_id": store_id, "entity": self.KEY}))
        values = from_item(item.get("Item", {}))
        return {
            "repaired_total": int(values.get("repaired_total", 0)),
            "last_checked_at": values.get("last_checked_at", ""),
            "last_repaired": values.get("last_repaired", ""),
            "credentials_error": values.get("credentials_error", ""),
            "credentials_checked_at": values.get("credentials_checked_at", ""),
        }


class DynamoEntitySources:
    """Reads, from the Entities table, which path delivered each stored entity version of a store."""

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def sources(self, store_id: str, entity_type: str) -> list[tuple[str, str]]:
        """(source, occurred_at ISO) of every stored entity of one type."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"{store_id}#{entity_type}"}),
            ProjectionExpression="#src, sort_key",
            ExpressionAttributeNames={"#src": "source"},
        )
        items = (from_item(item) for page in pages for item in page.get("Items", []))
        return [(item.get("source", ""), item.get("sort_key", "").partition("#")[2]) for item in items]
