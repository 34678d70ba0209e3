"""WooCommerce customers and products -> canonical entities (timestamps from ``*_gmt`` fields only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeloom.domain.model import Customer, Product, Variant
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import (
    optional_int,
    optional_money,
    optional_time,
    required_id,
    required_time,
    split_tags,
    text,
    unique_ids,
)
from storeloom.platforms.woocommerce.mapping import CREATED_AT, UPDATED_AT, address_country, billing


def map_customer(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Customer:
    """WooCommerce core records no marketing consent, so both consents are ``unknown``, and no time zone."""
    return build(
        Customer,
        id=required_id(item, "id"),
        email=text(item.get("email")) or text(billing(item).get("email")),
        phone=text(billing(item).get("phone")),
        first_name=text(item.get("first_name")) or text(billing(item).get("first_name")),
        last_name=text(item.get("last_name")) or text(billing(item).get("last_name")),
        created_at=optional_time(item, *CREATED_AT),
        updated_at=required_time(item, *UPDATED_AT),
        country=address_country(item),
    )


def _only_variant(item: Mapping[str, Any], currency: str | None) -> Variant:
    """A simple product is its own single variant (same id, so order line items match it)."""
    return build(
        Variant,
        id=required_id(item, "id"),
        sku=text(item.get("sku")),
        title=text(item.get("name")),
        # A product payload names no currency: without the store's currency the price is left out.
        price=optional_money(item.get("price"), currency, "price") if currency else None,
        inventory_quantity=optional_int(item.get("stock_quantity"), "stock_quantity"),
        in_stock=item.get("stock_status", "instock") == "instock",
    )


def map_product(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Product:
    """Variable products list only variation ids; their variants come from the variations resource.

    Related products are the merchant's own links, ``upsell_ids`` then ``cross_sell_ids``; the read-only
    ``related_ids`` are WooCommerce's guess from shared categories and tags, which Storeloom makes itself."""
    images = item.get("images") or [{}]
    variable = item.get("type") in ("variable", "grouped")
    return build(
        Product,
        id=required_id(item, "id"),
        title=text(item.get("name")) or "",
        status=text(item.get("status")),
        url=text(item.get("permalink")),
        image_url=text((images[0] or {}).get("src")),
        tags=split_tags(item.get("tags")),
        categories=split_tags(item.get("categories")),
        variants=[] if variable else [_only_variant(item, currency)],
        updated_at=required_time(item, *UPDATED_AT),
        related_product_ids=unique_ids(item, "upsell_ids", "cross_sell_ids"),
    )
