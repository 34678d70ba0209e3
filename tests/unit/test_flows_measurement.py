"""Holdouts, per-step variants and the counters a step adds, over in-memory adapters."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from storeloom.domain import measurement as measure
from storeloom.domain.flow_config import FlowConfig, parse_variants
from storeloom.domain.run import RunState
from storeloom.services.flows.starter import FlowStarter
from tests.fakes.flows import MemoryCounters, MemoryDecisions, MemoryExecutions, MemoryFlowConfigs
from tests.unit.flows_builders import NOW, STORE, config, order, state, world
from tests.unit.test_flows_entry import cart_event


def test_holdout_is_stable_per_person_and_near_its_share() -> None:
    people = [f"person-{n}" for n in range(4000)]
    held = [p for p in people if measure.held_out("winback", STORE, p, 10)]
    assert 0.08 < len(held) / len(people) < 0.12
    assert held == [p for p in people if measure.held_out("winback", STORE, p, 10)]
    assert not any(measure.held_out("winback", STORE, p, 0) for p in people)
    # Another flow holds out other people.
    assert set(held) != {p for p in people if measure.held_out("post_purchase", STORE, p, 10)}


def test_variants_are_stable_per_flow_step_and_person_and_follow_the_weights() -> None:
    weights = {"A": 20, "B": 80}
    picks = Counter(measure.variant_for_step("abandoned_cart", 0, f"p{n}", weights) for n in range(5000))
    assert 0.17 < picks["A"] / 5000 < 0.23
    assert measure.variant_for_step("abandoned_cart", 1, "p1", weights) == measure.variant_for_step(
        "abandoned_cart", 1, "p1", weights
    )
    steps = {measure.variant_for_step("abandoned_cart", step, "p7", {"A": 50, "B": 50}) for step in range(12)}
    assert steps == {"A", "B"}  # per step, not per flow


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"variants": {"A": 50, "B": 40}}, "add up to 100"), ({"holdout_percent": 60}, "less than or equal to 50")],
)
def test_weights_that_miss_100_and_holdouts_past_half_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FlowConfig(store_id=STORE, **changes)


def test_variants_parse_and_old_name_lists_split_evenly() -> None:
    assert parse_variants("A:50, B:50") == {"A": 50, "B": 50}
    with pytest.raises(ValueError, match="NAME:PERCENT"):
        parse_variants("A-50")
    assert FlowConfig.model_validate({"store_id": STORE, "variants": ["A", "B", "C"]}).variants == {
        "A": 34,
        "B": 33,
        "C": 33,
    }


def test_a_held_out_run_records_held_out_and_sends_nothing_but_counts_like_the_treated() -> None:
    w = world()
    control = state(held_out=True, person_key="person-1")
    after = w.runner().run(control)
    assert [(d.kind, d.variant) for d in w.decisions.list(STORE)] == [("held_out", "A")]
    assert w.channel.delivered == [] and after.step == 1 and after.eligible
    assert w.counters.total(measure.HELD_OUT_STEPS, "control") == 1
    assert w.counters.total(measure.ELIGIBLE, "control") == 1 and w.counters.total(measure.SENT) == 0


def test_a_treated_step_counts_its_send_eligibility_and_variant_once() -> None:
    w = world()
    cfg = config(variants={"A": 50, "B": 50})
    after = w.runner().run(state(cfg, person_key="person-1"))
    sent = w.decisions.list(STORE)[0]
    assert sent.kind == "sent" and sent.variant == measure.variant_for_step(
        "abandoned_cart", 0, "person-1", cfg.variants
    )
    assert w.channel.delivered[0].variant == sent.variant
    assert w.counters.total(measure.SENT, "treated") == 1 and w.counters.total(measure.SENT_RUNS) == 1
    assert w.counters.total(measure.ELIGIBLE) == 1 and w.counters.total(measure.VARIANT_RUNS) == 1
    # The next step of the same run is not a new eligible run.
    w.now = NOW + timedelta(hours=23)
    w.runner().run(after)
    assert w.counters.total(measure.ELIGIBLE) == 1 and w.counters.total(measure.SENT) == 2


def test_a_conversion_after_a_reminder_counts_as_recovered_only_in_the_treated_arm() -> None:
    for held, recovered in ((False, 1), (True, 0)):
        w = world()
        w.commerce.orders.append(order())
        w.runner().run(state(sent=1, step=1, held_out=held, person_key="p"))
        assert w.counters.total(measure.EXIT_PREFIX + "converted") == 1
        assert w.counters.total(measure.RECOVERED) == recovered


def test_entry_assigns_the_arm_once_and_counts_the_entry_in_its_arm() -> None:
    configs, executions, decisions, counters = (
        MemoryFlowConfigs(),
        MemoryExecutions(),
        MemoryDecisions(),
        MemoryCounters(),
    )
    configs.save(FlowConfig(store_id=STORE, holdout_percent=50))
    starter = FlowStarter(configs, executions, decisions, clock=lambda: NOW, counters=counters)
    arms = []
    for n in range(40):
        event = cart_event(id=f"cart-{n}", email=f"shopper{n}@example.com", customer_id=None)
        outcome = starter.handle(event)
        again = starter.handle(event)
        assert (outcome.status, again.status) == ("started", "duplicate")
        run = RunState.model_validate_json(executions.started[outcome.run_id or ""])
        arms.append(run.held_out)
        assert run.person_key and run.person_key.startswith("email#")
    assert 0 < sum(arms) < 40
    assert counters.total(measure.ENTRIES) == 40  # a repeat is not a second entry
    assert counters.total(measure.ENTRIES, "control") == sum(arms)
