"""Platform sync cost (issue: five platforms behind one port): HTTP requests to sync N = 10,000 changed
orders per platform against ceil(N / page size) + 1, peak memory of each sync at two sizes (bounded by the
page size, not by N), the GraphQL query cost per page, and Shopify's bulk path over a 100,000-order JSONL.

Every platform runs through its conformance kit (tests/conformance/kits): its own fake API, seeded with
ties, its client built as the poller builds it (descriptor.client), the real SyncService, a virtual clock
(rate-limit waits cost no real time) and a queue that only counts. Request counts come from the fake in
process. Memory is traced with the fake in a child process behind a loopback server, so the peak is the
poller's alone (the fakes sort and copy every matching row per request), with the fake's own rate limits
lifted so that no real time is spent waiting.
"""

from __future__ import annotations

import math
import multiprocessing
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

import httpx

from storeloom.platforms.descriptor import ClientContext
from storeloom.platforms.shopify import graphql_queries as q
from storeloom.platforms.shopify.bulk import ShopifyBulk
from storeloom.platforms.shopify.graphql_client import LISTINGS, ShopifyGraphqlClient, graphql_transport
from storeloom.services.polling.sync import SyncRequest, SyncService
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.server import LoopbackServer
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_graphql import FakeShopifyGraphql
from tests.conformance.conftest import Store, kit_names, load_kit
from tests.fakes.polling import MemoryCheckpoints

N, SMALL, PAGE, BULK_ORDERS = 10_000, 2_000, 100, 100_000


@dataclass
class CountingSink:
    sent: int = 0

    def send_many(self, bodies: Sequence[str]) -> int:
        self.sent += len(bodies)
        return len(bodies)


def requests_to_sync(platform: str, orders: int) -> tuple[int, int, int]:
    """(requests, page size the client used, enqueued) for one full sync of ``orders``, fake in process."""
    store = Store(load_kit(platform), orders=orders, customers=max(1, orders // 5), page_size=PAGE)
    sink = CountingSink()
    store.sink = sink  # type: ignore[assignment]
    store.restart()
    store.service.first_lookback = timedelta(days=3650)
    report = store.sync()
    page = int(getattr(store.client, "page_size", PAGE))
    if platform == "shopify":  # GraphQL pages are sized by query cost, below the page size asked for
        page = LISTINGS["orders"].operation.fit(page)
    return report.requests, page, sink.sent


UNLIMITED = 10**9


def _unthrottle(api: Any) -> None:
    """Lift a fake's rate limits (the bench measures memory here, and its clock does not move)."""
    for part in (api, getattr(api, "rest", None), getattr(api, "graphql", None)):
        for name in ("bucket_size", "quota", "maximum_available", "_available", "restore_rate", "leak_per_second"):
            if part is not None and hasattr(part, name):
                setattr(part, name, UNLIMITED)
        if part is not None and isinstance(getattr(part, "rates", None), dict):
            part.rates = {operation: (float(UNLIMITED), float(UNLIMITED)) for operation in part.rates}


def _serve(platform: str, orders: int, conn: Connection) -> None:
    kit = load_kit(platform)
    api = kit.make_api(VirtualClock())
    kit.seed(api, orders, max(1, orders // 5))
    _unthrottle(api)
    with LoopbackServer(api) as server:
        conn.send(server.url)
        conn.recv()


def peak_memory(platform: str, orders: int) -> float:
    """Peak traced MiB of the poller during one full sync, the fake in a child process."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(platform, orders, child), daemon=True)
    process.start()
    kit, clock = load_kit(platform), VirtualClock()
    try:
        with httpx.Client() as http:
            context = ClientContext(http, sleep=clock.sleep, monotonic=clock.monotonic, clock=clock.now, page_size=PAGE)
            client = kit.descriptor.client(kit.record(parent.recv()), kit.secrets, context)
            sink = CountingSink()
            service = SyncService(MemoryCheckpoints(), sink, clock.now, first_lookback=timedelta(days=3650))
            tracemalloc.start()
            service.run(SyncRequest("bench", "orders"), client)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    finally:
        parent.send("stop")
        process.join(5)
    assert sink.sent == orders, (platform, sink.sent, orders)
    return peak


def order_query_cost() -> tuple[int, int, int]:
    """Requested points for 250 orders, for one order page the client sends, and its page size."""
    operation = LISTINGS["orders"].operation
    page = operation.fit(250)
    return operation.cost(250), operation.cost(page), page


def bulk_backfill() -> tuple[int, int, float]:
    """(orders read, requests, peak traced MiB over the last 10,000 parents) for a 100,000-order export."""
    clock = VirtualClock()
    api = FakeShopifyGraphql(clock=clock, rest=FakeShopify(clock=clock), synthetic_orders=BULK_ORDERS)
    http = httpx.Client(transport=httpx.MockTransport(api))
    context = ClientContext(http, sleep=clock.sleep, monotonic=clock.monotonic)
    client = ShopifyGraphqlClient("https://fake.example", "shpat_local", graphql_transport(context))
    stream = ShopifyBulk(client).rows("orders", datetime(2020, 1, 1, tzinfo=UTC))
    read = sum(1 for _ in islice(stream, BULK_ORDERS - 10_000))
    tracemalloc.start()
    read += sum(1 for _ in stream)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return read, len(api.requests), peak


def main() -> None:
    print(f"sync of N={N:,} changed orders per platform (requested page size {PAGE})")
    for platform in kit_names():
        made, page, sent = requests_to_sync(platform, N)
        bound = math.ceil(N / page) + 1
        small_peak, peak = peak_memory(platform, SMALL), peak_memory(platform, N)
        extra = " (+1 getOrderItems per order)" if platform == "amazon_sp" else ""
        print(
            f"  {platform:<12} {made:>6} requests for {sent:,} orders; limit ceil(N/{page})+1 = {bound}{extra}; "
            f"peak {small_peak:.1f} MiB at {SMALL:,}, {peak:.1f} MiB at {N:,}"
        )
    for_250, per_page, page = order_query_cost()
    print(
        f"Shopify GraphQL order query: {for_250:,} points requested for 250 orders (ceiling {q.MAX_QUERY_COST:,}); "
        f"the client asks {page} a page at {per_page} points"
    )
    read, requests, peak = bulk_backfill()
    print(f"Shopify bulk backfill: {read:,} orders in {requests} requests; peak {peak:.1f} MiB over the last 10,000")


if __name__ == "__main__":
    main()
