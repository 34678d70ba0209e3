"""Entry, schedule, run identity and versions: pure functions and the starter over in-memory adapters."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from storeloom.domain.flow_config import FlowConfig, parse_delays
from storeloom.domain.model import CommerceEvent
from storeloom.domain.run import execution_name, window_of
from storeloom.domain.schedule import next_step
from storeloom.services.flows.starter import FlowStarter
from tests.fakes.flows import MemoryDecisions, MemoryExecutions, MemoryFlowConfigs
from tests.unit.flows_builders import NOW, STORE, cart, config


def cart_event(**cart_overrides: Any) -> CommerceEvent:
    the_cart = cart(**cart_overrides)
    return CommerceEvent(
        event_id="e1",
        idempotency_key="k1",
        store_id=STORE,
        platform="shopify",
        entity_type="cart",
        entity_id=the_cart.id,
        action="updated",
        source="webhook",
        occurred_at=the_cart.updated_at,
        received_at=NOW,
        entity=the_cart,
    )


def starter(
    **config_overrides: Any,
) -> tuple[FlowStarter, MemoryExecutions, MemoryDecisions, MemoryFlowConfigs]:
    configs, executions, decisions = MemoryFlowConfigs(), MemoryExecutions(), MemoryDecisions()
    configs.save(FlowConfig(store_id=STORE, **config_overrides))
    return FlowStarter(configs, executions, decisions, clock=lambda: NOW), executions, decisions, configs


def test_parse_delays_accepts_seconds_to_days() -> None:
    assert parse_delays("2s,1m,1h,3d") == [2, 60, 3600, 3 * 86400]
    with pytest.raises(ValueError, match="duration"):
        parse_delays("1w")


def test_delays_must_ascend() -> None:
    with pytest.raises(ValueError, match="ascending"):
        FlowConfig(store_id=STORE, delays_seconds=[60, 10])


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"provider": "ses", "medium": "sms"}, "email only"), ({"provider": "webhook"}, "webhook_url")],
)
def test_channel_must_fit_the_medium_and_have_a_target(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FlowConfig(store_id=STORE, **changes)


def test_schedule_counts_from_last_activity_and_skips_stale_steps() -> None:
    cfg = config()  # 1 h, 24 h, 72 h; staleness 6 h
    assert next_step(cfg, NOW, 0, NOW).wait_seconds == 3600
    late = next_step(cfg, NOW - timedelta(hours=30), 0, NOW)
    assert (late.step, late.stale) == (1, [0])  # step 1 is 6 h overdue: within the limit, runs now
    assert late.wait_seconds == 0
    assert next_step(cfg, NOW - timedelta(days=30), 0, NOW).step is None


def test_window_counts_from_cart_creation() -> None:
    created = NOW - timedelta(days=8)
    assert window_of(NOW - timedelta(days=2), created, 7 * 86400) == 0
    assert window_of(NOW, created, 7 * 86400) == 1


def test_execution_name_is_deterministic_and_valid() -> None:
    assert execution_name("abandoned_cart", "shop-1", "c1", 0) == "abandoned_cart-shop-1-c1-w0"
    odd = execution_name("abandoned_cart", "shop.example.com", "gid://shopify/Checkout/" + "9" * 60, 2)
    assert odd == execution_name("abandoned_cart", "shop.example.com", "gid://shopify/Checkout/" + "9" * 60, 2)
    assert len(odd) <= 80 and all(c.isalnum() or c in "-_" for c in odd)


def test_cart_with_contact_starts_one_run_pinned_to_the_flow_version() -> None:
    flow_starter, executions, decisions, configs = starter()
    outcome = flow_starter.handle(cart_event())
    assert outcome.status == "started"
    payload = json.loads(executions.started[outcome.run_id or ""])
    assert (payload["config"]["version"], payload["step"], payload["wait_seconds"]) == (1, 0, 0)
    configs.save(FlowConfig(store_id=STORE, delays_seconds=[60]))
    assert json.loads(executions.started[outcome.run_id or ""])["config"]["delays_seconds"] == [
        3600,
        86400,
        259200,
    ]
    assert [(d.step, d.kind) for d in decisions.list(STORE)] == [(-1, "entered")]


def test_duplicate_trigger_is_recognised_by_the_execution_name() -> None:
    flow_starter, executions, _, _ = starter()
    assert flow_starter.handle(cart_event()).status == "started"
    again = flow_starter.handle(cart_event(updated_at=NOW - timedelta(minutes=50)))
    assert again.status == "duplicate" and len(executions.started) == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"email": None, "customer_id": None}, "no_contact"),
        ({"order_id": "o-1"}, "has_order"),
    ],
)
def test_carts_that_cannot_enter(overrides: dict[str, Any], reason: str) -> None:
    flow_starter, executions, _, _ = starter()
    outcome = flow_starter.handle(cart_event(**overrides))
    assert (outcome.status, outcome.reason) == ("ignored", reason) and not executions.started


def test_disabled_flow_starts_nothing() -> None:
    flow_starter, executions, _, _ = starter(enabled=False)
    assert flow_starter.handle(cart_event()).reason == "flow_disabled" and not executions.started


def test_checkout_first_seen_30_hours_late_enters_mid_schedule() -> None:
    flow_starter, executions, decisions, _ = starter()
    outcome = flow_starter.handle(
        cart_event(updated_at=NOW - timedelta(hours=31), created_at=NOW - timedelta(hours=32))
    )
    payload = json.loads(executions.started[outcome.run_id or ""])
    assert (payload["step"], payload["wait_seconds"]) == (2, 41 * 3600)
    assert [(d.step, d.kind, d.reason) for d in decisions.list(STORE)] == [
        (-1, "entered", None),
        (0, "suppressed", "stale"),
        (1, "suppressed", "stale"),
    ]


def test_every_step_stale_records_the_exit_and_starts_nothing() -> None:
    flow_starter, executions, decisions, _ = starter()
    outcome = flow_starter.handle(cart_event(updated_at=NOW - timedelta(days=9), created_at=NOW - timedelta(days=9)))
    assert outcome.status == "stale" and not executions.started
    assert decisions.list(STORE)[-1].reason == "stale"
