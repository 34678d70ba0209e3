"""What each workflow earned, kept as it happens: holdout and variant assignment, the per-flow counters the KPI
report reads, and the attribution record that credits an order to at most one run. Pure.

Counters live in buckets, one per (flow, UTC day of the run's entry, flow version, variant, arm), so the
report reads a flow's buckets since a day with one query whatever the number of runs. Everything about a run
(its entry, its steps' outcomes, the orders credited to it) is counted in the bucket of its entry day, so
rates are per cohort of entries. Entry-level counts use the variant ``-`` (a run has a variant per step).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.types import UtcDatetime

Arm = Literal["treated", "control"]
NO_VARIANT = "-"
ATTRIBUTION_MODEL = "last_touch"
# DESIGN.md, Measurement: email 5 days; SMS and webhook channels 1 day (PLATFORMS.md, Engine defaults: Attribution).
WINDOWS = {"email": timedelta(days=5), "sms": timedelta(days=1), "webhook": timedelta(days=1)}

# Counter attribute names (numbers, added to): one per run unless said otherwise.
ENTRIES = "entries"
ELIGIBLE = "eligible"  # runs that passed the gate at least once (sent, or held out at that point)
SENT = "sent"  # messages, one per step sent
SENT_RUNS = "sent_runs"  # runs with at least one message
HELD_OUT_STEPS = "held_out_steps"  # steps a held-out run would have sent
VARIANT_RUNS = "runs"  # in a variant's bucket: runs that got that variant at some step
CONVERSIONS = "conversions"  # runs with at least one order credited
RECOVERED = "recovered"  # abandoned-cart runs that converted after at least one reminder
REVENUE = "revenue"  # net of refunds, in the store's currency (decimal)
ORDERS = "orders"  # orders credited
EXIT_PREFIX = "exit_"  # exit_<reason>: runs that ended for that reason
SKIP_PREFIX = "skip_"  # skip_<reason>: steps skipped (frequency_cap, stale, defer_limit)

# Exits that mean the run was kept from messaging the person (the KPI's "suppressed" with the step skips).
SUPPRESSION_EXITS = frozenset(
    {
        "unsubscribed",
        "no_consent",
        "suppressed",
        "excluded",
        "marketplace_buyer",
        "no_contact",
        "out_of_stock",
        "no_related_in_stock",
        "already_bought",
    }
)


def _bucket_of(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10000


def held_out(flow_id: str, store_id: str, person_key: str, percent: int) -> bool:
    """Stable: the same (flow, store, person) is in the control arm for every run, as long as ``percent``
    stays. ``person_key`` is the person id, or the hashed contact key where there is no person record."""
    return percent > 0 and _bucket_of(f"holdout:{flow_id}:{store_id}:{person_key}") < percent * 100


def variant_for_step(flow_id: str, step: int, person_key: str, weights: dict[str, int]) -> str:
    """Stable per (flow, step, person): hash mod 10000 against the cumulative weights (they sum to 100)."""
    point = _bucket_of(f"variant:{flow_id}:{step}:{person_key}")
    edge = 0
    for name, weight in weights.items():
        edge += weight * 100
        if point < edge:
            return name
    return next(reversed(weights))


def bucket_key(entered_at: datetime, version: int, variant: str, arm: Arm) -> str:
    """The sort key of a counters bucket: ``<YYYY-MM-DD>#v<version>#<variant>#<arm>``."""
    return f"{entered_at.strftime('%Y-%m-%d')}#v{version:04d}#{variant}#{arm}"


def counters_partition(store_id: str, flow_id: str) -> str:
    return f"{store_id}#kpi#{flow_id}"


def parse_bucket(sort_key: str) -> tuple[str, int, str, Arm]:
    day, version, variant, arm = sort_key.split("#")
    return day, int(version.removeprefix("v")), variant, "control" if arm == "control" else "treated"


class Touch(BaseModel):
    """What a run did to a person that an order may be credited to: a send, or a held-out run's entry."""

    model_config = ConfigDict(frozen=True)
    store_id: str
    flow_id: str
    run_id: str
    flow_version: int
    variant: str = NO_VARIANT
    arm: Arm = "treated"
    channel: str = "email"  # email | sms | webhook: picks the window
    touch_type: Literal["send", "entry"] = "send"
    at: UtcDatetime
    entered_at: UtcDatetime = Field(description="the run's entry: which counters bucket it belongs to")


class Attribution(BaseModel):
    """One order's credit: to one run, or to none, and why."""

    model_config = ConfigDict(frozen=True)
    store_id: str
    order_id: str
    placed_at: UtcDatetime
    credited: bool
    reason: str = Field(description="credited, or why not: no_touch, outside_window, not_qualifying")
    model: str = ATTRIBUTION_MODEL
    window_seconds: int | None = None
    touch: Touch | None = None
    net_revenue: Decimal = Decimal("0")
    currency: str | None = None
