"""Who a run is about: the person record from the identity graph where there is one, plus the customer
records it names; and whether they bought since a moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storeloom.domain.eligibility import converted
from storeloom.domain.model import Cart, Customer, Order
from storeloom.domain.person import OrderFacts, PersonProfile
from storeloom.domain.purchases import bought_since as marks_bought_since
from storeloom.domain.purchases import marks_for
from storeloom.domain.run import Subject
from storeloom.services.flows.ports import CommerceReader, LiveCommerce, LiveUnsupported, PersonReader


@dataclass(frozen=True)
class Person:
    customers: list[Customer]
    email: str | None
    phone: str | None
    profile: PersonProfile | None = None

    @property
    def customer_ids(self) -> list[str]:
        ids = {c.id: None for c in self.customers}
        ids.update(dict.fromkeys(self.profile.customer_ids if self.profile else []))
        return list(ids)

    @property
    def person_id(self) -> str | None:
        return self.profile.person_id if self.profile else None

    def address(self, medium: str) -> str | None:
        return self.email if medium == "email" else self.phone

    @property
    def tags(self) -> list[list[str]]:
        """Each record's tags: the person record's union counts as one record."""
        tagged = [c.tags for c in self.customers]
        return tagged + ([self.profile.tags] if self.profile and not tagged else [])

    @property
    def timezone(self) -> tuple[str | None, str | None]:
        """The zone and where it came from (platform, country or store); None when nothing knows one."""
        if self.profile and self.profile.timezone:
            return self.profile.timezone, self.profile.timezone_source
        zone = next((c.timezone for c in self.customers if c.timezone), None)
        return zone, ("platform" if zone else None)

    def consents(self, medium: str) -> list[str]:
        states: list[str] = [c.email_consent if medium == "email" else c.sms_consent for c in self.customers]
        return states + ([self.profile.consent(medium)] if self.profile else [])


def resolve(
    reader: CommerceReader,
    people: PersonReader | None,
    subject: Subject,
    email: str | None = None,
    customer_id: str | None = None,
) -> Person:
    """The person: their record in the identity graph, and every customer record with their id or email."""
    store = subject.store_id
    profile = _profile(people, subject, email, customer_id)
    email = email or subject.email or (profile.email if profile else None)
    customers: dict[str, Customer] = {}
    customer_id = customer_id or subject.customer_id
    for cid in [customer_id, *(profile.customer_ids if profile else [])]:
        if cid and cid not in customers and (found := reader.customer(store, cid)) is not None:
            customers[found.id] = found
    if email and profile is None:
        customers.update({c.id: c for c in reader.customers_by_email(store, email)})
    listed = list(customers.values())
    email = email or next((c.email for c in listed if c.email), None)
    phone = subject.phone or (profile.phone if profile else None) or next((c.phone for c in listed if c.phone), None)
    return Person(listed, email, phone, profile)


def _profile(
    people: PersonReader | None, subject: Subject, email: str | None, customer_id: str | None
) -> PersonProfile | None:
    if people is None:
        return None
    if subject.person_id:
        return people.person(subject.store_id, subject.person_id)
    keys = [("customer", c) for c in (customer_id, subject.customer_id) if c]
    keys += [("email", e) for e in (email, subject.email) if e]
    keys += [("token", subject.cart_id)] if subject.cart_id else []
    return people.find(subject.store_id, keys) if keys else None


@dataclass(frozen=True)
class Conversion:
    """Whether the person bought since ``since``, and what was read: ``store`` (the entity store or the person
    record, enough on its own or all there is), ``live`` (the platform API too) or ``store_only`` (the
    platform API failed)."""

    converted: bool
    source: str


def bought_since(
    facts: Iterable[OrderFacts], since: datetime, cart_id: str | None = None, *, qualifying: bool = False
) -> bool:
    """An order placed since ``since`` (or one for this cart): any purchase, or only qualifying ones."""
    return any(
        (f.qualifying if qualifying else f.purchase)
        and (f.placed_at >= since or (cart_id is not None and f.cart_id == cart_id))
        for f in facts
    )


def conversion(
    reader: CommerceReader,
    live: LiveCommerce | None,
    cart: Cart | None,
    person: Person,
    since: datetime,
    store_id: str,
    *,
    qualifying: bool = False,
) -> Conversion:
    """The person record (or the entity store) first; the live platform API only when they show no purchase
    (a webhook that never came)."""
    if _stored_purchase(reader, cart, person, since, store_id, qualifying):
        return Conversion(True, "store")
    if live is None:
        return Conversion(False, "store")
    try:
        orders = live.orders_for(store_id, person.customer_ids, person.email)
    except LiveUnsupported:
        return Conversion(False, "store")
    except Exception:  # the step goes on with what the entity store knows, and says so
        return Conversion(False, "store_only")
    return Conversion(_purchased(cart, orders, since, qualifying), "live")


def _stored_purchase(
    reader: CommerceReader, cart: Cart | None, person: Person, since: datetime, store: str, qualifying: bool
) -> bool:
    """The person record first; then the purchase marks ingest writes with each order (keyed by email,
    customer id and cart), which know of an order before the record is refreshed from the bus."""
    if cart is not None and (cart.completed_at is not None or cart.order_id is not None):
        return True
    cart_id = cart.id if cart else None
    profile = person.profile
    if profile is not None and bought_since(profile.orders.values(), since, cart_id, qualifying=qualifying):
        return True
    emails = [person.email or "", *(person.profile.emails if person.profile else [])]
    marks = reader.purchases(store, marks_for(person.customer_ids, emails, [cart_id or ""]))
    return marks_bought_since(marks, since, cart_id, qualifying=qualifying)


def _purchased(cart: Cart | None, orders: list[Order], since: datetime, qualifying: bool = False) -> bool:
    if cart is not None and not qualifying:
        return converted(cart, orders, since)
    wanted = ("paid", "partially_paid", "partially_refunded")
    return any(
        o.cancelled_at is None
        and (o.payment_status in wanted if qualifying else o.payment_status not in ("failed", "voided"))
        and (o.placed_at or o.updated_at) >= since
        for o in orders
    )
