"""Configuration as validated pydantic models, read from the environment once per process.

pydantic-settings would add about 75 ms to the receiver's cold import (measured in bench/), so each
settings model reads ``os.environ`` through field aliases instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class EnvModel(BaseModel):
    """A settings model whose field aliases are environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    @classmethod
    def from_env(cls) -> Self:
        return cls.model_validate(dict(os.environ))


class IngestSettings(EnvModel):
    """What the receiver and the ingest worker need: names of the stack's resources and limits."""

    stores_table: str = Field(alias="STORES_TABLE")
    entities_table: str = Field(alias="ENTITIES_TABLE")
    ledger_table: str = Field(alias="LEDGER_TABLE")
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET")
    ingest_queue_url: str = Field(alias="INGEST_QUEUE_URL")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    max_body_bytes: int = Field(alias="MAX_WEBHOOK_BYTES", default=512 * 1024, gt=0)
    dedupe_ttl_seconds: int = Field(alias="DEDUPE_TTL_SECONDS", default=7 * 24 * 3600, gt=0)
    secret_cache_seconds: int = Field(alias="SECRET_CACHE_SECONDS", default=300, ge=0)


@lru_cache(maxsize=1)
def ingest_settings() -> IngestSettings:
    return IngestSettings.from_env()
