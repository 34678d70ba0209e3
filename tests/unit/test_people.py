"""One person across stores: records and orders gathered by address, and what they spent per currency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from storeloom.domain.model import Customer, Order
from storeloom.domain.stores import StoreRecord
from storeloom.services.people import picture
from tests.unit.flows_builders import NOW, customer, order


class Reader:
    def __init__(self, customers: dict[str, list[Customer]], orders: dict[str, list[Order]]) -> None:
        self.customers, self.orders = customers, orders

    def customers_by_email(self, store_id: str, email: str) -> list[Customer]:
        return [c for c in self.customers.get(store_id, []) if c.email == email]

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]:
        return [o for o in self.orders.get(store_id, []) if o.customer_id in customer_ids or o.email == email]


STORES = [
    StoreRecord("shop", "shopify", "https://a", "arn:a"),
    StoreRecord("woo", "woocommerce", "https://b", "arn:b"),
    StoreRecord("other", "magento2", "https://c", "arn:c"),
]


def test_one_address_gathers_records_and_orders_from_every_platform_and_sums_spend_per_currency() -> None:
    eur = {"amount": "40.00", "currency": "EUR"}
    reader = Reader(
        {"shop": [customer(id="c-9")]},
        {
            "shop": [
                order(id="o-1", customer_id="c-9", email=None, placed_at=NOW - timedelta(days=9)),
                order(
                    id="o-2", refunded_total={"amount": "2.50", "currency": "USD"}, payment_status="partially_refunded"
                ),
                order(id="o-3", payment_status="voided"),
            ],
            "woo": [order(id="5188", customer_id=None, total=eur)],
            "other": [order(id="x", customer_id="someone", email="bob@example.com")],
        },
    )

    found = picture(" Ann@Example.com ", STORES, reader)

    assert [v.store_id for v in found.stores] == ["shop", "woo"]
    summary = found.summary()
    assert summary["platforms"] == ["shopify", "woocommerce"] and summary["orders"] == 4
    assert found.spent() == {"USD": Decimal("22.50"), "EUR": Decimal("40.00")}  # voided counts nothing
    assert summary["first_order_at"] == (NOW - timedelta(days=9)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_someone_no_store_knows_has_an_empty_picture() -> None:
    found = picture("nobody@example.com", STORES, Reader({}, {}))
    assert found.stores == [] and found.summary()["spent"] == {} and found.summary()["first_order_at"] is None
