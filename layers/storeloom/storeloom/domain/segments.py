"""Lifecycle segments (DESIGN.md, "Lifecycle segments"): who is in which, since when, and when that changes.

Membership depends on the person's qualifying orders, the store's thresholds, the store's current VIP
spend and the moment it is judged at. Time alone moves a person at moments known in advance (``new`` ends,
``at_risk`` and ``lapsed`` begin), so ``Membership.next_change_at`` says when to look again and no job scans
every customer. A boundary moment belongs to the later state: at ``last + at_risk_days`` exactly the person
is already ``at_risk``, so re-evaluating at a due moment always sees the change it was due for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storeloom.domain.person import PersonProfile
from storeloom.domain.types import format_utc

SegmentName = Literal["new", "repeat", "vip", "at_risk", "lapsed"]
SEGMENTS: tuple[SegmentName, ...] = get_args(SegmentName)
# The nearest-rank percentile that makes a VIP when the store sets no vip_spend.
VIP_PERCENTILE = 90
_TRANSITION_NAMESPACE = uuid.UUID("0b6f4f0e-2b51-4c59-9a43-5f7d3c2e1a77")
SPEND_KEY_DIGITS = 15


class SegmentThresholds(BaseModel):
    """A store's segment settings (``storeloom segments configure``)."""

    model_config = ConfigDict(frozen=True)
    new_days: int = Field(default=30, gt=0)
    at_risk_days: int = Field(default=90, gt=0)
    lapsed_days: int = Field(default=365, gt=0)
    vip_spend: Decimal | None = Field(default=None, ge=0, description="None: the 90th percentile of net spend")

    @model_validator(mode="after")
    def _ordered(self) -> SegmentThresholds:
        if self.at_risk_days >= self.lapsed_days:
            raise ValueError(f"at_risk_days ({self.at_risk_days}) must be less than lapsed_days ({self.lapsed_days})")
        if self.vip_spend is not None and not self.vip_spend.is_finite():
            raise ValueError("vip_spend must be a finite amount")
        return self


@dataclass(frozen=True)
class Membership:
    segments: dict[str, datetime] = field(default_factory=dict)
    next_change_at: datetime | None = None


@dataclass(frozen=True)
class Transition:
    """A person entered or left a segment: what ``segment.entered`` / ``segment.exited`` carries."""

    kind: Literal["entered", "exited"]
    segment: str
    since: datetime
    at: datetime

    def event_id(self, store_id: str, person_id: str) -> str:
        """The same transition always has the same id, so a re-published one is recognised downstream."""
        plain = f"{store_id}:{person_id}:{self.segment}:{self.kind}:{format_utc(self.since)}"
        return str(uuid.uuid5(_TRANSITION_NAMESPACE, plain))


def net_spend(profile: PersonProfile) -> Decimal:
    """The sum over qualifying orders of total less refunded (never below zero)."""
    total = sum((order.net for order in profile.qualifying_orders()), Decimal(0))
    return max(total, Decimal(0))


def spend_currency(profile: PersonProfile) -> str | None:
    orders = profile.qualifying_orders()
    return orders[-1].currency if orders else None


def membership(
    profile: PersonProfile, now: datetime, thresholds: SegmentThresholds, vip_threshold: Decimal | None
) -> Membership:
    """The segments ``profile`` is in at ``now``, since when, and the next moment time alone changes that.

    ``vip_threshold`` is the store's current VIP spend (configured, or the computed percentile); None means
    no VIP yet (a store with no qualifying orders). ``since`` is the moment a segment's rule became true where
    the orders say so; for ``vip`` it is kept from the previous state, or ``now`` on entry.
    """
    orders = profile.qualifying_orders()
    if not orders:
        return Membership()
    first, last = orders[0].placed_at, orders[-1].placed_at
    new_until = first + timedelta(days=thresholds.new_days)
    at_risk_from = last + timedelta(days=thresholds.at_risk_days)
    lapsed_from = last + timedelta(days=thresholds.lapsed_days)
    segments: dict[str, datetime] = {}
    if len(orders) == 1 and now < new_until:
        segments["new"] = first
    if len(orders) >= 2:
        segments["repeat"] = orders[1].placed_at
    if vip_threshold is not None and net_spend(profile) >= vip_threshold:
        segments["vip"] = profile.segments.get("vip", now)
    if at_risk_from <= now < lapsed_from:
        segments["at_risk"] = at_risk_from
    if now >= lapsed_from:
        segments["lapsed"] = lapsed_from
    boundaries = [at_risk_from, lapsed_from] + ([new_until] if len(orders) == 1 else [])
    upcoming = [moment for moment in boundaries if moment > now]
    return Membership(segments, min(upcoming) if upcoming else None)


def transitions(before: dict[str, datetime], after: dict[str, datetime], at: datetime) -> list[Transition]:
    """Segments left (with the since they had) and entered (with their new since), in SEGMENTS order.

    A segment kept with another since (a person re-entering ``at_risk`` after a new order moved their last
    order) is an exit and an entry.
    """
    exited = [Transition("exited", s, before[s], at) for s in SEGMENTS if s in before and after.get(s) != before[s]]
    entered = [Transition("entered", s, after[s], at) for s in SEGMENTS if s in after and before.get(s) != after[s]]
    return exited + entered


def vip_rank_from_top(with_orders: int) -> int | None:
    """Which item, counting from the highest spend (1 = the highest), is the nearest-rank 90th percentile.

    The nearest-rank p-th percentile of n ascending values is the value at rank ceil(p/100 * n) (1-based).
    From the top that is rank n - ceil(0.9 n) + 1, so the adapter reads that many items of a descending
    query and takes the last. None when no customer has a qualifying order.
    """
    if with_orders <= 0:
        return None
    ascending_rank = -(-VIP_PERCENTILE * with_orders // 100)  # ceil without floats
    return with_orders - ascending_rank + 1


def spend_cents(amount: Decimal) -> int:
    """Net spend in hundredths, rounded down: what the spend index sorts by."""
    return int((max(amount, Decimal(0)) * 100).to_integral_value(rounding=ROUND_DOWN))


def spend_key(amount: Decimal, person_id: str) -> str:
    """The by_spend sort key: cents zero-padded to 15 digits, then the person (ties stay distinct)."""
    cents = min(spend_cents(amount), 10**SPEND_KEY_DIGITS - 1)
    return f"{cents:0{SPEND_KEY_DIGITS}d}#{person_id}"


def spend_of_key(key: str) -> Decimal:
    """The amount a by_spend sort key records (in hundredths, so exact to the cent)."""
    return Decimal(int(key.split("#", 1)[0])) / 100
