"""A Shopify backfill reads one bulk export (streamed JSONL) instead of paging the GraphQL listing, chosen by
the platform's descriptor through the catalogue, while live polls still page."""

from __future__ import annotations

from datetime import timedelta

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.sources import PlatformCatalog
from storeloom.services.polling.runner import PollJob, PollRunner
from storeloom.services.polling.sync import SyncService
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.shopify_data import seed_shopify
from storeloom_tools.fakes.shopify_graphql import FakeShopifyGraphql, shop_with_graphql
from tests.fakes.polling import IngestReplica, MemoryCheckpoints, MemorySink

RECORD = StoreRecord("bulk-shop", "shopify", "https://fake.example", "arn:bulk")


class Stores:
    def get(self, store_id: str) -> StoreRecord | None:
        return RECORD if store_id == RECORD.store_id else None

    def all(self) -> list[StoreRecord]:
        return [RECORD]


class Vault:
    def read(self, secret_arn: str) -> StoreSecrets:
        return StoreSecrets(api_key="shpat_local")


def runner_over(orders: int) -> tuple[PollRunner, FakeShopifyGraphql, MemorySink, VirtualClock]:
    clock = VirtualClock()
    shop = shop_with_graphql(clock=clock)
    seed_shopify(shop.data, orders, customers=10)
    graphql = shop.graphql_app
    assert isinstance(graphql, FakeShopifyGraphql)
    catalog = PlatformCatalog(httpx.Client(transport=httpx.MockTransport(shop)), clock.sleep, clock.monotonic)
    sink = MemorySink()
    service = SyncService(MemoryCheckpoints(), sink, clock.now, first_lookback=timedelta(days=400))
    return PollRunner(Stores(), Vault(), service, catalog), graphql, sink, clock


def test_a_backfill_reads_the_bulk_export_and_enqueues_every_order_once() -> None:
    runner, graphql, sink, clock = runner_over(300)
    job = PollJob(store_id=RECORD.store_id, entity="orders", mode="backfill", since=clock.now() - timedelta(days=400))

    for _ in range(10):  # an export still running ends a run early; the next job continues
        if runner.run(job, lambda: 1 << 30).complete:
            break

    names = {operation.get("name") for operation in graphql.operations}
    assert "RunBulk" in names and "Page" not in names, names  # one export started, no listing paged
    replica = IngestReplica()
    replica.consume(sink.bodies)
    assert len(replica.latest) == 300 and len(sink.bodies) == 300


def test_a_live_poll_still_pages_the_listing() -> None:
    runner, graphql, _sink, _clock = runner_over(30)

    report = runner.run(PollJob(store_id=RECORD.store_id, entity="orders"), lambda: 1 << 30)

    assert report.complete and report.pages >= 2
    names = {operation.get("name") for operation in graphql.operations}
    assert "Page" in names and "RunBulk" not in names, names
