"""In-memory stand-ins for the poller's ports, and a replica of what the ingest path would store.

Used by the unit tests, the bench and ``storeloom sync --dry-run`` style checks: they do no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.types import loads
from storeloom.platforms.registry import get_adapter
from storeloom.services.platform_port import NormalizeContext


@dataclass
class MemoryCheckpoints:
    items: dict[tuple[str, str], Checkpoint] = field(default_factory=dict)
    saves: int = 0

    def get(self, store_id: str, key: str) -> Checkpoint | None:
        return self.items.get((store_id, key))

    def save(self, checkpoint: Checkpoint) -> None:
        self.saves += 1
        self.items[(checkpoint.store_id, checkpoint.key)] = checkpoint

    def list(self, store_id: str) -> list[Checkpoint]:
        return [cp for (store, _), cp in self.items.items() if store == store_id]


@dataclass
class MemorySink:
    bodies: list[str] = field(default_factory=list)

    def send_many(self, bodies: Sequence[str]) -> int:
        self.bodies.extend(bodies)
        return len(bodies)


@dataclass
class IngestReplica:
    """Normalizes messages with the real adapters, then dedupes on idempotency keys and keeps the newest
    version per entity: the effect the ingest worker would have."""

    applied: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    latest: dict[str, str] = field(default_factory=dict)

    def consume(self, bodies: Sequence[str]) -> None:
        for body in bodies:
            message = IngestMessage.model_validate_json(body)
            context = NormalizeContext(message.store_id, message.source, message.received_at)
            adapter = get_adapter(message.platform, currency="USD")
            for event in adapter.normalize(message.topic, loads(message.body or ""), context):
                if event.idempotency_key in self.applied:
                    self.duplicates += 1
                    continue
                self.applied[event.idempotency_key] += 1
                stamp = event.occurred_at.isoformat()
                if stamp > self.latest.get(event.entity_id, ""):
                    self.latest[event.entity_id] = stamp
