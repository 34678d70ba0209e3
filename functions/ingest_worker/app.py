"""SQS event source: normalize, dedupe, upsert and publish each message; report partial failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import metrics as names
from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.ingest.sqs_batch import IngestWorker, process_sqs_batch

logger = Logger(service="ingest_worker")
metrics = Metrics(namespace=names.NAMESPACE, service="ingest_worker")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: IngestWorker) -> dict[str, Any]:
    response, result = process_sqs_batch(event, worker)
    metrics.add_metric(name=names.INGEST_FAILED, unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    metrics.add_metric(name=names.INGEST_DEAD_LETTERED, unit=MetricUnit.Count, value=len(result.dead_lettered))
    for outcome, count in result.counts().items():
        metrics.add_metric(name=names.INGEST_EVENTS[outcome], unit=MetricUnit.Count, value=count)
    for message_id, reason in result.errors.items():
        if message_id in result.dead_lettered:
            logger.warning("message dead-lettered", extra={"message_id": message_id, "reason": reason})
        else:
            logger.warning("message will be retried", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.ingest_worker, handle)
