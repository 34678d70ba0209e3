"""The Magento 2 adapter: polled REST items -> CommerceEvents (docs/platforms.md#magento2).

Magento pushes nothing, so its topics are the REST listings the poller reads (``V1/orders``...): an
ingest message's body is one item of that listing. ``normalize_resource`` also takes a whole search
answer, ``{"items": [...], "search_criteria": ..., "total_count": N}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeloom.domain.model import CommerceEvent, Entity
from storeloom.domain.types import Action, EntityType
from storeloom.platforms.envelope import entity_event, unwrap
from storeloom.platforms.magento2.api_client import RESOURCES
from storeloom.platforms.magento2.mapping import map_cart, map_order
from storeloom.platforms.magento2.resources import map_customer, map_product, map_source_item
from storeloom.platforms.mapped import MappedAdapter, Mapper
from storeloom.services.platform_port import NormalizationError, NormalizeContext


def _inventory_level(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Entity:
    """Only through the adapter, which knows when the item was read (see map_source_item)."""
    return map_source_item(item, None)


MAPPERS: dict[EntityType, Mapper] = {
    "order": map_order,
    "customer": map_customer,
    "product": map_product,
    "cart": map_cart,
    "inventory_level": _inventory_level,
}
_POLLED: dict[str, EntityType] = {
    "orders": "order",
    "customers": "customer",
    "products": "product",
    "carts": "cart",
    "inventory_levels": "inventory_level",
}
TOPIC_ENTITY: dict[str, EntityType] = {RESOURCES[name].topic: entity for name, entity in _POLLED.items()}
RESOURCE_ALIASES: dict[str, EntityType] = {
    **{name: name for name in MAPPERS},
    **_POLLED,
    "quotes": "cart",
    "inventory": "inventory_level",
    "source_items": "inventory_level",
}
_ID_KEYS = ("id", "entity_id", "sku")


def search_items(payload: Any, entity_type: str) -> list[Mapping[str, Any]]:
    """A search answer's items, or the one resource (an order has ``items`` of its own, but also an id)."""
    if isinstance(payload, Mapping):
        if isinstance(payload.get("items"), list) and not any(key in payload for key in _ID_KEYS):
            return unwrap(payload["items"], entity_type, "items")
        return [payload]
    return unwrap(payload, entity_type, "items")


class Magento2Adapter(MappedAdapter):
    """PlatformAdapter for Magento 2 / Adobe Commerce (REST V1)."""

    platform = "magento2"
    topics = frozenset(TOPIC_ENTITY)
    topic_entities = TOPIC_ENTITY
    resource_aliases = RESOURCE_ALIASES
    mappers = MAPPERS

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        return None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        return None

    def envelope_keys(self, entity_type: EntityType) -> tuple[str, str]:
        return entity_type, "items"

    def _events(
        self, entity_type: EntityType, payload: Any, action: Action, context: NormalizeContext, topic: str | None
    ) -> list[CommerceEvent]:
        return [
            entity_event(self.platform, entity_type, self._entity(entity_type, item, context, topic), action, context)
            for item in search_items(payload, entity_type)
        ]

    def _entity(
        self, entity_type: EntityType, item: Mapping[str, Any], context: NormalizeContext, topic: str | None
    ) -> Entity:
        if entity_type != "inventory_level":
            return self._mapped(entity_type, item, topic)
        try:
            return map_source_item(item, context.received_at)
        except (AttributeError, TypeError, KeyError) as error:
            raise NormalizationError(f"inventory_level: unexpected payload shape ({error})") from error
