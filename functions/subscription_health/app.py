"""Periodic: re-create missing or disabled webhook subscriptions, and put poll schedules back in place."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.polling import wiring

logger = Logger(service="subscription_health")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reports = wiring.health_sweep().run()
    stores = {report.store_id: report.repaired for report in reports}
    logger.info("subscriptions checked", extra={"stores": len(reports), "repaired": stores})
    return {"checked": len(reports), "repaired": stores}
