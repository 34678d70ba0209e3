"""Re-read the products before a step: current title, price, image and stock; drop what is out of stock.

With a live platform API, a failed read is retried within the step's budget, then falls back to the
entity store's copy when it is fresh enough, or defers the step. Which of these happened is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import LineItem, Product
from storeloom.services.flows.ports import CommerceReader, EnrichmentUnavailable, LiveCommerce, LiveUnsupported

_UNSELLABLE = frozenset({"archived", "draft"})


@dataclass(frozen=True)
class Enrichment:
    source: str  # live | store | fallback | deferred
    items: list[LineItem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def deferred(self) -> bool:
        return self.source == "deferred"


@dataclass
class Enricher:
    reader: CommerceReader
    live: LiveCommerce | None = None
    sleep: Callable[[float], None] = lambda _seconds: None

    def enrich(self, store_id: str, items: list[LineItem], config: FlowConfig, now: datetime) -> Enrichment:
        ids = sorted({item.product_id for item in items if item.product_id})
        products, source = self.products(store_id, ids, config, now)
        return Enrichment("deferred") if source == "deferred" else apply(items, products, source)

    def products(
        self, store_id: str, ids: list[str], config: FlowConfig, now: datetime
    ) -> tuple[dict[str, Product], str]:
        """The products as the platform has them now (``live``), as stored (``store``: no live API, or
        ``fallback``: it failed and the copies are fresh enough), or nothing (``deferred``)."""
        if self.live is None:
            return self._stored(store_id, ids), "store"
        try:
            return self._live(store_id, ids, config.enrichment_attempts), "live"
        except LiveUnsupported:
            return self._stored(store_id, ids), "store"
        except EnrichmentUnavailable:
            stored = self._stored(store_id, ids)
            max_age = config.enrichment_fallback_max_age_seconds
            fresh = all(
                (p := stored.get(i)) is not None and (now - p.updated_at).total_seconds() <= max_age for i in ids
            )
            return (stored, "fallback") if fresh else ({}, "deferred")

    def _stored(self, store_id: str, ids: list[str]) -> dict[str, Product]:
        return self.reader.products_by_id(store_id, ids) if ids else {}

    def _live(self, store_id: str, ids: list[str], attempts: int) -> dict[str, Product]:
        assert self.live is not None
        for attempt in range(attempts):
            try:
                found = {i: self.live.product(store_id, i) for i in ids}
                return {i: p for i, p in found.items() if p is not None}
            except LiveUnsupported:
                raise
            except Exception:  # any platform failure counts against the budget
                if attempt + 1 < attempts:
                    self.sleep(0.2 * 2**attempt)
        raise EnrichmentUnavailable(f"live catalog failed {attempts} times")


def apply(items: list[LineItem], products: Mapping[str, Product], source: str) -> Enrichment:
    kept: list[LineItem] = []
    dropped: list[str] = []
    for item in items:
        product = products.get(item.product_id or "")
        fresh = item if product is None else _refresh(item, product)
        if fresh is None:
            dropped.append(item.variant_id or item.product_id or item.title)
        else:
            kept.append(fresh)
    return Enrichment(source, kept, dropped)


def _refresh(item: LineItem, product: Product) -> LineItem | None:
    if (product.status or "active") in _UNSELLABLE:
        return None
    variant = next((v for v in product.variants if v.id == item.variant_id), None)
    if variant is None and item.sku:
        variant = next((v for v in product.variants if v.sku == item.sku), None)
    if variant is not None and not variant.in_stock:
        return None
    if variant is None and product.variants and not any(v.in_stock for v in product.variants):
        return None
    price = variant.price if variant is not None and variant.price is not None else item.unit_price
    return item.model_copy(
        update={"title": product.title, "unit_price": price, "image_url": product.image_url or item.image_url}
    )
