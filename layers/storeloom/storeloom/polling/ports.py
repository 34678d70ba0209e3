"""Ports the sync service depends on: where pages come from and where messages go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storeloom.polling.cursor import ApiPage, Cursor


@dataclass(frozen=True)
class Subscription:
    """One webhook subscription on a platform, as subscription health sees it."""

    id: str
    topic: str
    address: str
    active: bool = True


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
