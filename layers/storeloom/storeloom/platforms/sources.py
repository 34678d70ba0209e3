"""Build a store's platform API client (the poller's PlatformSource) with its rate limiter."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.http import ApiTransport
from storeloom.platforms.ratelimit import RateLimiter
from storeloom.platforms.shopify import api_client as shopify
from storeloom.platforms.shopify.api_client import ShopifyClient, read_call_limit
from storeloom.platforms.woocommerce import api_client as woocommerce
from storeloom.platforms.woocommerce.api_client import WooCommerceClient

PollingClient = ShopifyClient | WooCommerceClient

# Shopify REST Standard: bucket 40, leak 2/s (docs/platforms.md#shopify-rate-limits). WooCommerce: host-dependent,
# so a low default (docs/platforms.md#rate-limit-defaults).
BUCKETS: dict[str, tuple[float, float]] = {"shopify": (40.0, 2.0), "woocommerce": (4.0, 2.0)}
POLLED_ENTITIES: dict[str, tuple[str, ...]] = {
    "shopify": tuple(shopify.RESOURCES),
    "woocommerce": tuple(woocommerce.RESOURCES),
}
# Shopify lists inventory levels only for given locations (location_ids), kept in the store's extra.
NEEDS_EXTRA: dict[str, str] = {"inventory_levels": "location_ids"}


def polled_entities(store: StoreRecord, live: bool = False) -> tuple[str, ...]:
    """The entities to poll for ``store``: its platform's, less those it lacks the settings for, and for
    the live schedules less those that can only be scanned in full (WooCommerce customers)."""
    entities = POLLED_ENTITIES.get(store.platform, ())
    scanned = woocommerce.SCANNED if live and store.platform == "woocommerce" else frozenset()
    return tuple(e for e in entities if e not in scanned and (e not in NEEDS_EXTRA or store.extra.get(NEEDS_EXTRA[e])))


WEBHOOK_TOPICS: dict[str, tuple[str, ...]] = {
    "shopify": shopify.WEBHOOK_TOPICS,
    "woocommerce": woocommerce.WEBHOOK_TOPICS,
}


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
    ``attempts`` bounds each request's retries (workflow re-checks use few, to fail fast).

    Shopify's Admin API access token is the store's ``api_key``; WooCommerce uses the consumer key
    (``api_key``) and secret (``api_secret``)."""
    if store.platform not in BUCKETS:
        raise UnsupportedPlatform(f"platform: polling supports {sorted(BUCKETS)}, not {store.platform!r}")
    capacity, leak = BUCKETS[store.platform]
    limiter = RateLimiter(capacity, leak, share, monotonic=monotonic, sleep=sleep)
    if store.platform == "shopify":
        transport = ApiTransport(http, limiter, read_call_limit, attempts=attempts, sleep=sleep)
        locations = store.extra.get("location_ids", "")
        return ShopifyClient(store.api_url, secrets.api_key or "", transport, page_size or 250, locations)
    transport = ApiTransport(http, limiter, attempts=attempts, sleep=sleep)
    key, secret = secrets.api_key or "", secrets.api_secret or ""
    return WooCommerceClient(store.api_url, key, secret, transport, page_size or 100)


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

    def webhook_topics(self, platform: str) -> tuple[str, ...]:
        return WEBHOOK_TOPICS.get(platform, ())
