"""What to suggest after a purchase: the platform's own links first, then what the store's customers bought
together, then products sharing a category or tag. Never what was just bought; only what is in stock, at its
current price."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from storeloom.domain.model import Product, Variant

RelatedSource = str  # "links" | "copurchase" | "category"
_UNSELLABLE = frozenset({"archived", "draft"})


def catalog_keys(products: Iterable[Product]) -> list[str]:
    """``category:NAME`` and ``tag:NAME`` for every product, in first-seen order."""
    keys: dict[str, None] = {}
    for product in products:
        keys.update({f"category:{name}": None for name in product.categories})
        keys.update({f"tag:{name}": None for name in product.tags})
    return list(keys)


def candidates(
    bought: Collection[str],
    bought_products: Mapping[str, Product],
    copurchase: Mapping[str, Mapping[str, int]],
    catalog: Mapping[str, Collection[str]],
) -> list[tuple[str, RelatedSource]]:
    """Candidate product ids, best first, each once, none of them bought in this order."""
    ordered: dict[str, RelatedSource] = {}

    def offer(ids: Iterable[str], source: RelatedSource) -> None:
        for product_id in ids:
            if product_id not in bought and product_id not in ordered:
                ordered[product_id] = source

    for product_id in bought:
        product = bought_products.get(product_id)
        offer(getattr(product, "related_product_ids", None) or [], "links")
    counts: dict[str, int] = {}
    for product_id in bought:
        for other, n in (copurchase.get(product_id) or {}).items():
            counts[other] = counts.get(other, 0) + n
    offer(sorted(counts, key=lambda other: (-counts[other], other)), "copurchase")
    for key in catalog_keys(p for p in (bought_products.get(i) for i in bought) if p is not None):
        offer(sorted(catalog.get(key) or ()), "category")
    return list(ordered.items())


@dataclass(frozen=True)
class Suggestion:
    product: Product
    variant: Variant | None
    source: RelatedSource


@dataclass(frozen=True)
class Pick:
    suggestions: list[Suggestion] = field(default_factory=list)
    bought_since: list[str] = field(default_factory=list)

    @property
    def exit_reason(self) -> str | None:
        if self.suggestions:
            return None
        return "already_bought" if self.bought_since else "no_related_in_stock"


def choose(
    ranked: Iterable[tuple[str, RelatedSource]],
    products: Mapping[str, Product],
    bought_since: Collection[str],
    limit: int,
) -> Pick:
    """The first ``limit`` candidates that are sellable and in stock and that a newer order did not contain."""
    picked: list[Suggestion] = []
    skipped_bought: list[str] = []
    for product_id, source in ranked:
        if product_id in bought_since:
            skipped_bought.append(product_id)
            continue
        product = products.get(product_id)
        if product is None or (product.status or "active") in _UNSELLABLE:
            continue
        variant = next((v for v in product.variants if v.in_stock), None)
        if variant is None and product.variants:
            continue
        picked.append(Suggestion(product, variant, source))
        if len(picked) == limit:
            break
    return Pick(picked, skipped_bought)
