"""EventBridge -> SQS -> here: a cart event may start an abandoned-cart run, a paid order a post-purchase run,
a VIP entering at_risk a win-back run (partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.domain.model import CommerceEvent
from storeloom.services.flows.starter import FlowStarter, SegmentChange, StartOutcome

logger = Logger(service="flow_starter")


class BusEvent(BaseModel):
    """The EventBridge envelope the rule put on the queue: its type says which detail it carries."""

    detail_type: str = Field(alias="detail-type", default="")
    detail: dict[str, Any]


def route(starter: FlowStarter, body: str) -> StartOutcome:
    event = BusEvent.model_validate_json(body)
    if event.detail_type.startswith("segment."):
        return starter.handle_segment(SegmentChange.model_validate(event.detail))
    return starter.handle(CommerceEvent.model_validate(event.detail))


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, starter: FlowStarter) -> dict[str, Any]:
    def start_run(record: SQSRecord) -> None:
        outcome = route(starter, record.body)
        logger.info("flow entry", extra={"status": outcome.status, "run_id": outcome.run_id, "reason": outcome.reason})

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(process_partial_response(event=event, record_handler=start_run, processor=processor, context=context))


lambda_handler = ColdStart(services.flow_starter, handle)
