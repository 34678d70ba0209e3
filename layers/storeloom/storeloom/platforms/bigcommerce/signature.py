"""BigCommerce webhook signatures (Standard Webhooks) and the body-borne topic and store: the receiver's view.

This module is on the receiver's hot path, so it imports no model, no pydantic and no httpx.

- Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``, a space-separated
  list of ``v1,<base64 HMAC-SHA256>``; any entry that matches passes, so a rotated secret keeps working.
- Signed content: ``{id}.{timestamp}.{raw body}``; a timestamp more than 300 s from now is refused either way
  (docs/platforms.md#standard-webhooks, docs/platforms.md#verify-raw-bytes).
- The key: BigCommerce signs with the app's client secret itself. Its docs hand the ``standardwebhooks``
  library ``base64(client_secret)``, which the library decodes back to those bytes
  (bigcommerce/docs https-webhook-overview.mdx). So a stored ``whsec_<base64>`` secret is decoded, as the
  library does, and any other stored secret is the client secret, used as its UTF-8 bytes.
- BigCommerce names the topic (``scope``) and the store (``producer: "stores/{hash}"``) in the JSON body, not
  in a header (docs/platforms.md#bigcommerce-payload). ``webhook-id`` is the same on every retry of a
  message: it is the event id and the delivery id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from storeloom.services.ingest.receiver import WebhookScheme

TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"
# Fields a WebhookScheme needs to read the topic and the store from the body (proposed to the receiver).
BODY_FIELDS = ("topic_from_body", "tenant_from_body")

Clock = Callable[[], float]


def signing_key(secret: str) -> bytes:
    """The HMAC key a stored secret stands for (empty when there is none)."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    try:
        # The padding is added as the reference library adds it, so unpadded base64 reads the same.
        return base64.b64decode(secret[len(SECRET_PREFIX) :] + "==")
    except (binascii.Error, ValueError):
        return b""


def signature(body: bytes, secret: str, message_id: str, timestamp: int) -> str:
    """The ``v1,<base64>`` entry BigCommerce would send for this message."""
    digest = _digest(signing_key(secret), message_id, str(timestamp), body)
    return f"v1,{base64.b64encode(digest).decode()}"


def signed_headers(body: bytes, secret: str, message_id: str, timestamp: int) -> dict[str, str]:
    """The headers of a signed delivery: for fakes, demos and tests."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(body, secret, message_id, timestamp),
        "content-type": "application/json",
    }


def verify(body: bytes, headers: Mapping[str, str], secret: str, now: Clock = time.time) -> bool:
    """True when one ``v1`` signature matches ``body`` under ``secret`` and the timestamp is within tolerance."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id, stamp = lowered.get(ID_HEADER, "").strip(), lowered.get(TIMESTAMP_HEADER, "").strip()
    key = signing_key(secret)
    if not (message_id and key and stamp.isdigit() and abs(now() - int(stamp)) <= TOLERANCE_SECONDS):
        return False
    expected = _digest(key, message_id, stamp, body)
    return any(hmac.compare_digest(expected, given) for given in _v1_signatures(lowered.get(SIGNATURE_HEADER, "")))


def verifier(now: Clock = time.time) -> Callable[[bytes, Mapping[str, str], str], bool]:
    """``verify`` with its clock bound, in the receiver's SignatureCheck shape."""

    def check(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
        return verify(body, headers, secret, now)

    return check


def event_id(headers: Mapping[str, str]) -> str | None:
    """``webhook-id``: one id per message, the same on every retry: the dedupe key (docs/platforms.md#dedupe-keys)."""
    value = (headers.get(ID_HEADER) or "").strip()
    return value or None


def topic_of(body: bytes) -> str | None:
    """The delivery's topic: the body's ``scope`` (``store/order/updated``)."""
    scope = _field(body, "scope")
    return (scope.strip() or None) if isinstance(scope, str) else None


def store_hash_of(body: bytes) -> str | None:
    """The store the delivery is for: the hash in the body's ``producer`` (``stores/{hash}``)."""
    producer = _field(body, "producer")
    if not isinstance(producer, str):
        return None
    prefix, _, store_hash = producer.strip().partition("/")
    if prefix != "stores" or not store_hash or "/" in store_hash:
        return None
    return store_hash.lower()


def store_hash_of_url(api_url: str) -> str | None:
    """The store hash in a store's API base (``https://api.bigcommerce.com/stores/{hash}``, or a local fake's)."""
    try:
        parts = [part for part in urlsplit(api_url.strip()).path.split("/") if part]
    except ValueError:
        return None
    return parts[1].lower() if len(parts) >= 2 and parts[0] == "stores" else None


def webhook_scheme(now: Clock = time.time) -> WebhookScheme:
    """The receiver's view of BigCommerce: the topic (``scope``) and the store (``producer``) live in the
    signed body, so ``topic_header`` names a header no BigCommerce delivery carries."""
    return WebhookScheme(
        verifier(now),
        "x-bigcommerce-topic",
        event_id,
        ID_HEADER,
        own_host=store_hash_of_url,
        topic_from_body=topic_of,
        tenant_from_body=store_hash_of,
    )


def _digest(key: bytes, message_id: str, stamp: str, body: bytes) -> bytes:
    return hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()


def _v1_signatures(header: str) -> list[bytes]:
    """The decoded ``v1`` entries; other versions (``v1a`` is ed25519) and malformed entries are skipped."""
    found = []
    for entry in header.split():
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def _field(body: bytes, name: str) -> Any:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return parsed.get(name) if isinstance(parsed, dict) else None
