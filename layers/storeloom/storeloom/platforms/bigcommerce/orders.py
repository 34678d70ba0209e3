"""BigCommerce V2 orders -> canonical orders (docs/platforms.md#bigcommerce).

Status: the numeric ``status_id`` (the ``status`` text can be renamed per store) gives both canonical
statuses; an empty cell says nothing about that field:

| status_id | BigCommerce status | payment_status | fulfillment_status |
|---|---|---|---|
| 0, 1, 7, 12 | Incomplete, Pending, Awaiting Payment, Manual Verification Required | pending | |
| 2, 10 | Shipped, Completed | paid | fulfilled |
| 3 | Partially Shipped | paid | partial |
| 8, 9, 11 | Awaiting Pickup, Awaiting Shipment, Awaiting Fulfillment | paid | unfulfilled |
| 4 | Refunded | refunded | |
| 5 | Cancelled | kept: from ``payment_status`` | |
| 6 | Declined | failed | |
| 13 | Disputed | paid | |
| 14 | Partially Refunded | partially_refunded | |

A cancelled order keeps its payment status (docs/canonical-model.md#cancellation): the V2 ``payment_status``
word says which (``captured`` is paid, ``void`` voided...), pending when it names none; ``cancelled_at`` is
the modified time. A paid status whose payment is only ``authorized`` is ``authorized``. Where the status
says nothing of fulfilment, ``items_shipped`` against ``items_total`` does.

Contact: ``billing_address.phone`` as typed, and its ``country_iso2`` (else the first inline shipping
address's). V2 orders record no marketing consent, so ``email_consent`` stays unknown.

Money is V2's 4-decimal strings (``"10.0000"``), in ``default_currency_code``, the transactional currency
the shopper pays in (``currency_code`` is only the display currency: orders.v2 docs, falling back to it).
Line items come from ``include=consignments.line_items`` (which the client always asks for), or from a
``products`` list; V2 otherwise gives only a link to ``/orders/{id}/products``, and the order maps with none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from storeloom.domain.model import LineItem, Money, Order
from storeloom.domain.types import FulfillmentStatus, PaymentStatus
from storeloom.platforms.bigcommerce.lines import line_item
from storeloom.platforms.bigcommerce.values import bc_id, optional_bc_time, required_bc_time
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import (
    country_of,
    decimal_of,
    money,
    optional_int,
    optional_money,
    required_id,
    text,
)
from storeloom.services.platform_port import NormalizationError

CANCELLED = 5
STATUS: dict[int, tuple[PaymentStatus | None, FulfillmentStatus | None]] = {
    **dict.fromkeys((0, 1, 7, 12), ("pending", None)),
    **dict.fromkeys((2, 10), ("paid", "fulfilled")),
    3: ("paid", "partial"),
    **dict.fromkeys((8, 9, 11), ("paid", "unfulfilled")),
    4: ("refunded", None),
    CANCELLED: (None, None),
    6: ("failed", None),
    13: ("paid", None),
    14: ("partially_refunded", None),
}
PAYMENT_WORDS: dict[str, PaymentStatus] = {
    "captured": "paid",
    "paid": "paid",
    "authorized": "authorized",
    "capture pending": "authorized",
    "void": "voided",
    "refunded": "refunded",
    "partially refunded": "partially_refunded",
    "declined": "failed",
    "pending": "pending",
    "held for review": "pending",
}
_CONSIGNMENT_KINDS = ("shipping", "pickups", "downloads")


def _status_id(item: Mapping[str, Any]) -> int:
    value = item.get("status_id")
    if isinstance(value, bool) or not isinstance(value, int) or value not in STATUS:
        raise NormalizationError(f"status_id: unknown BigCommerce order status {value!r} ({item.get('status')!r})")
    return value


def _payment(status_id: int, item: Mapping[str, Any]) -> PaymentStatus:
    word = PAYMENT_WORDS.get((text(item.get("payment_status")) or "").lower())
    stated = STATUS[status_id][0]
    if stated is None:
        return word or "pending"
    return "authorized" if stated == "paid" and word == "authorized" else stated


def _fulfillment(status_id: int, item: Mapping[str, Any]) -> FulfillmentStatus | None:
    stated = STATUS[status_id][1]
    shipped = optional_int(item.get("items_shipped"), "items_shipped")
    total = optional_int(item.get("items_total"), "items_total")
    if stated is not None or shipped is None or not total:
        return stated
    return "unfulfilled" if shipped == 0 else "partial" if shipped < total else "fulfilled"


def order_lines(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The order's products: a ``products`` list, else every consignment's line items (once each)."""
    products = item.get("products")
    lines = products if isinstance(products, list) else list(_consignment_lines(item.get("consignments")))
    unique = {str(line.get("id", index)): line for index, line in enumerate(lines) if isinstance(line, Mapping)}
    return list(unique.values())


def _consignment_lines(consignments: Any) -> Iterator[Any]:
    """``consignments`` is one object of kinds, or a list of them; ``email.gift_certificates`` nests once more."""
    for group in consignments if isinstance(consignments, list) else [consignments or {}]:
        kinds = [group.get(kind) or [] for kind in _CONSIGNMENT_KINDS]
        kinds.append((group.get("email") or {}).get("gift_certificates") or [])
        for consignment in (c for kind in kinds for c in kind):
            yield from consignment.get("line_items") or []


def _line(line: Mapping[str, Any], currency: str | None, field: str) -> LineItem:
    price_field = "price_inc_tax" if line.get("price_inc_tax") not in (None, "") else "base_price"
    return line_item(line, currency, field, price_field)


def _discount(item: Mapping[str, Any], currency: str | None) -> Money | None:
    parts = [item.get(name) for name in ("discount_amount", "coupon_discount") if item.get(name) not in (None, "")]
    if not parts:
        return None
    total = sum((decimal_of(part, "discount_amount") for part in parts), Decimal(0))
    return money(total, currency, "discount_amount")


def _country(item: Mapping[str, Any]) -> str | None:
    """``shipping_addresses`` is a sub-resource link unless a payload inlines the list."""
    shipping = item.get("shipping_addresses")
    first = shipping[0] if isinstance(shipping, list) and shipping and isinstance(shipping[0], Mapping) else {}
    return country_of((item.get("billing_address") or {}).get("country_iso2"), first.get("country_iso2"))


def map_order(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Order:
    status_id = _status_id(item)
    currency = text(item.get("default_currency_code")) or text(item.get("currency_code")) or currency
    customer_id = bc_id(item.get("customer_id"), "customer_id")
    updated_at = required_bc_time(item, "date_modified")
    lines = order_lines(item)
    return build(
        Order,
        id=required_id(item, "id"),
        number=str(item["id"]),
        customer_id=customer_id,
        email=text((item.get("billing_address") or {}).get("email")),
        is_guest=customer_id is None,
        cart_id=text(item.get("cart_id")),
        line_items=[_line(line, currency, f"products[{i}]") for i, line in enumerate(lines)],
        subtotal=optional_money(item.get("subtotal_inc_tax"), currency, "subtotal_inc_tax"),
        discount_total=_discount(item, currency),
        total=money(item.get("total_inc_tax"), currency, "total_inc_tax"),
        refunded_total=optional_money(item.get("refunded_amount"), currency, "refunded_amount"),
        payment_status=_payment(status_id, item),
        fulfillment_status=_fulfillment(status_id, item),
        cancelled_at=updated_at if status_id == CANCELLED else None,
        placed_at=optional_bc_time(item, "date_created"),
        updated_at=updated_at,
        phone=text((item.get("billing_address") or {}).get("phone")),
        country=_country(item),
    )
