"""The local function URL server answers every request with JSON, as the deployed front door does."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from storeloom_tools.local.url_server import MAX_REQUEST_BYTES, serve


def _echo(event: dict[str, Any]) -> dict[str, Any]:
    if event["rawPath"] == "/boom":
        raise RuntimeError("handler crashed")
    body = json.dumps({"path": event["rawPath"]})
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body}


@pytest.fixture
def port() -> Iterator[int]:
    server = serve(0, _echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _exchange(port: int, raw: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


def _json_error(body: bytes) -> str:
    decoded = json.loads(body)
    assert set(decoded) == {"error", "message"}
    return str(decoded["error"])


@pytest.mark.parametrize(
    ("length", "status", "code"),
    [
        ("-5", 400, "invalid_content_length"),
        ("ten", 400, "invalid_content_length"),
        ("\uff11\uff12", 400, "invalid_content_length"),
        (str(MAX_REQUEST_BYTES + 1), 413, "body_too_large"),
    ],
)
def test_bad_content_length_is_refused_with_json(port: int, length: str, status: int, code: str) -> None:
    raw = f"POST /webhooks/shopify/s1 HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
    answer, headers, body = _exchange(port, raw)
    assert answer == status
    assert headers["content-type"] == "application/json"
    assert _json_error(body) == code


def test_a_request_line_with_spaces_gets_a_json_400(port: int) -> None:
    answer, headers, body = _exchange(port, b"POST /webhooks/a b HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer == 400
    assert headers["content-type"] == "application/json"
    assert _json_error(body) == "bad_request"


def test_an_unknown_method_gets_a_json_405(port: int) -> None:
    answer, _, body = _exchange(port, b"BREW /webhooks/shopify/s1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer == 405
    assert _json_error(body) == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_known_method_reaches_the_function(port: int, method: str) -> None:
    answer, _, body = _exchange(port, f"{method} /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
    assert answer == 200
    assert json.loads(body) == {"path": "/webhooks/x"}


def test_head_gets_headers_without_a_body(port: int) -> None:
    answer, headers, body = _exchange(port, b"HEAD /webhooks/x HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer == 200
    assert int(headers["content-length"]) > 0
    assert body == b""


def test_a_body_shorter_than_its_length_is_refused(port: int) -> None:
    raw = b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}"
    answer, _, body = _exchange(port, raw)
    assert answer == 400
    assert _json_error(body) == "incomplete_body"


def test_chunked_bodies_are_asked_for_a_length(port: int) -> None:
    raw = b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    answer, _, body = _exchange(port, raw)
    assert answer == 411
    assert _json_error(body) == "length_required"


def test_a_crashing_function_gets_a_json_502(port: int) -> None:
    answer, _, body = _exchange(port, b"POST /boom HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    assert answer == 502
    assert _json_error(body) == "bad_gateway"
