"""The local stack's fix to moto: a state machine runs executions side by side in server mode."""

from __future__ import annotations

import json
import time

import pytest
from moto.stepfunctions.models import StateMachineInstance

from storeloom_tools.local.provision import ROLE_ARN
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
WAIT_THEN_SUCCEED = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"}, "Done": {"Type": "Succeed"}},
}


def test_moto_still_keeps_executions_on_the_state_machine() -> None:
    instance = StateMachineInstance("arn", "name", "{}", "role")
    assert instance.executions == []


def test_second_execution_starts_while_the_first_waits(local_stack: LocalStack) -> None:
    sfn = local_stack.client("stepfunctions")
    arn = sfn.create_state_machine(name="overlap", definition=json.dumps(WAIT_THEN_SUCCEED), roleArn=ROLE_ARN)[
        "stateMachineArn"
    ]
    first = sfn.start_execution(stateMachineArn=arn, name="first")["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn, name="second")["executionArn"]
    deadline = time.monotonic() + 20
    statuses: list[str] = []
    while time.monotonic() < deadline:
        statuses = [sfn.describe_execution(executionArn=e)["status"] for e in (first, second)]
        if statuses == ["SUCCEEDED", "SUCCEEDED"]:
            break
        time.sleep(0.2)
    assert statuses == ["SUCCEEDED", "SUCCEEDED"]
