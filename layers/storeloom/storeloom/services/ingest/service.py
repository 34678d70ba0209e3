"""The ingest service: normalize, then dedupe, then upsert if newer, then publish. No I/O of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from storeloom.domain.event import content_digest
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import loads
from storeloom.services.ingest.ports import DoneMark, EventPublisher, IngestWriter, RawArchive
from storeloom.services.platform_port import NormalizeContext, PlatformAdapter

EventOutcome = Literal["applied", "stale", "duplicate", "in_progress"]
AdapterLookup = Callable[[str], PlatformAdapter]


class MessageRejected(Exception):
    """A message that cannot be processed now; SQS retries it and then dead-letters it."""


@dataclass(frozen=True)
class EventResult:
    message_id: str
    event: CommerceEvent
    outcome: EventOutcome


@dataclass
class BatchResult:
    failed_message_ids: set[str] = field(default_factory=set)
    results: list[EventResult] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for result in self.results:
            tally[result.outcome] = tally.get(result.outcome, 0) + 1
        return tally


@dataclass
class IngestService:
    writer: IngestWriter
    publisher: EventPublisher
    archive: RawArchive
    adapters: AdapterLookup
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def stage(self, message_id: str, message: IngestMessage) -> list[EventResult]:
        """Normalize, claim and store one message's events; raise MessageRejected to have it retried."""
        try:
            events = self.normalize(message)
        except (ValueError, KeyError, TypeError) as error:
            raise MessageRejected(f"normalization failed: {error}".splitlines()[0]) from error
        results = [EventResult(message_id, event, self._claim_and_store(event)) for event in events]
        if any(result.outcome == "in_progress" for result in results):
            raise MessageRejected("another worker holds a claim on one of its events; retry later")
        return results

    def flush(self, batch: BatchResult) -> None:
        """Publish applied events, then record every outcome; a failed publish fails its message."""
        fresh = [r for r in batch.results if r.outcome in ("applied", "stale")]
        applied = [r.event for r in fresh if r.outcome == "applied"]
        failed_event_ids = set(self.publisher.publish(applied)) if applied else set()
        for result in fresh:
            if result.event.event_id in failed_event_ids:
                batch.failed_message_ids.add(result.message_id)
                batch.errors[result.message_id] = "publishing to the event bus failed"
        marks = [_done_mark(r) for r in fresh if r.message_id not in batch.failed_message_ids]
        if marks:
            self.writer.mark_done(marks, self.clock())

    def normalize(self, message: IngestMessage) -> list[CommerceEvent]:
        return normalize_message(message, self._body_of(message), self.adapters)

    def _claim_and_store(self, event: CommerceEvent) -> EventOutcome:
        return self.writer.claim_and_store(event, self.clock())

    def _body_of(self, message: IngestMessage) -> str:
        if message.body is not None:
            return message.body
        if not message.raw_ref:
            raise ValueError("message has neither a body nor a raw_ref")
        return self.archive.read(message.raw_ref).decode()


def _done_mark(result: EventResult) -> DoneMark:
    event = result.event
    outcome: Literal["applied", "stale"] = "applied" if result.outcome == "applied" else "stale"
    digest = content_digest(event.entity.model_dump_json() if event.entity else None)
    return DoneMark(event.idempotency_key, outcome, event.raw_ref, event.event_id, digest)


def normalize_message(message: IngestMessage, body: str, adapters: AdapterLookup) -> list[CommerceEvent]:
    """The CommerceEvents one message's body becomes: the same for the worker, replays and the demo."""
    context = NormalizeContext(
        store_id=message.store_id,
        source=message.source,
        received_at=message.received_at,
        raw_ref=message.raw_ref,
        platform_event_id=message.platform_event_id,
    )
    return adapters(message.platform).normalize(message.topic, loads(body), context)
