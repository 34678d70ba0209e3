"""Provision template.yaml's resources in in-process moto, and invoke the real handlers against them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from storeloom_tools.local.invoker import HandlerInvoker
from storeloom_tools.local.provision import REGION, ProvisionedStack, Provisioner
from storeloom_tools.local.stack import MOTO_CONFIG

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """One sample event from events/, shared with ``sam local invoke -e``."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


@dataclass
class AwsStack:
    stack: ProvisionedStack
    invoker: HandlerInvoker

    def client(self, service: str) -> Any:
        return _client(service)

    def ref(self, logical_id: str) -> str:
        return self.stack.refs[logical_id]

    def env(self, name: str) -> str:
        return self.stack.environment()[name]


def forget_cached_wiring() -> None:
    from storeloom_tools.local.stack import _forget_cached_wiring

    _forget_cached_wiring()


@contextmanager
def provisioned_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[call-overload]
        stack = Provisioner(ROOT, _client, "test", "http://function-url.local/").provision()
        for name, value in stack.environment().items():
            monkeypatch.setenv(name, value)
        forget_cached_wiring()
        try:
            yield AwsStack(stack, HandlerInvoker(ROOT, stack))
        finally:
            forget_cached_wiring()


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
