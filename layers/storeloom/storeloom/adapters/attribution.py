"""Attribution records and the counters they move, in the FlowRunsTable (pk, sk).

- an order's record: pk ``<store>#attribution``, sk ``<order_id>``, ``body`` (the Attribution JSON). It holds
  order, run and flow ids, times and amounts, no personal data; it never expires, so a refund months later
  still nets out of the run it was credited to;
- a run's counters: pk ``counters_partition(store, flow)``, sk ``bucket_key(...)``, numbers ADDed to.

The segment refresher reads the record in its one BatchGetItem and writes both in its one transaction
(storeloom.adapters.people); ``storeloom attribution`` reads them here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.attribution import CounterAdds
from storeloom.domain.measurement import Attribution, counters_partition


def attribution_key(store_id: str, order_id: str) -> dict[str, Any]:
    return to_item({"pk": f"{store_id}#attribution", "sk": order_id})


def record_from_item(item: dict[str, Any]) -> Attribution:
    return Attribution.model_validate_json(from_item(item)["body"])


def record_put(table: str, record: Attribution, previous: Attribution | None) -> dict[str, Any]:
    """A transaction item that replaces ``previous`` (as read) with ``record``; it fails, and so does the
    transaction, when another writer changed the record since it was read."""
    put: dict[str, Any] = {
        "TableName": table,
        "Item": {**attribution_key(record.store_id, record.order_id), **to_item({"body": record.model_dump_json()})},
    }
    if previous is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "body = :previous"
        put["ExpressionAttributeValues"] = to_item({":previous": previous.model_dump_json()})
    return {"Put": put}


def counters_update(table: str, counters: CounterAdds) -> dict[str, Any]:
    names = {f"#a{i}": name for i, name in enumerate(counters.adds)}
    values = {f":a{i}": value for i, value in enumerate(counters.adds.values())}
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": counters.partition, "sk": counters.bucket}),
            "UpdateExpression": "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


class DynamoAttributions:
    """Reads a store's attribution records (``storeloom attribution``)."""

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, store_id: str, order_id: str) -> Attribution | None:
        item = self._client.get_item(TableName=self._table, Key=attribution_key(store_id, order_id)).get("Item")
        return record_from_item(item) if item else None

    def list(self, store_id: str) -> Iterator[Attribution]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"{store_id}#attribution"}),
        )
        for page in pages:
            for item in page.get("Items", []):
                yield record_from_item(item)

    def counters(self, store_id: str, flow_id: str) -> dict[str, dict[str, Any]]:
        """A flow's counters buckets: sort key -> attribute values (numbers as Decimal)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": counters_partition(store_id, flow_id)}),
        )
        found: dict[str, dict[str, Any]] = {}
        for page in pages:
            for item in page.get("Items", []):
                values = from_item(item)
                found[str(values["sk"])] = {k: v for k, v in values.items() if k not in ("pk", "sk")}
        return found
