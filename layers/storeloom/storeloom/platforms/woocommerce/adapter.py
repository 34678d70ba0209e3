"""The WooCommerce adapter: webhook topics and REST v3 resources -> CommerceEvents (docs/platforms.md#woocommerce).

Webhook bodies are the REST resource itself. ``*.deleted`` bodies are just ``{"id": N}`` and become a
``deleted`` event with no entity. ``*.restored`` (out of the trash) is an update.
"""

from __future__ import annotations

from collections.abc import Mapping

from storeloom.domain.types import EntityType
from storeloom.platforms.mapped import MappedAdapter, Mapper
from storeloom.platforms.woocommerce.mapping import map_order
from storeloom.platforms.woocommerce.resources import map_customer, map_product

MAPPERS: dict[EntityType, Mapper] = {"order": map_order, "customer": map_customer, "product": map_product}
_VERBS = ("created", "updated", "deleted", "restored")
TOPIC_ENTITY: dict[str, EntityType] = {
    **{f"order.{verb}": "order" for verb in _VERBS},
    **{f"product.{verb}": "product" for verb in _VERBS},
    **{f"customer.{verb}": "customer" for verb in _VERBS[:3]},
}
RESOURCE_ALIASES: dict[str, EntityType] = {
    **{name: name for name in MAPPERS},
    "orders": "order",
    "customers": "customer",
    "products": "product",
}


class WooCommerceAdapter(MappedAdapter):
    """PlatformAdapter for WooCommerce."""

    platform = "woocommerce"
    topics = frozenset(TOPIC_ENTITY)
    topic_entities = TOPIC_ENTITY
    resource_aliases = RESOURCE_ALIASES
    mappers = MAPPERS

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        topic = headers.get("x-wc-webhook-topic")
        return topic.strip() if topic else None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        """None: X-WC-Webhook-Delivery-ID is new on every attempt, so it is no dedupe key
        (docs/platforms.md#woocommerce-dedupe)."""
        return None
