"""Amazon orders -> a canonical order and the marketplace buyer behind it (docs/platforms.md#amazon-sp-api).

Status words (Orders v0 ``OrderStatus``; the 2026 API's ``fulfillmentStatus`` is translated to them) give
both canonical statuses. Amazon charges the buyer when items ship, so an order ready to ship is only
``authorized``; a cancelled one (cancelled before shipping, so nothing was captured) is ``voided`` and
gets ``cancelled_at`` = its last update.

Money: ``OrderTotal`` as Amazon states it. Amazon omits it on Pending orders; the total is then the sum of
the line prices when every line has one, else zero, and such an order is ``pending`` so it counts in no
revenue or segment. ``ItemPrice`` is the price of the whole line, so the unit price is it over the quantity.

The buyer: Amazon buyers are people Storeloom may analyse but never message (Amazon's policy; the
``BuyerEmail`` is an anonymized relay address, ``...@marketplace.amazon.com``). The customer keeps that
address, is a guest, is tagged ``marketplace_buyer`` and has both consents ``unsubscribed``: the one word
every current eligibility rule refuses, even for flows that allow a reminder to non-subscribers.
Its id is ``buyer-<16 hex of sha256(lower-cased address)>`` when the order names the address (the relay
address is stable per buyer and seller), else ``order-<AmazonOrderId>``: without the restricted buyer-data
role getOrders names no buyer, and one customer per order is all that can be said. Names and addresses
are not kept (Amazon's data protection policy asks for no more personal data than the use needs): of the
shipping address only its country is, on the order (``ShippingAddress.CountryCode``), and no phone. An
order's ``email_consent`` stays unknown: Amazon asks its buyers nothing on a seller's behalf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from storeloom.domain.eligibility import MARKETPLACE_BUYER
from storeloom.domain.model import Customer, LineItem, Money, Order
from storeloom.domain.types import FulfillmentStatus, PaymentStatus, parse_currency, parse_email
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import (
    country_of,
    decimal_of,
    optional_id,
    optional_time,
    required_id,
    required_time,
    text,
)
from storeloom.services.platform_port import NormalizationError

POLLED_TOPIC = "getOrders"  # the topic of a polled Orders v0 order (getOrders is the operation that lists it)
STATUS: dict[str, tuple[PaymentStatus, FulfillmentStatus | None]] = {
    "PendingAvailability": ("pending", "unfulfilled"),  # a pre-order, not yet authorized
    "Pending": ("pending", "unfulfilled"),
    "Unshipped": ("authorized", "unfulfilled"),
    "PartiallyShipped": ("partially_paid", "partial"),  # charged for what has shipped
    "Shipped": ("paid", "fulfilled"),
    "InvoiceUnconfirmed": ("paid", "fulfilled"),  # shipped; the invoice is not confirmed yet
    "Canceled": ("voided", None),
    "Unfulfillable": ("voided", "unfulfilled"),  # multi-channel orders Amazon cannot fulfil
}


@dataclass(frozen=True)
class PricedLine:
    """A line item before the order's currency is known: its fields and its whole-line price."""

    fields: dict[str, Any]
    price: Money | None
    quantity: int
    discount: Money | None = None


@dataclass(frozen=True)
class OrderFacts:
    """What both Orders API versions say about an order, in one shape."""

    id: str
    status: str
    status_field: str
    updated_at: datetime
    placed_at: datetime | None
    stated_total: Money | None
    lines: Sequence[PricedLine]
    email: str | None
    country: str | None = None


