"""Operator use cases on merchant stores: register one, remove one. The CLI and the demo both call these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.ports import PlatformCatalog


class StoreRegistry(Protocol):
    def get(self, store_id: str) -> StoreRecord | None: ...

    def put(self, record: StoreRecord) -> None: ...

    def delete(self, store_id: str) -> None: ...


class SecretVault(Protocol):
    def create_or_update(self, name: str, secrets: StoreSecrets) -> str:
        """Store the secrets under ``name``; return the secret's ARN."""
        ...

    def schedule_deletion(self, secret_arn: str, recovery_days: int = 7) -> None: ...


class PollScheduler(Protocol):
    def ensure(self, store_id: str, entities: Iterable[str], every_minutes: int) -> list[str]: ...

    def remove(self, store_id: str, entities: Iterable[str]) -> int: ...


@dataclass(frozen=True)
class NewStore:
    """What an operator gives to register a store; ``extra`` holds platform settings (Shopify location ids)."""

    store_id: str
    platform: str
    api_url: str
    secrets: StoreSecrets
    poll_interval_minutes: int = 15
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Registered:
    record: StoreRecord
    schedules: list[str]


def secret_name(prefix: str, store_id: str) -> str:
    """Secrets are named under the stack's prefix (STORE_SECRET_PREFIX) so its functions read exactly these."""
    return f"{prefix.rstrip('/')}/{store_id}"


class CredentialsRefused(Exception):
    """The platform API refused the store's credentials (or could not be reached) when asked once.
    ``status_code`` is the platform's answer, None when it could not be reached at all."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def check_credentials(new: NewStore, platforms: PlatformCatalog, now: datetime) -> str:
    """Ask the platform API for one page of the store's first polled entity, changed in the last five
    minutes, with the given credentials: a bad key fails here rather than at the first poll. Returns the
    entity asked for."""
    record = StoreRecord(new.store_id, new.platform, new.api_url.rstrip("/"), "unsaved", extra=dict(new.extra))
    entities = platforms.polled_entities(record)
    if not entities:
        raise CredentialsRefused(f"{new.platform} has nothing to read with the settings given")
    try:
        platforms.client(record, new.secrets).fetch(entities[0], now - timedelta(minutes=5), None, None)
    except ApiError as error:
        raise CredentialsRefused(str(error), error.status_code) from error
    return entities[0]


def register_store(
    new: NewStore,
    registry: StoreRegistry,
    vault: SecretVault,
    platforms: PlatformCatalog,
    schedules: PollScheduler | None,
    secret_prefix: str,
) -> Registered:
    """Keep the secrets, then the record, then create one poll schedule per polled entity."""
    arn = vault.create_or_update(secret_name(secret_prefix, new.store_id), new.secrets)
    record = StoreRecord(
        store_id=new.store_id,
        platform=new.platform,
        api_url=new.api_url.rstrip("/"),
        secret_arn=arn,
        poll_interval_minutes=new.poll_interval_minutes,
        extra=dict(new.extra),
    )
    registry.put(record)
    entities = platforms.polled_entities(record, live=True)
    created = schedules.ensure(record.store_id, entities, record.poll_interval_minutes) if schedules else []
    return Registered(record, created)


def remove_store(
    record: StoreRecord,
    registry: StoreRegistry,
    vault: SecretVault,
    platforms: PlatformCatalog,
    schedules: PollScheduler | None,
) -> int:
    """Delete the schedules, the record, and the secrets after a recovery window. Stored entities, runs and
    the raw archive stay: they are the store's history, kept by their own TTLs. Returns schedules removed."""
    removed = schedules.remove(record.store_id, platforms.polled_entities(record)) if schedules else 0
    registry.delete(record.store_id)
    vault.schedule_deletion(record.secret_arn)
    return removed
