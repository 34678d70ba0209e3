"""Step Functions task: run one step of a flow (re-check, decide, maybe send) and schedule the next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storeloom.bootstrap import metrics, services
from storeloom.bootstrap.metrics import DecisionTally
from storeloom.bootstrap.runtime import ColdStart, Runtime
from storeloom.domain.run import RunState
from storeloom.services.flows.steps import StepRunner

SERVICE = "flow_step"
logger = Logger(service=SERVICE)


def build(runtime: Runtime) -> tuple[StepRunner, DecisionTally]:
    """The step runner, its decisions counted as they are written: what the sends and suppressions metrics read."""
    runner = services.step_runner(runtime)
    tally = DecisionTally(runner.deps.decisions)
    runner.deps.decisions = tally
    return runner, tally


@logger.inject_lambda_context
def handle(event: dict[str, Any], context: LambdaContext, service: tuple[StepRunner, DecisionTally]) -> dict[str, Any]:
    runner, tally = service
    state = RunState.model_validate(event)
    tally.take()  # what a step that raised left behind: it was retried, not counted
    after = runner.run(state)
    metrics.emit_flow_decisions(SERVICE, tally.take())
    logger.info("step done", extra={"run_id": state.run_id, "step": state.step, "next": after.step, "done": after.done})
    return after.model_dump(mode="json")


lambda_handler = ColdStart(build, handle)
