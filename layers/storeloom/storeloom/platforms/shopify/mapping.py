"""Shopify REST/webhook resources -> canonical entities (docs/canonical-model.md, docs/platforms.md#shopify).

Cart identity: a Shopify checkout becomes a ``cart`` whose id is its ``cart_token``, falling back to the
checkout ``token`` when it has no cart token (checkouts made through the API). An order's ``cart_id``
follows the same rule over its own ``cart_token`` / ``checkout_token``, so a flow can match an abandoned
cart to the order that completed it (and docs/platforms.md#abandoned-cart-defaults keys entries on the cart token).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from storeloom.domain.model import Cart, LineItem, Money, Order
from storeloom.domain.types import FulfillmentStatus, PaymentStatus
from storeloom.platforms.envelope import build
from storeloom.platforms.shopify.resources import consent
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

# financial_status maps one to one (docs/canonical-model.md#shopify-status). "expired" (an authorization that
# lapsed) is a failed payment.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "pending": "pending",
    "authorized": "authorized",
    "partially_paid": "partially_paid",
    "paid": "paid",
    "partially_refunded": "partially_refunded",
    "refunded": "refunded",
    "voided": "voided",
    "failed": "failed",
    "expired": "failed",
}
# null -> unfulfilled (docs/canonical-model.md#shopify-status); "pending" appears in older docs samples,
# "restocked" after a cancel.
FULFILLMENT_STATUS: dict[str | None, FulfillmentStatus] = {
    None: "unfulfilled",
    "unfulfilled": "unfulfilled",
    "pending": "unfulfilled",
    "restocked": "unfulfilled",
    "partial": "partial",
    "fulfilled": "fulfilled",
}


def cart_key(cart_token: Any, checkout_token: Any) -> str | None:
    return text(cart_token) or text(checkout_token)


def _currency(item: Mapping[str, Any], default: str | None) -> str | None:
    return text(item.get("currency")) or text(item.get("presentment_currency")) or default


def line_item(item: Mapping[str, Any], currency: str | None, field: str) -> LineItem:
    shop_money = ((item.get("price_set") or {}).get("shop_money")) or {}
    price = shop_money.get("amount", item.get("price"))
    return build(
        LineItem,
        product_id=optional_id(item.get("product_id"), f"{field}.product_id"),
        variant_id=optional_id(item.get("variant_id"), f"{field}.variant_id"),
        sku=text(item.get("sku")),
        title=text(item.get("title")) or text(item.get("name")) or "",
        quantity=item.get("quantity"),
        unit_price=money(price, shop_money.get("currency_code") or currency, f"{field}.price"),
        image_url=text(item.get("image_url")),
    )


def _lines(item: Mapping[str, Any], currency: str | None) -> list[LineItem]:
    lines = item.get("line_items") or []
    return [line_item(line, currency, f"line_items[{index}]") for index, line in enumerate(lines)]


def payment_status(item: Mapping[str, Any], topic: str | None) -> PaymentStatus:
    """financial_status one to one; when a trimmed payload omits it, orders/paid means paid, and otherwise
    total_outstanding against total_price tells pending / partially_paid / paid."""
    status = text(item.get("financial_status"))
    if status is not None:
        if status not in PAYMENT_STATUS:
            raise NormalizationError(f"financial_status: unknown value {status!r}")
        return PAYMENT_STATUS[status]
    if topic == "orders/paid":
        return "paid"
    if item.get("total_outstanding") in (None, ""):
        raise NormalizationError("financial_status: missing (and no total_outstanding to infer it from)")
    outstanding = decimal_of(item["total_outstanding"], "total_outstanding")
    total = decimal_of(item.get("total_price"), "total_price")
    if outstanding <= 0:
        return "paid"
    return "pending" if outstanding >= total else "partially_paid"


def fulfillment_status(value: Any) -> FulfillmentStatus:
    status = text(value)
    if status not in FULFILLMENT_STATUS:
        raise NormalizationError(f"fulfillment_status: unknown value {status!r}")
    return FULFILLMENT_STATUS[status]


def refunded_total(item: Mapping[str, Any], currency: str | None) -> Money | None:
    """Sum of the successful refund transactions in ``refunds``; None when the payload has no refunds."""
    refunds = item.get("refunds")
    if not isinstance(refunds, list):
        return None
    total = Decimal(0)
    for refund in refunds:
        for transaction in refund.get("transactions") or []:
            if transaction.get("kind") == "refund" and transaction.get("status") in (None, "success"):
                total += decimal_of(transaction.get("amount"), "refunds.transactions.amount")
    return money(total, currency, "refunds")


def _address(item: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    address = item.get(field)
    return address if isinstance(address, Mapping) else {}


def map_order(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Order:
    """``buyer_accepts_marketing`` is the box the buyer ticked at checkout, a guest's only consent."""
    currency = _currency(item, currency)
    customer = item.get("customer") or {}
    customer_id = optional_id(customer.get("id"), "customer.id")
    billing, shipping = _address(item, "billing_address"), _address(item, "shipping_address")
    return build(
        Order,
        id=required_id(item, "id"),
        number=text(item.get("name")) or text(item.get("order_number")),
        customer_id=customer_id,
        email=text(item.get("email")) or text(item.get("contact_email")) or text(customer.get("email")),
        is_guest=customer_id is None,
        cart_id=cart_key(item.get("cart_token"), item.get("checkout_token")),
        line_items=_lines(item, currency),
        subtotal=optional_money(item.get("subtotal_price"), currency, "subtotal_price"),
        discount_total=optional_money(item.get("total_discounts"), currency, "total_discounts"),
        total=money(item.get("total_price"), currency, "total_price"),
        refunded_total=refunded_total(item, currency),
        payment_status=payment_status(item, topic),
        fulfillment_status=fulfillment_status(item.get("fulfillment_status")),
        cancelled_at=optional_time(item, "cancelled_at"),
        placed_at=optional_time(item, "processed_at", "created_at"),
        updated_at=required_time(item, "updated_at"),
        email_consent=consent(None, item.get("buyer_accepts_marketing")),
        phone=text(item.get("phone")) or text(billing.get("phone")),
        country=country_of(billing.get("country_code"), shipping.get("country_code")),
    )


def map_cart(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Cart:
    """A checkout (checkouts/create, checkouts/update, GET /checkouts.json) as a canonical cart."""
    currency = _currency(item, currency)
    customer = item.get("customer") or {}
    cart_id = cart_key(item.get("cart_token"), item.get("token"))
    if cart_id is None:
        raise NormalizationError("token: checkout has neither cart_token nor token")
    return build(
        Cart,
        id=cart_id,
        customer_id=optional_id(customer.get("id"), "customer.id"),
        email=text(item.get("email")) or text(customer.get("email")),
        line_items=_lines(item, currency),
        subtotal=optional_money(item.get("subtotal_price"), currency, "subtotal_price"),
        total=optional_money(item.get("total_price"), currency, "total_price"),
        recovery_url=text(item.get("abandoned_checkout_url")),
        created_at=optional_time(item, "created_at"),
        updated_at=required_time(item, "updated_at"),
        completed_at=optional_time(item, "completed_at"),
        order_id=optional_id(item.get("order_id"), "order_id"),
        email_consent=consent(None, item.get("buyer_accepts_marketing")),
    )
