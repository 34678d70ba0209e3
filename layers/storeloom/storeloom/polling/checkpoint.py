"""A (store, entity) checkpoint: where the last run got to, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from storeloom.polling.cursor import Cursor

Mode = Literal["live", "backfill", "deep_sweep"]


def checkpoint_key(entity: str, mode: Mode) -> str:
    """Live polls, backfills and deep sweeps of one entity keep separate positions."""
    return entity if mode == "live" else f"{mode}#{entity}"


@dataclass(frozen=True)
class Checkpoint:
    """``cursor`` is the high-water mark (updated_at, id) of everything durably enqueued. ``resume`` is
    set while a run is unfinished (time budget, crash): the next run continues there, with no overlap."""

    store_id: str
    key: str
    cursor: Cursor | None = None
    resume: Cursor | None = None
    since: datetime | None = None
    last_run_at: datetime | None = None
    last_fetched: int = 0
    last_enqueued: int = 0
    last_requests: int = 0
    total_enqueued: int = 0
    total_estimate: int | None = None

    @property
    def in_progress(self) -> bool:
        return self.resume is not None

    def advanced(self, position: Cursor | None, resume: Cursor | None) -> Checkpoint:
        top = self.cursor if position is None or (self.cursor and position <= self.cursor) else position
        return replace(self, cursor=top, resume=resume)


class CheckpointStore(Protocol):
    def get(self, store_id: str, key: str) -> Checkpoint | None:
        """The stored checkpoint, or None before the first run."""
        ...

    def save(self, checkpoint: Checkpoint) -> None:
        """Write the checkpoint durably (it is only ever written after its page is enqueued)."""
        ...

    def list(self, store_id: str) -> list[Checkpoint]:
        """Every checkpoint of one store."""
        ...
