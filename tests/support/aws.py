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

from storeloom.bootstrap.runtime import AwsClients, Runtime
from storeloom_tools.local.creators import CREATORS
from storeloom_tools.local.endpoint import StackConnection
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
    runtime: Runtime

    def client(self, service: str) -> Any:
        return _client(service)

    def ref(self, logical_id: str) -> str:
        return self.stack.refs[logical_id]

    def env(self, name: str) -> str:
        return self.stack.environment()[name]

    def with_environment(self, **overrides: str) -> AwsStack:
        """The same resources, with the functions' settings changed: fresh handlers, as after a deploy."""
        runtime = Runtime({**self.runtime.environment, **overrides}, self.runtime.aws)
        return AwsStack(self.stack, HandlerInvoker(ROOT, self.stack, runtime), runtime)

    def connection(self, webhook_base_url: str | None = None) -> StackConnection:
        """What the CLI would connect to for this stack."""
        return StackConnection(None, webhook_base_url, dict(self.runtime.environment))

    def serve_cli(self, monkeypatch: pytest.MonkeyPatch, webhook_base_url: str | None = None) -> None:
        """Make every ``storeloom`` command in the test talk to this stack."""
        from storeloom_tools.local import endpoint

        connection = self.connection(webhook_base_url)
        monkeypatch.setattr(endpoint, "connect", lambda *_args: connection)


@contextmanager
def provisioned_stack(monkeypatch: pytest.MonkeyPatch, parameters: dict[str, str] | None = None) -> Iterator[AwsStack]:
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
        stack = Provisioner(ROOT, _client, "test", "http://function-url.local/", CREATORS, parameters).provision()
        runtime = Runtime(stack.environment(), AwsClients(region=REGION))
        yield AwsStack(stack, HandlerInvoker(ROOT, stack, runtime), runtime)


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
