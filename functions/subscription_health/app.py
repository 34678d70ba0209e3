"""Periodic: re-create missing or disabled webhook subscriptions, and put poll schedules back in place."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.services.polling.health import HealthSweep

logger = Logger(service="subscription_health")


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, sweep: HealthSweep) -> dict[str, Any]:
    reports = sweep.run()
    stores = {report.store_id: report.repaired for report in reports}
    logger.info("subscriptions checked", extra={"stores": len(reports), "repaired": stores})
    return {"checked": len(reports), "repaired": stores}


lambda_handler = ColdStart(services.health_sweep, handle)
