"""Run decisions and per-contact send history in the FlowRunsTable (pk, sk; TTL ``expires_at``).

- decisions: pk ``<store>#decisions``, sk ``<flow>#<run>#<step>.<attempt>.<kind>``;
- sends to a contact: pk ``<store>#contact#<contact key>``, sk ``<ISO time>#<run>#<step>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.model import format_utc


class DynamoRunLog:
    def __init__(self, table_name: str, client: Any, ttl_seconds: int = 44 * 86400) -> None:
        # Kept for the abandonment window plus 30 days (docs/platforms.md#dedupe-ttl).
        self._table = table_name
        self._client = client
        self._ttl = ttl_seconds

    def record(self, decision: Decision) -> None:
        self._client.put_item(TableName=self._table, Item=self.decision_item(decision))

    def record_first(self, decision: Decision) -> bool:
        """Record ``decision`` unless one with its key is stored; False (and nothing written) if it is.

        A run's entry decision goes through here, so a repeated trigger keeps the first entry (and its time)
        and learns that the run had entered already. One conditional put, the cost of ``record``.
        """
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self.decision_item(decision),
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def decision_item(self, decision: Decision) -> dict[str, Any]:
        return to_item(
            {
                "pk": f"{decision.store_id}#decisions",
                "sk": decision.sort_key,
                "body": decision.model_dump_json(),
                "expires_at": int(decision.at.timestamp()) + self._ttl,
            }
        )

    def list(self, store_id: str, flow_id: str | None = None) -> list[Decision]:
        condition = "pk = :pk" + (" AND begins_with(sk, :flow)" if flow_id else "")
        values: dict[str, Any] = {":pk": f"{store_id}#decisions"}
        if flow_id:
            values[":flow"] = f"{flow_id}#"
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression=condition, ExpressionAttributeValues=to_item(values)
        )
        return [Decision.model_validate_json(from_item(i)["body"]) for page in pages for i in page.get("Items", [])]

    def sends(self, store_id: str, contact_key: str, since: datetime) -> Sequence[SendRecord]:
        """The contact's sends since ``since``, oldest first, each (run, step) once.

        A step that is run again after its send (a task retry, a replayed execution) records the send again
        at its own time, because it cannot tell a send recorded from one delivered by an attempt that died
        before recording it; the send ledger delivered it once, so it is reported once, at its first time.
        """
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk >= :since",
            ExpressionAttributeValues=to_item(
                {":pk": f"{store_id}#contact#{contact_key}", ":since": format_utc(since)}
            ),
        )
        first: dict[tuple[str, int], SendRecord] = {}
        for record in sorted((_send_of(item) for item in response.get("Items", [])), key=lambda r: r.at):
            first.setdefault((record.run_id, record.step), record)
        return list(first.values())

    def record_send(self, store_id: str, contact_key: str, record: SendRecord) -> None:
        self._client.put_item(TableName=self._table, Item=self.send_item(store_id, contact_key, record))

    def send_item(self, store_id: str, contact_key: str, record: SendRecord) -> dict[str, Any]:
        return to_item(
            {
                "pk": f"{store_id}#contact#{contact_key}",
                "sk": f"{format_utc(record.at)}#{record.run_id}#{record.step}",
                "medium": record.medium,
                "flow_id": record.flow_id,
                "run_id": record.run_id,
                "step": record.step,
                "expires_at": int(record.at.timestamp()) + self._ttl,
            }
        )


def _send_of(item: dict[str, Any]) -> SendRecord:
    values = from_item(item)
    return SendRecord(
        at=datetime.fromisoformat(values["sk"].split("#", 1)[0].replace("Z", "+00:00")),
        medium=values["medium"],
        flow_id=values["flow_id"],
        run_id=values["run_id"],
        step=int(values["step"]),
    )
