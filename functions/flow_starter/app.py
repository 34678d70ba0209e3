"""EventBridge -> SQS -> here: each cart event may start one abandoned-cart run (partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from storeloom.flows import wiring
from storeloom.model import CommerceEvent

logger = Logger(service="flow_starter")
processor = BatchProcessor(event_type=EventType.SQS)


class BusEvent(BaseModel):
    """The EventBridge envelope the rule put on the queue; only its detail matters here."""

    detail: CommerceEvent


def record_handler(record: SQSRecord) -> None:
    event = BusEvent.model_validate_json(record.body).detail
    outcome = wiring.flow_starter().handle(event)
    logger.info("flow entry", extra={"status": outcome.status, "run_id": outcome.run_id, "reason": outcome.reason})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
