"""The IngestQueue message: what the receiver, the poller and replay enqueue for the ingest worker."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.types import Source, UtcDatetime


class IngestMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    store_id: str
    topic: str
    source: Source
    received_at: UtcDatetime = Field(default_factory=lambda: datetime.now(UTC))
    raw_ref: str | None = None
    body: str | None = None
    platform_event_id: str | None = None
    delivery_id: str | None = None
