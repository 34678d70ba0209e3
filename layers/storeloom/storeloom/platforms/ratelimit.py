"""A per-store leaky bucket, seeded and corrected by the platform's own response headers.

Shopify REST: bucket 40, leak 2 requests/s on Standard plans, reported as
``X-Shopify-Shop-Api-Call-Limit: 32/40`` (docs/platforms.md#shopify). The header is shop-wide, so every caller that
reads it (live poller, backfill worker, workflow re-checks) sees the others' usage. A caller with a
``share`` below 1 holds off once the bucket is that full, which leaves the rest to urgent work.
WooCommerce sends no such header: its bucket is configured (low by default: docs/platforms.md#rate-limit-defaults).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    capacity: float = 40.0
    leak_per_second: float = 2.0
    share: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    level: float = 0.0
    waited_seconds: float = 0.0
    _at: float | None = field(default=None, repr=False)

    def acquire(self) -> None:
        """Wait until one more request fits in this caller's share of the bucket, then count it."""
        level = self._current()
        allowed = max(1.0, self.capacity * self.share) - 1.0
        if level > allowed:
            delay = (level - allowed) / self.leak_per_second
            self.sleep(delay)
            self.waited_seconds += delay
            level = self._current()
        self._set(level + 1.0)

    def observe(self, used: float, capacity: float | None = None) -> None:
        """The platform's count of requests in the bucket (authoritative over our own estimate)."""
        if capacity:
            self.capacity = capacity
        self._set(used)

    def throttled(self, retry_after: float | None) -> None:
        """A 429: the bucket is full, whatever we believed."""
        self._set(self.capacity)

    def _current(self) -> float:
        if self._at is None:
            return self.level
        elapsed = max(0.0, self.monotonic() - self._at)
        return max(0.0, self.level - elapsed * self.leak_per_second)

    def _set(self, level: float) -> None:
        self.level = level
        self._at = self.monotonic()
