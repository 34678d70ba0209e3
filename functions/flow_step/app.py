"""Step Functions task: run one step of a flow (re-check, decide, maybe send) and schedule the next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import services
from storeloom.bootstrap.runtime import ColdStart
from storeloom.domain.run import RunState
from storeloom.services.flows.steps import StepRunner

logger = Logger(service="flow_step")


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, runner: StepRunner) -> dict[str, Any]:
    state = RunState.model_validate(event)
    after = runner.run(state)
    logger.info("step done", extra={"run_id": state.run_id, "step": state.step, "next": after.step, "done": after.done})
    return after.model_dump(mode="json")


lambda_handler = ColdStart(services.step_runner, handle)
