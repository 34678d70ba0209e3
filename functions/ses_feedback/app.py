"""SQS event source: SES bounce, complaint and subscription notifications (raw from SNS) -> suppressions."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.suppression import FeedbackWorker, process_feedback_batch

logger = Logger(service="ses_feedback")
metrics = Metrics(namespace="Storeloom", service="ses_feedback")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: FeedbackWorker) -> dict[str, Any]:
    response, outcomes, errors = process_feedback_batch(event, worker)
    for outcome in outcomes:
        # The kind, store and count only: the recipients' addresses are never logged.
        logger.info("ses feedback", extra={"outcome": outcome.__dict__})
        metrics.add_metric(name=f"ses_feedback_{outcome.kind}", unit=MetricUnit.Count, value=1)
    for message_id, reason in errors.items():
        logger.warning("ses feedback failed", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.ses_feedback_worker, handle)
