"""Magento orders and carts (quotes) -> canonical entities.

Amounts are JSON numbers, read as Decimal; ``*_currency_code`` names the currency, and the ``base_*``
amounts (the website's base currency) are never read. Timestamps are UTC without a zone.

Line items: a configurable product is ordered as a parent row (the price, and the child's SKU) plus a
child row at price 0; a bundle as a parent row with the bundle price plus one row per part. Only parent
rows become line items, so nothing is counted twice; a configurable's child gives the variant id.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storeloom.domain.model import Cart, LineItem, Money, Order
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

# Magento's fixed order states (Magento\Sales\Model\Order::STATE_*); ``status`` labels are per store and
# each belongs to one of these, so the state is what is mapped.
STATES = frozenset(
    {"new", "pending_payment", "payment_review", "processing", "complete", "closed", "canceled", "holded"}
)
ZERO = Decimal(0)


def flag(value: Any) -> bool:
    """Magento writes booleans as 0/1, "0"/"1" or true/false."""
    return value not in (None, False, 0, "0", "", "false")


def _amount(item: Mapping[str, Any], field: str) -> Decimal:
    return ZERO if item.get(field) in (None, "") else decimal_of(item[field], field)


def quantity_of(value: Any, field: str) -> int:
    """Decimal quantities (``is_qty_decimal``, goods sold by weight) are rounded to whole units."""
    return int(decimal_of(value, field).to_integral_value(ROUND_HALF_UP))


def order_line_items(rows: list[Any], currency: str | None) -> list[LineItem]:
    children: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        parent = optional_id(row.get("parent_item_id"), "items.parent_item_id")
        if parent is not None:
            children.setdefault(parent, row)
    return [
        _order_line(row, children.get(str(row.get("item_id"))), currency, f"items[{index}]")
        for index, row in enumerate(rows)
        if optional_id(row.get("parent_item_id"), "items.parent_item_id") is None
    ]


def _order_line(row: Mapping[str, Any], child: Mapping[str, Any] | None, currency: str | None, field: str) -> LineItem:
    product_id = optional_id(row.get("product_id"), f"{field}.product_id")
    configurable = row.get("product_type") == "configurable" and child is not None
    variant_id = optional_id(child.get("product_id"), f"{field}.product_id") if configurable and child else None
    return build(
        LineItem,
        product_id=product_id,
        # A simple product (or a bundle) is its own single variant (see resources.map_product).
        variant_id=variant_id or product_id,
        sku=text(row.get("sku")),
        title=text(row.get("name")) or "",
        quantity=quantity_of(row.get("qty_ordered"), f"{field}.qty_ordered"),
        unit_price=money(row.get("price"), currency, f"{field}.price"),
    )


def _paid_status(item: Mapping[str, Any], state: str) -> PaymentStatus | None:
    total, paid, refunded = _amount(item, "grand_total"), _amount(item, "total_paid"), _amount(item, "total_refunded")
    if refunded > ZERO:
        return "refunded" if refunded >= (paid or total) else "partially_refunded"
    if state == "closed":  # closed = credit-memoed in full
        return "refunded"
    if paid > ZERO:
        return "paid" if paid >= total else "partially_paid"
    return "paid" if state == "complete" else None  # complete with nothing to pay (a zero total)


def payment_status(item: Mapping[str, Any], state: str) -> PaymentStatus:
    """From the invoiced and refunded amounts; with nothing invoiced, an authorization (voided when the
    order was cancelled) or pending."""
    found = _paid_status(item, state)
    if found:
        return found
    payment = item.get("payment") or {}
    authorized = _amount(payment, "amount_authorized") > ZERO
    if authorized:
        return "voided" if state == "canceled" else "authorized"
    return "pending"


def fulfillment_status(lines: list[Any], state: str) -> FulfillmentStatus:
    """Shipped against ordered quantities of the parent rows that ship (virtual and downloadable do not)."""
    if state == "complete":
        return "fulfilled"
    shipping = [row for row in lines if row.get("parent_item_id") is None and not flag(row.get("is_virtual"))]
    ordered = sum((_amount(row, "qty_ordered") - _amount(row, "qty_canceled") for row in shipping), ZERO)
    shipped = sum((_amount(row, "qty_shipped") for row in shipping), ZERO)
    if shipped <= ZERO:
        return "unfulfilled"
    return "fulfilled" if shipped >= ordered else "partial"


def _state(item: Mapping[str, Any]) -> str:
    state = text(item.get("state"))
    if state not in STATES:
        raise NormalizationError(f"state: unknown Magento order state {state!r}")
    return state


def _discount(item: Mapping[str, Any], currency: str | None) -> Money | None:
    """``discount_amount`` is negative (``-10``): the canonical discount total is what was taken off."""
    found = optional_money(item.get("discount_amount"), currency, "discount_amount")
    return found.model_copy(update={"amount": abs(found.amount)}) if found else None


def _shipping_address(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first shipping assignment's address (an order's shipping address lives in its extension)."""
    assignments = (item.get("extension_attributes") or {}).get("shipping_assignments") or [{}]
    return ((assignments[0] or {}).get("shipping") or {}).get("address") or {}


