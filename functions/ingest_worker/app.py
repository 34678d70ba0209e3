"""SQS event source: normalize, dedupe, upsert and publish each message; report partial failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.ingest.sqs_batch import IngestWorker, process_sqs_batch

logger = Logger(service="ingest_worker")
metrics = Metrics(namespace="Storeloom", service="ingest_worker")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: IngestWorker) -> dict[str, Any]:
    response, result = process_sqs_batch(event, worker)
    metrics.add_metric(name="messages_failed", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    for outcome, count in result.counts().items():
        metrics.add_metric(name=f"events_{outcome}", unit=MetricUnit.Count, value=count)
    for message_id, reason in result.errors.items():
        logger.warning("message will be retried", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.ingest_worker, handle)
