"""Route moto's docker-free Lambda ``invoke`` to the project's handlers.

moto runs Lambda code only in Docker. Its docker-free backend (``config={"lambda": {"use_docker": False}}``)
answers every invoke from ``LambdaSimpleBackend.invoke``; replacing that one method lets Step Functions'
``lambda:invoke`` tasks run the real task handlers. With moto in its own process (moto_process) the
dispatcher is seam_bridge's ``remote_dispatch``. tests/integration/test_lambda_seam.py fails loudly if moto
moves this seam.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from storeloom_tools.local.seam_bridge import error_payload

Dispatch = Callable[[str, Any], Any]


def install(dispatch: Dispatch) -> Callable[[], None]:
    """Patch the seam; return a function that restores moto's own behaviour."""
    original = LambdaSimpleBackend.invoke

    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        event = json.loads(body) if body else {}
        try:
            result = dispatch(function_name, event)
        except Exception as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error_payload(error)).encode()
        return json.dumps(result, default=str).encode()

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    def restore() -> None:
        LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]

    return restore
