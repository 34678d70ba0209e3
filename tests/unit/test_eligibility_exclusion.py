"""The exclusion period is in seconds, as FlowConfig.exclusion_seconds is, wherever it is passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storeloom.domain.decisions import SendRecord
from storeloom.domain.eligibility import excluded
from storeloom.domain.flow_config import DAY, FlowConfig

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
FLOWS = ("abandoned_cart", "abandoned_checkout")


def sent(days_ago: float, flow_id: str = "abandoned_cart", run_id: str = "earlier-run") -> SendRecord:
    return SendRecord(at=NOW - timedelta(days=days_ago), medium="email", flow_id=flow_id, run_id=run_id, step=0)


@pytest.mark.parametrize(("days_ago", "expected"), [(13, True), (15, False)])
def test_a_fourteen_day_exclusion_in_seconds(days_ago: float, expected: bool) -> None:
    assert excluded([sent(days_ago)], "this-run", FLOWS, seconds=14 * DAY, now=NOW) is expected


def test_the_default_config_excludes_for_fourteen_days() -> None:
    seconds = FlowConfig(store_id="s1").exclusion_seconds
    assert excluded([sent(13.9)], "this-run", FLOWS, seconds=seconds, now=NOW)
    assert not excluded([sent(14.1)], "this-run", FLOWS, seconds=seconds, now=NOW)


def test_a_short_exclusion_is_seconds_not_days() -> None:
    # Read as days, 3600 would exclude for about ten years and this send would count.
    assert not excluded([sent(1)], "this-run", FLOWS, seconds=3600, now=NOW)
    assert excluded([sent(1 / 48)], "this-run", FLOWS, seconds=3600, now=NOW)


def test_the_same_run_and_other_flows_never_exclude() -> None:
    assert not excluded([sent(1, run_id="this-run")], "this-run", FLOWS, seconds=14 * DAY, now=NOW)
    assert not excluded([sent(1, flow_id="welcome")], "this-run", FLOWS, seconds=14 * DAY, now=NOW)
