"""Who the cart belongs to (the customer record, plus every record sharing the normalized email: guests),
and whether they bought since the cart became active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storeloom.domain.eligibility import converted
from storeloom.domain.model import Cart, Customer
from storeloom.domain.run import Subject
from storeloom.services.flows.ports import CommerceReader, LiveCommerce, LiveUnsupported


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


@dataclass(frozen=True)
class Conversion:
    """Whether the person bought since ``since``, and what was read: ``store`` (the entity store, enough on
    its own or all there is), ``live`` (the platform API too) or ``store_only`` (the platform API failed)."""

    converted: bool
    source: str


def conversion(
    reader: CommerceReader, live: LiveCommerce | None, cart: Cart, person: Person, since: datetime, store_id: str
) -> Conversion:
    """The entity store first; the live platform API only when the store shows no purchase (a lost webhook)."""
    if converted(cart, reader.orders_for(store_id, person.customer_ids, person.email), since):
        return Conversion(True, "store")
    if live is None:
        return Conversion(False, "store")
    try:
        orders = live.orders_for(store_id, person.customer_ids, person.email)
    except LiveUnsupported:
        return Conversion(False, "store")
    except Exception:  # the step goes on with what the entity store knows, and says so
        return Conversion(False, "store_only")
    return Conversion(converted(cart, orders, since), "live")
