"""Canonical entities on DynamoDB: one item per (store, entity type, id). Ingest writes them (store.ledger)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.model import CommerceEvent, Order
from storeloom.domain.purchases import ATTRIBUTE_PREFIX, mark_value, order_marks

PURCHASE_MARKS = "purchase"


def entity_partition(store_id: str, entity_type: str) -> str:
    return f"{store_id}#{entity_type}"


def version_of(moment: datetime) -> int:
    """Microseconds since the epoch: comparable as a number, unlike ISO strings with optional fractions."""
    return int(moment.timestamp() * 1_000_000)


class DynamoEntityStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def put_if_newer(self, event: CommerceEvent) -> bool:
        """Store an entity outside the ingest path (fixtures, migrations); False when a newer one is stored.
        An order's purchase marks are written with it, as ingest does."""
        marks = purchase_updates(event, self._table)
        if not marks:
            try:
                self._client.put_item(TableName=self._table, **conditional_put(event))
            except self._client.exceptions.ConditionalCheckFailedException:
                return False
            return True
        put = {"Put": {"TableName": self._table, **conditional_put(event)}}
        try:
            self._client.transact_write_items(TransactItems=[put, *marks])
        except self._client.exceptions.TransactionCanceledException:
            return False
        return True

    def get(self, store_id: str, entity_type: str, entity_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"pk": entity_partition(store_id, entity_type), "entity_id": entity_id}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _entity_of(item) if item else None

    def list_all(self, store_id: str, entity_type: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": entity_partition(store_id, entity_type)}),
        )
        for page in pages:
            for item in page.get("Items", []):
                entity = _entity_of(item)
                if entity is not None:
                    yield entity


def purchase_updates(event: CommerceEvent, table: str) -> list[dict[str, Any]]:
    """TransactWriteItems updates that note an order on its purchase marks (storeloom.domain.purchases).

    Unconditional, so they never cancel the transaction they join; they run only when the entity write's
    own condition (a newer version) holds, so a mark always shows the order's latest version."""
    order = event.entity
    if event.entity_type != "order" or not isinstance(order, Order):
        return []
    value = to_item({":v": mark_value(order)})
    return [
        {
            "Update": {
                "TableName": table,
                "Key": to_item({"pk": entity_partition(event.store_id, PURCHASE_MARKS), "entity_id": key}),
                "UpdateExpression": "SET #o = :v",
                "ExpressionAttributeNames": {"#o": ATTRIBUTE_PREFIX + order.id},
                "ExpressionAttributeValues": value,
            }
        }
        for key in order_marks(order)
    ]


def conditional_put(event: CommerceEvent) -> dict[str, Any]:
    """Put arguments that write the event's entity unless a newer version is stored.

    An equal version is the same fact: rewriting it keeps a crashed-and-retried ingest idempotent.
    """
    return {
        "Item": entity_item(event),
        "ConditionExpression": "attribute_not_exists(pk) OR version <= :version",
        "ExpressionAttributeValues": to_item({":version": version_of(event.occurred_at)}),
    }


def entity_item(event: CommerceEvent) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pk": entity_partition(event.store_id, event.entity_type),
        "entity_id": event.entity_id,
        "entity_type": event.entity_type,
        "version": version_of(event.occurred_at),
        "platform": event.platform,
        "event_id": event.event_id,
        "source": event.source,
        "sort_key": f"{event.entity_type}#{event.occurred_at.isoformat()}",
    }
    if event.entity is None:
        values["deleted"] = True
        return to_item(values)
    values["body"] = event.entity.model_dump_json()
    email = getattr(event.entity, "email", None)
    customer_id = event.entity.id if event.entity_type == "customer" else getattr(event.entity, "customer_id", None)
    if email:
        values["email_key"] = f"{event.store_id}#{email}"
    if customer_id:
        values["customer_key"] = f"{event.store_id}#{customer_id}"
    return to_item(values)


def _entity_of(item: dict[str, Any]) -> dict[str, Any] | None:
    body = from_item(item).get("body")
    if body is None:
        return None
    entity: dict[str, Any] = json.loads(body)
    return entity
