"""`storeloom local up` as an operator runs it: a separate process that stays up and records its endpoints,
and stops cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.local.endpoint import answers

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_SECONDS = 5


def start_local_up(home: Path) -> tuple[subprocess.Popen[bytes], Path, dict[str, str]]:
    """`storeloom local up` in its own process, once it has recorded its endpoints in ``home``."""
    environment = {**os.environ, "STORELOOM_HOME": str(home)}
    environment.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-m", "storeloom_tools.cli", "local", "up"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    record = home / "local.json"
    deadline = time.monotonic() + 60
    while not record.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not record.exists():
        process.kill()
        output = process.communicate()[0].decode(errors="replace")
        pytest.fail(f"local up never recorded its endpoints:\n{output}")
    # The record is written just before the banner: wait for the banner, so the signal handlers are in place.
    assert process.stdout is not None
    while b"Ctrl-C stops the stack" not in process.stdout.readline():
        assert process.poll() is None, "local up exited while starting"
    return process, record, environment


@pytest.fixture
def local_up(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    process, record, environment = start_local_up(tmp_path)
    try:
        yield json.loads(record.read_text()), environment
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert not record.exists(), "local up should remove its record when it stops"


def storeloom(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "storeloom_tools.cli", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def test_commands_find_the_running_stack_and_webhooks_become_entities(
    local_up: tuple[dict[str, str], dict[str, str]],
) -> None:
    record, environment = local_up
    added = storeloom(
        environment,
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "up-shop",
        "--api-url",
        "http://127.0.0.1:9",
        "--webhook-secret",
        "up-secret",
        "--skip-check",  # the API is a closed port: nothing the stack runs reaches out
    )
    assert added.returncode == 0, added.stderr
    delivery = Delivery("order", "shopify", "up-shop", "orders/create", "shopify_orders_create.json")
    with httpx.Client() as client:
        posted = post(client, record["webhook_base_url"], delivery, "up-secret", ROOT / "events" / "payloads")
    assert posted.status == 200
    deadline = time.monotonic() + 30
    listed = storeloom(environment, "entities", "--store", "up-shop", "--type", "order")
    while not listed.stdout.strip() and time.monotonic() < deadline:
        time.sleep(0.5)
        listed = storeloom(environment, "entities", "--store", "up-shop", "--type", "order")
    [order] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert order["id"] == "6100000000000000001"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_stack_within_5_s_and_removes_its_record(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    process, record, environment = start_local_up(tmp_path)
    endpoints = json.loads(record.read_text())
    try:
        sent = time.monotonic()
        process.send_signal(stop_signal)
        output = process.communicate(timeout=STOP_WITHIN_SECONDS)[0].decode(errors="replace")
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert took < STOP_WITHIN_SECONDS and "Stopped." in output and "Traceback" not in output
    assert not record.exists(), "local up should remove its record when it stops"
    assert not answers(endpoints["aws_endpoint_url"]) and not answers(endpoints["webhook_base_url"])
    # And the commands then say there is no stack, rather than failing to reach it
    listed = storeloom(environment, "entities", "--store", "s", "--type", "order")
    assert listed.returncode == 2 and "storeloom local up" in listed.stderr and "Traceback" not in listed.stderr
