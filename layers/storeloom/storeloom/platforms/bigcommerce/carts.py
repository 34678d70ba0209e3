"""BigCommerce V3 carts (``GET /v3/carts/{id}``) and the ``store/cart/converted`` marker -> canonical carts.

A cart's items are its physical, digital and custom items (gift certificates are no product); the unit price
is ``list_price``, the price before discounts. Amounts are V3 JSON numbers, read exactly (``loads``); the
currency is the cart's own ``currency.code``. ``recovery_url`` is ``redirect_urls.cart_url`` when the cart
has one (only carts made through the management API do: carts.v3 docs).

``store/cart/converted`` names the cart and its order once the cart is gone (it cannot be fetched any more:
docs/platforms.md#bigcommerce-carts): it becomes a cart version with only ``order_id`` and ``completed_at``,
versioned by the event's own ``created_at``, which is the same on every retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storeloom.domain.model import Cart, LineItem
from storeloom.platforms.bigcommerce.lines import line_item
from storeloom.platforms.bigcommerce.values import bc_id, optional_bc_time, required_bc_time
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import optional_id, optional_money, required_id, text
from storeloom.services.platform_port import NormalizationError

_ITEM_KINDS = ("physical_items", "digital_items", "custom_items")


def _line(item: Mapping[str, Any], currency: str | None, field: str) -> LineItem:
    price_field = "list_price" if item.get("list_price") is not None else "sale_price"
    return line_item(item, currency, field, price_field)


def _lines(item: Mapping[str, Any], currency: str | None) -> list[LineItem]:
    groups = item.get("line_items") or {}
    return [
        _line(line, currency, f"line_items.{kind}[{index}]")
        for kind in _ITEM_KINDS
        for index, line in enumerate(groups.get(kind) or [])
    ]


def map_cart(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Cart:
    currency = text((item.get("currency") or {}).get("code")) or currency
    return build(
        Cart,
        id=required_id(item, "id"),
        customer_id=bc_id(item.get("customer_id"), "customer_id"),
        email=text(item.get("email")),
        line_items=_lines(item, currency),
        subtotal=optional_money(item.get("base_amount"), currency, "base_amount"),
        total=optional_money(item.get("cart_amount"), currency, "cart_amount"),
        recovery_url=text((item.get("redirect_urls") or {}).get("cart_url")),
        created_at=optional_bc_time(item, "created_time"),
        updated_at=required_bc_time(item, "updated_time"),
    )


def converted_cart(data: Mapping[str, Any], moment: datetime) -> Cart:
    """The marker a ``store/cart/converted`` event's ``data`` (``{id, orderId}``) stands for."""
    cart_id, order_id = optional_id(data.get("id"), "data.id"), optional_id(data.get("orderId"), "data.orderId")
    if cart_id is None or order_id is None:
        raise NormalizationError(f"data.{'id' if cart_id is None else 'orderId'}: missing id")
    return build(
        Cart,
        id=cart_id,
        order_id=order_id,
        completed_at=moment,
        updated_at=moment,
    )
