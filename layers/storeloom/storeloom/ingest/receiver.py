"""Receive a webhook: check size, store and signature, archive the raw body, enqueue it. Nothing more.

This module is on the receiver's hot path, so it imports neither the canonical model nor pydantic: the
message it enqueues is plain JSON in the shape of storeloom.ingest.message.IngestMessage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from storeloom.platforms.signatures import SIGNATURE_CHECKS, TOPIC_HEADERS, platform_event_id
from storeloom.store.archive import ACCEPTED_PREFIX, REJECTED_PREFIX, archive_key
from storeloom.store.stores import StoreRecord, StoreSecrets

MAX_INLINE_BODY_BYTES = 200 * 1024
_KEPT_HEADERS = ("content-type", "user-agent")


class StoreLookup(Protocol):
    def get(self, store_id: str) -> StoreRecord | None: ...


class SecretReader(Protocol):
    def read(self, secret_arn: str) -> StoreSecrets: ...


class ArchiveWriter(Protocol):
    def write(self, key: str, body: bytes, metadata: Mapping[str, str]) -> str: ...


class QueueSender(Protocol):
    def send(self, body: str) -> str: ...


class WebhookRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Receipt:
    raw_ref: str
    message_id: str
    topic: str


@dataclass
class WebhookReceiver:
    stores: StoreLookup
    secrets: SecretReader
    archive: ArchiveWriter
    queue: QueueSender
    max_body_bytes: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def receive(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        received_at = self.clock()
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            topic = self._accept(platform, store_id, lowered, body)
        except WebhookRejected as rejection:
            if rejection.status != 413:
                self._archive(REJECTED_PREFIX, platform, store_id, lowered, body, received_at, rejection.code)
            raise
        raw_ref = self._archive(ACCEPTED_PREFIX, platform, store_id, lowered, body, received_at, "accepted")
        message = _ingest_message(platform, store_id, topic, lowered, body, raw_ref, received_at)
        return Receipt(raw_ref=raw_ref, message_id=self.queue.send(message), topic=topic)

    def _accept(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes) -> str:
        if len(body) > self.max_body_bytes:
            raise WebhookRejected(413, "body_too_large", f"body exceeds {self.max_body_bytes} bytes")
        store = self.stores.get(store_id) if platform in SIGNATURE_CHECKS else None
        if store is None or store.platform != platform:
            raise WebhookRejected(404, "unknown_store", f"no {platform} store {store_id!r} is registered")
        secrets = self.secrets.read(store.secret_arn).webhook_secrets
        if not any(SIGNATURE_CHECKS[platform](body, headers, secret) for secret in secrets):
            raise WebhookRejected(401, "bad_signature", "signature missing or does not match the body")
        topic = headers.get(TOPIC_HEADERS[platform])
        if not topic:
            raise WebhookRejected(400, "missing_topic", f"header {TOPIC_HEADERS[platform]} is required")
        try:
            json.loads(body)
        except ValueError as error:
            raise WebhookRejected(400, "malformed_body", f"body is not JSON: {error}") from error
        return topic

    def _archive(
        self,
        prefix: str,
        platform: str,
        store_id: str,
        headers: Mapping[str, str],
        body: bytes,
        received_at: datetime,
        outcome: str,
    ) -> str:
        key = archive_key(prefix, platform, store_id, received_at)
        metadata = {name: value for name, value in headers.items() if _worth_keeping(name)}
        metadata.update(outcome=outcome, platform=platform, store_id=store_id, sha256=_digest(body))
        metadata["received_at"] = received_at.isoformat().replace("+00:00", "Z")
        return self.archive.write(key, body, metadata)


def _worth_keeping(header: str) -> bool:
    # Platform headers carry topic, ids and versions; signatures are dropped so no secret-derived value
    # is ever stored twice.
    is_platform = header.startswith(("x-shopify-", "x-wc-webhook-", "webhook-"))
    return (is_platform and "signature" not in header and "hmac" not in header) or header in _KEPT_HEADERS


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _ingest_message(
    platform: str,
    store_id: str,
    topic: str,
    headers: Mapping[str, str],
    body: bytes,
    raw_ref: str,
    received_at: datetime,
) -> str:
    message = {
        "platform": platform,
        "store_id": store_id,
        "topic": topic,
        "source": "webhook",
        "received_at": received_at.isoformat().replace("+00:00", "Z"),
        "raw_ref": raw_ref,
        "platform_event_id": platform_event_id(headers),
        "delivery_id": headers.get("x-shopify-webhook-id") or headers.get("x-wc-webhook-delivery-id"),
    }
    if len(body) <= MAX_INLINE_BODY_BYTES:
        message["body"] = body.decode("utf-8", errors="replace")
    return json.dumps({name: value for name, value in message.items() if value is not None})