def amazon_money(value: Any, field: str, amount: str = "Amount", currency: str = "CurrencyCode") -> Money | None:
    """An Amazon money object (``{"CurrencyCode": "USD", "Amount": "11.01"}``); None when absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise NormalizationError(f"{field}: not a money object: {value!r}")
    try:
        code = parse_currency(value.get(currency))
    except ValueError as error:
        raise NormalizationError(f"{field}.{currency}: {error}") from error
    return Money(amount=decimal_of(value.get(amount), f"{field}.{amount}"), currency=code)


def quantity_of(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise NormalizationError(f"{field}: not a whole quantity: {value!r}")
    return int(value)


def customer_id_for(email: str | None, order_id: str) -> str:
    if email:
        return "buyer-" + hashlib.sha256(email.encode()).hexdigest()[:16]
    return f"order-{order_id}"


def v0_facts(row: Mapping[str, Any]) -> OrderFacts:
    """An Orders v0 order (getOrders / getOrder), with ``OrderItems`` merged in by the poller if known."""
    items = row.get("OrderItems") or []
    return OrderFacts(
        id=required_id(row, "AmazonOrderId"),
        status=text(row.get("OrderStatus")) or "",
        status_field="OrderStatus",
        updated_at=required_time(row, "LastUpdateDate"),
        placed_at=optional_time(row, "PurchaseDate"),
        stated_total=amazon_money(row.get("OrderTotal"), "OrderTotal"),
        lines=[_v0_line(item, f"OrderItems[{i}]") for i, item in enumerate(items)],
        email=parse_email((row.get("BuyerInfo") or {}).get("BuyerEmail")),
        # DefaultShipFromLocationAddress is the seller's own; the buyer's is the shipping address.
        country=country_of((row.get("ShippingAddress") or {}).get("CountryCode")),
    )


def _v0_line(item: Mapping[str, Any], field: str) -> PricedLine:
    fields = {
        "product_id": optional_id(item.get("ASIN"), f"{field}.ASIN"),
        "sku": text(item.get("SellerSKU")),
        "title": text(item.get("Title")) or text(item.get("SellerSKU")) or "",
    }
    price = amazon_money(item.get("ItemPrice"), f"{field}.ItemPrice")
    discount = amazon_money(item.get("PromotionDiscount"), f"{field}.PromotionDiscount")
    return PricedLine(fields, price, quantity_of(item.get("QuantityOrdered"), f"{field}.QuantityOrdered"), discount)


def entities(facts: OrderFacts, store_currency: str | None) -> tuple[Customer, Order]:
    if facts.status not in STATUS:
        raise NormalizationError(f"{facts.status_field}: unknown Amazon order status {facts.status!r}")
    payment, fulfillment = STATUS[facts.status]
    currency = _currency(facts, store_currency)
    lines = [_line_item(line, currency, f"line_items[{i}]") for i, line in enumerate(facts.lines)]
    buyer = _buyer(facts)
    order = build(
        Order,
        id=facts.id,
        number=facts.id,  # the number Amazon shows the buyer
        customer_id=buyer.id,
        email=facts.email,
        is_guest=True,
        line_items=lines,
        subtotal=_sum([line.price for line in facts.lines], currency),
        discount_total=_sum([line.discount for line in facts.lines if line.discount], currency),
        total=facts.stated_total or _sum([line.price for line in facts.lines], currency) or _zero(currency),
        payment_status=payment,
        fulfillment_status=fulfillment,
        cancelled_at=facts.updated_at if facts.status == "Canceled" else None,
        placed_at=facts.placed_at,
        updated_at=facts.updated_at,
        country=facts.country,
    )
    return buyer, order


def _buyer(facts: OrderFacts) -> Customer:
    return build(
        Customer,
        id=customer_id_for(facts.email, facts.id),
        email=facts.email,
        is_guest=True,
        email_consent="unsubscribed",
        sms_consent="unsubscribed",
        tags=[MARKETPLACE_BUYER],
        updated_at=facts.updated_at,
    )


def _currency(facts: OrderFacts, store_currency: str | None) -> str:
    stated = [facts.stated_total] + [line.price for line in facts.lines]
    found = next((money.currency for money in stated if money is not None), store_currency)
    if not found:
        raise NormalizationError("OrderTotal: missing, and no line price or store currency names the currency")
    return found


def _line_item(line: PricedLine, currency: str, field: str) -> LineItem:
    price = line.price or _zero(currency)
    if price.currency != currency:
        raise NormalizationError(f"{field}.unit_price: {price.currency} differs from the order's {currency}")
    unit = price.amount / line.quantity if line.quantity else price.amount
    return build(LineItem, **line.fields, quantity=line.quantity, unit_price=Money(amount=unit, currency=currency))


def _sum(amounts: Sequence[Money | None], currency: str) -> Money | None:
    """The total of the amounts, or None when there are none or any is unknown."""
    if not amounts or any(money is None or money.currency != currency for money in amounts):
        return None
    return Money(amount=sum((money.amount for money in amounts if money), Decimal(0)), currency=currency)


def _zero(currency: str) -> Money:
    return Money(amount=Decimal("0.00"), currency=currency)
