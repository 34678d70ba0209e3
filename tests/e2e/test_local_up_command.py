"""`storeloom local up` as an operator runs it: a separate process that stays up and records its endpoints."""

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

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_up(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    environment = {**os.environ, "STORELOOM_HOME": str(tmp_path)}
    environment.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-m", "storeloom_tools.cli", "local", "up"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    record = tmp_path / "local.json"
    deadline = time.monotonic() + 60
    while not record.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        assert record.exists(), "local up never recorded its endpoints"
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
