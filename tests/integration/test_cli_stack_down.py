"""A stack that is down is one line that says how to start one, never a traceback: a local.json whose
`storeloom local up` is gone, an --endpoint at a closed port, or a stack that stops mid-command."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from storeloom_tools.cli import main
from storeloom_tools.local import endpoint


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


STACK_COMMANDS = [
    ["entities", "--store", "s", "--type", "order"],
    ["runs", "--store", "s"],
    ["outbox", "--store", "s"],
    ["flows", "show", "--store", "s"],
    ["sync", "--store", "s", "--entity", "orders"],
    ["backfill", "--store", "s", "--entity", "orders", "--since", "2026-01-01"],
    ["stores", "status"],
    ["stores", "remove", "--store", "s"],
    [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "s",
        "--api-url",
        "http://x",
        "--webhook-secret",
        "w",
        "--skip-check",
    ],
    ["replay", "--dlq"],
    ["replay", "--archive", "--since", "2026-01-01"],
]


@pytest.fixture
def stopped_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A .storeloom/local.json left by a `storeloom local up` whose moto server is gone."""
    url = f"http://127.0.0.1:{closed_port()}"
    record = {"aws_endpoint_url": url, "region": "us-east-1", "environment": {"STORES_TABLE": "stores"}}
    (tmp_path / ".storeloom").mkdir()
    (tmp_path / ".storeloom" / "local.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORELOOM_HOME", raising=False)
    return url


@pytest.mark.parametrize("argv", STACK_COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_a_stopped_stack_is_one_line_saying_how_to_start_one(
    argv: list[str], stopped_stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert error.startswith(f"storeloom: error: --endpoint: no stack answers at {stopped_stack}")
    assert "local.json" in error and error.rstrip().endswith("start one with `storeloom local up`")


def test_an_endpoint_flag_at_a_closed_port_is_one_line(stopped_stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    other = f"http://127.0.0.1:{closed_port()}"
    assert main(["entities", "--store", "s", "--type", "order", "--endpoint", other]) == 2
    assert capsys.readouterr().err == (
        f"storeloom: error: --endpoint: no stack answers at {other}: start one with `storeloom local up`\n"
    )


def test_a_stack_that_stops_mid_command_is_one_line_too(
    stopped_stack: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The quick check passes (the stack was up), then botocore's request is refused
    monkeypatch.setattr(endpoint, "answers", lambda _url: True)
    assert main(["stores", "remove", "--store", "s"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert error.startswith(f"storeloom: error: --endpoint: no stack answers at {stopped_stack}")
    assert "storeloom local up" in error
