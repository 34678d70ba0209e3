"""The ingest service with in-memory fakes: claim before store, stale, duplicates, crashes, failed publishes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.model import CommerceEvent
from storeloom.platforms.registry import get_adapter
from storeloom.services.ingest.ports import ClaimOutcome, DoneMark
from storeloom.services.ingest.service import IngestService, MessageRejected
from tests.support.sqs import ingest_batch

PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass
class FakeWriter:
    """Claims hold a lease and are written with the entity or not at all, as the DynamoDB transaction is."""

    lease: timedelta = timedelta(seconds=60)
    records: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    versions: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    writes: int = 0

    def claim_and_store(self, event: CommerceEvent, now: datetime) -> ClaimOutcome:
        status, lease_until = self.records.get(event.idempotency_key, ("", now))
        if status == "claimed" and lease_until > now:
            return "in_progress"
        if status in ("applied", "stale"):
            return "duplicate"
        key = (event.store_id, event.entity_type, event.entity_id)
        if key in self.versions and self.versions[key] > event.occurred_at:
            return "stale"
        self.records[event.idempotency_key] = ("claimed", now + self.lease)
        self.versions[key] = event.occurred_at
        self.writes += 1
        return "applied"

    def mark_done(self, marks: Sequence[DoneMark], now: datetime) -> None:
        for mark in marks:
            self.records[mark.key] = (mark.outcome, now)


@dataclass
class FakeBus:
    published: list[CommerceEvent] = field(default_factory=list)
    failing: bool = False

    def publish(self, events: Sequence[CommerceEvent]) -> list[str]:
        if self.failing:
            return [event.event_id for event in events]
        self.published.extend(events)
        return []


class FakeArchive:
    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    def read(self, ref: str) -> bytes:
        return self.bodies[ref]


def service(**overrides: object) -> IngestService:
    parts: dict[str, object] = {
        "writer": FakeWriter(),
        "publisher": FakeBus(),
        "archive": FakeArchive(),
        "adapters": get_adapter,
        "clock": lambda: NOW,
    }
    parts.update(overrides)
    return IngestService(**parts)  # type: ignore[arg-type]


def message(name: str, topic: str = "orders/updated", **fields: object) -> IngestMessage:
    body = (PAYLOADS / name).read_text()
    values: dict[str, object] = {"platform": "shopify", "store_id": "s1", "topic": topic, "source": "webhook"}
    return IngestMessage.model_validate({**values, "body": body, **fields})


def test_new_version_is_stored_published_and_marked_applied() -> None:
    bus, writer = FakeBus(), FakeWriter()
    result = ingest_batch(service(publisher=bus, writer=writer), [("m1", message("shopify_orders_create.json"))])
    assert result.counts() == {"applied": 1}
    assert [event.entity_id for event in bus.published] == ["6100000000000000001"]
    assert [status for status, _ in writer.records.values()] == ["applied"]


def test_same_version_from_a_poll_dies_at_dedupe() -> None:
    bus, writer = FakeBus(), FakeWriter()
    ingest = service(publisher=bus, writer=writer)
    ingest_batch(ingest, [("m1", message("shopify_orders_updated.json"))])
    result = ingest_batch(ingest, [("m2", message("shopify_orders_updated.json", source="poll"))])
    assert result.counts() == {"duplicate": 1}
    assert len(bus.published) == 1 and writer.writes == 1


def test_older_version_is_stale_and_not_published() -> None:
    bus = FakeBus()
    ingest = service(publisher=bus)
    ingest_batch(ingest, [("m1", message("shopify_orders_updated.json"))])
    result = ingest_batch(ingest, [("m2", message("shopify_orders_updated_older.json"))])
    assert result.counts() == {"stale": 1}
    assert len(bus.published) == 1


def test_claim_left_by_a_crashed_worker_is_taken_over_once_its_lease_expires() -> None:
    writer = FakeWriter()
    crashed = service(writer=writer, clock=lambda: NOW)
    crashed.stage("m1", message("shopify_orders_create.json"))  # claimed and stored, never published
    too_soon = service(writer=writer, clock=lambda: NOW + timedelta(seconds=30))
    with pytest.raises(MessageRejected, match="another worker"):
        too_soon.stage("m1", message("shopify_orders_create.json"))
    bus = FakeBus()
    later = service(writer=writer, publisher=bus, clock=lambda: NOW + timedelta(seconds=61))
    result = ingest_batch(later, [("m1", message("shopify_orders_create.json"))])
    assert result.counts() == {"applied": 1} and len(bus.published) == 1


def test_failed_publish_fails_the_message_and_leaves_it_unmarked() -> None:
    writer = FakeWriter()
    failing = service(writer=writer, publisher=FakeBus(failing=True))
    result = ingest_batch(failing, [("m1", message("shopify_orders_create.json"))])
    assert result.failed_message_ids == {"m1"}
    assert [status for status, _ in writer.records.values()] == ["claimed"]


def test_unknown_topic_is_rejected_with_a_reason_naming_it() -> None:
    result = ingest_batch(service(), [("m1", message("shopify_orders_create.json", topic="orders/teleported"))])
    assert result.failed_message_ids == {"m1"}
    assert "orders/teleported" in result.errors["m1"]


def test_body_is_read_from_the_archive_when_it_did_not_travel_inline() -> None:
    archive = FakeArchive()
    archive.bodies["raw/1"] = (PAYLOADS / "shopify_orders_create.json").read_bytes()
    inline = message("shopify_orders_create.json")
    by_reference = inline.model_copy(update={"body": None, "raw_ref": "raw/1"})
    result = ingest_batch(service(archive=archive), [("m1", by_reference)])
    assert result.counts() == {"applied": 1}
