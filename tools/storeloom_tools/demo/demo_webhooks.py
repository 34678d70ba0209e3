"""Signed sample webhooks from events/payloads, posted to the local function URL as a platform would."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from storeloom.platforms.signatures import TOPIC_HEADERS, sign


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery: which payload, how it is signed, and what it is meant to show."""

    label: str
    platform: str
    store_id: str
    topic: str
    payload_file: str | None = None
    raw_body: bytes | None = None
    secret: str | None = None
    delivery_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def body(self, payloads: Path) -> bytes:
        if self.raw_body is not None:
            return self.raw_body
        assert self.payload_file is not None
        return (payloads / self.payload_file).read_bytes()

    def headers(self, body: bytes, secret: str) -> dict[str, str]:
        signature = sign(body, self.secret if self.secret is not None else secret)
        if self.platform == "shopify":
            return {
                "content-type": "application/json",
                TOPIC_HEADERS["shopify"]: self.topic,
                "x-shopify-hmac-sha256": signature,
                "x-shopify-shop-domain": f"{self.store_id}.myshopify.com",
                "x-shopify-webhook-id": self.delivery_id,
                "x-shopify-event-id": f"evt-{self.delivery_id}",
                "x-shopify-api-version": "2025-07",
            }
        return {
            "content-type": "application/json",
            TOPIC_HEADERS["woocommerce"]: self.topic,
            "x-wc-webhook-signature": signature,
            "x-wc-webhook-source": f"https://{self.store_id}.example.org/",
            "x-wc-webhook-delivery-id": str(uuid.uuid4()),
        }


@dataclass
class Posted:
    delivery: Delivery
    status: int
    response: dict[str, Any]
    body: bytes


def post(client: httpx.Client, base_url: str, delivery: Delivery, secret: str, payloads: Path) -> Posted:
    body = delivery.body(payloads)
    url = f"{base_url}webhooks/{delivery.platform}/{delivery.store_id}"
    response = client.post(url, content=body, headers=delivery.headers(body, secret))
    try:
        parsed = response.json()
    except json.JSONDecodeError:
        parsed = {"raw": response.text}
    return Posted(delivery, response.status_code, parsed, body)
