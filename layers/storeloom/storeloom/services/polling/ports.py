"""Ports the sync service depends on: where pages come from and where messages go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.cursor import ApiPage, Cursor, Subscription
from storeloom.domain.stores import StoreRecord, StoreSecrets


class PlatformSource(Protocol):
    """A platform API client that lists resources changed since a moment, in (updated_at, id) order."""

    platform: str

    @property
    def requests(self) -> int:
        """HTTP requests made so far, retries included."""
        ...

    def topic_for(self, entity: str) -> str:
        """The webhook topic whose payload has the same shape as a listed item."""
        ...

    def fetch(self, entity: str, since: datetime, after: Cursor | None, token: str | None) -> ApiPage:
        """One page. ``token`` continues a listing; ``after`` is the caller's position in it."""
        ...

    def count(self, entity: str, since: datetime) -> int | None:
        """How many items changed since ``since``, when the platform can say cheaply."""
        ...


class MessageSink(Protocol):
    def send_many(self, bodies: Sequence[str]) -> int:
        """Enqueue every body durably or raise."""
        ...


class StoreLookup(Protocol):
    def get(self, store_id: str) -> StoreRecord | None: ...

    def all(self) -> list[StoreRecord]: ...


class SecretReader(Protocol):
    def read(self, secret_arn: str) -> StoreSecrets: ...


class CheckpointStore(Protocol):
    def get(self, store_id: str, key: str) -> Checkpoint | None:
        """The stored checkpoint, or None before the first run."""
        ...

    def save(self, checkpoint: Checkpoint) -> None:
        """Write the checkpoint durably (it is only ever written after its page is enqueued)."""
        ...

    def list(self, store_id: str) -> list[Checkpoint]:
        """Every checkpoint of one store."""
        ...


class SubscriptionApi(Protocol):
    platform: str

    def list_webhooks(self) -> list[Subscription]: ...

    def create_webhook(self, topic: str, address: str) -> Subscription: ...

    def reactivate_webhook(self, subscription: Subscription) -> Subscription: ...


class PlatformClient(PlatformSource, SubscriptionApi, Protocol):
    """One store's platform API client: what polling and subscription health call."""


class PlatformCatalog(Protocol):
    """What the services may know of the platforms, without importing any: each store's API client, the
    entities worth polling and the webhook topics Storeloom subscribes to."""

    def client(self, store: StoreRecord, secrets: StoreSecrets, share: float = 1.0) -> PlatformClient:
        """``share`` is the part of the store's rate budget this caller may use."""
        ...

    def polled_entities(self, store: StoreRecord, live: bool = False) -> tuple[str, ...]: ...

    def webhook_topics(self, platform: str) -> tuple[str, ...]: ...

    def backfill_source(self, store: StoreRecord, client: PlatformClient, entity: str) -> PlatformSource:
        """What a backfill of ``entity`` pages: the platform's bulk export where it has one, else ``client``."""
        ...
