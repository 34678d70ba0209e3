"""BackfillQueue: backfills and deep sweeps at their share of the store's rate budget, resumable.

An unfinished slice puts its job back on the queue; a failed one is retried by SQS, then dead-lettered.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.polling.runner import PollJob, PollRunner, report_dict

logger = Logger(service="backfill_worker")


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, runner: PollRunner) -> dict[str, Any]:
    def run_slice(record: SQSRecord) -> None:
        report = runner.run(PollJob.model_validate_json(record.body), context.get_remaining_time_in_millis)
        logger.info("backfill slice finished", extra=report_dict(report))

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(process_partial_response(event=event, record_handler=run_slice, processor=processor, context=context))


lambda_handler = ColdStart(services.poll_runner, handle)
