"""One BigCommerce line item (a cart's or an order's) as a canonical LineItem; the callers pick the price."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeloom.domain.model import LineItem
from storeloom.platforms.bigcommerce.values import bc_id
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import money, text


def line_item(item: Mapping[str, Any], currency: str | None, field: str, price_field: str) -> LineItem:
    """``price_field`` names the price the caller chose, for the message when it does not parse."""
    price = item.get(price_field)
    return build(
        LineItem,
        product_id=bc_id(item.get("product_id"), f"{field}.product_id"),
        variant_id=bc_id(item.get("variant_id"), f"{field}.variant_id"),
        sku=text(item.get("sku")),
        title=text(item.get("name")) or "",
        quantity=item.get("quantity"),
        unit_price=money(price, currency, f"{field}.{price_field}"),
        image_url=text(item.get("image_url")),
    )
