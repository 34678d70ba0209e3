"""Ports the ingest service depends on. Adapters in storeloom.store implement them over AWS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from storeloom.model import CommerceEvent

ClaimStatus = Literal["claimed", "duplicate", "in_progress"]
Outcome = Literal["applied", "stale"]


@dataclass(frozen=True)
class DoneMark:
    """What became of a claimed idempotency key."""

    key: str
    outcome: Outcome
    raw_ref: str | None
    event_id: str


class DedupeLedger(Protocol):
    def claim(self, key: str, raw_ref: str | None, now: datetime) -> ClaimStatus:
        """Claim ``key`` for processing with one conditional write."""
        ...

    def mark_done(self, marks: Sequence[DoneMark], now: datetime) -> None:
        """Record outcomes for claimed keys, batched."""
        ...


class EntityWriter(Protocol):
    def put_if_newer(self, event: CommerceEvent) -> bool:
        """Store the event's entity unless a newer version is stored; False means it was stale."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[CommerceEvent]) -> list[str]:
        """Publish events in batches; return the event ids that failed."""
        ...


class RawArchive(Protocol):
    def read(self, ref: str) -> bytes:
        """The archived raw body behind ``ref``."""
        ...
