"""EventBridge Scheduler: one live poll cycle of one (store, entity), onto the ingest queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import metrics, services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.polling.runner import CredentialsRefused, PollJob, PollRunner, report_dict

SERVICE = "poller"
logger = Logger(service=SERVICE)


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, runner: PollRunner) -> dict[str, object]:
    job = PollJob.model_validate(event)
    try:
        report = runner.run(job, context.get_remaining_time_in_millis)
    except CredentialsRefused as refused:
        # Returned, not raised: Lambda's async retries would ask again within minutes with the same key.
        logger.error("credentials refused; next try at the next scheduled poll", extra={"reason": str(refused)})
        return {"store_id": job.store_id, "entity": job.entity, "error": "credentials_refused", "reason": str(refused)}
    lag = metrics.poll_lag_seconds(report, runner.clock())
    if lag is not None:
        metrics.emit(SERVICE, metrics.POLL_LAG, lag, MetricUnit.Seconds, store_id=job.store_id)
    result = report_dict(report)
    logger.info("poll cycle finished", extra=result)
    return result


lambda_handler = ColdStart(services.poll_runner, handle)
