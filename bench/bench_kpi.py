"""Issue 11 figure: `kpi` over 100,000 runs reads the flows' counters buckets, not the runs: its DynamoDB
requests do not grow with the runs, and it answers in under 2 s on the local stack (target).

The runs' counters are seeded as the flow steps and attribution would have added them, spread over 30 days,
two flow versions, two variants and both arms (one bucket per day, version, variant and arm)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.kpi import DynamoCounters
from storeloom.domain import measurement as measure
from storeloom.services.kpi import FlowScope, kpi_report
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import provisioned_stack

STORE = "bench-shop"
DAYS, VERSIONS, VARIANTS = 30, (1, 2), ("A", "B")


def main() -> None:
    with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as aws:
        client = aws.client("dynamodb")
        table = aws.env("FLOW_RUNS_TABLE")
        now = datetime.now(UTC)
        for runs, store in ((1_000, f"{STORE}-small"), (100_000, STORE)):
            _seed(client, table, store, runs, now)
            _measure(client, table, store, runs, now)


def _seed(client: Any, table: str, store: str, runs: int, now: datetime) -> None:
    rng = random.Random(11)
    per_bucket = runs // (DAYS * len(VERSIONS) * 2)
    for day in range(DAYS):
        entered = now - timedelta(days=day)
        for version in VERSIONS:
            for arm in ("treated", "control"):
                entries = per_bucket
                conversions = rng.randint(0, entries // 5)
                _add(client, table, store, measure.bucket_key(entered, version, "-", arm), entries, conversions)
                for variant in VARIANTS:
                    key = measure.bucket_key(entered, version, variant, arm)
                    _add(client, table, store, key, 0, conversions // 2, sent=entries // 2, runs=entries // 2)


def _add(client: Any, table: str, store: str, bucket: str, entries: int, conversions: int, **more: int) -> None:
    counts = {measure.ENTRIES: entries, measure.CONVERSIONS: conversions, measure.ELIGIBLE: entries, **more}
    names = {f"#c{i}": name for i, name in enumerate(counts)}
    values = {f":c{i}": {"N": str(n)} for i, n in enumerate(counts.values())}
    client.update_item(
        TableName=table,
        Key={"pk": {"S": measure.counters_partition(store, "abandoned_cart")}, "sk": {"S": bucket}},
        UpdateExpression="ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(names))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def _measure(client: Any, table: str, store: str, runs: int, now: datetime) -> None:
    reader = DynamoCounters(table, client)
    started = time.perf_counter()
    with counting_requests([client]) as counter:
        report = kpi_report(store, now - timedelta(days=DAYS), [FlowScope("abandoned_cart", 10)], reader, "USD")
    seconds = time.perf_counter() - started
    flow = report["flows"][0]
    print(
        f"kpi over {flow['entries']:,} runs ({runs:,} seeded): {counter.total} DynamoDB requests, {seconds:.3f} s "
        f"(target: requests independent of runs, < 2 s); lift {flow['holdout']['lift']}"
    )


if __name__ == "__main__":
    main()
