"""Urgent work first: a 10,000-order backfill at half the rate budget never delays live polling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from storeloom.domain.checkpoint import Checkpoint
from storeloom.domain.cursor import Cursor
from storeloom.services.polling.sync import SyncReport, SyncRequest
from storeloom_tools.fakes import FakeShopify
from tests.fakes.harness import Harness

TICK_SECONDS = 15.0  # live polls, compressed in virtual time (15 min in production)


@dataclass
class LiveTicks:
    harness: Harness
    due: float = TICK_SECONDS
    lateness: list[float] = field(default_factory=list)
    waited: float = 0.0
    retries: int = 0

    def __post_init__(self) -> None:
        self.live = self.harness.client(share=1.0)
        # The store is already being polled live: its cursor is current when the backfill starts.
        now = self.harness.clock.now()
        self.harness.checkpoints.save(Checkpoint("shop-1", "orders", cursor=Cursor(now, "0")))

    def maybe_tick(self, _: SyncReport) -> None:
        clock = self.harness.clock
        while clock.elapsed >= self.due:
            self.lateness.append(clock.elapsed - self.due)
            newest = max(self.harness.truth(), key=int)
            self.harness.api.data.touch("orders", newest, note=f"tick {len(self.lateness)}")
            waited_before = self.live.transport.limiter.waited_seconds
            self.harness.service.run(SyncRequest("shop-1", "orders"), self.live)
            self.waited += self.live.transport.limiter.waited_seconds - waited_before
            self.retries = self.live.transport.retries
            self.due += TICK_SECONDS


def run_backfill_with_live_ticks(share: float) -> tuple[Harness, LiveTicks]:
    harness = Harness("shopify", orders=10_000, customers=2_000, page_size=50, share=share)
    ticks = LiveTicks(harness)
    since = harness.clock.now() - timedelta(days=60)
    harness.service.run(SyncRequest("shop-1", "orders", "backfill", since), harness.source, on_page=ticks.maybe_tick)
    return harness, ticks


def test_live_polling_stays_on_schedule_while_a_10000_order_backfill_runs() -> None:
    harness, ticks = run_backfill_with_live_ticks(share=0.5)

    assert len(ticks.lateness) >= 5  # the backfill lasted several live intervals
    assert ticks.waited == 0.0 and ticks.retries == 0  # live never waited for the bucket, never got a 429
    assert max(ticks.lateness) <= 1.0  # each live poll started within one backfill request of its tick
    assert isinstance(harness.api, FakeShopify)
    assert harness.api.peak_bucket <= 20 + 2  # the backfill kept to half the bucket (+ a live poll's calls)
    replica = harness.replica()
    assert replica.latest == harness.truth()  # and the backfill itself missed nothing


def test_without_the_share_the_backfill_would_starve_live_polling() -> None:
    _, ticks = run_backfill_with_live_ticks(share=1.0)

    assert ticks.waited > 0.0 or ticks.retries > 0
