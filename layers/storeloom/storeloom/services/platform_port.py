"""The adapter port every platform implements, and the errors normalization raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from storeloom.domain.model import CommerceEvent
from storeloom.domain.privacy import ComplianceRequest
from storeloom.domain.types import EntityType, Source


class NormalizationError(ValueError):
    """A payload that cannot become canonical entities. The message names the field at fault."""


class UnsupportedTopic(NormalizationError):
    """A topic this adapter does not map."""


class ResourceRef(NamedTuple):
    """One resource a thin payload names: its canonical entity type and its platform id."""

    entity: EntityType
    id: str


class ThinPayload(NormalizationError):
    """A payload that names resources rather than carrying them (BigCommerce webhooks, Amazon's
    ORDER_CHANGE): the ingest worker fetches each from the platform API and normalizes what it reads."""

    def __init__(self, topic: str, refs: list[ResourceRef], field: str = "data") -> None:
        named = ", ".join(f"{ref.entity} {ref.id}" for ref in refs)
        super().__init__(f"{field}: {topic} is a thin payload naming {named}; fetch it and normalize the resource")
        self.topic = topic
        self.refs = refs


class ResourceReader(Protocol):
    """A store's platform API, as the ingest worker reads the resources a thin payload names."""

    def read(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        """The full resource (the shape the adapter normalizes), or None when it no longer exists."""
        ...


@dataclass(frozen=True)
class NormalizeContext:
    """What the adapter needs besides the payload to build CommerceEvents."""

    store_id: str
    source: Source
    received_at: datetime
    raw_ref: str | None = None
    # The platform's own id of the event (Shopify X-Shopify-Event-Id...): the version of a fact that has no
    # updated_at, such as a delete.
    platform_event_id: str | None = None


class PlatformAdapter(Protocol):
    """Maps one platform's webhook topics and payloads into the canonical model."""

    platform: str
    topics: frozenset[str]

    def topic_from_headers(self, headers: Mapping[str, str]) -> str | None:
        """The webhook topic named by the (lower-cased) request headers."""
        ...

    def platform_event_id(self, headers: Mapping[str, str]) -> str | None:
        """The platform's stable id for the event behind a delivery, when it sends one."""
        ...

    def normalize(self, topic: str, payload: Any, context: NormalizeContext) -> list[CommerceEvent]:
        """Turn one topic's payload into CommerceEvents; raise NormalizationError naming the bad field."""
        ...


@runtime_checkable
class ComplianceAdapter(Protocol):
    """An adapter whose platform sends data-subject requests as webhooks (Shopify's mandatory topics).

    Those topics name no entity: the ingest worker hands them to the compliance worker, which asks the
    adapter for the request and runs the redaction service."""

    compliance_topics: frozenset[str]

    def compliance_request(self, topic: str, payload: Any, store_id: str, received_at: datetime) -> ComplianceRequest:
        """The request a compliance webhook makes; NormalizationError names the field a bad payload gets wrong."""
        ...


class ApiError(Exception):
    """A non-retryable answer from the platform API (or retries ran out); the message has no secrets."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
