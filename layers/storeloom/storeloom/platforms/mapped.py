"""The shape both Shopify and WooCommerce share: each webhook topic and REST resource names one canonical
entity type, and one mapper per type builds the entity. Adapters supply the tables; this supplies the steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from storeloom.domain.model import CommerceEvent, Entity
from storeloom.domain.types import Action, EntityType
from storeloom.platforms.envelope import action_for, deleted_event, entity_event, unwrap
from storeloom.services.platform_port import NormalizationError, NormalizeContext, UnsupportedTopic

Mapper = Callable[[Mapping[str, Any], str | None, str | None], Entity]


class MappedAdapter:
    """Template for a PlatformAdapter. ``currency`` is the store's currency, used where a payload names none
    (product variant prices); without it such prices are left out rather than guessed."""

    platform: str
    topics: frozenset[str]
    topic_entities: ClassVar[Mapping[str, EntityType]]
    resource_aliases: ClassVar[Mapping[str, EntityType]]
    mappers: ClassVar[Mapping[EntityType, Mapper]]

    def __init__(self, currency: str | None = None) -> None:
        self.currency = currency

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        entity_type = self.topic_entities.get(topic)
        if entity_type is None:
            raise UnsupportedTopic(f"topic: {self.platform} topic {topic!r} is not supported")
        action = action_for(topic)
        if action == "deleted":
            return [deleted_event(self.platform, entity_type, payload, context)]
        return self._events(entity_type, payload, action, context, topic)

    def normalize_resource(
        self, entity_type: str, item: Mapping[str, Any], context: NormalizeContext
    ) -> list[CommerceEvent]:
        """One polled REST item (or its envelope) of a canonical entity type; the action is ``updated``."""
        canonical = self.resource_aliases.get(entity_type)
        if canonical is None:
            raise NormalizationError(f"entity_type: {entity_type!r} is not a {self.platform} resource")
        return self._events(canonical, item, "updated", context, None)

    def envelope_keys(self, entity_type: EntityType) -> tuple[str, str]:
        """The (singular, plural) keys a REST response wraps items in, e.g. {"order": ...} / {"orders": [...]}."""
        return entity_type, f"{entity_type}s"

    def _events(
        self, entity_type: EntityType, payload: Any, action: Action, context: NormalizeContext, topic: str | None
    ) -> list[CommerceEvent]:
        singular, plural = self.envelope_keys(entity_type)
        return [
            entity_event(self.platform, entity_type, self._mapped(entity_type, item, topic), action, context)
            for item in unwrap(payload, singular, plural)
        ]

    def _mapped(self, entity_type: EntityType, item: Mapping[str, Any], topic: str | None) -> Entity:
        """The mappers read fields by their documented shapes. A payload that nests something else where an
        object or list belongs (a number for ``billing``, a string for ``line_items``) is refused as a whole,
        naming the entity, rather than letting a half-read entity or a stray TypeError through."""
        try:
            return self.mappers[entity_type](item, self.currency, topic)
        except (AttributeError, TypeError, KeyError, IndexError) as error:
            raise NormalizationError(
                f"{entity_type}: unexpected payload shape ({type(error).__name__}: {error})"
            ) from error
