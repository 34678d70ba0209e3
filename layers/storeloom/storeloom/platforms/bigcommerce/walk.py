"""Walking a BigCommerce listing by modified time without losing or repeating items at page boundaries.

BigCommerce pages by number (``page``, ``limit``) over a list filtered by a minimum modified time and sorted
by it, to the second. Page numbers shift when a listed item is edited during the walk (it moves to the end and
everything after it moves up one place), so each request is anchored afresh on the last second the previous
page reached, page 1, and the ids already delivered within that second are dropped here: equal timestamps
across a boundary are neither lost nor read twice (docs/platforms.md#polling-rules). Only while a whole page
stays inside one second (a tie storm) does the page number advance instead.

The docs do not say whether the minimum is inclusive, so the query asks from one second before the anchor and
what lies before the anchor is dropped here. Within one second the walk relies on the platform listing the
same items in the same order on every request, as a sort with the primary key as its tie-breaker does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from storeloom.domain.cursor import Cursor


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Walk:
    """``anchor``: the whole second the query is anchored on; ``page``: the page of that query; ``seen``: the
    ids already delivered within the anchor's second."""

    anchor: datetime
    page: int = 1
    seen: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def start(cls, since: datetime, after: Cursor | None = None) -> Walk:
        """A listing's first request: from ``after`` (a resumed run's position), else from ``since``."""
        if after is None:
            return cls(_second(since))
        return cls(_second(after.updated_at), seen=frozenset({after.id}))

    @classmethod
    def from_token(cls, token: str) -> Walk:
        stamp, page, ids = token.split("|", 2)
        seen = frozenset(entity_id for entity_id in ids.split(",") if entity_id)
        return cls(datetime.fromtimestamp(int(stamp), UTC), int(page), seen)

    def token(self) -> str:
        return f"{int(self.anchor.timestamp())}|{self.page}|{','.join(sorted(self.seen))}"

    def query_from(self) -> datetime:
        return self.anchor - timedelta(seconds=1)

    def unseen(self, position: Cursor) -> bool:
        moment = _second(position.updated_at)
        return moment > self.anchor or (moment == self.anchor and position.id not in self.seen)

    def after(self, positions: Sequence[Cursor]) -> Walk:
        """Where the next request goes, once a full page of ``positions`` came back."""
        last = _second(positions[-1].updated_at)
        within = frozenset(p.id for p in positions if _second(p.updated_at) == max(last, self.anchor))
        if last > self.anchor:
            return Walk(last, 1, within)
        return Walk(self.anchor, self.page + 1, self.seen | within)
