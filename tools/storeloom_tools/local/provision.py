"""Create the resources template.yaml declares, in moto, so the template stays the one source of truth.

CloudFormation in moto does not run the SAM transform, so each resource type the stack uses is created
here through the service's own API, in dependency order, with the template's properties.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storeloom_tools.local.template import Resolver, dependencies, load_template

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/storeloom-local"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    code_uri: str
    handler: str
    environment: dict[str, str]
    has_url: bool


@dataclass(frozen=True)
class SqsEventSource:
    function: str
    queue_url: str
    batch_size: int
    # MaximumBatchingWindowInSeconds: how long Lambda gathers messages before it invokes with fewer.
    batching_window: float = 0.0


@dataclass
class ProvisionedStack:
    stack_name: str
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    sqs_sources: list[SqsEventSource] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    # Resources not created, and why: only "condition <Name> is false" is expected (template_test checks).
    skipped: dict[str, str] = field(default_factory=dict)
    # Resources created with a part that cannot hold locally, and which part (a TLS-only bucket policy).
    adapted: dict[str, str] = field(default_factory=dict)
    # The template's own EventBridge Scheduler schedules, by logical id: the local ticker fires them too.
    schedules: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Every function's variables together: the local stack runs all handlers in one process."""
        merged: dict[str, str] = {}
        for spec in self.functions.values():
            merged.update(spec.environment)
        return merged

    def function_by_name(self, name: str) -> FunctionSpec | None:
        return next((spec for spec in self.functions.values() if spec.name == name), None)


class Provisioner:
    def __init__(
        self,
        root: Path,
        clients: Callable[[str], Any],
        stack_name: str,
        function_url: str,
        creators: Mapping[str, Callable[[Provisioner, str, dict[str, Any]], None]],
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        """``creators``: one function per resource type (storeloom_tools.local.creators.CREATORS).
        ``parameters``: values for template parameters, over their defaults (as ``sam deploy
        --parameter-overrides`` would give them)."""
        self.root = root
        self.creators = creators
        self.client = clients
        self.template = load_template(root / "template.yaml")
        self.stack = ProvisionedStack(stack_name)
        self.function_url = function_url
        # Remote URLs (an HTTP API's invoke URL) and the loopback URL that serves them locally.
        self.local_urls: dict[str, str] = {}
        pseudo = {"AWS::StackName": stack_name, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID}
        pseudo |= {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": ""}
        declared = self.template.get("Parameters", {})
        values = {k: str(v.get("Default", "")) for k, v in declared.items()}
        unknown = sorted(set(parameters or {}) - set(declared))
        if unknown:
            raise ValueError(f"template.yaml declares no parameter {', '.join(unknown)}")
        values.update(parameters or {})
        self.resolver = Resolver(pseudo, values, self.template.get("Conditions", {}))

    def provision(self) -> ProvisionedStack:
        self._create_execution_role()
        for logical_id in self._creation_order():
            resource = self.template["Resources"][logical_id]
            condition = resource.get("Condition")
            if condition is not None and not self.resolver.condition(condition):
                # As CloudFormation does: the resource is not created, and nothing may refer to it.
                self.stack.skipped[logical_id] = f"condition {condition} is false"
                continue
            creator = self.creators.get(resource["Type"])
            if creator is None:
                self.stack.skipped[logical_id] = f"no local creator for {resource['Type']}"
                self.resolver.refs[logical_id] = f"{self.stack.stack_name}-{logical_id}"
                continue
            creator(self, logical_id, resource.get("Properties", {}))
        self.stack.refs = dict(self.resolver.refs)
        return self.stack

    def _create_execution_role(self) -> None:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        self.client("iam").create_role(RoleName=ROLE_ARN.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))

    def local_url(self, value: str) -> str:
        """``value`` with a remote URL prefix this stack serves on loopback replaced by the loopback URL."""
        for remote, local in self.local_urls.items():
            if value.startswith(remote):
                return local + value.removeprefix(remote)
        return value

    def physical_name(self, logical_id: str) -> str:
        return f"{self.stack.stack_name}-{logical_id}"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"

    def globals_for(self, kind: str) -> dict[str, Any]:
        found: dict[str, Any] = self.template.get("Globals", {}).get(kind, {})
        return found

    def _creation_order(self) -> list[str]:
        resources: dict[str, Any] = self.template["Resources"]
        global_deps = dependencies(self.template.get("Globals", {}))
        pending = {
            name: (
                dependencies(body.get("Properties", {}))
                | _depends_on(body)
                | (global_deps if body["Type"] == "AWS::Serverless::Function" else set())
            )
            & set(resources)
            for name, body in resources.items()
        }
        order: list[str] = []
        while pending:
            ready = sorted(name for name, needs in pending.items() if needs - {name} <= set(order))
            if not ready:
                raise ValueError(f"template has a dependency cycle among {sorted(pending)}")
            for name in ready:
                order.append(name)
                del pending[name]
        return order


def _depends_on(resource: Mapping[str, Any]) -> set[str]:
    named = resource.get("DependsOn", [])
    return {named} if isinstance(named, str) else set(named)


def dummy_code_zip() -> bytes:
    """moto's docker-free Lambda never runs code, but create_function still wants a package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


def definition_with_substitutions(root: Path, uri: str, substitutions: dict[str, str]) -> str:
    text = (root / uri).read_text()
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", value)
    json.loads(text)
    return text
