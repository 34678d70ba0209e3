"""WooCommerce REST v3 resources (and webhook bodies, which are the same) -> canonical entities.

Timestamps come only from the ``*_gmt`` fields, which are UTC without a suffix, never from the
site-local ``date_created`` / ``date_modified`` (docs/platforms.md#woocommerce). Payloads of the legacy v3 API
(``created_at`` / ``updated_at`` ending in Z) are read as a fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from storeloom.domain.model import LineItem, Money, Order
from storeloom.domain.types import FulfillmentStatus, PaymentStatus
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import (
    country_of,
    decimal_of,
    money,
    optional_id,
    optional_money,
    optional_time,
    required_id,
    required_time,
    text,
)
from storeloom.services.platform_port import NormalizationError

UPDATED_AT = ("date_modified_gmt", "updated_at")
CREATED_AT = ("date_created_gmt", "created_at")

# docs/canonical-model.md#woocommerce-status: status -> (payment_status, fulfillment_status).
# None for payment means "keeps its payment status" (cancelled): see _payment_when_unstated.
STATUS: dict[str, tuple[PaymentStatus | None, FulfillmentStatus | None]] = {
    "processing": ("paid", "unfulfilled"),
    "completed": ("paid", "fulfilled"),
    "on-hold": ("pending", None),
    "pending": ("pending", None),
    "cancelled": (None, None),
    "refunded": ("refunded", None),
    "failed": ("failed", None),
}


def woo_id(value: Any, field: str) -> str | None:
    """WooCommerce uses 0 for "none" (guest customer_id, no variation_id)."""
    found = optional_id(value, field)
    return None if found in (None, "0") else found


def billing(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return item.get("billing") or item.get("billing_address") or {}


def shipping(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return item.get("shipping") or item.get("shipping_address") or {}


def address_country(item: Mapping[str, Any]) -> str | None:
    """``country`` is already the ISO 3166-1 alpha-2 code in both addresses; billing first."""
    return country_of(billing(item).get("country"), shipping(item).get("country"))


def _payment_when_unstated(item: Mapping[str, Any]) -> PaymentStatus:
    """A cancelled order keeps its payment status: paid if it has a paid date, else pending."""
    legacy_paid = (item.get("payment_details") or {}).get("paid")
    return "paid" if item.get("date_paid_gmt") or legacy_paid is True else "pending"


def line_item(item: Mapping[str, Any], currency: str | None, field: str) -> LineItem:
    """``price`` may be a JSON number (``"price": 3``); without it, ``subtotal / quantity``."""
    quantity = item.get("quantity")
    price = item.get("price")
    if price in (None, "") and item.get("subtotal") not in (None, "") and quantity:
        price = decimal_of(item["subtotal"], f"{field}.subtotal") / Decimal(int(quantity))
    product_id = woo_id(item.get("product_id"), f"{field}.product_id")
    return build(
        LineItem,
        product_id=product_id,
        # A simple product's only variant is the product itself (see map_product).
        variant_id=woo_id(item.get("variation_id"), f"{field}.variation_id") or product_id,
        sku=text(item.get("sku")),
        title=text(item.get("name")) or "",
        quantity=quantity,
        unit_price=money(price, currency, f"{field}.price"),
        image_url=text((item.get("image") or {}).get("src")),
    )


def _subtotal(item: Mapping[str, Any], lines: list[Any], currency: str | None) -> Money | None:
    if item.get("subtotal") not in (None, ""):
        return money(item["subtotal"], currency, "subtotal")
    amounts = [line.get("subtotal") for line in lines]
    if not amounts or any(amount in (None, "") for amount in amounts):
        return None
    return money(sum((decimal_of(a, "line_items.subtotal") for a in amounts), Decimal(0)), currency, "subtotal")


def _refunded(item: Mapping[str, Any], currency: str | None) -> Money | None:
    """Refund entries carry negative totals (``"total": "-10.00"``)."""
    refunds = item.get("refunds")
    if not isinstance(refunds, list):
        return None
    amounts = (abs(decimal_of(refund.get("total"), "refunds.total")) for refund in refunds)
    return money(sum(amounts, Decimal(0)), currency, "refunds")


def map_order(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Order:
    """WooCommerce core asks no marketing consent at checkout, so ``email_consent`` stays unknown."""
    status = text(item.get("status"))
    if status not in STATUS:
        raise NormalizationError(f"status: unknown WooCommerce order status {status!r}")
    payment, fulfillment = STATUS[status]
    currency = text(item.get("currency")) or currency
    customer_id = woo_id(item.get("customer_id"), "customer_id")
    lines = item.get("line_items") or []
    updated_at = required_time(item, *UPDATED_AT)
    return build(
        Order,
        id=required_id(item, "id"),
        number=text(item.get("number")) or text(item.get("order_number")),
        customer_id=customer_id,
        email=text(billing(item).get("email")),
        is_guest=customer_id is None,
        # WooCommerce core has no cart identity (cart_hash is a hash of the contents, not an id).
        cart_id=None,
        line_items=[line_item(line, currency, f"line_items[{i}]") for i, line in enumerate(lines)],
        subtotal=_subtotal(item, lines, currency),
        discount_total=optional_money(
            item.get("discount_total", item.get("total_discount")), currency, "discount_total"
        ),
        total=money(item.get("total"), currency, "total"),
        refunded_total=_refunded(item, currency),
        payment_status=payment or _payment_when_unstated(item),
        fulfillment_status=fulfillment,
        cancelled_at=updated_at if status == "cancelled" else None,
        placed_at=optional_time(item, *CREATED_AT),
        updated_at=updated_at,
        phone=text(billing(item).get("phone")),
        country=address_country(item),
    )
