"""``storeloom stores status``: per store, the webhook and polling picture, assembled from ports."""

from __future__ import annotations

from typing import Any, Protocol

from storeloom.domain.checkpoint import Checkpoint
from storeloom.services.polling.ports import CheckpointStore

ENTITY_TYPES = ("order", "customer", "product", "cart", "inventory_level")


class EntitySources(Protocol):
    def sources(self, store_id: str, entity_type: str) -> list[tuple[str, str]]: ...


class HealthReader(Protocol):
    def read(self, store_id: str) -> dict[str, str | int]: ...


def checkpoint_view(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "key": checkpoint.key,
        "cursor": checkpoint.cursor.to_text() if checkpoint.cursor else None,
        "in_progress": checkpoint.in_progress,
        "last_poll_at": checkpoint.last_run_at.isoformat() if checkpoint.last_run_at else None,
        "last_fetched": checkpoint.last_fetched,
        "last_enqueued": checkpoint.last_enqueued,
        "last_requests": checkpoint.last_requests,
    }


def store_status(
    store_id: str, platform: str, checkpoints: CheckpointStore, entities: EntitySources, health: HealthReader
) -> dict[str, Any]:
    """Last webhook seen, last poll and cursor per entity, subscriptions repaired, and how many stored
    entity versions came by polling (a webhook would have delivered them first, had it arrived)."""
    webhook_times: list[str] = []
    recovered = 0
    for entity_type in ENTITY_TYPES:
        for source, occurred_at in entities.sources(store_id, entity_type):
            if source == "webhook":
                webhook_times.append(occurred_at)
            elif source in ("poll", "backfill"):
                recovered += 1
    polls = sorted(checkpoints.list(store_id), key=lambda cp: cp.key)
    return {
        "store_id": store_id,
        "platform": platform,
        "last_webhook_version_at": max(webhook_times, default=None),
        "polls": [checkpoint_view(cp) for cp in polls],
        "subscriptions": health.read(store_id),
        "recovered_by_polling": recovered,
    }
