"""The poller's settings, read from the environment once per process."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from storeloom.config import EnvModel


class PollerSettings(EnvModel):
    stores_table: str = Field(alias="STORES_TABLE")
    checkpoints_table: str = Field(alias="CHECKPOINTS_TABLE")
    entities_table: str | None = Field(alias="ENTITIES_TABLE", default=None)
    ingest_queue_url: str = Field(alias="INGEST_QUEUE_URL")
    backfill_queue_url: str | None = Field(alias="BACKFILL_QUEUE_URL", default=None)
    webhook_base_url: str | None = Field(alias="WEBHOOK_BASE_URL", default=None)
    overlap_minutes: int = Field(alias="POLL_OVERLAP_MINUTES", default=10, ge=0)
    first_lookback_hours: int = Field(alias="POLL_FIRST_LOOKBACK_HOURS", default=24, gt=0)
    deep_sweep_hours: int = Field(alias="DEEP_SWEEP_LOOKBACK_HOURS", default=48, gt=0)
    backfill_share: float = Field(alias="BACKFILL_RATE_SHARE", default=0.5, gt=0, le=1)
    reserve_ms: int = Field(alias="POLL_RESERVE_MS", default=15_000, ge=0)
    http_timeout_seconds: float = Field(alias="POLL_HTTP_TIMEOUT_SECONDS", default=20.0, gt=0)
    secret_cache_seconds: int = Field(alias="SECRET_CACHE_SECONDS", default=300, ge=0)


@lru_cache(maxsize=1)
def poller_settings() -> PollerSettings:
    return PollerSettings.from_env()
