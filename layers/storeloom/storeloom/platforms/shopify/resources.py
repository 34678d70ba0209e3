"""Shopify customers, products and inventory levels -> canonical entities (docs/canonical-model.md,
docs/platforms.md#shopify)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storeloom.domain.model import Customer, InventoryLevel, Product, Variant
from storeloom.domain.types import Consent
from storeloom.platforms.envelope import build
from storeloom.platforms.timeparse import (
    country_of,
    optional_int,
    optional_money,
    optional_time,
    required_id,
    required_time,
    split_tags,
    text,
)
from storeloom.services.platform_port import NormalizationError

MERGE_TOPIC = "customers/merge"
_CUSTOMER_GID = re.compile(r"^gid://shopify/Customer/(?P<id>\d+)$")

# Shopify marketing states; redacted/invalid addresses must never receive marketing.
CONSENT: dict[str, Consent] = {
    "subscribed": "subscribed",
    "not_subscribed": "not_subscribed",
    "unsubscribed": "unsubscribed",
    "pending": "pending",
    "redacted": "unsubscribed",
    "invalid": "not_subscribed",
}


def consent(value: Any, legacy: Any = None) -> Consent:
    """``*_marketing_consent.state``; else the legacy ``accepts_marketing`` flag; else unknown."""
    if isinstance(value, Mapping) and text(value.get("state")):
        return CONSENT.get(str(value["state"]).strip().lower(), "unknown")
    if isinstance(legacy, bool):
        return "subscribed" if legacy else "not_subscribed"
    return "unknown"


def _country(item: Mapping[str, Any]) -> str | None:
    """The default address's ``country_code``, else the first address's. Shopify keeps no customer time zone."""
    addresses = [a for a in item.get("addresses") or [] if isinstance(a, Mapping)]
    default = item.get("default_address")
    chosen = [default] if isinstance(default, Mapping) else []
    return country_of(*(address.get("country_code") for address in chosen + addresses[:1]))


def map_customer(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Customer:
    """A Shopify customer record. ``is_guest`` is False: guests have no customer record (see Order)."""
    return build(
        Customer,
        id=required_id(item, "id"),
        email=text(item.get("email")),
        phone=text(item.get("phone")),
        first_name=text(item.get("first_name")),
        last_name=text(item.get("last_name")),
        email_consent=consent(item.get("email_marketing_consent"), item.get("accepts_marketing")),
        sms_consent=consent(item.get("sms_marketing_consent")),
        tags=split_tags(item.get("tags")),
        created_at=optional_time(item, "created_at"),
        updated_at=required_time(item, "updated_at"),
        country=_country(item),
    )


def map_inventory_level(item: Mapping[str, Any], currency: str | None, topic: str | None) -> InventoryLevel:
    """An inventory item at a location. Shopify's inventory item is not the variant, so variant_id is None."""
    return build(
        InventoryLevel,
        item_id=required_id(item, "inventory_item_id"),
        location_id=required_id(item, "location_id"),
        available=item.get("available"),
        updated_at=required_time(item, "updated_at"),
    )


def _variant(item: Mapping[str, Any], currency: str | None, field: str) -> Variant:
    """in_stock: inventory not tracked, some on hand, or overselling allowed (inventory_policy=continue)."""
    quantity = optional_int(item.get("inventory_quantity"), f"{field}.inventory_quantity")
    presentment = (item.get("presentment_prices") or [{}])[0].get("price") or {}
    currency = text(presentment.get("currency_code")) or currency
    in_stock = (
        not item.get("inventory_management")
        or (quantity is not None and quantity > 0)
        or item.get("inventory_policy") == "continue"
    )
    return build(
        Variant,
        id=required_id(item, "id"),
        sku=text(item.get("sku")),
        title=text(item.get("title")),
        # A product payload names no currency: without the store's (or a presentment) currency the price
        # is left out rather than guessed.
        price=optional_money(item.get("price"), currency, f"{field}.price") if currency else None,
        inventory_quantity=quantity,
        in_stock=in_stock,
    )


def map_product(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Product:
    """``url`` stays None: the payload has only the handle, not the storefront domain."""
    image = item.get("image") or (item.get("images") or [{}])[0] or {}
    variants = item.get("variants") or []
    return build(
        Product,
        id=required_id(item, "id"),
        title=text(item.get("title")) or "",
        status=text(item.get("status")),
        image_url=text(image.get("src")),
        tags=split_tags(item.get("tags")),
        categories=[name] if (name := text(item.get("product_type"))) else [],
        variants=[_variant(variant, currency, f"variants[{i}]") for i, variant in enumerate(variants)],
        updated_at=required_time(item, "updated_at"),
    )


def _merged_id(payload: Mapping[str, Any], field: str) -> str:
    """A customer GID (``gid://shopify/Customer/2``) as the plain numeric id the rest of the mapping uses."""
    value = text(payload.get(field))
    if value is None:
        raise NormalizationError(f"{field}: missing id")
    found = _CUSTOMER_GID.match(value)
    if found is None:
        raise NormalizationError(f"{field}: not a Shopify customer id: {value!r}")
    return found["id"]


def merged_customer(payload: Any, moment: datetime) -> Customer | None:
    """What a ``customers/merge`` body says: the deleted customer, now pointing at the kept one.

    Only a ``completed`` merge removes anyone; a ``failed``, ``requested`` or ``in_progress`` one (the
    CustomerMergeRequestStatus values) changed nothing, so it gives None. The payload has no time of its
    own: ``moment`` (when it was received) stands for ``updated_at``.
    """
    if not isinstance(payload, Mapping):
        raise NormalizationError("customers/merge: payload must be a JSON object")
    if (text(payload.get("status")) or "").lower() != "completed":
        return None
    deleted = _merged_id(payload, "admin_graphql_api_customer_deleted_id")
    kept = _merged_id(payload, "admin_graphql_api_customer_kept_id")
    if deleted == kept:
        raise NormalizationError(f"admin_graphql_api_customer_kept_id: customer {kept} is merged into itself")
    return build(Customer, id=deleted, merged_into=kept, updated_at=moment)
