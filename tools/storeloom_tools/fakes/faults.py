"""Fault injection for the fake platform APIs: scripted error answers to upcoming list requests."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class Faults:
    """``storm(429, 12)`` answers the next 12 requests with 429; ``at_request(3, 500)`` fails the third."""

    pending: deque[int] = field(default_factory=deque)
    scheduled: dict[int, int] = field(default_factory=dict)
    retry_after: float = 1.0
    seen: int = 0

    def storm(self, status: int, count: int) -> None:
        self.pending.extend([status] * count)

    def at_request(self, number: int, status: int) -> None:
        self.scheduled[number] = status

    def next_status(self) -> int | None:
        """The injected status for the request being served now, if any."""
        self.seen += 1
        if self.seen in self.scheduled:
            return self.scheduled.pop(self.seen)
        return self.pending.popleft() if self.pending else None
