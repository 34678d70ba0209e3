"""Segment membership, its next change, transitions and the nearest-rank VIP percentile (pure)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from storeloom.domain.person import OrderFacts, PersonProfile
from storeloom.domain.segments import (
    SegmentThresholds,
    membership,
    net_spend,
    spend_key,
    spend_of_key,
    transitions,
    vip_rank_from_top,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULTS = SegmentThresholds()


def person(*orders: tuple[int, str], status: str = "paid", refunded: str = "0") -> PersonProfile:
    facts = {
        f"o{n}": OrderFacts(
            order_id=f"o{n}",
            placed_at=T0 + timedelta(days=day),
            updated_at=T0,
            total=Decimal(total),
            refunded_total=Decimal(refunded),
            currency="USD",
            payment_status=status,
        )
        for n, (day, total) in enumerate(orders)
    }
    return PersonProfile(store_id="s", person_id="p", orders=facts)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def test_one_order_is_new_until_new_days_then_nothing_until_at_risk() -> None:
    one = person((0, "10"))
    assert membership(one, T0 + days(1), DEFAULTS, None).segments == {"new": T0}
    assert membership(one, T0 + days(1), DEFAULTS, None).next_change_at == T0 + days(30)
    assert membership(one, T0 + days(30), DEFAULTS, None).segments == {}
    assert membership(one, T0 + days(30), DEFAULTS, None).next_change_at == T0 + days(90)


def test_at_risk_from_day_90_until_lapsed_at_day_365() -> None:
    two = person((0, "10"), (1, "10"))
    at_risk = membership(two, T0 + days(91), DEFAULTS, None)
    assert at_risk.segments == {"repeat": T0 + days(1), "at_risk": T0 + days(91)}
    assert at_risk.next_change_at == T0 + days(366)
    lapsed = membership(two, T0 + days(400), DEFAULTS, None)
    assert lapsed.segments == {"repeat": T0 + days(1), "lapsed": T0 + days(366)} and lapsed.next_change_at is None


def test_vip_at_or_above_the_threshold_keeps_its_since() -> None:
    spender = person((0, "60"), (1, "40"))
    assert "vip" in membership(spender, T0 + days(2), DEFAULTS, Decimal("100")).segments
    assert "vip" not in membership(spender, T0 + days(2), DEFAULTS, Decimal("100.01")).segments
    assert "vip" not in membership(spender, T0 + days(2), DEFAULTS, None).segments
    kept = spender.model_copy(update={"segments": {"vip": T0}})
    assert membership(kept, T0 + days(9), DEFAULTS, Decimal("1")).segments["vip"] == T0


def test_only_qualifying_orders_count_and_refunds_net_out() -> None:
    assert membership(person((0, "10"), status="pending"), T0, DEFAULTS, None).segments == {}
    assert net_spend(person((0, "100"), status="partially_refunded", refunded="30")) == Decimal("70")
    cancelled = person((0, "10")).model_copy(
        update={"orders": {"o0": person((0, "10")).orders["o0"].model_copy(update={"cancelled": True})}}
    )
    assert membership(cancelled, T0, DEFAULTS, None).segments == {}


def test_transitions_exit_then_enter_in_segment_order() -> None:
    moved = transitions({"new": T0}, {"repeat": T0 + days(1), "vip": T0 + days(1)}, T0 + days(1))
    assert [(t.kind, t.segment) for t in moved] == [("exited", "new"), ("entered", "repeat"), ("entered", "vip")]
    assert moved[1].event_id("s", "p") == transitions({}, {"repeat": T0 + days(1)}, T0)[0].event_id("s", "p")
    assert transitions({"new": T0}, {"new": T0}, T0) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"new_days": 0}, "greater than 0"),
        ({"at_risk_days": 400}, "at_risk_days \\(400\\) must be less than lapsed_days \\(365\\)"),
        ({"vip_spend": Decimal("-1")}, "greater than or equal to 0"),
    ],
)
def test_thresholds_refuse_nonsense(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SegmentThresholds.model_validate(values)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=200))
def test_the_rank_from_the_top_reads_the_nearest_rank_90th_percentile(cents: list[int]) -> None:
    ascending = sorted(cents)
    expected = ascending[math.ceil(0.9 * len(ascending)) - 1]
    rank = vip_rank_from_top(len(cents))
    assert rank is not None
    assert sorted(cents, reverse=True)[rank - 1] == expected


def test_no_customer_with_an_order_has_no_percentile() -> None:
    assert vip_rank_from_top(0) is None


@given(st.decimals(min_value=0, max_value=10**9, places=2), st.decimals(min_value=0, max_value=10**9, places=2))
def test_spend_keys_sort_as_the_amounts_do_and_read_back(a: Decimal, b: Decimal) -> None:
    assert spend_of_key(spend_key(a, "p")) == a
    if a < b:
        assert spend_key(a, "p") < spend_key(b, "a")


@given(st.lists(st.tuples(st.integers(0, 800), st.integers(1, 500)), min_size=1, max_size=6), st.integers(0, 1500))
def test_nothing_changes_before_next_change_at(orders: list[tuple[int, int]], at_day: int) -> None:
    profile = person(*((day, str(total)) for day, total in orders))
    now = T0 + days(at_day)
    judged = membership(profile, now, DEFAULTS, Decimal("300"))
    if judged.next_change_at is not None:
        assert judged.next_change_at > now
        just_before = judged.next_change_at - timedelta(microseconds=1)
        assert set(membership(profile, just_before, DEFAULTS, Decimal("300")).segments) == set(judged.segments)
        assert set(membership(profile, judged.next_change_at, DEFAULTS, Decimal("300")).segments) != set(
            judged.segments
        )
