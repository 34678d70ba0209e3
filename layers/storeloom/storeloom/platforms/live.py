"""The platforms' live APIs as the flows' LiveCommerce port: products and orders re-read before a step.

Each store's client is built on first use from the Stores table and its secret (as the poller builds them),
with few attempts and a short HTTP timeout so a platform that is down fails the step's re-check fast and
the step falls back as designed. Live rows go through the platform adapter, so the flows see canonical
entities. A store with no client for its platform, or not registered, has no live API: ``LiveUnsupported``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from storeloom.domain.model import Order, Product
from storeloom.platforms.mapped import MappedAdapter
from storeloom.platforms.registry import get_adapter
from storeloom.platforms.sources import BUCKETS, PlatformCatalog, PollingClient
from storeloom.services.flows.ports import EnrichmentUnavailable, LiveUnsupported
from storeloom.services.platform_port import ApiError, NormalizationError, NormalizeContext
from storeloom.services.polling.ports import SecretReader, StoreLookup

T = TypeVar("T")
E = TypeVar("E")
_FAILURES = (ApiError, httpx.HTTPError, NormalizationError, KeyError, ValueError, TypeError)


@dataclass(frozen=True)
class _StoreApi:
    client: PollingClient
    adapter: MappedAdapter


@dataclass
class PlatformLive:
    """LiveCommerce over the Shopify and WooCommerce API clients, one client per store, cached."""

    stores: StoreLookup
    secrets: SecretReader
    platforms: PlatformCatalog
    cache_seconds: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _apis: dict[str, tuple[float, _StoreApi | None]] = field(default_factory=dict, repr=False)

    def product(self, store_id: str, product_id: str) -> Product | None:
        api = self._api(store_id)
        row = self._call(api.client.product, product_id)
        if row is None:
            return None
        return next(iter(self._entities(store_id, api, "product", [row], Product)), None)

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]:
        """The latest orders of each customer record, plus those placed with ``email`` (guests)."""
        api = self._api(store_id)
        rows = [row for c in dict.fromkeys(customer_ids) for row in self._call(api.client.customer_orders, c)]
        address = email.strip().lower() if email else None
        by_email = self._call(api.client.email_orders, address) if address else []
        orders = {o.id: o for o in self._entities(store_id, api, "order", rows, Order)}
        for order in self._entities(store_id, api, "order", by_email, Order):
            if order.email and order.email.strip().lower() == address:
                orders[order.id] = order
        return list(orders.values())

    def requests(self, store_id: str) -> int:
        """HTTP requests this process has sent to the store's platform API (0 if it has none)."""
        cached = self._apis.get(store_id)
        return cached[1].client.requests if cached and cached[1] else 0

    def _api(self, store_id: str) -> _StoreApi:
        cached = self._apis.get(store_id)
        if cached is None or cached[0] <= self.monotonic():
            cached = (self.monotonic() + self.cache_seconds, self._build(store_id))
            self._apis[store_id] = cached
        if cached[1] is None:
            raise LiveUnsupported(f"store {store_id!r} has no live platform API")
        return cached[1]

    def _build(self, store_id: str) -> _StoreApi | None:
        try:
            store = self.stores.get(store_id)
            if store is None or store.platform not in BUCKETS:
                return None
            adapter = get_adapter(store.platform, currency=store.extra.get("currency"))
            if not isinstance(adapter, MappedAdapter):
                return None
            secrets = self.secrets.read(store.secret_arn)
        except Exception as error:  # the registry or the vault is unreachable: unavailable, not unsupported
            raise EnrichmentUnavailable(f"store {store_id!r}: {type(error).__name__}") from error
        client = self.platforms.client(store, secrets)
        return _StoreApi(client, adapter)

    @staticmethod
    def _call(read: Callable[[str], T], argument: str) -> T:
        try:
            return read(argument)
        except _FAILURES as error:
            raise EnrichmentUnavailable(f"platform API: {type(error).__name__}: {error}") from error

    def _entities(
        self, store_id: str, api: _StoreApi, entity_type: str, rows: list[dict[str, Any]], kind: type[E]
    ) -> list[E]:
        """Canonical entities, as the ingest path would store them; a row that does not map is a failure."""
        context = NormalizeContext(store_id=store_id, source="poll", received_at=self.clock())
        try:
            events = [event for row in rows for event in api.adapter.normalize_resource(entity_type, row, context)]
        except NormalizationError as error:
            raise EnrichmentUnavailable(f"platform API: {error}") from error
        return [event.entity for event in events if isinstance(event.entity, kind)]
