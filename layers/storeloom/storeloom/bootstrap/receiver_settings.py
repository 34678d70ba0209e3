"""The webhook receiver's settings, read from the environment once per cold start.

Every other function reads its settings through a pydantic model (storeloom.bootstrap.settings). The receiver does not:
defining its first pydantic model costs the receiver about 75 ms of cold start (bench/bench_ingest.py), a
third of its budget, for five values that need no more than the checks below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A missing or malformed environment variable, named in the message."""


@dataclass(frozen=True)
class ReceiverSettings:
    stores_table: str
    archive_bucket: str
    ingest_queue_url: str
    max_body_bytes: int = 512 * 1024
    secret_cache_seconds: int = 300

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> ReceiverSettings:
        return cls(
            stores_table=_required(env, "STORES_TABLE"),
            archive_bucket=_required(env, "ARCHIVE_BUCKET"),
            ingest_queue_url=_required(env, "INGEST_QUEUE_URL"),
            max_body_bytes=_positive_int(env, "MAX_WEBHOOK_BYTES", 512 * 1024),
            secret_cache_seconds=_positive_int(env, "SECRET_CACHE_SECONDS", 300),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} must be set")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise SettingsError(f"{name} must be a positive whole number, not {text!r}")
    return int(text)
