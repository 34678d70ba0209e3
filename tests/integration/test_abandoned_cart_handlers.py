"""The flow handlers with the sample events in events/ (the same files ``sam local invoke -e`` takes)."""

from __future__ import annotations

import pytest

from storeloom.bootstrap import services
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.run import RunState
from tests.support.aws import AwsStack, load_event


@pytest.fixture
def stack(aws_stack: AwsStack) -> AwsStack:
    return aws_stack


def test_flow_starter_sample_starts_one_execution_and_reports_no_failures(stack: AwsStack) -> None:
    # The sample's timestamps are fixed: a step ten years out is never stale and keeps the execution waiting.
    services.flow_configs(stack.runtime).save(FlowConfig(store_id="shop-1", delays_seconds=[10 * 365 * 86400]))
    event = load_event("flow_starter_cart_updated.json")
    assert stack.invoker.invoke("FlowStarterFunction", event) == {"batchItemFailures": []}
    assert stack.invoker.invoke("FlowStarterFunction", event) == {"batchItemFailures": []}  # duplicate
    sfn = stack.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=stack.ref("AbandonedCartStateMachine"))["executions"]
    assert [e["name"] for e in executions] == ["abandoned_cart-shop-1-cart-1001-w0"]
    assert [d.kind for d in services.run_log(stack.runtime).list("shop-1")] == ["entered"]


def test_flow_step_sample_is_a_valid_run_state() -> None:
    state = RunState.model_validate(load_event("flow_step_run_state.json"))
    assert (state.step, state.config.delays_seconds) == (0, [3600, 86400, 259200])


def test_flow_failed_sample_records_an_error_exit(stack: AwsStack) -> None:
    result = stack.invoker.invoke("FlowFailedFunction", load_event("flow_failed_caught_error.json"))
    assert result["done"] is True
    [decision] = services.run_log(stack.runtime).list("shop-1")
    assert (decision.kind, decision.reason, decision.detail["error"]) == ("exited", "error", "ProviderError")


def test_flow_step_with_missing_cart_exits_instead_of_failing(stack: AwsStack) -> None:
    result = stack.invoker.invoke("FlowStepFunction", load_event("flow_step_run_state.json"))
    assert result["done"] is True
    assert [(d.kind, d.reason) for d in services.run_log(stack.runtime).list("shop-1")] == [("exited", "cart_missing")]
