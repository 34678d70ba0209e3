"""The flows' counters buckets in the FlowRunsTable (layout: storeloom.domain.measurement)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.measurement import counters_partition

_KEYS = ("pk", "sk")


class DynamoCounters:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def buckets(self, store_id: str, flow_id: str, since_day: str) -> list[tuple[str, dict[str, Decimal]]]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk >= :since",
            ExpressionAttributeValues=to_item({":pk": counters_partition(store_id, flow_id), ":since": since_day}),
        )
        found = []
        for page in pages:
            for item in page.get("Items", []):
                values = from_item(item)
                counts = {k: Decimal(str(v)) for k, v in values.items() if k not in _KEYS and not isinstance(v, str)}
                found.append((str(values["sk"]), counts))
        return found
