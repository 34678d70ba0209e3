"""What a platform folder declares so the registry, the poller and the live re-checks can use it.

Each ``storeloom.platforms.<name>`` package exports ``DESCRIPTOR``; ``storeloom.platforms.catalogue`` lists
them. Adding a platform is its folder plus the conformance suite (tests/conformance); nothing else learns
its name. The receiver's signature schemes stay in each folder's ``signature`` module, which imports no
model, so the receiver's cold start stays slim.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.domain.types import Platform
from storeloom.platforms.http import ApiTransport, HeaderReader
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.services.platform_port import PlatformAdapter


@dataclass(frozen=True)
class ClientContext:
    """How a client is to be built for one caller: the shared HTTP pool, this caller's share of the store's
    rate budget (1 for live polling and re-checks, less for backfills), retry attempts and page size."""

    http: httpx.Client
    share: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    attempts: int = 8
    page_size: int | None = None
    # Wall-clock time, for platforms whose requests name a moment (Amazon's LastUpdatedBefore).
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def limiter(self, capacity: float, leak_per_second: float) -> RateLimiter:
        return RateLimiter(capacity, leak_per_second, self.share, monotonic=self.monotonic, sleep=self.sleep)

    def transport(
        self, capacity: float, leak_per_second: float, read_headers: HeaderReader | None = None
    ) -> ApiTransport:
        """A transport over a new limiter; ``read_headers`` feeds the platform's rate-limit signals into it."""
        limiter = self.limiter(capacity, leak_per_second)
        return ApiTransport(self.http, limiter, read_headers, attempts=self.attempts, sleep=self.sleep)


# (store, its secrets, the context) -> the store's API client: a PlatformClient (storeloom.services.polling.ports)
# that also reads one resource by id (``product``) and a person's orders (``customer_orders``, ``email_orders``).
ClientFactory = Callable[[StoreRecord, StoreSecrets, ClientContext], Any]


@dataclass(frozen=True)
class PlatformDescriptor:
    name: Platform
    adapter: Callable[..., PlatformAdapter]  # called with currency=<the store's currency or None>
    client: ClientFactory
    # The default token bucket (capacity, leak per second) before the platform's own headers say otherwise.
    bucket: tuple[float, float]
    polled_entities: tuple[str, ...]
    webhook_topics: tuple[str, ...] = ()
    # Entities that cannot be listed by modified time, so only full scans (deep sweeps) read them.
    scanned: frozenset[str] = frozenset()
    # Entities polled only when the store's extra holds the named setting.
    needs_extra: Mapping[str, str] = field(default_factory=dict)
    # What ``stores add`` needs in the store's secret, for its one-line error when a value is missing.
    required_secrets: tuple[str, ...] = ("api_key",)
    # (client, entity) -> the source a backfill pages instead of the client (Shopify's bulk exports), or None.
    backfill_source: Callable[[Any, str], Any] | None = None
