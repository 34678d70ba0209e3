"""Find the stack a command talks to: the local one recorded in .storeloom/local.json, or a deployed one."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from storeloom_tools.cli.common import CliError

# Stack outputs of a deployed stack, and the environment variable each one stands for.
OUTPUT_VARIABLES = {
    "StoresTableName": "STORES_TABLE",
    "EntitiesTableName": "ENTITIES_TABLE",
    "LedgerTableName": "LEDGER_TABLE",
    "CheckpointsTableName": "CHECKPOINTS_TABLE",
    "ArchiveBucketName": "ARCHIVE_BUCKET",
    "IngestQueueUrl": "INGEST_QUEUE_URL",
    "IngestDeadLetterQueueUrl": "INGEST_DLQ_URL",
    "EventBusName": "EVENT_BUS_NAME",
    "FlowConfigTableName": "FLOW_CONFIG_TABLE",
    "FlowRunsTableName": "FLOW_RUNS_TABLE",
    "OutboxTableName": "OUTBOX_TABLE",
    "SuppressionTableName": "SUPPRESSION_TABLE",
    "PollerFunctionArn": "POLLER_FUNCTION_ARN",
    "PollSchedulerRoleArn": "SCHEDULER_ROLE_ARN",
    "PollScheduleGroupName": "POLL_SCHEDULE_GROUP",
}


@dataclass(frozen=True)
class StackConnection:
    aws_endpoint_url: str | None
    webhook_base_url: str | None
    environment: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.aws_endpoint_url)  # type: ignore[call-overload]

    def name(self, variable: str) -> str:
        if variable not in self.environment:
            raise CliError(f"the stack does not define {variable}")
        return self.environment[variable]

    def activate(self) -> StackConnection:
        """Point this process's settings and boto3 at the stack, as a Lambda function in it would be."""
        os.environ.update(self.environment)
        if self.aws_endpoint_url:
            os.environ.update(
                AWS_ENDPOINT_URL=self.aws_endpoint_url,
                AWS_ACCESS_KEY_ID=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                AWS_SECRET_ACCESS_KEY=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            )
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        return self


def local_record_path(root: Path | None = None) -> Path:
    """``$STORELOOM_HOME/local.json`` when set, else the nearest ``.storeloom/local.json`` up from here."""
    if home := os.environ.get("STORELOOM_HOME"):
        return Path(home) / "local.json"
    base = root or Path.cwd()
    for folder in (base, *base.parents):
        candidate = folder / ".storeloom" / "local.json"
        if candidate.is_file():
            return candidate
    return base / ".storeloom" / "local.json"


def connect(endpoint: str | None = None, stack: str | None = None) -> StackConnection:
    if stack:
        return _deployed(stack, endpoint)
    path = local_record_path()
    if not path.is_file():
        raise CliError("no local stack is running: start one with `storeloom local up`, or pass --stack NAME")
    record = json.loads(path.read_text())
    url = endpoint or record["aws_endpoint_url"]
    return StackConnection(url, record.get("webhook_base_url"), dict(record["environment"])).activate()


def _deployed(stack: str, endpoint: str | None) -> StackConnection:
    described = boto3.client("cloudformation", endpoint_url=endpoint).describe_stacks(StackName=stack)
    outputs = {item["OutputKey"]: item["OutputValue"] for item in described["Stacks"][0].get("Outputs", [])}
    environment = {variable: outputs[key] for key, variable in OUTPUT_VARIABLES.items() if key in outputs}
    return StackConnection(endpoint, outputs.get("WebhookBaseUrl"), environment).activate()
