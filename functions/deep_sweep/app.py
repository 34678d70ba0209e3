"""Nightly: queue a deep sweep (a long lookback) of every entity of every store on the BackfillQueue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.polling import wiring
from storeloom.polling.settings import poller_settings

logger = Logger(service="deep_sweep")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    lookback = timedelta(hours=int(event.get("lookback_hours") or poller_settings().deep_sweep_hours))
    queued = wiring.poll_runner().fan_out_sweep(datetime.now(UTC), lookback)
    logger.info("deep sweep queued", extra={"jobs": queued, "lookback_hours": lookback.total_seconds() / 3600})
    return {"jobs": queued}
