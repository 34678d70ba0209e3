"""The compound cursor (updated_at, id) and the items and pages a platform source returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def id_order(entity_id: str) -> tuple[int, str]:
    """Sort key for platform ids: numeric ids in numeric order ("9" < "10"), others after them."""
    return (len(entity_id), entity_id) if entity_id.isdigit() else (1 << 30, entity_id)


def parse_time(value: str) -> datetime:
    """A platform timestamp as aware UTC; a naive one (WooCommerce ``*_gmt``) is read as UTC."""
    text = value.strip()
    parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Cursor:
    """Position in a (updated_at, id)-ordered change list. Ties on updated_at are broken by id (C8 rule 4)."""

    updated_at: datetime
    id: str

    def key(self) -> tuple[datetime, tuple[int, str]]:
        return (self.updated_at, id_order(self.id))

    def __lt__(self, other: Cursor) -> bool:
        return self.key() < other.key()

    def __le__(self, other: Cursor) -> bool:
        return self.key() <= other.key()

    def to_text(self) -> str:
        return f"{format_time(self.updated_at)}|{self.id}"

    @classmethod
    def from_text(cls, text: str) -> Cursor:
        moment, _, entity_id = text.partition("|")
        return cls(parse_time(moment), entity_id)


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
