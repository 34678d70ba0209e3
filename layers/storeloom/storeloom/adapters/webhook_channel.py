"""Outbound webhooks signed with Standard Webhooks headers, so teams can plug in their own provider.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``. A secret
written ``whsec_<base64>`` is decoded first, as the Standard Webhooks libraries do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from storeloom.domain.outbound import OutboundMessage
from storeloom.services.flows.ports import ProviderError


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, secret: str, client: httpx.Client, clock: Callable[[], datetime] = _utcnow) -> None:
        self._url = url
        self._secret = secret
        self._client = client
        self._clock = clock

    def deliver(self, message: OutboundMessage) -> str:
        body = json.dumps(
            {"type": f"flow.{message.flow_id}.message", "data": message.model_dump(mode="json")},
            separators=(",", ":"),
        ).encode()
        timestamp = int(self._clock().timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": message.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self._secret, message.message_id, timestamp, body),
        }
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise ProviderError(f"webhook: {type(error).__name__}") from error
        if response.status_code >= 300:
            raise ProviderError(f"webhook: HTTP {response.status_code}")
        return message.message_id
