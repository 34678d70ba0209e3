"""Issue 10 figures for lifecycle segments (moto in-process, PeopleTable as the template declares it).

1. Refresh work for k = 100 new orders in a store of 1,000 versus 20,000 customers: DynamoDB requests and
   time per order, and the ratio of the two (target at most 1.1: the refresh does not grow with the store).
2. The daily sweep of the 20,000-customer store: DynamoDB requests against the customers whose segment
   changes that day (only due persons are read).

The stores are seeded by writing the items the refresher would have written (profiles, identity keys,
segment memberships, due items, counters) with BatchWriteItem, not through the refresher. Each store gets a
stack of its own, so the larger store's table really is larger.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from storeloom.adapters.dynamo_items import to_item
from storeloom.adapters.people import (
    DynamoPeople,
    due_key,
    identity_key,
    member_key,
    profile_key,
    store_key,
)
from storeloom.domain.identity import customer_key, person_id_for
from storeloom.domain.person import OrderFacts, PersonProfile
from storeloom.domain.segments import SegmentThresholds, membership, net_spend, spend_key
from storeloom.services.segments import SegmentRefresher
from storeloom_tools.local import moto_patches
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import provisioned_stack
from tests.support.people import order

STORE = "bench-shop"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
K = 100
VIP = Decimal("400")


class NullBus:
    def publish(self, entries: Any) -> list[str]:
        return []


def main() -> None:
    small = _refresh(1_000)
    large = _refresh(20_000, sweep=True)
    print(f"refresh, k={K} new orders (DynamoDB requests per order, ms per order):")
    for size, figures in ((1_000, small), (20_000, large)):
        print(
            f"  store of {size:>6,} customers: {figures['requests'] / K:.2f} requests, {figures['ms'] / K:.1f} ms"
            f"  {dict(figures['calls'])}"
        )
    request_ratio = large["requests"] / small["requests"]
    time_ratio = large["ms"] / small["ms"]
    print(f"  ratio 20,000 / 1,000: requests {request_ratio:.2f}, time {time_ratio:.2f} (target <= 1.1)")
    sweep = large["sweep"]
    print(
        f"daily sweep of 20,000 customers: {sweep['requests']} DynamoDB requests, {sweep['changed']} customers"
        f" changed segment ({sweep['requests'] / max(sweep['changed'], 1):.2f} requests per changed customer),"
        f" {sweep['due']} due items read, {sweep['ms']:.0f} ms  {dict(sweep['calls'])}"
    )


def _refresh(customers: int, sweep: bool = False) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as aws:
        restore = moto_patches.install()
        try:
            client = aws.runtime.aws.client("dynamodb")
            people = DynamoPeople(aws.env("PEOPLE_TABLE"), client)
            _seed(client, aws.env("PEOPLE_TABLE"), customers)
            refresher = SegmentRefresher(people, NullBus(), lambda: NOW)
            picks = random.Random(7).sample(range(customers), K)
            events = [
                order(STORE, f"new-{n}", NOW - timedelta(hours=1), customer_id=f"c{n}", email=f"c{n}@example.com")
                for n in picks
            ]
            with counting_requests([client]) as counter:
                started = time.perf_counter()
                for event in events:
                    refresher.handle(event)
                elapsed = (time.perf_counter() - started) * 1000
            figures: dict[str, Any] = {"requests": counter.total, "ms": elapsed, "calls": counter.calls}
            if sweep:
                figures["sweep"] = _sweep(refresher, client)
            return figures
        finally:
            restore()


def _sweep(refresher: SegmentRefresher, client: Any) -> dict[str, Any]:
    tomorrow = NOW + timedelta(days=1)
    with counting_requests([client]) as counter:
        started = time.perf_counter()
        outcome = refresher.sweep(STORE, tomorrow)
        elapsed = (time.perf_counter() - started) * 1000
    return {
        "requests": counter.total,
        "changed": outcome.changed,
        "due": outcome.due,
        "ms": elapsed,
        "calls": Counter(counter.calls),
    }


def _seed(client: Any, table: str, customers: int) -> None:
    """Every customer has two orders, the last between 0 and 400 days before NOW, spread evenly."""
    rng = random.Random(customers)
    thresholds = SegmentThresholds(vip_spend=VIP)
    items: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for n in range(customers):
        key = customer_key(f"c{n}")
        person_id = person_id_for(STORE, [key])
        last = NOW - timedelta(days=rng.uniform(0, 400))
        orders = {
            f"o{n}-{i}": OrderFacts(
                order_id=f"o{n}-{i}",
                placed_at=when,
                updated_at=when,
                total=Decimal(total),
                currency="USD",
                payment_status="paid",
            )
            for i, (when, total) in enumerate(
                ((last - timedelta(days=40), "120.00"), (last, f"{rng.randint(20, 500)}.00"))
            )
        }
        profile = PersonProfile(
            store_id=STORE, person_id=person_id, customer_ids=[key.value], emails=[f"c{n}@example.com"], orders=orders
        )
        judged = membership(profile, NOW, thresholds, VIP)
        profile = profile.model_copy(update={"segments": judged.segments, "next_change_at": judged.next_change_at})
        items.append(
            {
                **profile_key(STORE, person_id),
                **_values(
                    {
                        "body": profile.model_dump_json(exclude={"sends", "runs", "version"}),
                        "version": 1,
                        "sends": [],
                        "runs": {},
                        "spend_store": STORE,
                        "spend_key": spend_key(net_spend(profile), person_id),
                    }
                ),
            }
        )
        for kind, value in (("customer", key.value), ("email", f"c{n}@example.com")):
            items.append({**identity_key(STORE, kind, value), **_values({"person_id": person_id})})
        for segment, since in judged.segments.items():
            items.append({**member_key(STORE, segment, person_id), **_values({"since": since.isoformat()})})
            counts[segment] += 1
        if judged.next_change_at is not None:
            items.append({**due_key(STORE, judged.next_change_at, person_id), **_values({"person_id": person_id})})
    counts["with_orders"] = customers
    items.append({**store_key(STORE, "counts"), **_values({**counts, "first_day": NOW.date().isoformat()})})
    items.append(
        {
            **store_key(STORE, "config"),
            **_values({"new_days": 30, "at_risk_days": 90, "lapsed_days": 365, "vip_spend": str(VIP)}),
        }
    )
    items.append({**store_key(STORE, "sweep"), **_values({"day": NOW.date().isoformat()})})
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _values(values: dict[str, Any]) -> dict[str, Any]:
    return to_item(values)


if __name__ == "__main__":
    main()
