"""Serve a function URL over HTTP on loopback, turning requests into Lambda function URL (v2.0) events.

The server answers every request with JSON, as the deployed front door does: malformed request lines,
bad Content-Length values, oversized bodies, slow clients and handler crashes each get a status and an
``{"error", "message"}`` body rather than an HTML page, a hang or a dropped connection.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

UrlHandler = Callable[[dict[str, Any]], dict[str, Any]]

# Lambda function URLs and HTTP APIs refuse request payloads above 6 MB before the function runs.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
# A client that stops sending mid-request frees its thread after this long.
READ_TIMEOUT_SECONDS = 10.0
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def function_url_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parts = urlsplit(target)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "local",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def content_length(value: str | None) -> int:
    """The request's declared body size; a value that is not a plain non-negative integer is refused."""
    if value is None or value.strip() == "":
        return 0
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise RequestRefused(400, "invalid_content_length", "Content-Length must be a non-negative integer")
    length = int(text)
    if length > MAX_REQUEST_BYTES:
        raise RequestRefused(413, "body_too_large", f"request bodies are limited to {MAX_REQUEST_BYTES} bytes")
    return length


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message}).encode()


class FunctionUrlRequest(BaseHTTPRequestHandler):
    """One request, turned into a function URL event for ``function``, which ``serve`` sets per server."""

    timeout = READ_TIMEOUT_SECONDS
    function: UrlHandler

    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own refusals (a malformed request line, an unknown method) are HTML by default.
        self.close_connection = True
        if code == 501:
            self._refuse(RequestRefused(405, "method_not_allowed", "webhooks are delivered with POST"))
        else:
            self._refuse(RequestRefused(code, "bad_request", message or "bad request"))

    def answer(self) -> None:
        try:
            body = self._read_body()
        except RequestRefused as refused:
            self.close_connection = True
            self._refuse(refused)
            return
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        self._dispatch(body)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            raise RequestRefused(411, "length_required", "send the body with a Content-Length")
        length = content_length(self.headers.get("content-length"))
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise RequestRefused(400, "incomplete_body", "the body is shorter than its Content-Length")
        return body

    def _dispatch(self, body: bytes) -> None:
        event = function_url_event(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = type(self).function(event)
        except Exception:
            # The deployed URL answers a crashed function with a 502; keep the same contract locally.
            self._refuse(RequestRefused(502, "bad_gateway", "the function failed"))
            return
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode()
        self._reply(int(response.get("statusCode", 200)), response.get("headers") or {}, data)

    def _refuse(self, refused: RequestRefused) -> None:
        self._reply(refused.status, {"content-type": "application/json"}, error_body(refused.code, str(refused)))

    def _reply(self, status: int, headers: dict[str, Any], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, str(value))
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


for _method in METHODS:
    setattr(FunctionUrlRequest, f"do_{_method}", FunctionUrlRequest.answer)


def serve(port: int, handle: UrlHandler) -> ThreadingHTTPServer:
    handler = type("BoundFunctionUrlRequest", (FunctionUrlRequest,), {"function": staticmethod(handle)})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)
