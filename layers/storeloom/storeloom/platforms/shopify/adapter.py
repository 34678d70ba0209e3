"""The Shopify adapter: webhook topics and REST resources -> CommerceEvents (docs/platforms.md#shopify).

One payload gives one event for its primary entity. An order's embedded customer is not emitted as a
customer event: it is a partial copy (no consent or tags in some topics) with the same ``updated_at`` as
the full customer record, so it would share that version's idempotency key and could win the dedupe.

``customers/merge``: a completed merge is a ``deleted`` event for the customer Shopify deleted, whose
entity names the one it kept (``merged_into``); a merge that failed or has not finished gives none.

``refunds/create``: a refund alone cannot build an order version (no totals, statuses or updated_at), and
Shopify sends ``orders/updated`` for the same change. The adapter therefore emits no event for it and logs
why; a lost orders/updated is recovered by polling.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storeloom.domain.model import CommerceEvent
from storeloom.domain.privacy import ComplianceRequest
from storeloom.domain.types import EntityType
from storeloom.platforms.envelope import entity_event
from storeloom.platforms.mapped import MappedAdapter, Mapper
from storeloom.platforms.shopify.compliance import COMPLIANCE_TOPICS, compliance_request
from storeloom.platforms.shopify.mapping import map_cart, map_order
from storeloom.platforms.shopify.resources import (
    MERGE_TOPIC,
    map_customer,
    map_inventory_level,
    map_product,
    merged_customer,
)
from storeloom.platforms.signatures import platform_event_id
from storeloom.services.platform_port import NormalizeContext

log = logging.getLogger(__name__)

TOPIC_ENTITY: dict[str, EntityType] = {
    **{f"orders/{verb}": "order" for verb in ("create", "updated", "paid", "cancelled", "fulfilled")},
    "orders/partially_fulfilled": "order",
    "orders/delete": "order",
    "checkouts/create": "cart",
    "checkouts/update": "cart",
    **{f"customers/{verb}": "customer" for verb in ("create", "update", "delete", "enable", "disable")},
    **{f"products/{verb}": "product" for verb in ("create", "update", "delete")},
    "inventory_levels/update": "inventory_level",
    "inventory_levels/connect": "inventory_level",
}
REFUND_TOPIC = "refunds/create"

MAPPERS: dict[EntityType, Mapper] = {
    "order": map_order,
    "cart": map_cart,
    "customer": map_customer,
    "product": map_product,
    "inventory_level": map_inventory_level,
}
# (singular, plural) REST envelope keys per entity, e.g. {"order": {...}} / {"orders": [...]}.
ENVELOPES: dict[EntityType, tuple[str, str]] = {
    "order": ("order", "orders"),
    "cart": ("checkout", "checkouts"),
    "customer": ("customer", "customers"),
    "product": ("product", "products"),
    "inventory_level": ("inventory_level", "inventory_levels"),
}
# Names the poller may use for a REST resource, mapped to the canonical entity type.
RESOURCE_ALIASES: dict[str, EntityType] = {
    **{name: name for name in MAPPERS},
    "orders": "order",
    "checkout": "cart",
    "checkouts": "cart",
    "abandoned_checkouts": "cart",
    "customers": "customer",
    "products": "product",
    "inventory_levels": "inventory_level",
}


class ShopifyAdapter(MappedAdapter):
    """PlatformAdapter for Shopify."""

    platform = "shopify"
    topics = frozenset({*TOPIC_ENTITY, REFUND_TOPIC, MERGE_TOPIC})
    topic_entities = TOPIC_ENTITY
    resource_aliases = RESOURCE_ALIASES
    mappers = MAPPERS

    compliance_topics = COMPLIANCE_TOPICS

    def compliance_request(self, topic: str, payload: Any, store_id: str, received_at: datetime) -> ComplianceRequest:
        return compliance_request(topic, payload, store_id, received_at)

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        topic = headers.get("x-shopify-topic")
        return topic.strip() if topic else None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        return platform_event_id(headers)

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        if topic == REFUND_TOPIC:
            log.info("refunds/create carries no order version; orders/updated does", extra={"topic": topic})
            return []
        if topic == MERGE_TOPIC:
            return self._merge(payload, context)
        return super().normalize(topic, payload, context)

    def _merge(self, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        customer = merged_customer(payload, context.received_at)
        if customer is None:
            log.info("customers/merge did not complete: nothing was merged", extra={"topic": MERGE_TOPIC})
            return []
        # A deleted id is never merged again, so the pair is the fact's version on every delivery and replay.
        version = f"merged_into:{customer.merged_into}"
        return [entity_event(self.platform, "customer", customer, "deleted", context, version)]

    def envelope_keys(self, entity_type: EntityType) -> tuple[str, str]:
        return ENVELOPES[entity_type]
