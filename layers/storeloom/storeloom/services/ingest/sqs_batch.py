"""The ingest worker's SQS batch, reported through Powertools' partial-batch utility like every SQS handler."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.ingest.service import BatchResult, IngestService


class IngestBatchProcessor(BatchProcessor):
    """BatchProcessor that stages each record, then publishes the whole batch once before the response is built.

    BatchProcessor handles one record at a time, and one PutEvents per batch is what keeps ingest at 1.2
    requests per event, so the publish runs in ``_clean``; messages whose events failed to publish are
    reported as failures alongside those whose staging raised.
    """

    def __init__(self, service: IngestService) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.service = service
        self.batch = BatchResult()

    def stage(self, record: SQSRecord) -> None:
        try:
            message = IngestMessage.model_validate_json(record.body)
            self.batch.results.extend(self.service.stage(record.message_id, message))
        except Exception as error:
            self.batch.failed_message_ids.add(record.message_id)
            self.batch.errors[record.message_id] = (str(error).splitlines() or [type(error).__name__])[0]
            raise

    # _prepare and _clean are BatchProcessor's hooks around a batch (untyped in Powertools).
    def _prepare(self) -> None:
        super()._prepare()  # type: ignore[no-untyped-call]
        self.batch = BatchResult()

    def _clean(self) -> None:
        self.service.flush(self.batch)
        reported = {getattr(record, "message_id", None) for record in self.fail_messages}
        for raw in self.records:
            if raw["messageId"] in self.batch.failed_message_ids and raw["messageId"] not in reported:
                self.fail_messages.append(SQSRecord(raw))
        super()._clean()  # type: ignore[no-untyped-call]


def process_sqs_batch(event: dict[str, Any], service: IngestService) -> tuple[dict[str, Any], BatchResult]:
    """The partial-failure response for SQS, and what became of each staged event."""
    processor = IngestBatchProcessor(service)
    response = process_partial_response(event=event, record_handler=processor.stage, processor=processor)
    return dict(response), processor.batch
