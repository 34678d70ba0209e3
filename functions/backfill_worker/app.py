"""BackfillQueue: backfills and deep sweeps at their share of the store's rate budget, resumable.

An unfinished slice puts its job back on the queue; a failed one is retried by SQS, then dead-lettered.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.polling import wiring
from storeloom.polling.http import ApiError
from storeloom.polling.runner import PollJob, UnknownStore, report_dict

logger = Logger(service="backfill_worker")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            job = PollJob.model_validate_json(record["body"])
            report = wiring.poll_runner().run(job, context.get_remaining_time_in_millis)
            logger.info("backfill slice finished", extra=report_dict(report))
        except (ApiError, UnknownStore, ValueError) as error:
            logger.warning("backfill slice failed", extra={"message_id": record["messageId"], "reason": str(error)})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
