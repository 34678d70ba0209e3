"""SQS event source: Shopify webhooks from an EventBridge partner event source, into the webhook intake."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.ingest.partner_events import PartnerEventsWorker, process_partner_batch

logger = Logger(service="partner_events")
metrics = Metrics(namespace="Storeloom", service="partner_events")


@metrics.log_metrics
@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, worker: PartnerEventsWorker) -> dict[str, Any]:
    response, receipts, errors = process_partner_batch(event, worker)
    metrics.add_metric(name="partner_events_taken", unit=MetricUnit.Count, value=len(receipts))
    for receipt in receipts:
        logger.info("partner event taken in", extra={"topic": receipt.topic, "raw_ref": receipt.raw_ref})
    for message_id, reason in errors.items():
        logger.warning("partner event refused", extra={"message_id": message_id, "reason": reason})
    return response


lambda_handler = ColdStart(services.partner_events_worker, handle)
