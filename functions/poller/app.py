"""EventBridge Scheduler: one live poll cycle of one (store, entity), onto the ingest queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.polling import wiring
from storeloom.polling.runner import PollJob, report_dict

logger = Logger(service="poller")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    job = PollJob.model_validate(event)
    report = wiring.poll_runner().run(job, context.get_remaining_time_in_millis)
    result = report_dict(report)
    logger.info("poll cycle finished", extra=result)
    return result
