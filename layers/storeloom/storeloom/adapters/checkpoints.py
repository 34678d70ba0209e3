"""Poll checkpoints on DynamoDB: one item per (store_id, entity key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
            Key={"store_id": {"S": store_id}, "entity": {"S": key}},
            ConsistentRead=True,
        ).get("Item")
        return _checkpoint_of(item) if item else None

    def save(self, checkpoint: Checkpoint) -> None:
        self._client.put_item(TableName=self._table, Item=_item_of(checkpoint))

    def list(self, store_id: str) -> list[Checkpoint]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="store_id = :s",
            ExpressionAttributeValues={":s": {"S": store_id}},
            ConsistentRead=True,
        )
        items = (item for page in pages for item in page.get("Items", []))
        return [_checkpoint_of(item) for item in items if not item["entity"]["S"].startswith("#")]


def _item_of(checkpoint: Checkpoint) -> dict[str, Any]:
    item: dict[str, Any] = {"store_id": {"S": checkpoint.store_id}, "entity": {"S": checkpoint.key}}
    texts: dict[str, str | None] = {
        "cursor": checkpoint.cursor.to_text() if checkpoint.cursor else None,
        "resume": checkpoint.resume.to_text() if checkpoint.resume else None,
        "resume_token": checkpoint.resume_token,
        "since": _time(checkpoint.since),
        "last_run_at": _time(checkpoint.last_run_at),
    }
    item |= {name: {"S": value} for name, value in texts.items() if value is not None}
    item |= {name: {"N": str(getattr(checkpoint, name))} for name in _COUNTS}
    if checkpoint.total_estimate is not None:
        item["total_estimate"] = {"N": str(checkpoint.total_estimate)}
    return item


def _checkpoint_of(item: dict[str, Any]) -> Checkpoint:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    cursor, resume, since, last_run = text("cursor"), text("resume"), text("since"), text("last_run_at")
    resume_token = text("resume_token")
    return Checkpoint(
        store_id=item["store_id"]["S"],
        key=item["entity"]["S"],
        cursor=Cursor.from_text(cursor) if cursor else None,
        resume=Cursor.from_text(resume) if resume else None,
        resume_token=resume_token,
        since=parse_time(since) if since else None,
        last_run_at=parse_time(last_run) if last_run else None,
        total_estimate=int(item["total_estimate"]["N"]) if "total_estimate" in item else None,
        **{name: int(item[name]["N"]) for name in _COUNTS if name in item},
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
            Key={"store_id": {"S": store_id}, "entity": {"S": self.KEY}},
            UpdateExpression="ADD repaired_total :n SET last_checked_at = :t, last_repaired = :r",
            ExpressionAttributeValues={
                ":n": {"N": str(len(topics))},
                ":t": {"S": format_time(now)},
                ":r": {"S": ",".join(topics)},
            },
        )

    def read(self, store_id: str) -> dict[str, str | int]:
        item = self._client.get_item(
            TableName=self._table, Key={"store_id": {"S": store_id}, "entity": {"S": self.KEY}}
        ).get("Item", {})
        return {
            "repaired_total": int(item.get("repaired_total", {}).get("N", "0")),
            "last_checked_at": item.get("last_checked_at", {}).get("S", ""),
            "last_repaired": item.get("last_repaired", {}).get("S", ""),
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
            ExpressionAttributeValues={":pk": {"S": f"{store_id}#{entity_type}"}},
            ProjectionExpression="#src, sort_key",
            ExpressionAttributeNames={"#src": "source"},
        )
        return [
            (item.get("source", {}).get("S", ""), item.get("sort_key", {}).get("S", "").partition("#")[2])
            for page in pages
            for item in page.get("Items", [])
        ]
