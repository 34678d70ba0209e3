"""Receive a webhook: check size, store and signature, archive the raw body, enqueue it. Nothing more.

This module is on the receiver's hot path, so it imports neither the canonical model nor pydantic: the
message it enqueues is plain JSON in the shape of storeloom.domain.ingest_message.IngestMessage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from storeloom.domain.archive import ACCEPTED_PREFIX, REJECTED_PREFIX, archive_key
from storeloom.domain.stores import StoreRecord, StoreSecrets

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


@dataclass(frozen=True)
class WebhookScheme:
    """How one platform signs and labels its deliveries: the receiver's view of a platform, which the
    composition root builds from storeloom.platforms.signatures."""

    verify: Callable[[bytes, Mapping[str, str], str], bool]
    topic_header: str
    event_id: Callable[[Mapping[str, str]], str | None]
    delivery_header: str | None = None


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
    schemes: Mapping[str, WebhookScheme]
    max_body_bytes: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def receive(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        received_at = self.clock()
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            scheme, topic = self._accept(platform, store_id, lowered, body)
        except WebhookRejected as rejection:
            if rejection.status != 413:
                self._archive(REJECTED_PREFIX, platform, store_id, lowered, body, received_at, rejection.code)
            raise
        labels = {"topic": topic, "platform-event-id": scheme.event_id(lowered) or ""}
        raw_ref = self._archive(ACCEPTED_PREFIX, platform, store_id, lowered, body, received_at, "accepted", labels)
        message = _ingest_message(platform, store_id, topic, scheme, lowered, body, raw_ref, received_at)
        return Receipt(raw_ref=raw_ref, message_id=self.queue.send(message), topic=topic)

    def _accept(
        self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[WebhookScheme, str]:
        if len(body) > self.max_body_bytes:
            raise WebhookRejected(413, "body_too_large", f"body exceeds {self.max_body_bytes} bytes")
        scheme = self.schemes.get(platform)
        store = self.stores.get(store_id) if scheme is not None else None
        if scheme is None or store is None or store.platform != platform:
            raise WebhookRejected(404, "unknown_store", f"no {platform} store {store_id!r} is registered")
        secrets = self.secrets.read(store.secret_arn).webhook_secrets
        if not any(scheme.verify(body, headers, secret) for secret in secrets):
            raise WebhookRejected(401, "bad_signature", "signature missing or does not match the body")
        topic = headers.get(scheme.topic_header)
        if not topic:
            raise WebhookRejected(400, "missing_topic", f"header {scheme.topic_header} is required")
        try:
            json.loads(body)
        except ValueError as error:
            raise WebhookRejected(400, "malformed_body", f"body is not JSON: {error}") from error
        return scheme, topic

    def _archive(
        self,
        prefix: str,
        platform: str,
        store_id: str,
        headers: Mapping[str, str],
        body: bytes,
        received_at: datetime,
        outcome: str,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        key = archive_key(prefix, platform, store_id, received_at)
        # S3 user metadata travels as x-amz-meta-<key> HTTP headers, and servers may drop header names with
        # underscores (moto's server does), so every key here is written with hyphens.
        metadata = {name: value for name, value in headers.items() if _worth_keeping(name)}
        metadata.update(outcome=outcome, platform=platform, sha256=_digest(body))
        metadata.update({"store-id": store_id, "received-at": utc_text(received_at)})
        # Replay reads the topic and event id from these, so it needs no platform's header names.
        metadata.update({name: value for name, value in (labels or {}).items() if value})
        return self.archive.write(key, body, metadata)


def _worth_keeping(header: str) -> bool:
    # Platform headers carry topic, ids and versions; signatures are dropped so no secret-derived value
    # is ever stored twice.
    is_platform = header.startswith(("x-shopify-", "x-wc-webhook-", "webhook-"))
    return (is_platform and "signature" not in header and "hmac" not in header) or header in _KEPT_HEADERS


def utc_text(moment: datetime) -> str:
    """The text storeloom.domain.types.format_utc gives, written here because that module imports pydantic."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _ingest_message(
    platform: str,
    store_id: str,
    topic: str,
    scheme: WebhookScheme,
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
        "received_at": utc_text(received_at),
        "raw_ref": raw_ref,
        "platform_event_id": scheme.event_id(headers),
        "delivery_id": headers.get(scheme.delivery_header) if scheme.delivery_header else None,
    }
    if len(body) <= MAX_INLINE_BODY_BYTES:
        message["body"] = body.decode("utf-8", errors="replace")
    return json.dumps({name: value for name, value in message.items() if value is not None})
