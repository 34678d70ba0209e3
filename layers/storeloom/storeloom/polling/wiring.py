"""Composition root of the polling functions: clients and services built once per process, on first use."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import httpx

from storeloom.bootstrap import aws_client
from storeloom.polling.settings import poller_settings

if TYPE_CHECKING:
    from storeloom.polling.health import HealthSweep
    from storeloom.polling.runner import PollRunner
    from storeloom.polling.service import SyncReport


@lru_cache(maxsize=1)
def http_client() -> httpx.Client:
    return httpx.Client(timeout=poller_settings().http_timeout_seconds, follow_redirects=False)


@lru_cache(maxsize=1)
def poll_runner() -> PollRunner:
    from storeloom.polling.runner import PollRunner
    from storeloom.polling.service import SyncService
    from storeloom.store.checkpoints import DynamoCheckpointStore
    from storeloom.store.queues import SqsQueue
    from storeloom.store.stores import DynamoStoreRegistry, SecretsManagerVault

    settings = poller_settings()
    service = SyncService(
        checkpoints=DynamoCheckpointStore(settings.checkpoints_table, aws_client("dynamodb")),
        sink=SqsQueue(settings.ingest_queue_url, aws_client("sqs")),
        overlap=timedelta(minutes=settings.overlap_minutes),
        first_lookback=timedelta(hours=settings.first_lookback_hours),
        reserve_ms=settings.reserve_ms,
    )
    jobs = SqsQueue(settings.backfill_queue_url, aws_client("sqs")) if settings.backfill_queue_url else None
    return PollRunner(
        stores=DynamoStoreRegistry(settings.stores_table, aws_client("dynamodb")),
        secrets=SecretsManagerVault(aws_client("secretsmanager"), settings.secret_cache_seconds),
        service=service,
        http=http_client(),
        jobs=jobs,
        backfill_share=settings.backfill_share,
    )


@lru_cache(maxsize=1)
def health_sweep() -> HealthSweep:
    import os

    from storeloom.polling.health import HealthSweep, SubscriptionHealth
    from storeloom.store.checkpoints import DynamoHealthLog
    from storeloom.store.schedules import PollSchedules, ScheduleTarget

    settings, runner = poller_settings(), poll_runner()
    target = ScheduleTarget.from_environment(os.environ)
    return HealthSweep(
        stores=runner.stores,
        clients=lambda store: runner.client_for(store, "live"),
        health=SubscriptionHealth(DynamoHealthLog(settings.checkpoints_table, aws_client("dynamodb"))),
        webhook_base_url=settings.webhook_base_url,
        schedules=PollSchedules(aws_client("scheduler"), target) if target else None,
    )


def sync_once(store_id: str, entity: str = "orders") -> SyncReport:
    """One live poll cycle now, in this process, against the stack the environment points at
    (what ``storeloom sync`` and the demo run)."""
    from storeloom.polling.runner import PollJob

    forget()
    return poll_runner().run(PollJob(store_id=store_id, entity=entity), lambda: 1 << 30)


def forget() -> None:
    """Drop cached wiring (the local stack and tests change the environment between uses)."""
    for cached in (poller_settings, http_client, poll_runner, health_sweep):
        cached.cache_clear()
