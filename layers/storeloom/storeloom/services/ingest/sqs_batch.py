"""The ingest worker's SQS batch, reported through Powertools' partial-batch utility like every SQS handler.

A message that has failed ``max_attempts`` receives is moved to the dead-letter queue by the worker itself,
with the error and the attempt count as message attributes, so an operator sees why (``storeloom replay
--dlq``). The queue's own redrive policy stays behind it, with a higher count, for a worker that crashes or
times out before it can say why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.ingest.ports import DeadLetterSink
from storeloom.services.ingest.service import BatchResult, IngestService

_ATTRIBUTE_LIMIT = 1024  # a reason longer than this is cut: the archive keeps the whole body anyway


@dataclass
class IngestWorker:
    """What the ingest worker handler runs: the service, and where messages go once retries are spent."""

    service: IngestService
    dead_letters: DeadLetterSink | None = None
    max_attempts: int = 5


class IngestBatchProcessor(BatchProcessor):
    """BatchProcessor that stages each record, then publishes the whole batch once before the response is built.

    BatchProcessor handles one record at a time, and one PutEvents per batch is what keeps ingest at 1.2
    requests per event, so the publish runs in the clean-up hook; messages whose events failed to publish
    are reported as failures alongside those whose staging raised.
    """

    def __init__(self, worker: IngestWorker) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.worker = worker
        self.batch = BatchResult()

    def stage(self, record: SQSRecord) -> None:
        try:
            message = IngestMessage.model_validate_json(record.body)
            self.batch.results.extend(self.worker.service.stage(record.message_id, message, self.batch.diverted))
        except Exception as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            self.batch.errors[record.message_id] = reason
            if not self._dead_letter(record.raw_event, type(error).__name__, reason):
                self.batch.failed_message_ids.add(record.message_id)
                raise

    # _prepare and _clean are BatchProcessor's hooks around a batch (untyped in Powertools).
    def _prepare(self) -> None:
        super()._prepare()  # type: ignore[no-untyped-call]
        self.batch = BatchResult()

    def _clean(self) -> None:
        self.worker.service.flush(self.batch)
        reported = {getattr(record, "message_id", None) for record in self.fail_messages}
        for raw in self.records:
            message_id = raw["messageId"]
            if message_id not in self.batch.failed_message_ids or message_id in reported:
                continue
            reason = self.batch.errors.get(message_id, "publishing to the event bus failed")
            if self._dead_letter(raw, "PublishFailed", reason):
                self.batch.failed_message_ids.discard(message_id)
            else:
                self.fail_messages.append(SQSRecord(raw))
        super()._clean()  # type: ignore[no-untyped-call]

    def _dead_letter(self, raw: dict[str, Any], error_type: str, reason: str) -> bool:
        if not dead_letter_if_spent(raw, self.worker.dead_letters, self.worker.max_attempts, error_type, reason):
            return False
        self.batch.dead_lettered[raw["messageId"]] = reason
        return True


def dead_letter_if_spent(
    raw: dict[str, Any], sink: DeadLetterSink | None, max_attempts: int, error_type: str, reason: str
) -> bool:
    """Move an SQS record whose retries are spent to the dead-letter queue with its reason; False otherwise."""
    attempts = int(raw.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    if sink is None or attempts < max_attempts:
        return False
    attributes = {"error": reason[:_ATTRIBUTE_LIMIT], "error_type": error_type, "attempts": str(attempts)}
    sink.send_with_attributes(raw["body"], attributes)
    return True


def process_sqs_batch(event: dict[str, Any], worker: IngestWorker) -> tuple[dict[str, Any], BatchResult]:
    """The partial-failure response for SQS, and what became of each staged event."""
    processor = IngestBatchProcessor(worker)
    response = process_partial_response(event=event, record_handler=processor.stage, processor=processor)
    return dict(response), processor.batch


def process_with_dead_letters(
    event: dict[str, Any], handle: Callable[[str], None], dead_letters: DeadLetterSink | None, max_attempts: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run ``handle`` on each record's body through Powertools' partial-batch utility; a record that fails is
    retried by SQS, and on its ``max_attempts``-th receive is dead-lettered with its reason instead.
    Returns the partial-failure response and the reason of each record that failed."""
    errors: dict[str, str] = {}

    def record_handler(record: SQSRecord) -> None:
        try:
            handle(record.body)
        except Exception as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            errors[record.message_id] = reason
            if not dead_letter_if_spent(record.raw_event, dead_letters, max_attempts, type(error).__name__, reason):
                raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor)
    return dict(response), errors
