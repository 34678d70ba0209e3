"""Nightly: queue a deep sweep (a long lookback) of every entity of every store on the BackfillQueue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart, Runtime
from storeloom.services.polling.runner import PollRunner


def build(runtime: Runtime) -> tuple[PollRunner, int]:
    return services.poll_runner(runtime), runtime.settings.deep_sweep_hours


logger = Logger(service="deep_sweep")


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, service: tuple[PollRunner, int]) -> dict[str, int]:
    runner, default_hours = service
    lookback = timedelta(hours=int(event.get("lookback_hours") or default_hours))
    queued = runner.fan_out_sweep(datetime.now(UTC), lookback)
    logger.info("deep sweep queued", extra={"jobs": queued, "lookback_hours": lookback.total_seconds() / 3600})
    return {"jobs": queued}


lambda_handler = ColdStart(build, handle)
