"""A (store, entity) checkpoint: where the last run got to, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from storeloom.domain.cursor import Cursor

Mode = Literal["live", "backfill", "deep_sweep"]


def checkpoint_key(entity: str, mode: Mode) -> str:
    """Live polls, backfills and deep sweeps of one entity keep separate positions."""
    return entity if mode == "live" else f"{mode}#{entity}"


@dataclass(frozen=True)
class Checkpoint:
    """``cursor`` is the high-water mark (updated_at, id) of a finished listing. ``resume`` is set while a
    run is unfinished (time budget, crash): for a listing in (updated_at, id) order, the next run continues
    after it, with no overlap; for any other order, ``resume_token`` continues the listing and ``resume``
    only carries its high-water mark, which becomes the cursor once the listing ends."""

    store_id: str
    key: str
    cursor: Cursor | None = None
    resume: Cursor | None = None
    resume_token: str | None = None
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

    def after_page(self, top: Cursor | None, token: str | None, ordered: bool) -> Checkpoint:
        """The checkpoint once a page up to ``top`` (the run's furthest position) is enqueued."""
        if token is None:
            return replace(self, cursor=_later(self.cursor, top), resume=None, resume_token=None)
        if ordered:
            return replace(self, cursor=_later(self.cursor, top), resume=top, resume_token=None)
        return replace(self, resume=top, resume_token=token)


def _later(first: Cursor | None, second: Cursor | None) -> Cursor | None:
    if first is None or second is None:
        return first or second
    return second if first < second else first
