"""Start a Step Functions execution under a deterministic name; an existing one means a duplicate."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsStarter:
    def __init__(self, state_machine_arn: str, client: Any) -> None:
        self._arn = state_machine_arn
        self._client = client

    def start(self, name: str, payload: str) -> bool:
        # Same name and input while running returns the same ARN; a finished execution or a different
        # input raises ExecutionAlreadyExists. Both mean "already started".
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=payload)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True
