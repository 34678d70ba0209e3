"""Feed ingest messages through the worker's own SQS batch path, as the ingest worker handler does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.ingest.service import BatchResult, IngestService
from storeloom.services.ingest.sqs_batch import IngestWorker, process_sqs_batch


def sqs_event(messages: Sequence[tuple[str, IngestMessage]]) -> dict[str, Any]:
    """An SQS event source batch holding ``messages`` under the given message ids."""
    records = [
        {
            "messageId": message_id,
            "receiptHandle": f"rh-{message_id}",
            "body": message.model_dump_json(exclude_none=True),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:IngestQueue",
            "awsRegion": "us-east-1",
        }
        for message_id, message in messages
    ]
    return {"Records": records}


def ingest_batch(service: IngestService, messages: Sequence[tuple[str, IngestMessage]]) -> BatchResult:
    _response, result = process_sqs_batch(sqs_event(messages), IngestWorker(service))
    return result
