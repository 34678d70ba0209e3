"""Receive a webhook: check size, store and signature, archive the raw body, enqueue it. Nothing more.

This module is on the receiver's hot path, so it imports neither the canonical model nor pydantic: the
message it enqueues is plain JSON in the shape of storeloom.domain.ingest_message.IngestMessage.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote, urlsplit

from storeloom.domain.archive import ACCEPTED_PREFIX, REJECTED_PREFIX, archive_key
from storeloom.domain.stores import StoreRecord, StoreSecrets

MAX_INLINE_BODY_BYTES = 200 * 1024
_KEPT_HEADERS = ("content-type", "user-agent")
# Store ids are what `storeloom stores add --store-id` accepts; anything else in the path names no store.
_STORE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_METADATA_VALUE_LIMIT = 256  # S3 allows 2 KB of user metadata in all; a header never takes more than this
_HEADER_NAME = re.compile(r"^[a-z0-9-]{1,64}$")
_TOPIC = re.compile(r"^[A-Za-z0-9_./-]{1,100}$")
SAMPLE_PREFIX_BYTES = 1024
SAMPLES_PER_STORE_MINUTE = 20


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
    # The shop the delivery says it is for (Shopify's shop domain, WooCommerce's source URL), as a host.
    tenant: Callable[[Mapping[str, str]], str | None] = lambda _headers: None
    # The host a store's own API URL has when it is the shop's identity (Shopify: *.myshopify.com).
    own_host: Callable[[str], str | None] = lambda _api_url: None
    # Platforms that name the topic and the shop in the signed body (BigCommerce's scope and producer).
    topic_from_body: Callable[[bytes], str | None] | None = None
    tenant_from_body: Callable[[bytes], str | None] | None = None


class WebhookRejected(Exception):
    """``authenticated``: the signature was verified, so the whole body is worth keeping for diagnosis."""

    def __init__(self, status: int, code: str, message: str, authenticated: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.authenticated = authenticated


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
    _samples: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def receive(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        """A delivery to the webhook URL: verified against the store's secrets, archived, enqueued."""
        return self._take(platform, store_id, headers, body, verified=False)

    def receive_trusted(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        """A delivery whose channel already proved where it came from (Shopify through an EventBridge partner
        event source, which AWS authenticates): every check but the signature, then the same archive and
        queue, so it is the same fact as the URL's copy."""
        return self._take(platform, store_id, headers, body, verified=True)

    def _take(self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes, verified: bool) -> Receipt:
        received_at = self.clock()
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            scheme, topic = self._accept(platform, store_id, lowered, body, verified)
        except WebhookRejected as rejection:
            self._keep_rejected(rejection, platform, store_id, lowered, body, received_at)
            raise
        labels = {"topic": topic, "platform-event-id": scheme.event_id(lowered) or ""}
        raw_ref = self._archive(ACCEPTED_PREFIX, platform, store_id, lowered, body, received_at, "accepted", labels)
        message = _ingest_message(platform, store_id, topic, scheme, lowered, body, raw_ref, received_at)
        return Receipt(raw_ref=raw_ref, message_id=self.queue.send(message), topic=topic)

    def _accept(
        self, platform: str, store_id: str, headers: Mapping[str, str], body: bytes, verified: bool = False
    ) -> tuple[WebhookScheme, str]:
        if len(body) > self.max_body_bytes:
            raise WebhookRejected(413, "body_too_large", f"body exceeds {self.max_body_bytes} bytes")
        scheme = self.schemes.get(platform)
        if scheme is None:
            served = ", ".join(sorted(self.schemes))
            raise WebhookRejected(404, "unsupported_platform", f"no webhooks are served for this platform ({served})")
        store = self.stores.get(store_id) if _STORE_ID.match(store_id) else None
        if store is None or store.platform != platform:
            raise WebhookRejected(404, "unknown_store", f"no {platform} store {_printable(store_id)} is registered")
        if not verified and not self._signed(scheme, store, headers, body):
            raise WebhookRejected(401, "bad_signature", "signature missing or does not match the body")
        if scheme.topic_from_body:
            _check_json(body)  # the topic and the shop are read from it
        _check_tenant(scheme, store, headers, body)
        where = "the body's topic field" if scheme.topic_from_body else f"header {scheme.topic_header}"
        topic = scheme.topic_from_body(body) if scheme.topic_from_body else headers.get(scheme.topic_header)
        if not topic:
            raise WebhookRejected(400, "missing_topic", f"{where} is required", True)
        if not _TOPIC.match(topic):
            raise WebhookRejected(400, "bad_topic", f"{where} is not a topic name", True)
        _check_json(body)
        return scheme, topic

    def _signed(self, scheme: WebhookScheme, store: StoreRecord, headers: Mapping[str, str], body: bytes) -> bool:
        secrets = self.secrets.read(store.secret_arn).webhook_secrets
        return any(scheme.verify(body, headers, secret) for secret in secrets)

    def _keep_rejected(
        self,
        rejection: WebhookRejected,
        platform: str,
        store_id: str,
        headers: Mapping[str, str],
        body: bytes,
        received_at: datetime,
    ) -> None:
        """Authenticated failures keep the whole body. Unauthenticated ones, which anyone can send, keep a
        digest, the size and a capped prefix, at most SAMPLES_PER_STORE_MINUTE per store and minute."""
        if rejection.status == 413:
            return
        safe_platform = platform if platform in self.schemes else "unknown"
        safe_store = store_id if _STORE_ID.match(store_id) else "invalid"
        labels = {"reason": rejection.code, "size": str(len(body))}
        if not rejection.authenticated:
            minute = (safe_store, received_at.strftime("%Y%m%d%H%M"))
            self._samples = {key: n for key, n in self._samples.items() if key[1] == minute[1]}
            if self._samples.get(minute, 0) >= SAMPLES_PER_STORE_MINUTE:
                return
            self._samples[minute] = self._samples.get(minute, 0) + 1
            labels["sampled"] = "prefix"
            body_kept = body[:SAMPLE_PREFIX_BYTES]
        else:
            body_kept = body
        labels["sha256"] = _digest(body)
        self._archive(REJECTED_PREFIX, safe_platform, safe_store, headers, body_kept, received_at, "rejected", labels)

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
        # underscores (moto's server does), so every key here is written with hyphens. Header values are
        # percent-encoded to ASCII and capped, so no header can break the write.
        metadata = {name: _ascii(value) for name, value in headers.items() if _worth_keeping(name)}
        metadata.update(outcome=outcome, platform=platform, sha256=_digest(body))
        metadata.update({"store-id": store_id, "received-at": utc_text(received_at)})
        # Replay reads the topic and event id from these, so it needs no platform's header names.
        metadata.update({name: _ascii(value) for name, value in (labels or {}).items() if value})
        return self.archive.write(key, body, metadata)


def _check_tenant(scheme: WebhookScheme, store: StoreRecord, headers: Mapping[str, str], body: bytes) -> None:
    """Stores of one public app share its secret, so the signature alone does not say which shop a
    delivery is for: where the delivery names its shop and the store's own domain is known, they must match."""
    named = scheme.tenant(headers) or (scheme.tenant_from_body(body) if scheme.tenant_from_body else None)
    own = store.extra.get("shop_domain") or scheme.own_host(store.api_url)
    if named and own and named.lower() != own.lower():
        raise WebhookRejected(401, "wrong_tenant", "the delivery names another shop than the store in the URL")


def _check_json(body: bytes) -> None:
    try:
        parsed = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise WebhookRejected(400, "malformed_body", "body is not UTF-8", True) from error
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else f"not JSON: {error}"
        raise WebhookRejected(400, "malformed_body", f"body is {reason}", True) from error
    if not isinstance(parsed, dict | list):
        raise WebhookRejected(400, "malformed_body", "body must be a JSON object or array", True)


def host_of(url: str | None) -> str | None:
    """The host of a URL (or of a bare domain), lower-cased; None when there is none."""
    if not url:
        return None
    text = url.strip()
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname
    except ValueError:  # e.g. an unbalanced "[": kept as given, so it matches no real domain
        return text.lower() or None
    return host.lower() if host else None


def _printable(value: str) -> str:
    return repr(value[:64]) if value.isprintable() else repr(quote(value[:64], safe=""))


def _ascii(value: str) -> str:
    """A header value S3 metadata can carry: printable ASCII kept, anything else percent-encoded, capped."""
    return quote(value, safe=" !\"#$&'()*+,/:;<=>?@[]^`{|}~")[:_METADATA_VALUE_LIMIT]


def _worth_keeping(header: str) -> bool:
    # Platform headers carry topic, ids and versions; signatures are dropped so no secret-derived value
    # is ever stored twice.
    if not _HEADER_NAME.match(header):
        return False
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
