"""Build a store's platform API client (the poller's PlatformSource) with its rate limiter."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.catalogue import DESCRIPTORS
from storeloom.platforms.descriptor import ClientContext

# Any platform's client: a PlatformClient (storeloom.services.polling.ports) that also reads one product and
# a person's orders for the workflows' live re-checks (storeloom.platforms.live).
PollingClient = Any

BUCKETS: dict[str, tuple[float, float]] = {name: d.bucket for name, d in DESCRIPTORS.items()}
POLLED_ENTITIES: dict[str, tuple[str, ...]] = {name: d.polled_entities for name, d in DESCRIPTORS.items()}
WEBHOOK_TOPICS: dict[str, tuple[str, ...]] = {name: d.webhook_topics for name, d in DESCRIPTORS.items()}


def polled_entities(store: StoreRecord, live: bool = False) -> tuple[str, ...]:
    """The entities to poll for ``store``: its platform's, less those it lacks the settings for, and for
    the live schedules less those that can only be scanned in full (WooCommerce customers)."""
    descriptor = DESCRIPTORS.get(store.platform)  # type: ignore[call-overload]
    if descriptor is None:
        return ()
    scanned = descriptor.scanned if live else frozenset()
    needs = descriptor.needs_extra
    return tuple(
        e for e in descriptor.polled_entities if e not in scanned and (e not in needs or store.extra.get(needs[e]))
    )


class UnsupportedPlatform(ValueError):
    """No polling client exists for the store's platform."""


def source_for(
    store: StoreRecord,
    secrets: StoreSecrets,
    http: httpx.Client,
    share: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    page_size: int | None = None,
    attempts: int = 8,
) -> PollingClient:
    """The client for ``store``. ``share`` is the part of the store's rate budget this caller may use:
    1 for live polling and workflow re-checks, less (0.5 by default) for backfills and deep sweeps.
    ``attempts`` bounds each request's retries (workflow re-checks use few, to fail fast)."""
    descriptor = DESCRIPTORS.get(store.platform)  # type: ignore[call-overload]
    if descriptor is None:
        raise UnsupportedPlatform(f"platform: polling supports {sorted(DESCRIPTORS)}, not {store.platform!r}")
    context = ClientContext(http, share, sleep, monotonic, attempts, page_size)
    return descriptor.client(store, secrets, context)


@dataclass
class PlatformCatalog:
    """The services' PlatformCatalog port over this package: clients share one HTTP connection pool."""

    http: httpx.Client
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    attempts: int = 8

    def client(self, store: StoreRecord, secrets: StoreSecrets, share: float = 1.0) -> PollingClient:
        return source_for(store, secrets, self.http, share, self.sleep, self.monotonic, attempts=self.attempts)

    def polled_entities(self, store: StoreRecord, live: bool = False) -> tuple[str, ...]:
        return polled_entities(store, live)

    def backfill_source(self, store: StoreRecord, client: PollingClient, entity: str) -> PollingClient:
        """What a backfill of ``entity`` pages: the platform's bulk path where it has one, else the client."""
        descriptor = DESCRIPTORS.get(store.platform)  # type: ignore[call-overload]
        bulk = descriptor.backfill_source(client, entity) if descriptor and descriptor.backfill_source else None
        return bulk or client

    def webhook_topics(self, platform: str) -> tuple[str, ...]:
        return WEBHOOK_TOPICS.get(platform, ())
