"""Send dead-lettered or archived webhooks back through the one ingest path."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import unquote

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.types import parse_utc
from storeloom.services.ingest.ports import ReceivedMessage


class DeadLetters(Protocol):
    def receive(self, max_messages: int = 10, wait_seconds: int = 0) -> list[ReceivedMessage]: ...

    def delete(self, receipt_handle: str) -> None: ...


class Archive(Protocol):
    def keys_since(self, prefix: str, since: datetime) -> Iterator[str]: ...

    def metadata(self, ref: str) -> dict[str, str]: ...


class Sender(Protocol):
    def send_many(self, bodies: Sequence[str]) -> int: ...


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped: int = 0
    # Each replayed dead letter: its message id, store and why it had died (error, error_type, attempts).
    dead_letters: list[dict[str, str]] = field(default_factory=list)


def replay_dead_letters(dlq: DeadLetters, ingest: Sender, store_id: str | None = None) -> ReplayReport:
    """Move messages from the dead-letter queue back to the ingest queue, deleting each only once re-sent.

    Messages of other stores are left in the queue; they become visible again after its visibility timeout.
    """
    report = ReplayReport()
    seen: set[str] = set()
    while batch := [m for m in dlq.receive(10) if m.message_id not in seen]:
        for message in batch:
            seen.add(message.message_id)
            if store_id and _store_of(message.body) != store_id:
                report.skipped += 1
                continue
            ingest.send_many([message.body])
            dlq.delete(message.receipt_handle)
            report.replayed += 1
            report.dead_letters.append(
                {"message_id": message.message_id, "store_id": _store_of(message.body) or "", **message.attributes}
            )
    return report


def replay_archive(
    archive: Archive, ingest: Sender, since: datetime, store_id: str | None = None, prefix: str = "raw"
) -> ReplayReport:
    """Re-enqueue archived bodies received since ``since``; dedupe absorbs what was already ingested."""
    report = ReplayReport()
    pending: list[str] = []
    for key in archive.keys_since(prefix, since):
        metadata = archive.metadata(key)
        message = _message_from_archive(key, metadata)
        # Skipped: another store's webhook, or an object the receiver did not label (nothing to replay it as).
        if message is None or (store_id and message.store_id != store_id):
            report.skipped += 1
            continue
        pending.append(message.model_dump_json(exclude_none=True))
        if len(pending) == 10:
            report.replayed += ingest.send_many(pending)
            pending = []
    report.replayed += ingest.send_many(pending) if pending else 0
    return report


def _label(metadata: Mapping[str, str], name: str) -> str | None:
    """An archive label by its hyphenated name (``store-id``), or by the underscore name (``store_id``) that
    objects archived before the receiver wrote hyphens carry."""
    value = metadata.get(name) or metadata.get(name.replace("-", "_"))
    return unquote(value) if value else None  # the receiver percent-encodes what is not ASCII


def _message_from_archive(key: str, metadata: Mapping[str, str]) -> IngestMessage | None:
    platform, store_id, received_at = (_label(metadata, name) for name in ("platform", "store-id", "received-at"))
    if not (platform and store_id and received_at):
        return None
    return IngestMessage(
        platform=platform,
        store_id=store_id,
        topic=_label(metadata, "topic") or "",
        source="replay",
        received_at=parse_utc(received_at),
        raw_ref=key,
        platform_event_id=_label(metadata, "platform-event-id"),
    )


def _store_of(body: str) -> str | None:
    try:
        store: str | None = json.loads(body).get("store_id")
    except (ValueError, AttributeError):
        return None
    return store
