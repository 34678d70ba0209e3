"""Issue 11 figure: attribution cost per order, in AWS requests (target at most 3), on moto in-process.

K customers each receive one abandoned-cart email (recorded on the person record as a flow step does), then
place an order inside the window (credited: the person also enters ``new``), then the order is partly
refunded (the credit's net revenue moves), then the poll delivers the refunded version again (nothing
changes). Every request the refresher sends, DynamoDB and EventBridge, is counted for each kind of order
event, with attribution on and off, so the difference is what attribution costs.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.adapters.attribution import DynamoAttributions
from storeloom.adapters.dynamo_items import to_item
from storeloom.adapters.people import DynamoPeople, EventBridgeSegmentPublisher, profile_key
from storeloom.domain.types import format_utc
from storeloom.services.segments import SegmentRefresher
from storeloom_tools.local import moto_patches
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import AwsStack, provisioned_stack
from tests.support.people import customer, order

STORE = "bench-shop"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
K = 100
KINDS = ("first order (credited, enters new)", "refund (net revenue moves)", "same version again (poll)")


def main() -> None:
    with_attribution = _run(attribution=True)
    without = _run(attribution=False)
    print(f"AWS requests per order event, k={K} customers (DynamoDB and EventBridge; ms per event):")
    for kind in KINDS:
        on, off = with_attribution[kind], without[kind]
        print(
            f"  {kind:<38} {on['requests'] / K:.2f} with attribution, {off['requests'] / K:.2f} without"
            f"  ({on['ms'] / K:.1f} ms / {off['ms'] / K:.1f} ms)  {dict(on['calls'])}"
        )
    totals = [with_attribution[kind]["requests"] / K for kind in KINDS]
    added = max((with_attribution[k]["requests"] - without[k]["requests"]) / K for k in KINDS)
    print(
        f"  attribution adds {added:.2f} requests per order (target: at most 3); the whole handling takes"
        f" {min(totals):.2f} to {max(totals):.2f}, the top when a segment moves (its bus publish and outbox clear)"
    )
    print(f"  credited orders: {with_attribution['credited']} of {K}")


def _run(attribution: bool) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as aws:
        restore = moto_patches.install()
        try:
            return _measure(aws, attribution)
        finally:
            restore()


def _measure(aws: AwsStack, attribution: bool) -> dict[str, Any]:
    dynamodb, events = aws.runtime.aws.client("dynamodb"), aws.runtime.aws.client("events")
    flow_runs = aws.env("FLOW_RUNS_TABLE") if attribution else None
    people = DynamoPeople(aws.env("PEOPLE_TABLE"), dynamodb, flow_runs)
    publisher = EventBridgeSegmentPublisher(aws.env("EVENT_BUS_NAME"), events)
    refresher = SegmentRefresher(people, publisher, lambda: NOW)
    placed = NOW - timedelta(days=1)
    for n in range(K):
        person_id = refresher.handle(customer(STORE, f"c{n}", NOW - timedelta(days=3), email=f"c{n}@example.com"))
        _sent(aws, dynamodb, str(person_id.person_id), NOW - timedelta(days=2), f"run-{n}")
    first = [order(STORE, f"o{n}", placed, customer_id=f"c{n}", email=f"c{n}@example.com") for n in range(K)]
    refunds = [
        order(
            STORE,
            f"o{n}",
            placed,
            customer_id=f"c{n}",
            email=f"c{n}@example.com",
            refunded="10.00",
            status="partially_refunded",
            updated_at=placed + timedelta(hours=6),
        )
        for n in range(K)
    ]
    polled = [event.model_copy(update={"event_id": f"poll-{event.event_id}", "source": "poll"}) for event in refunds]
    figures: dict[str, Any] = {}
    for kind, batch in zip(KINDS, (first, refunds, polled), strict=True):
        with counting_requests([dynamodb, events]) as counter:
            started = time.perf_counter()
            for event in batch:
                refresher.handle(event)
            elapsed = (time.perf_counter() - started) * 1000
        figures[kind] = {"requests": counter.total, "ms": elapsed, "calls": Counter(counter.calls)}
    if attribution:
        records = DynamoAttributions(aws.env("FLOW_RUNS_TABLE"), dynamodb)
        figures["credited"] = sum(record.credited for record in records.list(STORE))
    return figures


def _sent(aws: AwsStack, client: Any, person_id: str, at: datetime, run: str) -> None:
    send = {"at": format_utc(at), "medium": "email", "flow_id": "abandoned_cart", "run_id": run, "step": 0}
    client.update_item(
        TableName=aws.env("PEOPLE_TABLE"),
        Key=profile_key(STORE, person_id),
        UpdateExpression="SET sends = list_append(sends, :s)",
        ExpressionAttributeValues=to_item({":s": [send | {"flow_version": 1, "entered_at": format_utc(at)}]}),
    )


if __name__ == "__main__":
    main()
