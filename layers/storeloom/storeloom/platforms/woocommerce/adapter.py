"""The WooCommerce adapter: webhook topics and REST v3 resources -> CommerceEvents (PLATFORMS.md C2).

Webhook bodies are the REST resource itself. ``*.deleted`` bodies are just ``{"id": N}`` and become a
``deleted`` event with no entity. ``*.restored`` (out of the trash) is an update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from storeloom.model import CommerceEvent, Entity
from storeloom.model.types import Action, EntityType
from storeloom.platforms.base import NormalizationError, NormalizeContext, UnsupportedTopic
from storeloom.platforms.envelope import action_for, deleted_event, entity_event, unwrap
from storeloom.platforms.woocommerce.mapping import map_order
from storeloom.platforms.woocommerce.resources import map_customer, map_product

Mapper = Callable[[Mapping[str, Any], str | None, str | None], Entity]

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


class WooCommerceAdapter:
    """PlatformAdapter for WooCommerce. ``currency`` is the store's currency, used for product prices
    (a product payload names none); without it those prices are left out rather than guessed."""

    platform = "woocommerce"
    topics: frozenset[str] = frozenset(TOPIC_ENTITY)

    def __init__(self, currency: str | None = None) -> None:
        self.currency = currency

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        topic = headers.get("x-wc-webhook-topic")
        return topic.strip() if topic else None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        """None: X-WC-Webhook-Delivery-ID is new on every attempt, so it is no dedupe key (C2)."""
        return None

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        entity_type = TOPIC_ENTITY.get(topic)
        if entity_type is None:
            raise UnsupportedTopic(f"topic: woocommerce topic {topic!r} is not supported")
        action = action_for(topic)
        if action == "deleted":
            return [deleted_event(self.platform, entity_type, payload, context)]
        return self._events(entity_type, payload, action, context, topic)

    def normalize_resource(
        self, entity_type: str, item: Mapping[str, Any], context: NormalizeContext
    ) -> list[CommerceEvent]:
        """One polled REST item (or a list of them) of a canonical entity type; the action is ``updated``."""
        canonical = RESOURCE_ALIASES.get(entity_type)
        if canonical is None:
            raise NormalizationError(f"entity_type: {entity_type!r} is not a WooCommerce resource")
        return self._events(canonical, item, "updated", context, None)

    def _events(
        self,
        entity_type: EntityType,
        payload: Any,
        action: Action,
        context: NormalizeContext,
        topic: str | None,
    ) -> list[CommerceEvent]:
        mapper = MAPPERS[entity_type]
        return [
            entity_event(self.platform, entity_type, mapper(item, self.currency, topic), action, context)
            for item in unwrap(payload, entity_type, f"{entity_type}s")
        ]
