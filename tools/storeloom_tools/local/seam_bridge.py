"""The Lambda seam across processes: moto runs in its own process, the handlers in the stack's.

The moto process patches Lambda ``invoke`` (lambda_seam) with ``remote_dispatch``, which posts the function
name and event to a loopback endpoint the stack serves (``SeamServer``); that endpoint runs the stack's own
dispatcher and answers with the result or the handler's error, which the moto process turns back into a
Lambda function error.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Dispatch = Callable[[str, Any], Any]
INVOKE_PATH = "/invoke"
# Lambda's own ceiling for one invocation; a handler that runs longer is stuck, not slow.
INVOKE_TIMEOUT_SECONDS = 900.0


class FunctionError(Exception):
    """A handler's failure as Lambda reports it, carried across the process boundary."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack_trace = stack_trace or []


def error_payload(error: BaseException) -> dict[str, Any]:
    if isinstance(error, FunctionError):
        return {"errorType": error.error_type, "errorMessage": str(error), "stackTrace": error.stack_trace}
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error)[-3:],
    }


class _InvokeRequest(BaseHTTPRequestHandler):
    dispatch: Dispatch

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        if self.path != INVOKE_PATH:
            self._reply(404, {"error": {"errorType": "NotFound", "errorMessage": f"no route {self.path}"}})
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            function_name, event = request["function_name"], request["event"]
        except (ValueError, KeyError, TypeError) as error:
            message = f"expected JSON with function_name and event: {error}"
            self._reply(400, {"error": {"errorType": "BadRequest", "errorMessage": message}})
            return
        try:
            result = type(self).dispatch(function_name, event)
        except Exception as error:
            self._reply(200, {"error": error_payload(error)})
            return
        self._reply(200, {"result": result})

    def _reply(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer, default=str).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class SeamServer:
    """Serves ``dispatch`` on a free loopback port until ``close``."""

    def __init__(self, dispatch: Dispatch) -> None:
        handler = type("BoundInvokeRequest", (_InvokeRequest,), {"dispatch": staticmethod(dispatch)})
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        # A short poll interval: close() waits for the serving loop to notice, and stacks stop often in tests.
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), name="lambda-seam", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}{INVOKE_PATH}"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


def remote_dispatch(url: str, timeout: float = INVOKE_TIMEOUT_SECONDS) -> Dispatch:
    """A dispatcher that runs each invoke at the ``SeamServer`` serving ``url``."""
    client = httpx.Client(timeout=timeout)

    def dispatch(function_name: str, event: Any) -> Any:
        response = client.post(url, json={"function_name": function_name, "event": event})
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            error = answer["error"]
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))
        return answer["result"]

    return dispatch
