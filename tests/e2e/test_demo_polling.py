"""The demo's polling chapter: a refund whose webhook was lost is recovered by the store's scheduled poll."""

from __future__ import annotations

from pathlib import Path

import pytest

from storeloom_tools.demo.demo_polling import STORE_ID, PollingChapter
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"


def test_scheduled_poll_recovers_the_refund_and_the_schedules_are_removed_after(local_stack: LocalStack) -> None:
    report = PollingChapter(local_stack, PAYLOADS).run()
    assert report["polls_fired"] == 1
    assert report["before"]["payment_status"] == "pending"
    assert report["after"]["payment_status"] == "refunded"
    assert report["after"]["updated_at"] > report["before"]["updated_at"]
    assert f"poll-{STORE_ID}-orders" in report["schedules"]
    assert local_stack.ticker.fire_all(lambda name: name.startswith(f"poll-{STORE_ID}-")) == 0
