"""The ingest service: normalize, then dedupe, then upsert if newer, then publish. No I/O of its own.

Publishing is at least once, and every consumer is idempotent on the fact
------------------------------------------------------------------------
Each version is claimed and stored in one transaction, published, and then marked done for the whole
batch. Every failure is retried by SQS, and a retry of a claimed but unmarked key (after its lease) applies
and publishes the version again. So a fact can reach the bus twice: when marking done fails after a
successful publish, when PutEvents succeeds but its reply is lost, or when the worker dies between the two.

Publishing exactly once is not offered. No ordering of the three calls closes the gap: a lost PutEvents
reply is indistinguishable from a refused request, and EventBridge delivers to targets at least once anyway.
Closing it only for the marking step would add a ledger write per event, against the 3.00 / 1.20 / 1
requests per new event, batched event and duplicate that ingest keeps. So the same fact keeps the same
identity wherever it goes (``event_id_for`` of the idempotency key; the entity's ``updated_at`` as its
version), and each consumer turns a repeat into nothing:

- the entity store: one item per (store, entity type, id), written only if no newer version is stored;
  the same version again rewrites the same item with the same content and event id;
- flow_starter: the run's execution name is derived from (flow, store, cart, abandonment window), all of
  which come from the event, so a repeat meets ``ExecutionAlreadyExists`` (or, same input, the running
  execution); the run's entry decision is written once (``DynamoRunLog.record_first``), so a repeat that
  arrives after every step went stale records neither a second entry nor a false exit;
- flow steps: a run has one execution, and each send is claimed once per (run, step) before the provider
  is called (storeloom.services.flows.once).

tests/integration/test_ingest_faults.py fails every AWS call of this path in turn and shows no lost entity,
no doubled version, and a doubled publish producing one run, one entry decision and one send per step.

Compliance webhooks (Shopify's data requests and redactions) name no entity: they are forwarded whole to
the compliance queue, whose worker runs the redaction service with its own time budget and permissions.
A body the redaction service has already replaced by its placeholder (``{"redacted": true, ...}``: a replay
of an erased delivery) becomes no event, on purpose.

A publish or a marking that raises fails only the messages it concerns, reported through the partial
batch response, rather than the whole invocation: messages already marked, duplicates and those that
failed to normalize are not redelivered for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from storeloom.domain.event import content_digest
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import CommerceEvent
from storeloom.domain.types import loads
from storeloom.services.ingest.ports import ComplianceQueue, DoneMark, EventPublisher, IngestWriter, RawArchive
from storeloom.services.platform_port import (
    ApiError,
    ComplianceAdapter,
    NormalizeContext,
    PlatformAdapter,
    ResourceReader,
    ThinPayload,
)

EventOutcome = Literal["applied", "stale", "duplicate", "in_progress"]
AdapterLookup = Callable[[str], PlatformAdapter]
# (platform, store id) -> the store's platform API, for payloads that only name their resources.
ReaderLookup = Callable[[str, str], ResourceReader]


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
    # Messages that became no event on purpose, by message id: "compliance" (forwarded) or "redacted".
    diverted: dict[str, str] = field(default_factory=dict)
    # Messages whose retries were spent, moved to the dead-letter queue, by message id: the reason.
    dead_lettered: dict[str, str] = field(default_factory=dict)

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
    compliance: ComplianceQueue | None = None
    readers: ReaderLookup | None = None

    def stage(
        self, message_id: str, message: IngestMessage, diverted: dict[str, str] | None = None
    ) -> list[EventResult]:
        """Normalize, claim and store one message's events; raise MessageRejected to have it retried.
        A message that becomes no event on purpose is noted in ``diverted`` with the reason."""
        if is_compliance(message, self.adapters):
            self._forward_compliance(message)
            _note(diverted, message_id, "compliance")
            return []
        try:
            payload = loads(self._body_of(message))
            if is_placeholder(payload):
                _note(diverted, message_id, "redacted")
                return []
            events = self._normalize_fetching(message, payload)
        except ApiError as error:
            raise MessageRejected(f"reading the resource from the platform API failed: {error}") from error
        except (ValueError, KeyError, TypeError) as error:
            raise MessageRejected(f"normalization failed: {error}".splitlines()[0]) from error
        results = [EventResult(message_id, event, self._claim_and_store(event)) for event in events]
        if any(result.outcome == "in_progress" for result in results):
            raise MessageRejected("another worker holds a claim on one of its events; retry later")
        return results

    def flush(self, batch: BatchResult) -> None:
        """Publish applied events, then record every outcome.

        A message whose events failed to publish is failed and not marked, so its retry publishes them. A
        message whose marking failed is failed too: its retry finds the key still claimed, takes it over
        once the lease is out, and publishes again, which the consumers absorb (see the module docstring).
        """
        fresh = [r for r in batch.results if r.outcome in ("applied", "stale")]
        applied = [r.event for r in fresh if r.outcome == "applied"]
        failed_event_ids, reason = self._publish(applied)
        for result in fresh:
            if result.event.event_id in failed_event_ids:
                _fail(batch, result.message_id, reason)
        marked = [r for r in fresh if r.message_id not in batch.failed_message_ids]
        if not marked:
            return
        try:
            self.writer.mark_done([_done_mark(r) for r in marked], self.clock())
        except Exception as error:  # any failure: retried by SQS, the same as a raise but per message
            for result in marked:
                _fail(batch, result.message_id, f"marking done failed: {_first_line(error)}")

    def _publish(self, events: list[CommerceEvent]) -> tuple[set[str], str]:
        """The ids of the events that failed to publish, and why. A raise fails them all: which chunk of
        ten got through before it is unknown, and publishing one again is harmless."""
        reason = "publishing to the event bus failed"
        if not events:
            return set(), reason
        try:
            return set(self.publisher.publish(events)), reason
        except Exception as error:
            return {event.event_id for event in events}, f"{reason}: {_first_line(error)}"

    def _normalize_fetching(self, message: IngestMessage, payload: object) -> list[CommerceEvent]:
        """Normalize; a thin payload's resources are read from the store's API first (on this side of the
        queue, never in the receiver, so the platform's delivery is answered at once)."""
        try:
            return normalize_payload(message, payload, self.adapters)
        except ThinPayload as thin:
            if self.readers is None:
                raise
            reader = self.readers(message.platform, message.store_id)
            rows = [row for ref in thin.refs if (row := reader.read(ref.entity, ref.id)) is not None]
            return [event for row in rows for event in normalize_payload(message, row, self.adapters)]

    def _forward_compliance(self, message: IngestMessage) -> None:
        if self.compliance is None:
            raise MessageRejected(f"topic {message.topic}: no compliance queue is configured (COMPLIANCE_QUEUE_URL)")
        try:
            self.compliance.send(message.model_dump_json())
        except Exception as error:
            raise MessageRejected(f"forwarding to the compliance queue failed: {_first_line(error)}") from error

    def normalize(self, message: IngestMessage) -> list[CommerceEvent]:
        return normalize_message(message, self._body_of(message), self.adapters)

    def _claim_and_store(self, event: CommerceEvent) -> EventOutcome:
        return self.writer.claim_and_store(event, self.clock())

    def _body_of(self, message: IngestMessage) -> str:
        return body_of(message, self.archive)


def body_of(message: IngestMessage, archive: RawArchive) -> str:
    """The message's body: inline, or read from the raw archive when it was too large to ride along."""
    if message.body is not None:
        return message.body
    if not message.raw_ref:
        raise ValueError("message has neither a body nor a raw_ref")
    return archive.read(message.raw_ref).decode()


def _fail(batch: BatchResult, message_id: str, reason: str) -> None:
    batch.failed_message_ids.add(message_id)
    batch.errors.setdefault(message_id, reason)


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _done_mark(result: EventResult) -> DoneMark:
    event = result.event
    outcome: Literal["applied", "stale"] = "applied" if result.outcome == "applied" else "stale"
    digest = content_digest(event.entity.model_dump_json() if event.entity else None)
    return DoneMark(event.idempotency_key, outcome, event.raw_ref, event.event_id, digest)


def is_compliance(message: IngestMessage, adapters: AdapterLookup) -> bool:
    try:
        adapter = adapters(message.platform)
    except ValueError:  # an unknown platform: normalization says so, and the message is dead-lettered
        return False
    return isinstance(adapter, ComplianceAdapter) and message.topic in adapter.compliance_topics


def is_placeholder(payload: object) -> bool:
    """The redaction service's stand-in for an erased body (storeloom.adapters.redaction.ArchiveRedactor)."""
    return isinstance(payload, dict) and payload.get("redacted") is True and set(payload) <= {"redacted", "request_id"}


def _note(diverted: dict[str, str] | None, message_id: str, reason: str) -> None:
    if diverted is not None:
        diverted[message_id] = reason


def normalize_message(message: IngestMessage, body: str, adapters: AdapterLookup) -> list[CommerceEvent]:
    """The CommerceEvents one message's body becomes: the same for the worker, replays and the demo. A
    redaction placeholder becomes none."""
    payload = loads(body)
    return [] if is_placeholder(payload) else normalize_payload(message, payload, adapters)


def normalize_payload(message: IngestMessage, payload: object, adapters: AdapterLookup) -> list[CommerceEvent]:
    context = NormalizeContext(
        store_id=message.store_id,
        source=message.source,
        received_at=message.received_at,
        raw_ref=message.raw_ref,
        platform_event_id=message.platform_event_id,
    )
    return adapters(message.platform).normalize(message.topic, payload, context)
