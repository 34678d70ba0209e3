"""Polling figures (issue 3): HTTP requests per N changed orders against the naive per-customer pattern,
and peak memory and time per 1,000 entities for a 10,000-order sync from the fake APIs.

Request counts come from the in-process fakes on a virtual clock (no sleeping). Memory and time come from
a real loopback HTTP sync, with the fake API in a child process so that only the poller is measured, and
with the client-side pacing off (WooCommerce's default 2 requests/s alone would mean 500 ms per 1,000).
"""

from __future__ import annotations

import math
import multiprocessing
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.platforms.sources import source_for
from storeloom.services.polling.sync import SyncRequest, SyncService
from storeloom_tools.fakes import FakeShopify, FakeWooCommerce, LoopbackServer, seed_shopify
from storeloom_tools.fakes.shopify_graphql import shop_with_graphql
from storeloom_tools.fakes.woocommerce_data import seed_woocommerce
from tests.fakes.harness import Harness
from tests.fakes.polling import MemoryCheckpoints

ORDERS, CUSTOMERS = 10_000, 2_000


@dataclass
class CountingSink:
    """Counts what would be enqueued without keeping it, as SQS would."""

    sent: int = 0

    def send_many(self, bodies: Sequence[str]) -> int:
        self.sent += len(bodies)
        return len(bodies)


def incremental_requests(platform: str, page: int) -> tuple[int, int]:
    harness = Harness(platform, orders=ORDERS, customers=CUSTOMERS, page_size=page)
    report = harness.sync()
    assert report.enqueued == ORDERS, report
    return report.requests, math.ceil(ORDERS / page) + 1


def naive_requests() -> int:
    """One ``orders.json?customer_id=`` list per customer (a page of 250 holds each customer's orders)."""
    harness = Harness("shopify", orders=ORDERS, customers=CUSTOMERS)
    per_customer: dict[str, int] = {}
    for row in harness.api.data.all("orders"):
        key = str(row["customer"]["id"])
        per_customer[key] = per_customer.get(key, 0) + 1
    return sum(math.ceil(count / 250) for count in per_customer.values())


def _serve(platform: str, orders: int, conn: Connection) -> None:
    fake: FakeShopify | FakeWooCommerce
    if platform == "shopify":
        fake = shop_with_graphql(bucket_size=10**9)  # the rate limiter is measured elsewhere; here: throughput
        seed_shopify(fake.data, orders, CUSTOMERS)
    else:
        fake = FakeWooCommerce()
        seed_woocommerce(fake.data, orders, CUSTOMERS)
    with LoopbackServer(fake) as server:
        conn.send(server.url)
        conn.recv()


def loopback_sync(platform: str, orders: int) -> tuple[float, float]:
    """(peak traced MiB, seconds per 1,000 entities) for one full sync over loopback HTTP."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(platform, orders, child), daemon=True)
    process.start()
    url = parent.recv()
    key = ("shpat_local", "") if platform == "shopify" else ("ck_local", "cs_local")
    store = StoreRecord("bench", platform, url, "arn:bench")
    sink = CountingSink()
    service = SyncService(MemoryCheckpoints(), sink, first_lookback=timedelta(days=400))
    try:
        with httpx.Client() as http:
            source = source_for(store, StoreSecrets((), *key), http)
            source.transport.limiter = RateLimiter(capacity=1e9)  # measure the poller, not the pacing
            tracemalloc.start()
            started = time.perf_counter()
            service.run(SyncRequest("bench", "orders", "backfill", datetime.now(UTC) - timedelta(days=400)), source)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        parent.send("stop")
        process.join(5)
    assert sink.sent == orders, (sink.sent, orders)
    return peak / 2**20, elapsed / orders * 1000


def main() -> None:
    naive = naive_requests()
    print(f"changed orders N={ORDERS:,} across {CUSTOMERS:,} customers")
    for platform, page in (("shopify", 250), ("woocommerce", 100)):
        made, bound = incremental_requests(platform, page)
        print(
            f"  {platform:<12} incremental: {made} requests (limit ceil(N/{page})+1 = {bound}); "
            f"naive one list per customer: {naive}; ratio {naive / made:.0f}x"
        )
    for platform in ("shopify", "woocommerce"):
        small_peak, _ = loopback_sync(platform, 2_000)
        peak, per_thousand = loopback_sync(platform, ORDERS)
        print(
            f"  {platform:<12} loopback sync of {ORDERS:,}: peak {peak:.1f} MiB (2,000 orders: {small_peak:.1f} MiB), "
            f"{per_thousand * 1000:.0f} ms per 1,000 entities"
        )


if __name__ == "__main__":
    main()
