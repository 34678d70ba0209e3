"""The local stack's seam into moto: docker-free Lambda invoke routed to the project's handlers.

If a moto upgrade moves or renames this seam, these tests fail loudly instead of the demo going quiet.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from storeloom_tools.local import lambda_seam
from tests.support.aws import AwsStack


def test_moto_still_has_the_seam_with_the_signature_we_replace() -> None:
    parameters = list(inspect.signature(LambdaSimpleBackend.invoke).parameters)
    assert parameters == ["self", "function_name", "qualifier", "body", "headers", "response_headers"]


def test_lambda_invoke_reaches_the_handler_and_errors_become_function_errors(aws_stack: AwsStack) -> None:
    calls: list[tuple[str, Any]] = []

    def dispatch(name: str, event: Any) -> Any:
        calls.append((name, event))
        if event.get("fail"):
            raise ValueError("asked to fail")
        return {"echo": event["value"]}

    restore = lambda_seam.install(dispatch)
    try:
        client = aws_stack.client("lambda")
        name = aws_stack.ref("IngestWorkerFunction")
        ok = client.invoke(FunctionName=name, Payload=json.dumps({"value": 7}))
        failed = client.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))
    finally:
        restore()
    assert json.loads(ok["Payload"].read()) == {"echo": 7}
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"
    assert [call[0] for call in calls] == [name, name]
