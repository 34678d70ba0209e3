"""The compliance worker's use case: one forwarded compliance webhook -> the redaction service.

The ingest worker forwards Shopify's ``customers/data_request``, ``customers/redact`` and ``shop/redact``
deliveries here untouched. A redaction lists and rewrites a store's archive, which can outlast an ingest
batch's budget, so it runs in its own function with its own permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.privacy import ComplianceRequest
from storeloom.domain.types import loads
from storeloom.services.ingest.ports import DeadLetterSink, RawArchive
from storeloom.services.ingest.service import AdapterLookup, body_of, is_placeholder
from storeloom.services.ingest.sqs_batch import process_with_dead_letters
from storeloom.services.platform_port import ComplianceAdapter, NormalizationError
from storeloom.services.redaction import ExportResult


class ComplianceHandler(Protocol):
    def handle(self, request: ComplianceRequest) -> ExportResult | dict[str, int]: ...


@dataclass(frozen=True)
class ComplianceOutcome:
    """What a compliance request did: no personal data, so it is safe to log."""

    request_id: str | None
    kind: str
    export_key: str | None = None
    counts: dict[str, int] | None = None
    already_done: bool = False


@dataclass
class ComplianceService:
    redaction: ComplianceHandler
    archive: RawArchive
    adapters: AdapterLookup

    def handle(self, message: IngestMessage) -> ComplianceOutcome:
        adapter = self.adapters(message.platform)
        if not isinstance(adapter, ComplianceAdapter) or message.topic not in adapter.compliance_topics:
            raise NormalizationError(f"topic: {message.platform} topic {message.topic!r} is not a compliance topic")
        payload = loads(body_of(message, self.archive))
        if is_placeholder(payload):
            # The archived delivery was itself erased by the redaction it asked for: that request ran.
            return ComplianceOutcome(payload.get("request_id"), message.topic, already_done=True)
        request = adapter.compliance_request(message.topic, payload, message.store_id, message.received_at)
        result = self.redaction.handle(request)
        if isinstance(result, ExportResult):
            return ComplianceOutcome(request.request_id, request.kind, export_key=result.key, counts=result.counts)
        return ComplianceOutcome(request.request_id, request.kind, counts=result)


@dataclass
class ComplianceWorker:
    """What the compliance worker handler runs: the service, and where requests go once retries are spent."""

    service: ComplianceService
    dead_letters: DeadLetterSink | None = None
    max_attempts: int = 3


def process_compliance_batch(
    event: dict[str, Any], worker: ComplianceWorker
) -> tuple[dict[str, Any], list[ComplianceOutcome], dict[str, str]]:
    """The partial-failure response for SQS, the outcomes, and the reason of each failed message."""
    outcomes: list[ComplianceOutcome] = []

    def handle(body: str) -> None:
        outcomes.append(worker.service.handle(IngestMessage.model_validate_json(body)))

    response, errors = process_with_dead_letters(event, handle, worker.dead_letters, worker.max_attempts)
    return response, outcomes, errors
