"""Generated store data in the platforms' own REST shapes, plus edits that bump the modified time."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Row = dict[str, Any]


@dataclass
class FakeStoreData:
    """Resources by entity and id. ``stamp(row, moment)`` writes the platform's modified-time field(s)."""

    stamp: Callable[[Row, datetime], None]
    clock: Callable[[], datetime]
    rows: dict[str, dict[str, Row]] = field(default_factory=dict)

    def put(self, entity: str, row: Row, moment: datetime | None = None) -> Row:
        self.stamp(row, moment or self.clock())
        self.rows.setdefault(entity, {})[str(row["id"])] = row
        return row

    def touch(self, entity: str, entity_id: str, moment: datetime | None = None, **changes: Any) -> Row:
        """Edit a resource the way the shop admin would: the modified time moves to now."""
        row = {**self.rows[entity][entity_id], **changes}
        return self.put(entity, row, moment)

    def all(self, entity: str) -> Iterator[Row]:
        return iter(self.rows.get(entity, {}).values())


def spread(count: int, end: datetime, span: timedelta, rng: random.Random) -> list[datetime]:
    """``count`` whole-second moments in ``(end - span, end]``, oldest first (ties allowed)."""
    seconds = max(1, int(span.total_seconds()))
    return sorted(end - timedelta(seconds=rng.randrange(seconds)) for _ in range(count))


def money(rng: random.Random, low: int = 5, high: int = 250) -> str:
    return f"{rng.randrange(low * 100, high * 100) / 100:.2f}"


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
