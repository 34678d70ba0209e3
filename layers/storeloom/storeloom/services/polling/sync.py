"""The sync service: one poll cycle of one (store, entity), from its checkpoint, onto the ingest queue.

Rules (docs/platforms.md#polling-rules):
- the cursor is the compound (updated_at, id), so equal timestamps across a page boundary lose nothing
  (within the cursor's own second only the cursor's id counts as seen: see ``_unseen``);
- a page is enqueued first and the checkpoint written after, so a crash re-reads a page, never skips one
  (a re-read version dies at ingest dedupe: same idempotency key);
- a fresh run starts ``overlap`` before the cursor, to catch late commits and clock skew; an unfinished
  run (time budget, crash) resumes exactly where it stopped;
- after its first page a listing is trusted not to repeat itself (keyset page_info; WooCommerce's
  re-anchoring excludes what it has returned), so nothing is dropped for being "before" the run's
  position: a listing that is not in updated_at order loses nothing, and anything repeated dies at dedupe;
- a run stops early, saving its place, when the Lambda has less than ``reserve_ms`` left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from storeloom.domain.checkpoint import Checkpoint, Mode, checkpoint_key
from storeloom.domain.cursor import ApiPage, Cursor
from storeloom.domain.ingest_message import IngestMessage
from storeloom.services.polling.ports import CheckpointStore, MessageSink, PlatformSource


@dataclass(frozen=True)
class SyncRequest:
    store_id: str
    entity: str
    mode: Mode = "live"
    since: datetime | None = None


@dataclass
class SyncReport:
    store_id: str
    entity: str
    mode: Mode
    fetched: int = 0
    enqueued: int = 0
    requests: int = 0
    pages: int = 0
    cursor: Cursor | None = None
    complete: bool = False
    stopped: str | None = None
    total: int | None = None


@dataclass(frozen=True)
class _Start:
    since: datetime
    floor: Cursor | None  # what the first page already covered (a resumed ordered listing)
    token: str | None = None  # a resumed unordered listing


ProgressHook = Callable[[SyncReport], None]


@dataclass
class SyncService:
    checkpoints: CheckpointStore
    sink: MessageSink
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    overlap: timedelta = timedelta(minutes=10)
    first_lookback: timedelta = timedelta(days=1)
    reserve_ms: int = 10_000

    def run(
        self,
        request: SyncRequest,
        source: PlatformSource,
        remaining_ms: Callable[[], int] = lambda: 1 << 30,
        on_page: ProgressHook | None = None,
    ) -> SyncReport:
        checkpoint = self._load(request)
        start = self._start(checkpoint, request)
        report = SyncReport(request.store_id, request.entity, request.mode, cursor=checkpoint.cursor)
        top, token, floor = start.floor or checkpoint.resume, start.token, start.floor
        while True:
            if remaining_ms() < self.reserve_ms:
                report.stopped = "time budget"
                break
            page = source.fetch(request.entity, start.since, top, token)
            top, enqueued = self._take(page, request, source, floor, top, report)
            token, floor = page.next_token, None  # a listing never repeats itself after its first page
            checkpoint = self._save(checkpoint.after_page(top, token, page.ordered), report, enqueued)
            report.cursor = checkpoint.cursor
            if on_page:
                on_page(report)
            if token is None:
                report.complete = True
                break
        return report

    def _load(self, request: SyncRequest) -> Checkpoint:
        key = checkpoint_key(request.entity, request.mode)
        found = self.checkpoints.get(request.store_id, key)
        if found and (request.mode == "live" or request.since in (None, found.since)):
            return found
        return Checkpoint(request.store_id, key, since=request.since)

    def _start(self, checkpoint: Checkpoint, request: SyncRequest) -> _Start:
        if checkpoint.resume_token and checkpoint.resume:
            return _Start(checkpoint.resume.updated_at, None, checkpoint.resume_token)
        if checkpoint.resume:
            return _Start(checkpoint.resume.updated_at, checkpoint.resume)
        if checkpoint.cursor and request.mode == "live":
            return _Start(checkpoint.cursor.updated_at - self.overlap, None)
        if checkpoint.cursor:  # a finished backfill or sweep, run again: only what came after it
            return _Start(checkpoint.cursor.updated_at, checkpoint.cursor)
        return _Start(checkpoint.since or request.since or self.clock() - self.first_lookback, None)

    def _take(
        self,
        page: ApiPage,
        request: SyncRequest,
        source: PlatformSource,
        floor: Cursor | None,
        top: Cursor | None,
        report: SyncReport,
    ) -> tuple[Cursor | None, int]:
        """Enqueue the page's items past ``floor``; return the furthest position yet and the count."""
        fresh = [item for item in page.items if floor is None or _unseen(item.position, floor)]
        bodies = [self._message(request, source, item.body) for item in fresh]
        if bodies:
            self.sink.send_many(bodies)
        report.fetched += len(page.items)
        report.enqueued += len(bodies)
        report.requests += page.requests
        report.pages += 1
        if report.total is None:
            report.total = page.total
        positions = [item.position for item in page.items] + ([top] if top else [])
        return (max(positions, key=Cursor.key) if positions else None), len(bodies)

    def _message(self, request: SyncRequest, source: PlatformSource, body: str) -> str:
        return IngestMessage(
            platform=source.platform,
            store_id=request.store_id,
            topic=source.topic_for(request.entity),
            source="backfill" if request.mode == "backfill" else "poll",
            received_at=self.clock(),
            body=body,
        ).model_dump_json()

    def _save(self, checkpoint: Checkpoint, report: SyncReport, enqueued: int) -> Checkpoint:
        saved = replace(
            checkpoint,
            last_run_at=self.clock(),
            last_fetched=report.fetched,
            last_enqueued=report.enqueued,
            last_requests=report.requests,
            total_enqueued=checkpoint.total_enqueued + enqueued,
            total_estimate=report.total if report.total is not None else checkpoint.total_estimate,
        )
        self.checkpoints.save(saved)
        return saved


def _unseen(position: Cursor, floor: Cursor) -> bool:
    """Past the floor's second, or another id within it. WooCommerce orders equal modified times in no
    defined order, so an id below the floor's within its second may still be unseen: it is enqueued
    (a seen one dies at dedupe) rather than risked."""
    return position.updated_at > floor.updated_at or (
        position.updated_at == floor.updated_at and position.id != floor.id
    )
