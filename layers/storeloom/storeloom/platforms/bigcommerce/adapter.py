"""The BigCommerce adapter: thin webhooks and API resources -> CommerceEvents (docs/platforms.md#bigcommerce).

A webhook body is thin: ``{scope, store_id, data: {type, id, ...}, hash, created_at, producer}`` names the
resource, never its content, so most topics need the resource fetched before anything can be normalized:

- ``resource_refs(topic, payload)`` says what to fetch (``[ResourceRef("order", "250")]``); the store's API
  client reads each (``read(entity, id)``, None when it is gone) and ``normalize(topic, resource)`` maps what
  came back, the same as a polled row. Normalizing a thin payload that needs a fetch raises ``ThinPayload``.
- Deletes (``store/*/deleted``, ``store/order/archived``) need no fetch: a ``deleted`` event, versioned by the
  ``webhook-id``.
- ``store/cart/converted``: the cart is gone by then, so it is not fetched; its ``orderId`` and time mark the
  cart completed (storeloom.platforms.bigcommerce.carts).
- ``store/cart/abandoned`` is one more reason to read the cart while it still exists, not the only source of
  carts: ``store/cart/created`` and ``store/cart/updated`` capture their contents first.
- Sub-resource events (a cart's line item, a customer's address, a product's SKU or stock) fetch the parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import Action, EntityType
from storeloom.platforms.bigcommerce.carts import converted_cart, map_cart
from storeloom.platforms.bigcommerce.orders import map_order
from storeloom.platforms.bigcommerce.resources import map_customer, map_product
from storeloom.platforms.bigcommerce.signature import event_id
from storeloom.platforms.bigcommerce.values import epoch_time
from storeloom.platforms.envelope import deleted_event, entity_event
from storeloom.platforms.mapped import MappedAdapter, Mapper
from storeloom.platforms.timeparse import optional_id
from storeloom.services.platform_port import (
    NormalizationError,
    NormalizeContext,
    ResourceRef,
    ThinPayload,
    UnsupportedTopic,
)


@dataclass(frozen=True)
class Route:
    entity: EntityType
    action: Action
    kind: Literal["fetch", "delete", "converted"] = "fetch"
    id_path: tuple[str, ...] = ("id",)


def _verbs(prefix: str, entity: EntityType, *verbs: str, path: tuple[str, ...] = ("id",)) -> dict[str, Route]:
    return {f"{prefix}/{verb}": Route(entity, "updated", id_path=path) for verb in verbs}


_ENTITIES: tuple[EntityType, ...] = ("order", "cart", "customer", "product")
ROUTES: dict[str, Route] = {
    **{f"store/{entity}/created": Route(entity, "created") for entity in _ENTITIES},
    # An order is never deleted on BigCommerce, only archived.
    **{f"store/{entity}/deleted": Route(entity, "deleted", "delete") for entity in _ENTITIES if entity != "order"},
    "store/order/archived": Route("order", "deleted", "delete"),
    "store/cart/converted": Route("cart", "updated", "converted"),
    **_verbs("store/order", "order", "updated", "statusUpdated", "refund/created"),
    **_verbs("store/cart", "cart", "updated", "abandoned", "couponApplied"),
    **_verbs("store/cart/lineItem", "cart", "created", "updated", "deleted", path=("cartId",)),
    **_verbs("store/customer", "customer", "updated"),
    **_verbs("store/customer/address", "customer", "created", "updated", "deleted", path=("address", "customer_id")),
    **_verbs("store/product", "product", "updated", "inventory/updated", "inventory/order/updated"),
    **_verbs("store/sku", "product", "created", "updated", "deleted", path=("sku", "product_id")),
    **_verbs("store/sku/inventory", "product", "updated", "order/updated", path=("inventory", "product_id")),
}
MAPPERS: dict[EntityType, Mapper] = {
    "order": map_order,
    "cart": map_cart,
    "customer": map_customer,
    "product": map_product,
}
RESOURCE_ALIASES: dict[str, EntityType] = {
    **{name: name for name in MAPPERS},
    **{f"{name}s": name for name in MAPPERS},
}


def is_thin(payload: Any) -> bool:
    """A webhook body (``scope`` and ``data``) rather than an API resource."""
    return (
        isinstance(payload, Mapping)
        and isinstance(payload.get("scope"), str)
        and isinstance(payload.get("data"), Mapping)
    )


class BigCommerceAdapter(MappedAdapter):
    """PlatformAdapter for BigCommerce."""

    platform = "bigcommerce"
    topics = frozenset(ROUTES)
    topic_entities = {topic: route.entity for topic, route in ROUTES.items()}
    resource_aliases = RESOURCE_ALIASES
    mappers = MAPPERS

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        """None: BigCommerce names the topic in the body (``scope``; signature.topic_of)."""
        return None

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        return event_id(headers)

    def envelope_keys(self, entity_type: EntityType) -> tuple[str, str]:
        """V3 wraps one resource or a page in ``data``; V2 answers with the bare resource or a list."""
        return "data", "data"

    def resource_refs(self, topic: str, payload: Any) -> list[ResourceRef]:
        """What must be fetched before ``payload`` can be normalized: nothing for a resource, a delete or a
        converted cart."""
        route = _route(topic)
        if route.kind != "fetch" or not is_thin(payload):
            return []
        return [ResourceRef(route.entity, _data_id(payload["data"], route.id_path))]

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        route = _route(topic)
        if not is_thin(payload):
            if route.kind == "delete":
                return [deleted_event(self.platform, route.entity, payload, context)]
            return self._events(route.entity, payload, route.action, context, topic)
        data = payload["data"]
        if route.kind == "delete":
            entity_id = _data_id(data, route.id_path)
            return [deleted_event(self.platform, route.entity, {"id": entity_id}, context)]
        if route.kind == "converted":
            stamp = payload.get("created_at")
            moment = epoch_time(stamp, "created_at") if stamp is not None else context.received_at
            return [entity_event(self.platform, "cart", converted_cart(data, moment), "updated", context)]
        raise ThinPayload(topic, self.resource_refs(topic, payload))


def _route(topic: str) -> Route:
    route = ROUTES.get(topic)
    if route is None:
        raise UnsupportedTopic(f"topic: bigcommerce topic {topic!r} is not supported")
    return route


def _data_id(data: Mapping[str, Any], path: tuple[str, ...]) -> str:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    found = optional_id(value, f"data.{'.'.join(path)}")
    if found is None:
        raise NormalizationError(f"data.{'.'.join(path)}: missing id")
    return found
