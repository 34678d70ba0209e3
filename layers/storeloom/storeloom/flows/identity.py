"""Who the cart belongs to: the customer record, plus every record sharing the normalized email (guests)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from storeloom.flows.ports import CommerceReader, LiveCommerce
from storeloom.flows.run import Subject
from storeloom.model import Cart, Customer, Order


@dataclass(frozen=True)
class Person:
    customers: list[Customer]
    email: str | None
    phone: str | None

    @property
    def customer_ids(self) -> list[str]:
        return [c.id for c in self.customers]

    def address(self, medium: str) -> str | None:
        return self.email if medium == "email" else self.phone

    @property
    def timezone(self) -> str | None:
        return next((c.timezone for c in self.customers if c.timezone), None)


def resolve(reader: CommerceReader, subject: Subject, cart: Cart) -> Person:
    store = subject.store_id
    email = cart.email or subject.email
    customers: dict[str, Customer] = {}
    customer_id = cart.customer_id or subject.customer_id
    if customer_id and (found := reader.customer(store, customer_id)) is not None:
        customers[found.id] = found
    if email:
        customers.update({c.id: c for c in reader.customers_by_email(store, email)})
    listed = list(customers.values())
    email = email or next((c.email for c in listed if c.email), None)
    phone = subject.phone or next((c.phone for c in listed if c.phone), None)
    return Person(listed, email, phone)


def orders_of(reader: CommerceReader, live: LiveCommerce | None, store_id: str, person: Person) -> list[Order]:
    """Orders from the entity store, plus the live platform API where it is wired; a live failure is
    tolerated because the entity store is still read."""
    orders = reader.orders_for(store_id, person.customer_ids, person.email)
    if live is not None:
        with suppress(Exception):  # best effort on top of the entity store
            orders += live.orders_for(store_id, person.customer_ids, person.email)
    return orders
