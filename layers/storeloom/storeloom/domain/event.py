"""The CommerceEvent envelope and the keys that make one fact one event."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationInfo, model_validator

from storeloom.domain.entities import ENTITY_CLASSES, Entity
from storeloom.domain.types import (
    Action,
    CanonicalModel,
    EntityType,
    Id,
    Platform,
    Source,
    VersionDatetime,
    format_utc,
)

_EVENT_NAMESPACE = uuid.UUID("6f1b7c52-5d0e-4b8e-9a57-3c0f4e1d2a90")


def idempotency_key(platform: str, store_id: str, entity_type: str, entity_id: str, version: datetime | str) -> str:
    """sha256 of ``platform:store_id:entity_type:entity_id:<version>``.

    The version is the entity's ``updated_at`` (so a webhook and a poll of the same version share the key),
    or the platform's event id when the entity has no ``updated_at``.
    """
    version_text = format_utc(version) if isinstance(version, datetime) else version
    plain = f"{platform}:{store_id}:{entity_type}:{entity_id}:{version_text}"
    return hashlib.sha256(plain.encode()).hexdigest()


def content_digest(entity_json: str | None) -> str:
    """sha256 of an entity's canonical JSON: tells two versions apart that share an ``updated_at``."""
    return hashlib.sha256((entity_json or "deleted").encode()).hexdigest()


def event_id_for(key: str) -> str:
    """The same fact always gets the same event id, whichever path delivered it."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, key))


class CommerceEvent(CanonicalModel):
    event_id: str
    idempotency_key: str
    store_id: Id
    platform: Platform
    entity_type: EntityType
    entity_id: Id
    action: Action
    source: Source
    occurred_at: VersionDatetime
    received_at: VersionDatetime
    entity: Entity | None = None
    raw_ref: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _entity_matches_type(cls, data: Any, info: ValidationInfo) -> Any:
        # Validate the entity with the class its entity_type names, not by trying each union member; the
        # context (a test's "now") goes with it.
        if isinstance(data, dict) and isinstance(data.get("entity"), dict):
            entity_class = ENTITY_CLASSES.get(str(data.get("entity_type")))
            if entity_class is not None:
                data = {**data, "entity": entity_class.model_validate(data["entity"], context=info.context)}
        return data

    @model_validator(mode="after")
    def _entity_present_unless_deleted(self) -> CommerceEvent:
        if self.entity is None and self.action != "deleted":
            raise ValueError("entity is required unless action is 'deleted'")
        if self.entity is not None and not isinstance(self.entity, ENTITY_CLASSES[self.entity_type]):
            raise ValueError(f"entity does not match entity_type {self.entity_type!r}")
        return self
