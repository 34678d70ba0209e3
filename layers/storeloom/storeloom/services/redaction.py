"""GDPR redaction: each resource holding personal data registers how it is exported and erased.

``PERSONAL_DATA`` names every stateful resource of template.yaml (tables, the archive bucket, queues, the
state machine, log groups) and says either which redactor handles it (a ``PersonalDataTable`` of that ``name`` in
storeloom.adapters.redaction) or ``none: <reason>``. tests/unit/test_redaction_registry.py fails when the
template gains a resource this map does not name, so a new table cannot forget its redaction.

The service first widens the person with what the tables know (``PersonResolver``: the entity store finds
the customer record's phone, other emails, the orders' customer ids), then asks every table to export or
redact. Resolvers redact last, so a run that fails half-way can be retried and still find the person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from storeloom.domain.privacy import ComplianceRequest, Person, export_key

NONE_PREFIX = "none: "

PERSONAL_DATA: dict[str, str] = {
    # Redacted: the value is the ``name`` of a PersonalDataTable in storeloom.adapters.redaction.
    "EntitiesTable": "entities",
    # Decisions and contact history are redacted; attribution records (<store>#attribution) and the KPI
    # counters (<store>#kpi#<flow>) hold order, run and flow ids, times and amounts, no personal data, and stay.
    "FlowRunsTable": "flow_runs",
    "OutboxTable": "outbox",
    "SuppressionTable": "suppressions",
    "ArchiveBucket": "archive",
    "AbandonedCartStateMachine": "executions",
    "PostPurchaseStateMachine": "executions",
    "WinbackStateMachine": "executions",
    "PeopleTable": "people",
    # Nothing to redact, and why.
    "LedgerTable": (
        "none: idempotency and send claims only: keys are sha256 hashes (ingest#<sha256>) or send#<run>#<step>,"
        " raw_ref names an archive key (redacted in the bucket), provider_id is the channel's message id;"
        " expires after 7 days (ingest) or 44 days (sends)"
    ),
    "CheckpointsTable": (
        "none: poll cursors and counts only (a cursor is an updated_at and the last platform id read, and moves"
        " on at the next poll) and subscription repair counts"
    ),
    "StoresTable": "none: store registrations (platform, API URL, secret ARN, poll interval); no customer data",
    "FlowConfigTable": "none: flow settings per store; the sender is the merchant's address, no customer data",
    "IngestQueue": (
        "none: transient ingest messages whose bodies (personal data) ride inline up to 200 KiB; SQS cannot"
        " delete by content, and drops them after its 4-day default retention"
    ),
    "IngestDeadLetterQueue": (
        "none: failed ingest messages with inline bodies (personal data); SQS cannot delete by content, kept"
        " 14 days (MessageRetentionPeriod); drain or purge it before replaying after a redaction"
    ),
    "ShopifyPartnerEventsQueue": (
        "none: Shopify webhooks from EventBridge (their bodies hold personal data) on their way to the archive"
        " and the ingest queue; SQS cannot delete by content, and drops them after its 4-day default retention"
    ),
    "ShopifyPartnerEventsDeadLetterQueue": (
        "none: EventBridge deliveries that could not be taken in (personal data in the body); SQS cannot delete"
        " by content, kept 14 days (MessageRetentionPeriod)"
    ),
    "ComplianceQueue": (
        "none: forwarded compliance webhooks (the customer's id, email, phone) for the compliance worker, which"
        " deletes each once its redaction ran; SQS cannot delete by content, 4-day default retention"
    ),
    "ComplianceDeadLetterQueue": (
        "none: compliance requests that failed three times (the customer's id, email, phone), kept 14 days"
        " (MessageRetentionPeriod) to be replayed: a redaction that never ran must not be lost"
    ),
    "FlowTriggerQueue": (
        "none: cart events from the bus (a cart's email) for the flow starter; SQS cannot delete by content,"
        " and drops them after its 4-day default retention"
    ),
    "FlowTriggerDeadLetterQueue": (
        "none: failed cart events (a cart's email); SQS cannot delete by content, kept 14 days (MessageRetentionPeriod)"
    ),
    "SesFeedbackQueue": (
        "none: SES bounce, complaint and unsubscribe notifications (the recipients' addresses) for the feedback"
        " worker, which deletes each once its suppressions are written (by hash); 4-day default retention"
    ),
    "SesFeedbackDeadLetterQueue": (
        "none: SES notifications that could not be turned into suppressions (the recipients' addresses), kept"
        " 14 days (MessageRetentionPeriod) to be read and replayed; SQS cannot delete by content"
    ),
    "SegmentQueue": (
        "none: customer, order, cart and product events from the bus (emails, phones) for the segment refresher;"
        " SQS cannot delete by content, and drops them after its 4-day default retention"
    ),
    "SegmentDeadLetterQueue": (
        "none: bus events the segment refresher could not apply (emails, phones); SQS cannot delete by content,"
        " kept 14 days (MessageRetentionPeriod)"
    ),
    "BackfillQueue": "none: backfill jobs (store, entity, time window, resume cursor); no customer data",
    "BackfillDeadLetterQueue": "none: failed backfill jobs (store, entity, time window); no customer data",
    "WebhookApiAccessLogs": (
        "none: HTTP API access logs: request id, caller IP (the platform's servers), path"
        " (/webhooks/<platform>/<store_id>), status and latency, no bodies; kept 90 days (RetentionInDays)"
    ),
    "ScheduledInvokeDeadLetterQueue": (
        "none: failed scheduled invocations of the poller and deep sweep (store, entity, mode, lookback hours);"
        " no customer data"
    ),
}


def redactor_names() -> frozenset[str]:
    """The redactors the registry names: every one must be implemented and wired."""
    return frozenset(value for value in PERSONAL_DATA.values() if not value.startswith(NONE_PREFIX))


class PersonalDataTable(Protocol):
    """A resource holding personal data: what it holds about a person, and how it erases it.

    ``redact`` and ``redact_store`` return how many records (items, objects, executions) they changed or
    removed; both are idempotent. ``request_id`` is recorded where a record is replaced by a placeholder.
    """

    name: str

    def export(self, person: Person) -> list[dict[str, Any]]:
        """Every record about the person, as plain JSON values."""
        ...

    def redact(self, person: Person, *, request_id: str) -> int: ...

    def redact_store(self, store_id: str, *, request_id: str) -> int: ...


@runtime_checkable
class PersonResolver(Protocol):
    """A table that knows more identifiers of a person than the request gives (the customer's phone...)."""

    def identify(self, person: Person) -> Person: ...


class ExportWriter(Protocol):
    def write(self, key: str, document: Mapping[str, Any]) -> str:
        """Store one export document under ``key``; return the key."""
        ...


@dataclass(frozen=True)
class ExportResult:
    key: str
    counts: dict[str, int] = field(default_factory=dict)


class RedactionService:
    def __init__(
        self,
        tables: Sequence[PersonalDataTable],
        exports: ExportWriter,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        names = [table.name for table in tables]
        missing, unknown = redactor_names() - set(names), set(names) - redactor_names()
        if missing or unknown or len(names) != len(set(names)):
            raise ValueError(
                f"redactors must match PERSONAL_DATA once each: missing {sorted(missing)}, unregistered"
                f" {sorted(unknown)}, given {names}"
            )
        self._tables = list(tables)
        self._exports = exports
        self._clock = clock

    def handle(self, request: ComplianceRequest) -> ExportResult | dict[str, int]:
        if request.kind == "data_request":
            return self.data_request(request)
        if request.kind == "customer_redact":
            return self.redact_customer(request)
        return self.redact_shop(request.store_id, request.request_id)

    def identify(self, person: Person) -> Person:
        """The person with every identifier the tables hold for them."""
        for table in self._tables:
            if isinstance(table, PersonResolver):
                person = table.identify(person)
        return person

    def data_request(self, request: ComplianceRequest) -> ExportResult:
        """Write one JSON export of everything held about the person; name it in the result."""
        _expect(request, "data_request")
        person = self.identify(request.subject())
        data = {table.name: table.export(person) for table in self._tables}
        document = {
            "request_id": request.request_id,
            "kind": request.kind,
            "store_id": request.store_id,
            "received_at": request.received_at.isoformat() if request.received_at else None,
            "generated_at": self._clock().isoformat(),
            "subject": {
                "customer_ids": list(person.customer_ids),
                "emails": list(person.emails),
                "phones": list(person.phones),
                "order_ids": list(person.order_ids),
            },
            "data": data,
        }
        key = self._exports.write(export_key(request.store_id, request.request_id), document)
        return ExportResult(key, {name: len(records) for name, records in data.items()})

    def redact_customer(self, request: ComplianceRequest) -> dict[str, int]:
        """Erase the person everywhere; how many records each table changed."""
        _expect(request, "customer_redact")
        person = self.identify(request.subject())
        return {table.name: table.redact(person, request_id=request.request_id) for table in self._redaction_order()}

    def redact_shop(self, store_id: str, request_id: str | None = None) -> dict[str, int]:
        """Erase the personal data of a whole store; how many records each table changed."""
        request_id = request_id or f"shop_redact-{store_id}"
        return {table.name: table.redact_store(store_id, request_id=request_id) for table in self._redaction_order()}

    def _redaction_order(self) -> list[PersonalDataTable]:
        return sorted(self._tables, key=lambda table: isinstance(table, PersonResolver))


def _expect(request: ComplianceRequest, kind: str) -> None:
    if request.kind != kind:
        raise ValueError(f"kind: expected a {kind} request, got {request.kind}")
