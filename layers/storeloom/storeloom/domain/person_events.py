"""What a customer, order or cart event says about a person: the keys it carries and how it updates a profile.

Pure. The refresher (storeloom.services.segments) resolves the keys to a person and applies the entity with
``apply``; an older version of an order never replaces a newer one already on the profile.
"""

from __future__ import annotations

from storeloom.domain.entities import Cart, Customer, Order
from storeloom.domain.identity import (
    IdentityKey,
    customer_key,
    email_key,
    phone_key,
    timezone_for,
    token_key,
    with_keys,
)
from storeloom.domain.person import OrderFacts, PersonProfile
from storeloom.domain.types import Consent

PersonEntity = Customer | Order | Cart


def event_keys(entity: PersonEntity) -> list[IdentityKey]:
    """Every identity key the entity names, strongest kinds first (a cart's own id is its token)."""
    keys: list[IdentityKey | None] = []
    if isinstance(entity, Customer):
        keys = [customer_key(entity.id), email_key(entity.email), phone_key(entity.phone, entity.country)]
    elif isinstance(entity, Order):
        keys = [_customer(entity.customer_id), email_key(entity.email), phone_key(entity.phone, entity.country)]
        keys.append(token_key(entity.cart_id) if entity.cart_id else None)
    else:
        keys = [_customer(entity.customer_id), email_key(entity.email), token_key(entity.id)]
    return list(dict.fromkeys(key for key in keys if key is not None))


def _customer(customer_id: str | None) -> IdentityKey | None:
    return customer_key(customer_id) if customer_id else None


def order_facts(order: Order) -> OrderFacts:
    return OrderFacts(
        order_id=order.id,
        placed_at=order.placed_at or order.updated_at,
        updated_at=order.updated_at,
        total=order.total.amount,
        refunded_total=order.refunded_total.amount if order.refunded_total else 0,
        currency=order.total.currency,
        payment_status=order.payment_status,
        cancelled=order.cancelled_at is not None,
        product_ids=list(dict.fromkeys(item.product_id for item in order.line_items if item.product_id)),
        cart_id=order.cart_id,
    )


def apply(profile: PersonProfile, entity: PersonEntity, store_tz: str | None) -> PersonProfile:
    """The profile after ``entity``: its keys listed, its order facts, consent, country and zone taken in."""
    updated = with_keys(profile, event_keys(entity))
    changes: dict[str, object] = {}
    if isinstance(entity, Customer):
        changes = _consent(entity.email_consent, "email_consent") | _consent(entity.sms_consent, "sms_consent")
        changes["tags"] = list(entity.tags)
        country, platform_tz = entity.country or updated.country, entity.timezone
    elif isinstance(entity, Order):
        facts = order_facts(entity)
        known = updated.orders.get(facts.order_id)
        if known is None or facts.updated_at >= known.updated_at:
            changes["orders"] = {**updated.orders, facts.order_id: facts}
        changes |= _consent(entity.email_consent, "email_consent")
        country, platform_tz = updated.country or entity.country, None
    else:
        changes = _consent(entity.email_consent, "email_consent")
        country, platform_tz = updated.country, None
    changes["country"] = country
    if updated.timezone_source != "platform" or platform_tz:
        zone, source = timezone_for(platform_tz, country, store_tz)
        changes |= {"timezone": zone, "timezone_source": source}
    return updated.model_copy(update=changes)


def _consent(value: Consent, field: str) -> dict[str, object]:
    # "unknown" says nothing: an order that does not carry the checkbox keeps what the person said before.
    return {} if value == "unknown" else {field: value}


def is_new_order(before: PersonProfile | None, order_id: str) -> bool:
    """The first time the person record sees this order (co-purchase counts once per order)."""
    return before is None or order_id not in before.orders
