"""Purchase marks: what a flow step checks to know a person bought, written by ingest with the order itself.

The person record learns of an order from the bus, seconds after ingest stored it; a step that ran in
between would miss the purchase. So the ingest transaction that stores an order also notes it on small
items keyed by the buyer's email, customer id and cart: one attribute per order, holding when it was placed,
its payment status and whether it was cancelled. A step reads those items in its batch, with no query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from storeloom.domain.model import Order
from storeloom.domain.types import format_utc, parse_utc

ATTRIBUTE_PREFIX = "o#"
_QUALIFYING = frozenset({"paid", "partially_refunded", "partially_paid"})


def email_mark(email: str) -> str:
    return "email#" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def customer_mark(customer_id: str) -> str:
    return f"customer#{customer_id}"


def cart_mark(cart_id: str) -> str:
    return f"cart#{cart_id}"


def marks_for(customer_ids: Iterable[str] = (), emails: Iterable[str] = (), carts: Iterable[str] = ()) -> list[str]:
    keys = [customer_mark(c) for c in customer_ids if c] + [email_mark(e) for e in emails if e]
    return list(dict.fromkeys(keys + [cart_mark(c) for c in carts if c]))


def order_marks(order: Order) -> list[str]:
    """The mark items an order is noted on."""
    return marks_for([order.customer_id or ""], [order.email or ""], [order.cart_id or ""])


def mark_value(order: Order) -> str:
    placed = format_utc(order.placed_at or order.updated_at)
    return f"{placed}|{order.payment_status}|{1 if order.cancelled_at is not None else 0}"


@dataclass(frozen=True)
class PurchaseMark:
    order_id: str
    placed_at: datetime
    payment_status: str
    cancelled: bool
    cart_id: str | None = None

    @property
    def purchase(self) -> bool:
        """Stops cart reminders: not cancelled, failed or voided (a pending bank transfer is a purchase)."""
        return not self.cancelled and self.payment_status not in ("failed", "voided")

    @property
    def qualifying(self) -> bool:
        return not self.cancelled and self.payment_status in _QUALIFYING


def parse_marks(key: str, attributes: Mapping[str, str]) -> list[PurchaseMark]:
    """The orders noted on one mark item (its ``o#<order id>`` attributes)."""
    cart = key.removeprefix("cart#") if key.startswith("cart#") else None
    found = []
    for name, value in attributes.items():
        if not name.startswith(ATTRIBUTE_PREFIX) or value.count("|") != 2:
            continue
        placed, status, cancelled = value.split("|")
        found.append(
            PurchaseMark(name.removeprefix(ATTRIBUTE_PREFIX), parse_utc(placed), status, cancelled == "1", cart)
        )
    return found


def bought_since(marks: Iterable[PurchaseMark], since: datetime, cart_id: str | None, *, qualifying: bool) -> bool:
    return any(
        (m.qualifying if qualifying else m.purchase)
        and (m.placed_at >= since or (cart_id is not None and m.cart_id == cart_id))
        for m in marks
    )
