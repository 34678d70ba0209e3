"""Step Functions Catch target: record the error exit of a run whose step failed for good."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.domain.run import RunState
from storeloom.services.flows.failures import FailureRecorder

logger = Logger(service="flow_failed")


class CaughtError(BaseModel):
    error: str = Field(alias="Error", default="States.Unknown")
    cause: str = Field(alias="Cause", default="")


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, recorder: FailureRecorder) -> dict[str, Any]:
    caught = CaughtError.model_validate(event.get("error") or {})
    logger.warning("run failed", extra={"run_id": event.get("run_id"), "error": caught.error})
    after = recorder.record(RunState.model_validate(event), caught.error, caught.cause)
    return after.model_dump(mode="json")


lambda_handler = ColdStart(services.failure_recorder, handle)
