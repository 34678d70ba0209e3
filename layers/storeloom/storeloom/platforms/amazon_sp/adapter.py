"""The Amazon SP-API adapter: polled orders and notifications -> CommerceEvents (docs/platforms.md#amazon-sp-api).

Amazon pushes no webhooks to Storeloom, so its "topics" name the shapes a body arrives in:
- ``getOrders``: an Orders v0 order as the poller enqueues it (``OrderItems`` merged in), or a getOrders /
  getOrder answer (``{"payload": {"Orders": [...]}}``, ``{"payload": {...}}``);
- ``searchOrders``: an Orders 2026-01-01 order, or its ``{"orders": [...]}`` / ``{"order": {...}}`` answer;
- ``ORDER_CHANGE``: a Notifications API message (from SQS). It names an order but carries no money, so
  ``resource_refs`` names the order to fetch (``read("order", id)`` on the client) and the fetched order
  normalizes under this topic; the notification itself raises ThinPayload (see
  storeloom.platforms.amazon_sp.notification).

Each order gives two events: its marketplace buyer (a customer that is never marketable) and the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from storeloom.domain.model import CommerceEvent, Entity, Order
from storeloom.domain.types import EntityType
from storeloom.platforms.amazon_sp.mapping import POLLED_TOPIC, OrderFacts, entities, v0_facts
from storeloom.platforms.amazon_sp.notification import (
    NOTIFICATION_TOPIC,
    is_fetched_order,
    order_change,
)
from storeloom.platforms.amazon_sp.search import search_facts
from storeloom.platforms.envelope import entity_event
from storeloom.platforms.mapped import MappedAdapter, Mapper
from storeloom.services.platform_port import (
    NormalizationError,
    NormalizeContext,
    ResourceRef,
    ThinPayload,
    UnsupportedTopic,
)

SEARCH_TOPIC = "searchOrders"
TOPIC_ENTITY: dict[str, EntityType] = {POLLED_TOPIC: "order", SEARCH_TOPIC: "order", NOTIFICATION_TOPIC: "order"}
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError)


def map_order(item: Mapping[str, Any], currency: str | None, topic: str | None) -> Order:
    """The order alone, for callers of the MappedAdapter table; ingest emits its buyer too."""
    return entities(facts_of(item), currency)[1]


def facts_of(row: Mapping[str, Any]) -> OrderFacts:
    return search_facts(row) if "orderId" in row and "AmazonOrderId" not in row else v0_facts(row)


def orders_in(payload: Any) -> list[Mapping[str, Any]]:
    """The orders of any envelope either Orders API answers with, or of a bare order or list."""
    if isinstance(payload, list):
        return [_order_object(item, f"[{i}]") for i, item in enumerate(payload)]
    body = _order_object(payload, "payload")
    inner = body.get("payload", body)
    for plural in ("Orders", "orders"):
        if isinstance(inner, Mapping) and isinstance(inner.get(plural), list):
            return [_order_object(item, f"{plural}[{i}]") for i, item in enumerate(inner[plural])]
    if isinstance(inner, Mapping) and isinstance(inner.get("order"), Mapping):
        return [inner["order"]]
    return [_order_object(inner, "payload")]


def _order_object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise NormalizationError(f"{field}: an order must be a JSON object")
    return value


class AmazonSpAdapter(MappedAdapter):
    """PlatformAdapter for Amazon SP-API orders. ``currency`` prices a Pending order that states none."""

    platform = "amazon_sp"
    topics = frozenset(TOPIC_ENTITY)
    topic_entities = TOPIC_ENTITY
    resource_aliases: ClassVar[Mapping[str, EntityType]] = {"order": "order", "orders": "order"}
    mappers: ClassVar[Mapping[EntityType, Mapper]] = {"order": map_order}

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        """None: nothing arrives over HTTP (notifications come from SQS, where the body names its type)."""
        return None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        return None

    def resource_refs(self, topic: str, payload: Any) -> list[ResourceRef]:
        """What must be fetched before ``payload`` can be normalized: the order an ORDER_CHANGE names."""
        if topic != NOTIFICATION_TOPIC or is_fetched_order(payload):
            return []
        return [ResourceRef("order", order_change(payload).order_id)]

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        if topic not in self.topics:
            raise UnsupportedTopic(f"topic: amazon_sp topic {topic!r} is not supported")
        refs = self.resource_refs(topic, payload)
        if refs:
            raise ThinPayload(topic, refs, field="Payload")
        return self._order_events(payload, context)

    def normalize_resource(
        self, entity_type: str, item: Mapping[str, Any], context: NormalizeContext
    ) -> list[CommerceEvent]:
        if self.resource_aliases.get(entity_type) != "order":
            raise NormalizationError(f"entity_type: {entity_type!r} is not an amazon_sp resource (orders only)")
        return self._order_events(item, context)

    def _order_events(self, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        events = []
        for row in orders_in(payload):
            for entity_type, entity in self._pair(row):
                events.append(entity_event(self.platform, entity_type, entity, "updated", context))
        return events

    def _pair(self, row: Mapping[str, Any]) -> list[tuple[EntityType, Entity]]:
        try:
            buyer, order = entities(facts_of(row), self.currency)
        except _SHAPE_ERRORS as error:
            raise NormalizationError(f"order: unexpected payload shape ({type(error).__name__}: {error})") from error
        return [("customer", buyer), ("order", order)]