def map_order(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Order:
    """No consent is asked at a Magento checkout (the newsletter is the customer's, see resources), so
    ``email_consent`` stays unknown."""
    state = _state(item)
    currency = text(item.get("order_currency_code")) or currency
    guest = flag(item.get("customer_is_guest")) or item.get("customer_id") is None
    lines = item.get("items") or []
    updated_at = required_time(item, "updated_at")
    billing = item.get("billing_address") or {}
    return build(
        Order,
        id=required_id(item, "entity_id"),
        number=text(item.get("increment_id")),
        customer_id=None if guest else optional_id(item.get("customer_id"), "customer_id"),
        email=text(item.get("customer_email")) or text((item.get("billing_address") or {}).get("email")),
        is_guest=guest,
        cart_id=optional_id(item.get("quote_id"), "quote_id"),
        line_items=order_line_items(lines, currency),
        subtotal=optional_money(item.get("subtotal"), currency, "subtotal"),
        discount_total=_discount(item, currency),
        total=money(item.get("grand_total"), currency, "grand_total"),
        refunded_total=optional_money(item.get("total_refunded"), currency, "total_refunded"),
        payment_status=payment_status(item, state),
        fulfillment_status=fulfillment_status(lines, state),
        cancelled_at=updated_at if state == "canceled" else None,
        placed_at=optional_time(item, "created_at"),
        updated_at=updated_at,
        phone=text(billing.get("telephone")),
        country=country_of(billing.get("country_id"), _shipping_address(item).get("country_id")),
    )


def cart_line_item(row: Mapping[str, Any], currency: str | None, field: str) -> LineItem:
    """A quote item names its product by SKU only (CartItemInterface has no product id)."""
    return build(
        LineItem,
        sku=text(row.get("sku")),
        title=text(row.get("name")) or "",
        quantity=quantity_of(row.get("qty"), f"{field}.qty"),
        unit_price=money(row.get("price"), currency, f"{field}.price"),
    )


def _subtotal(lines: list[LineItem]) -> Money | None:
    if not lines:
        return None
    amount = sum((line.unit_price.amount * line.quantity for line in lines), ZERO)
    return money(amount, lines[0].unit_price.currency, "items")


def map_cart(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Cart:
    """An active quote. CartInterface carries no totals, so the subtotal is the items' price times quantity
    and the total is left out. Magento has no recovery link, so ``recovery_url`` stays empty."""
    customer = item.get("customer") or {}
    currency = text((item.get("currency") or {}).get("quote_currency_code")) or currency
    lines = [cart_line_item(row, currency, f"items[{i}]") for i, row in enumerate(item.get("items") or [])]
    guest = flag(item.get("customer_is_guest"))
    return build(
        Cart,
        id=required_id(item, "id"),
        customer_id=None if guest else optional_id(customer.get("id"), "customer.id"),
        email=text(customer.get("email")) or text((item.get("billing_address") or {}).get("email")),
        line_items=lines,
        subtotal=_subtotal(lines),
        created_at=optional_time(item, "created_at"),
        updated_at=required_time(item, "updated_at"),
        completed_at=optional_time(item, "converted_at"),
    )
