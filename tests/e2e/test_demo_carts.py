"""The demo's abandoned-cart chapter end to end: webhooks in, Step Functions waits and re-checks, sends once."""

from __future__ import annotations

from pathlib import Path

import pytest

from storeloom_tools.demo.demo import DEMO_SECRETS, SHOPIFY_STORE, register_demo_stores
from storeloom_tools.demo.demo_carts import CartChapter
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"


def test_carts_recover_or_exit_with_a_reason_and_no_buyer_is_messaged(local_stack: LocalStack) -> None:
    register_demo_stores(local_stack)
    report = CartChapter(local_stack, PAYLOADS, SHOPIFY_STORE, DEMO_SECRETS[SHOPIFY_STORE]).run()
    by_email = {run["email"]: run for run in report["runs"]}
    assert {email: (run["reason"], run["sent"]) for email, run in by_email.items()} == {
        "lin@example.com": ("converted", 0),
        "sam@example.com": ("converted", 1),
        "ola@example.com": ("unsubscribed", 0),
        "kim@example.com": ("out_of_stock", 0),
        "max@example.com": ("completed", 3),
        "zoe@example.com": ("converted", 0),
    }
    assert by_email["zoe@example.com"]["orders_read_from"] == "live"
    assert by_email["sam@example.com"]["recovered"] is True
    assert report["recovered"] == 1
    assert len(report["messages"]) == 4
    assert report["messages_after_purchase"] == 0
