"""Run the ingest service over an SQS batch with Powertools' BatchProcessor (partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.ingest.service import BatchResult, IngestService


def process_sqs_batch(event: dict[str, Any], service: IngestService) -> tuple[dict[str, Any], BatchResult]:
    """Stage each record through BatchProcessor, then publish the batch once.

    BatchProcessor handles one record at a time, so the publish that spans the whole batch runs after it,
    and messages whose events failed to publish join the reported failures.
    """
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    batch = BatchResult()

    def stage_record(record: SQSRecord) -> None:
        try:
            message = IngestMessage.model_validate_json(record.body)
            batch.results.extend(service.stage(record.message_id, message))
        except Exception as error:
            batch.failed_message_ids.add(record.message_id)
            batch.errors[record.message_id] = (str(error).splitlines() or [type(error).__name__])[0]
            raise

    with processor(records=event.get("Records", []), handler=stage_record):
        processor.process()
    service.flush(batch)
    response: dict[str, Any] = dict(processor.response())
    already_failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for message_id in sorted(batch.failed_message_ids - already_failed):
        response["batchItemFailures"].append({"itemIdentifier": message_id})
    return response, batch
