"""Write events/webhook_receiver_*.json and events/ingest_worker_*.json from events/payloads.

The function URL events are signed with SAMPLE_SECRET, so `sam local invoke -e` and the tests can post them
to a store registered with that secret. Run with `python -m storeloom_tools.local.sample_events`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storeloom.platforms.signatures import sign
from storeloom_tools.local.url_server import function_url_event

SAMPLE_SECRET = "storeloom-sample-secret"
SAMPLE_STORE = "sample-shop"
RECEIVER_SAMPLES = {
    "webhook_receiver_shopify_orders_create.json": ("shopify", "orders/create", "shopify_orders_create.json"),
    "webhook_receiver_woocommerce_order_updated.json": (
        "woocommerce",
        "order.updated",
        "woocommerce_order_updated.json",
    ),
}


def receiver_event(platform: str, topic: str, body: bytes) -> dict[str, Any]:
    if platform == "shopify":
        headers = {"x-shopify-topic": topic, "x-shopify-hmac-sha256": sign(body, SAMPLE_SECRET)}
        headers |= {"x-shopify-webhook-id": "sample-webhook-1", "x-shopify-event-id": "sample-event-1"}
    else:
        headers = {"x-wc-webhook-topic": topic, "x-wc-webhook-signature": sign(body, SAMPLE_SECRET)}
    headers["content-type"] = "application/json"
    event = function_url_event("POST", f"/webhooks/{platform}/{SAMPLE_STORE}", headers, body)
    event["requestContext"]["timeEpoch"] = 1795780800000
    return event


def worker_event(payloads: Path) -> dict[str, Any]:
    body = (payloads / "shopify_checkouts_update.json").read_text()
    message = {
        "platform": "shopify",
        "store_id": SAMPLE_STORE,
        "topic": "checkouts/update",
        "source": "webhook",
        "received_at": "2026-11-27T10:02:05Z",
        "body": body,
    }
    record = {
        "messageId": "0c6f6a35-3b5e-4bb0-9a0e-5f6d9a1f0001",
        "receiptHandle": "sample-receipt",
        "body": json.dumps(message),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795780925000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:storeloom-IngestQueue",
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}


def write_samples(events: Path) -> list[Path]:
    payloads = events / "payloads"
    written = []
    for name, (platform, topic, payload_file) in RECEIVER_SAMPLES.items():
        event = receiver_event(platform, topic, (payloads / payload_file).read_bytes())
        written.append(_write(events / name, event))
    written.append(_write(events / "ingest_worker_checkout_update.json", worker_event(payloads)))
    return written


def _write(path: Path, event: dict[str, Any]) -> Path:
    path.write_text(json.dumps(event, indent=2) + "\n")
    return path


if __name__ == "__main__":
    from storeloom_tools.local.stack import project_root

    for path in write_samples(project_root() / "events"):
        print(path)
