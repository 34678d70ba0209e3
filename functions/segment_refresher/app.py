"""EventBridge -> SQS -> here: each customer, order, cart or product event updates one person's record and
segments (partial batch failures; a record whose retries are spent is dead-lettered with its reason)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.segment_worker import SegmentWorker, process_segment_batch

logger = Logger(service="segment_refresher")
metrics = Metrics(namespace="Storeloom", service="segment_refresher")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: SegmentWorker) -> dict[str, Any]:
    response, outcomes, errors = process_segment_batch(event, worker)
    for outcome in outcomes:
        # Hashed person ids and segment names only: no personal data.
        logger.info(
            "person refreshed",
            extra={
                "status": outcome.status,
                "person_id": outcome.person_id,
                "transitions": outcome.transitions,
                "merged": outcome.merged,
            },
        )
        metrics.add_metric(name=f"segment_event_{outcome.status}", unit=MetricUnit.Count, value=1)
    for message_id, reason in errors.items():
        logger.warning("segment refresh failed", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.segment_worker, handle)
