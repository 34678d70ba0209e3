"""One fake store wired to a real API client and sync service with in-memory ports, on a virtual clock.

The tests and the bench drive polling through it: nothing sleeps for real and nothing leaves the process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from storeloom.domain.cursor import parse_time
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.sources import PollingClient, source_for
from storeloom.services.polling.sync import ProgressHook, SyncReport, SyncRequest, SyncService
from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.clock import VirtualClock
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_data import seed_shopify
from storeloom_tools.fakes.woocommerce import FakeWooCommerce
from storeloom_tools.fakes.woocommerce_data import seed_woocommerce
from tests.fakes.polling import IngestReplica, MemoryCheckpoints, MemorySink

FakeApi = FakeShopify | FakeWooCommerce


@dataclass
class Harness:
    platform: str
    orders: int = 0
    customers: int = 1
    checkouts: int = 0
    page_size: int | None = None
    share: float = 1.0
    clock: VirtualClock = field(default_factory=VirtualClock)
    checkpoints: MemoryCheckpoints = field(default_factory=MemoryCheckpoints)
    sink: MemorySink = field(default_factory=MemorySink)
    store_id: str = "shop-1"

    def __post_init__(self) -> None:
        if self.platform == "shopify":
            self.api: FakeApi = FakeShopify(clock=self.clock)
            seed_shopify(self.api.data, self.orders, self.customers, checkouts=self.checkouts)
        else:
            self.api = FakeWooCommerce(clock=self.clock)
            seed_woocommerce(self.api.data, self.orders, self.customers)
        self.http = httpx.Client(transport=httpx.MockTransport(self.api))
        self.source = self.client(self.share)
        self.service = SyncService(self.checkpoints, self.sink, self.clock.now, first_lookback=timedelta(days=60))

    def client(self, share: float) -> PollingClient:
        secrets = StoreSecrets(
            api_key="shpat_local" if self.platform == "shopify" else "ck_local", api_secret="cs_local"
        )
        # The REST Admin API: these walks count REST pages and requests (GraphQL's are in its own tests).
        extra = {"shopify_api": "rest"} if self.platform == "shopify" else {}
        record = StoreRecord(self.store_id, self.platform, "https://fake.example", "arn:fake", extra=extra)
        clock = self.clock
        return source_for(record, secrets, self.http, share, clock.sleep, clock.monotonic, self.page_size)

    def sync(
        self,
        entity: str = "orders",
        remaining_ms: Callable[[], int] = lambda: 1 << 30,
        on_page: ProgressHook | None = None,
    ) -> SyncReport:
        return self.service.run(SyncRequest(self.store_id, entity), self.source, remaining_ms, on_page)

    def replica(self) -> IngestReplica:
        replica = IngestReplica()
        replica.consume(self.sink.bodies)
        return replica

    def truth(self, entity: str = "orders") -> dict[str, str]:
        """Entity id -> its current modified time, as the ingest path would store it (UTC ISO)."""
        field_name = "updated_at" if self.platform == "shopify" else "date_modified_gmt"
        rows = self.api.data.all(entity)
        return {_entity_id(row, entity): parse_time(row[field_name]).isoformat() for row in rows}


def _entity_id(row: Row, entity: str) -> str:
    """The canonical id: a checkout becomes a cart keyed by its cart token (the adapter's rule)."""
    return str(row.get("cart_token") or row.get("token")) if entity == "checkouts" else str(row["id"])
