"""Ports the ingest service depends on. Adapters in storeloom.adapters implement them over AWS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    # Types only: the receiver's queue adapter imports this module and must not load pydantic.
    from storeloom.domain.model import CommerceEvent

ClaimOutcome = Literal["applied", "stale", "duplicate", "in_progress"]
Outcome = Literal["applied", "stale"]


@dataclass(frozen=True)
class DoneMark:
    """What became of a claimed idempotency key."""

    key: str
    outcome: Outcome
    raw_ref: str | None
    event_id: str
    digest: str | None = None


class IngestWriter(Protocol):
    def claim_and_store(self, event: CommerceEvent, now: datetime) -> ClaimOutcome:
        """Claim the event's idempotency key and store its entity unless a newer version is stored, atomically.

        ``duplicate``: the key was already done; ``in_progress``: another worker's claim is still leased;
        ``stale``: a newer version is stored, and nothing was written.
        """
        ...

    def mark_done(self, marks: Sequence[DoneMark], now: datetime) -> None:
        """Record outcomes for processed keys, batched."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[CommerceEvent]) -> list[str]:
        """Publish events in batches; return the event ids that failed."""
        ...


class RawArchive(Protocol):
    def read(self, ref: str) -> bytes:
        """The archived raw body behind ``ref``."""
        ...


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    receipt_handle: str
    body: str
    # String message attributes: on a dead letter, why it died (error, error_type, attempts).
    attributes: Mapping[str, str] = field(default_factory=dict)


class DeadLetterSink(Protocol):
    def send_with_attributes(self, body: str, attributes: dict[str, str]) -> str:
        """Enqueue ``body`` with string message attributes (the reason it is dead); return the message id."""
        ...


class ComplianceQueue(Protocol):
    def send(self, body: str) -> str:
        """Enqueue one compliance message (the ingest message as it came) for the compliance worker."""
        ...
