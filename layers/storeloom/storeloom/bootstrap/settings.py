"""Configuration as validated pydantic models, read from the environment once per process.

pydantic-settings would add about 75 ms to every cold start (measured with bench/), so each settings model
reads ``os.environ`` through field aliases instead. The webhook receiver, the most latency-bound function,
uses storeloom.bootstrap.receiver_settings.
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
    """What the ingest worker needs: names of the stack's resources and limits."""

    entities_table: str = Field(alias="ENTITIES_TABLE")
    ledger_table: str = Field(alias="LEDGER_TABLE")
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    dedupe_ttl_seconds: int = Field(alias="DEDUPE_TTL_SECONDS", default=7 * 24 * 3600, gt=0)


@lru_cache(maxsize=1)
def ingest_settings() -> IngestSettings:
    return IngestSettings.from_env()
