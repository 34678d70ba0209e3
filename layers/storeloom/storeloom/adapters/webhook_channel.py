"""Outbound webhooks signed with Standard Webhooks headers, so teams can plug in their own provider.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``.

The signing secret is read in one of two forms:

- ``whsec_<base64>``, the Standard Webhooks form: the key is the decoded bytes, exactly as the
  ``standardwebhooks`` libraries decode it, so the receiver verifies with the same string;
- any other text (what the stack's generated Secrets Manager secret holds): the key is its UTF-8 bytes,
  used as they are rather than refused. The Standard Webhooks libraries would base64-decode such a
  string, so the receiving team is given ``verification_secret(secret)``, that key encoded as
  ``whsec_<base64>``.

A secret that gives no key (empty, or ``whsec_`` followed by anything but base64) is refused with a
ValueError when the channel is built, before anything is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from storeloom.domain.outbound import OutboundMessage
from storeloom.services.flows.ports import ProviderError

_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key a secret stands for (see the module docstring); ValueError if it gives none."""
    if secret.startswith(_PREFIX):
        # Padding is optional, as in the Standard Webhooks libraries. They skip characters outside the base64
        # alphabet; here those are an error, so a mistyped secret fails when the channel is built.
        encoded = secret.removeprefix(_PREFIX).strip().rstrip("=")
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as error:
            raise ValueError("webhook secret: the part after 'whsec_' is not base64") from error
    else:
        key = secret.encode()
    if not key:
        raise ValueError("webhook secret: empty")
    return key


def verification_secret(secret: str) -> str:
    """The ``whsec_`` form of a secret, for a receiver that verifies with a Standard Webhooks library."""
    return _PREFIX + base64.b64encode(signing_key(secret)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    return _sign(signing_key(secret), message_id, timestamp, body)


def _sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, secret: str, client: httpx.Client, clock: Callable[[], datetime] = _utcnow) -> None:
        self._url = url
        self._key = signing_key(secret)
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
            "webhook-signature": _sign(self._key, message.message_id, timestamp, body),
        }
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise ProviderError(f"webhook: {type(error).__name__}") from error
        if response.status_code >= 300:
            raise ProviderError(f"webhook: HTTP {response.status_code}")
        return message.message_id
