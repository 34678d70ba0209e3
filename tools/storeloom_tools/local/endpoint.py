"""Find the stack a command talks to: the local one recorded in .storeloom/local.json, or a deployed one."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from storeloom.bootstrap.runtime import AwsClients, Runtime
from storeloom_tools.errors import CliError

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
    "StoreSecretPrefix": "STORE_SECRET_PREFIX",
}


# moto accepts any keys; a local stack's clients are given these so boto3 never looks for real ones.
LOCAL_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
LOCAL_REGION = "us-east-1"


@dataclass
class StackConnection:
    """A stack this process talks to: its resource names and clients for its endpoint. It changes nothing
    in this process's environment: the services are built from ``runtime``."""

    aws_endpoint_url: str | None
    webhook_base_url: str | None
    environment: dict[str, str]
    region: str | None = None
    local: bool = False

    @cached_property
    def runtime(self) -> Runtime:
        credentials = LOCAL_CREDENTIALS if self.local else None
        aws = AwsClients(self.aws_endpoint_url, self.region or (LOCAL_REGION if self.local else None), credentials)
        return Runtime(self.environment, aws)

    def client(self, service: str) -> Any:
        return self.runtime.aws.client(service)

    def name(self, variable: str) -> str:
        if variable not in self.environment:
            raise CliError(f"the stack does not define {variable}")
        return self.environment[variable]


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
    try:
        record = json.loads(path.read_text())
        url = endpoint or record["aws_endpoint_url"]
        environment = dict(record["environment"])
    except (ValueError, KeyError, TypeError) as error:
        raise CliError(f"{path}: not a local stack record ({error}); restart `storeloom local up`") from error
    if not answers(url):
        recorded = "" if endpoint else f" (recorded in {path}, but that stack has stopped)"
        raise CliError(f"--endpoint: no stack answers at {url}{recorded}: start one with `storeloom local up`")
    return StackConnection(url, record.get("webhook_base_url"), environment, record.get("region"), local=True)


def answers(url: str, timeout: float = 2.0) -> bool:
    """Something accepts TCP connections at ``url``'s host and port: a quick check, so a stack that is down
    is one clear line rather than botocore retrying a refused connection."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    if not parts.hostname:
        return False
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _deployed(stack: str, endpoint: str | None) -> StackConnection:
    described = boto3.client("cloudformation", endpoint_url=endpoint).describe_stacks(StackName=stack)
    outputs = {item["OutputKey"]: item["OutputValue"] for item in described["Stacks"][0].get("Outputs", [])}
    environment = {variable: outputs[key] for key, variable in OUTPUT_VARIABLES.items() if key in outputs}
    return StackConnection(endpoint, outputs.get("WebhookBaseUrl"), environment)
