"""One person across every store: the customer records and orders that share an email, wherever they are.

The same shopper buys on a merchant's Shopify store and on its WooCommerce store; each platform keeps its
own customer record and ids. This is the customer-level picture over the canonical model: per store, the
customer records with the address and the orders placed by them or with it, and in all, the orders and
what they spent per currency. Spending counts orders whose payment went through (paid, partially paid,
partially refunded), less what was refunded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from storeloom.domain.model import Customer, Order
from storeloom.domain.stores import StoreRecord
from storeloom.domain.types import format_utc

SPENDING = frozenset({"paid", "partially_paid", "partially_refunded"})


class PeopleReader(Protocol):
    def customers_by_email(self, store_id: str, email: str) -> list[Customer]: ...

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]: ...


@dataclass(frozen=True)
class StoreView:
    store_id: str
    platform: str
    customers: list[Customer]
    orders: list[Order]


@dataclass(frozen=True)
class PersonPicture:
    email: str
    stores: list[StoreView] = field(default_factory=list)

    @property
    def orders(self) -> list[Order]:
        return [order for view in self.stores for order in view.orders]

    def spent(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for order in self.orders:
            if order.payment_status in SPENDING:
                refunded = order.refunded_total.amount if order.refunded_total else Decimal(0)
                currency = order.total.currency
                totals[currency] = totals.get(currency, Decimal(0)) + order.total.amount - refunded
        return totals

    def first_and_last_order(self) -> tuple[datetime | None, datetime | None]:
        moments = sorted(order.placed_at or order.updated_at for order in self.orders)
        return (moments[0], moments[-1]) if moments else (None, None)

    def summary(self) -> dict[str, object]:
        first, last = self.first_and_last_order()
        return {
            "email": self.email,
            "stores": [view.store_id for view in self.stores],
            "platforms": sorted({view.platform for view in self.stores}),
            "customer_records": sum(len(view.customers) for view in self.stores),
            "orders": len(self.orders),
            "spent": {currency: str(amount) for currency, amount in sorted(self.spent().items())},
            "first_order_at": format_utc(first, timespec="seconds") if first else None,
            "last_order_at": format_utc(last, timespec="seconds") if last else None,
        }


def picture(email: str, stores: Iterable[StoreRecord], reader: PeopleReader) -> PersonPicture:
    address = email.strip().lower()
    views = []
    for store in stores:
        customers = reader.customers_by_email(store.store_id, address)
        orders = reader.orders_for(store.store_id, [c.id for c in customers], address)
        if customers or orders:
            views.append(StoreView(store.store_id, store.platform, customers, orders))
    return PersonPicture(address, views)
