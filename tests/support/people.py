"""CommerceEvents about people (orders, customers, carts, products) for the segment tests and the bench."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storeloom.domain.event import CommerceEvent, event_id_for, idempotency_key
from storeloom.domain.types import format_utc

# Far enough ahead that no version timestamp a test writes counts as "in the future".
_VALIDATION = {"now": datetime(2100, 1, 1, tzinfo=UTC)}
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def event(
    store_id: str,
    entity_type: str,
    entity: dict[str, Any] | None,
    *,
    action: str = "updated",
    entity_id: str | None = None,
) -> CommerceEvent:
    entity_id = entity_id or str((entity or {})["id"])
    version = (entity or {}).get("updated_at") or format_utc(T0)
    key = idempotency_key("shopify", store_id, entity_type, entity_id, version)
    return CommerceEvent.model_validate(
        {
            "event_id": event_id_for(key),
            "idempotency_key": key,
            "store_id": store_id,
            "platform": "shopify",
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "source": "webhook",
            "occurred_at": version,
            "received_at": version,
            "entity": entity,
        },
        context=_VALIDATION,
    )


def order(
    store_id: str,
    order_id: str,
    placed_at: datetime,
    *,
    email: str | None = "ada@example.com",
    customer_id: str | None = None,
    total: str = "50.00",
    refunded: str | None = None,
    status: str = "paid",
    products: tuple[str, ...] = ("p1",),
    updated_at: datetime | None = None,
    cancelled: bool = False,
    phone: str | None = None,
    country: str | None = None,
) -> CommerceEvent:
    updated = updated_at or placed_at
    entity = {
        "id": order_id,
        "customer_id": customer_id,
        "email": email,
        "is_guest": customer_id is None,
        "line_items": [{"product_id": p, "title": p, "quantity": 1, "unit_price": _money("10.00")} for p in products],
        "total": _money(total),
        "refunded_total": _money(refunded) if refunded else None,
        "payment_status": status,
        "placed_at": format_utc(placed_at),
        "updated_at": format_utc(updated),
        "cancelled_at": format_utc(updated) if cancelled else None,
        "phone": phone,
        "country": country,
    }
    return event(store_id, "order", entity)


def customer(
    store_id: str,
    customer_id: str,
    updated_at: datetime,
    *,
    email: str | None = "ada@example.com",
    phone: str | None = None,
    country: str | None = None,
    timezone: str | None = None,
    merged_into: str | None = None,
    email_consent: str = "subscribed",
) -> CommerceEvent:
    entity = {
        "id": customer_id,
        "email": email,
        "phone": phone,
        "country": country,
        "timezone": timezone,
        "email_consent": email_consent,
        "updated_at": format_utc(updated_at),
        "merged_into": merged_into,
    }
    return event(store_id, "customer", entity, action="deleted" if merged_into else "updated")


def product(
    store_id: str,
    product_id: str,
    updated_at: datetime,
    *,
    categories: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    status: str = "active",
) -> CommerceEvent:
    entity = {
        "id": product_id,
        "title": product_id,
        "status": status,
        "categories": list(categories),
        "tags": list(tags),
        "variants": [],
        "updated_at": format_utc(updated_at),
    }
    return event(store_id, "product", entity)


def days(n: float) -> timedelta:
    return timedelta(days=n)
