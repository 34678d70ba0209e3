"""Build signed webhook requests and SQS batches the way the platforms and Lambda would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.signatures import TOPIC_HEADERS, sign
from storeloom_tools.local.dispatch import sqs_record
from storeloom_tools.local.provision import SqsEventSource
from storeloom_tools.local.url_server import function_url_event
from tests.support.aws import AwsStack

PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"
SIGNATURE_HEADERS = {"shopify": "x-shopify-hmac-sha256", "woocommerce": "x-wc-webhook-signature"}


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def register_store(stack: AwsStack, store_id: str, platform: str, *secrets: str) -> StoreRecord:
    vault = SecretsManagerVault(stack.client("secretsmanager"))
    arn = vault.create_or_update(f"storeloom/{store_id}", StoreSecrets(tuple(secrets)))
    record = StoreRecord(store_id, platform, f"https://{store_id}.example.org", arn)
    DynamoStoreRegistry(stack.env("STORES_TABLE"), stack.client("dynamodb")).put(record)
    return record


def webhook_event(
    platform: str,
    store_id: str,
    topic: str | None,
    body: bytes,
    secret: str | None,
    **extra_headers: str,
) -> dict[str, Any]:
    """A function URL event for POST /webhooks/{platform}/{store_id}, signed with ``secret``."""
    headers = {"content-type": "application/json", **extra_headers}
    if topic is not None:
        headers[TOPIC_HEADERS.get(platform, "x-topic")] = topic
    if secret is not None:
        headers[SIGNATURE_HEADERS.get(platform, "x-signature")] = sign(body, secret)
    return function_url_event("POST", f"/webhooks/{platform}/{store_id}", headers, body)


def receive_sqs_event(stack: AwsStack, queue_logical_id: str, max_messages: int = 10) -> dict[str, Any]:
    """Receive from a queue and wrap the messages as Lambda's SQS event source would."""
    url = stack.ref(queue_logical_id)
    messages = (
        stack.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=max_messages, AttributeNames=["All"])
        .get("Messages", [])
    )
    source = SqsEventSource("test", url, max_messages)
    return {"Records": [sqs_record(source, message) for message in messages]}


def response_json(response: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response["body"])
    return body
