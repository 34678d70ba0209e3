"""The compound cursor (updated_at, id) and the items and pages a platform source returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storeloom.domain.types import format_utc, parse_utc


def id_order(entity_id: str) -> tuple[int, str]:
    """Sort key for platform ids: numeric ids in numeric order ("9" < "10"), others after them."""
    return (len(entity_id), entity_id) if entity_id.isdigit() else (1 << 30, entity_id)


def format_time(moment: datetime) -> str:
    """Deprecated: ``format_utc(moment, timespec="microseconds")``, kept until adapters/ stops using it."""
    return format_utc(moment, timespec="microseconds")


# Deprecated alias, kept until adapters/ and the tooling stop importing it.
parse_time = parse_utc


@dataclass(frozen=True)
class Cursor:
    """Position in a (updated_at, id)-ordered change list. Ties on updated_at are broken by id
    (docs/platforms.md#polling-rules)."""

    updated_at: datetime
    id: str

    def key(self) -> tuple[datetime, tuple[int, str]]:
        return (self.updated_at, id_order(self.id))

    def __lt__(self, other: Cursor) -> bool:
        return self.key() < other.key()

    def __le__(self, other: Cursor) -> bool:
        return self.key() <= other.key()

    def to_text(self) -> str:
        # Microseconds always, so stored cursors keep one fixed-width text form.
        return f"{format_utc(self.updated_at, timespec='microseconds')}|{self.id}"

    @classmethod
    def from_text(cls, text: str) -> Cursor:
        moment, _, entity_id = text.partition("|")
        return cls(parse_utc(moment), entity_id)


@dataclass(frozen=True)
class PolledItem:
    """One platform resource: its cursor position and its raw JSON text (the ingest message body)."""

    position: Cursor
    body: str


@dataclass(frozen=True)
class ApiPage:
    items: list[PolledItem]
    next_token: str | None
    requests: int
    total: int | None = None
    # False when the listing is not in (updated_at, id) order (a resource the platform cannot sort so).
    ordered: bool = True
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Subscription:
    """One webhook subscription on a platform, as subscription health sees it."""

    id: str
    topic: str
    address: str
    active: bool = True
