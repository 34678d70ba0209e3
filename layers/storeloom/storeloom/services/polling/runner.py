"""The poller's use cases: run one poll job for a store, continue unfinished backfills, fan out sweeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from storeloom.domain.checkpoint import Mode
from storeloom.domain.stores import StoreRecord
from storeloom.domain.types import UtcDatetime
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.ports import MessageSink, PlatformCatalog, PlatformClient, SecretReader, StoreLookup
from storeloom.services.polling.sync import ProgressHook, SyncReport, SyncRequest, SyncService


class PollJob(BaseModel):
    """A schedule's Input, a BackfillQueue message, or a CLI request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store_id: str
    entity: str
    mode: Mode = "live"
    since: UtcDatetime | None = None


class UnknownStore(LookupError):
    """A poll job for a store that is not registered (it may have been removed)."""


class CredentialsRefused(ApiError):
    """The platform refused the store's credentials (HTTP 401/403). The poll is not retried: the schedule's
    next tick tries again, and ``stores status`` shows the refusal until a poll succeeds."""


class CredentialLog(Protocol):
    def record_credentials(self, store_id: str, error: str | None, now: datetime) -> None:
        """The outcome of the store's last API call: the refusal, or None once credentials work again."""
        ...


REFUSED = (401, 403)


@dataclass
class PollRunner:
    stores: StoreLookup
    secrets: SecretReader
    service: SyncService
    platforms: PlatformCatalog
    jobs: MessageSink | None = None
    backfill_share: float = 0.5
    credentials: CredentialLog | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def client_for(self, store: StoreRecord, mode: Mode) -> PlatformClient:
        share = 1.0 if mode == "live" else self.backfill_share
        return self.platforms.client(store, self.secrets.read(store.secret_arn), share)

    def run(self, job: PollJob, remaining_ms: Callable[[], int], on_page: ProgressHook | None = None) -> SyncReport:
        """One cycle; an unfinished backfill or sweep is put back on its queue to continue at once."""
        store = self.stores.get(job.store_id)
        if store is None:
            raise UnknownStore(f"store_id: {job.store_id!r} is not registered")
        request = SyncRequest(job.store_id, job.entity, job.mode, job.since)
        client = self.client_for(store, job.mode)
        source = self.platforms.backfill_source(store, client, job.entity) if job.mode == "backfill" else client
        try:
            report = self.service.run(request, source, remaining_ms, on_page)
        except ApiError as error:
            if error.status_code not in REFUSED:
                raise
            self._record(store.store_id, str(error))
            raise CredentialsRefused(f"store {store.store_id}: {error}", error.status_code) from error
        self._record(store.store_id, None)
        if not report.complete and job.mode != "live" and self.jobs is not None:
            self.jobs.send_many([job.model_dump_json()])
        return report

    def _record(self, store_id: str, error: str | None) -> None:
        if self.credentials is not None:
            self.credentials.record_credentials(store_id, error, self.clock())

    def sync_now(self, store_id: str, entity: str) -> SyncReport:
        """One live poll cycle now, with no Lambda time budget (``storeloom sync`` and the demo)."""
        return self.run(PollJob(store_id=store_id, entity=entity), lambda: 1 << 30)

    def fan_out_sweep(self, now: datetime, lookback: timedelta) -> int:
        """Queue a deep sweep (since ``now - lookback``) of every entity of every store."""
        since = now - lookback
        jobs = [
            PollJob(store_id=store.store_id, entity=entity, mode="deep_sweep", since=since).model_dump_json()
            for store in self.stores.all()
            for entity in self.platforms.polled_entities(store)
        ]
        if jobs and self.jobs is not None:
            self.jobs.send_many(jobs)
        return len(jobs)


def report_dict(report: SyncReport) -> dict[str, object]:
    """A report as JSON-ready data: what the CLI prints with --json and what the handlers return."""
    return {
        "store_id": report.store_id,
        "entity": report.entity,
        "mode": report.mode,
        "fetched": report.fetched,
        "enqueued": report.enqueued,
        "requests": report.requests,
        "pages": report.pages,
        "cursor": report.cursor.to_text() if report.cursor else None,
        "complete": report.complete,
        "stopped": report.stopped,
    }
