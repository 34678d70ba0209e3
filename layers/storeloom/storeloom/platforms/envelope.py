"""Building CommerceEvents from mapped entities: the part every adapter shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from storeloom.domain.model import CommerceEvent, Entity, event_id_for, format_utc, idempotency_key
from storeloom.domain.types import Action, EntityType
from storeloom.platforms.timeparse import required_id
from storeloom.services.platform_port import NormalizationError, NormalizeContext

ModelT = TypeVar("ModelT", bound=BaseModel)


def build(model: type[ModelT], **fields: Any) -> ModelT:
    """Validate a canonical model, turning a pydantic error into a NormalizationError naming the field."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or model.__name__
        raise NormalizationError(f"{where}: {first['msg']}") from error


def action_for(topic: str) -> Action:
    """``created`` for create topics, ``deleted`` for delete topics, else ``updated``."""
    verb = topic.replace(".", "/").rsplit("/", 1)[-1]
    if verb in ("create", "created"):
        return "created"
    if verb in ("delete", "deleted"):
        return "deleted"
    return "updated"


def entity_event(
    platform: str,
    entity_type: EntityType,
    entity: Entity,
    action: Action,
    context: NormalizeContext,
    version: str | None = None,
) -> CommerceEvent:
    """The event for one entity version. The version is the entity's ``updated_at``, unless the fact has a
    steadier one of its own (a merge, whose ``updated_at`` is only when it was received)."""
    key = idempotency_key(platform, context.store_id, entity_type, entity.id, version or entity.updated_at)
    return _event(platform, entity_type, entity.id, action, context, key, entity)


def deleted_event(platform: str, entity_type: EntityType, payload: Any, context: NormalizeContext) -> CommerceEvent:
    """A delete carries only an id. Its version is the platform event id, else the time it was received."""
    if not isinstance(payload, Mapping):
        raise NormalizationError("id: a delete payload must be an object with an id")
    entity_id = required_id(payload, "id")
    version = context.platform_event_id or format_utc(context.received_at)
    key = idempotency_key(platform, context.store_id, entity_type, entity_id, version)
    return _event(platform, entity_type, entity_id, "deleted", context, key, None)


def _event(
    platform: str,
    entity_type: EntityType,
    entity_id: str,
    action: Action,
    context: NormalizeContext,
    key: str,
    entity: Entity | None,
) -> CommerceEvent:
    return build(
        CommerceEvent,
        event_id=event_id_for(key),
        idempotency_key=key,
        store_id=context.store_id,
        platform=platform,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        source=context.source,
        occurred_at=entity.updated_at if entity is not None else context.received_at,
        received_at=context.received_at,
        entity=entity,
        raw_ref=context.raw_ref,
    )


def unwrap(payload: Any, singular: str, plural: str) -> list[Mapping[str, Any]]:
    """The items of a payload: a bare resource, ``{"order": {...}}``, ``{"orders": [...]}`` or a list."""
    if isinstance(payload, Mapping):
        if isinstance(payload.get(singular), Mapping) and "id" not in payload:
            return [payload[singular]]
        if isinstance(payload.get(plural), list):
            return _objects(payload[plural], plural)
        return [payload]
    if isinstance(payload, list):
        return _objects(payload, plural)
    raise NormalizationError(f"{singular}: payload must be a JSON object or a list of objects")


def _objects(items: list[Any], field: str) -> list[Mapping[str, Any]]:
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise NormalizationError(f"{field}[{index}]: not an object")
    return list(items)
