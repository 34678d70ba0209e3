"""SQS event source: run each forwarded compliance webhook (data request, customer or shop redaction)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.compliance import ComplianceWorker, process_compliance_batch

logger = Logger(service="compliance_worker")
metrics = Metrics(namespace="Storeloom", service="compliance_worker")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: ComplianceWorker) -> dict[str, Any]:
    response, outcomes, errors = process_compliance_batch(event, worker)
    for outcome in outcomes:
        # Request ids, kinds, counts and the export key only: no personal data.
        logger.info("compliance request done", extra={"outcome": outcome.__dict__})
        metrics.add_metric(name=f"compliance_{outcome.kind}", unit=MetricUnit.Count, value=1)
    for message_id, reason in errors.items():
        logger.warning("compliance request failed", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.compliance_worker, handle)
