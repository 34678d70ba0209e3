"""Run decisions and per-contact send history in the FlowRunsTable (pk, sk; TTL ``expires_at``).

- decisions: pk ``<store>#decisions``, sk ``<flow>#<run>#<step>.<attempt>.<kind>``;
- sends to a contact: pk ``<store>#contact#<contact key>``, sk ``<ISO time>#<run>#<step>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storeloom.domain import format_utc
from storeloom.domain.decisions import Decision, SendRecord


class DynamoRunLog:
    def __init__(self, table_name: str, client: Any, ttl_seconds: int = 44 * 86400) -> None:
        # Kept for the abandonment window plus 30 days (PLATFORMS.md: run/send ledger TTL).
        self._table = table_name
        self._client = client
        self._ttl = ttl_seconds

    def record(self, decision: Decision) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"{decision.store_id}#decisions"},
                "sk": {"S": decision.sort_key},
                "body": {"S": decision.model_dump_json()},
                "expires_at": {"N": str(int(decision.at.timestamp()) + self._ttl)},
            },
        )

    def list(self, store_id: str, flow_id: str | None = None) -> list[Decision]:
        condition = "pk = :pk" + (" AND begins_with(sk, :flow)" if flow_id else "")
        values: dict[str, Any] = {":pk": {"S": f"{store_id}#decisions"}}
        if flow_id:
            values[":flow"] = {"S": f"{flow_id}#"}
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression=condition, ExpressionAttributeValues=values
        )
        return [Decision.model_validate_json(i["body"]["S"]) for page in pages for i in page.get("Items", [])]

    def sends(self, store_id: str, contact_key: str, since: datetime) -> Sequence[SendRecord]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk >= :since",
            ExpressionAttributeValues={
                ":pk": {"S": f"{store_id}#contact#{contact_key}"},
                ":since": {"S": format_utc(since)},
            },
        )
        return [_send_of(item) for item in response.get("Items", [])]

    def record_send(self, store_id: str, contact_key: str, record: SendRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"{store_id}#contact#{contact_key}"},
                "sk": {"S": f"{format_utc(record.at)}#{record.run_id}#{record.step}"},
                "medium": {"S": record.medium},
                "flow_id": {"S": record.flow_id},
                "run_id": {"S": record.run_id},
                "step": {"N": str(record.step)},
                "expires_at": {"N": str(int(record.at.timestamp()) + self._ttl)},
            },
        )


def _send_of(item: dict[str, Any]) -> SendRecord:
    return SendRecord(
        at=datetime.fromisoformat(item["sk"]["S"].split("#", 1)[0].replace("Z", "+00:00")),
        medium=item["medium"]["S"],
        flow_id=item["flow_id"]["S"],
        run_id=item["run_id"]["S"],
        step=int(item["step"]["N"]),
    )
