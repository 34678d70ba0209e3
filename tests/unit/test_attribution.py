"""Last-touch attribution (DESIGN.md, Measurement): windows per channel, last touch wins, a held-out run's
entry is a touch, refunds net out, a credited order keeps its run, non-qualifying orders credit nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from storeloom.domain.attribution import attribute, credit, still_creditable, touches_of
from storeloom.domain.measurement import CONVERSIONS, ORDERS, REVENUE, Touch, bucket_key, counters_partition
from storeloom.domain.person import ActiveRun, ContactRecord, OrderFacts, PersonProfile

STORE = "shop-1"
T0 = datetime(2025, 3, 1, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def facts(
    placed: datetime, *, total: str = "50.00", refunded: str = "0", status: str = "paid", **extra: object
) -> OrderFacts:
    return OrderFacts.model_validate(
        {
            "order_id": "o1",
            "placed_at": placed,
            "updated_at": extra.pop("updated_at", placed),
            "total": total,
            "refunded_total": refunded,
            "currency": "USD",
            "payment_status": status,
            **extra,
        }
    )


def send(at: datetime, run: str = "r1", medium: str = "email", **extra: object) -> ContactRecord:
    return ContactRecord.model_validate(
        {"at": at, "medium": medium, "flow_id": "abandoned_cart", "run_id": run, "step": 0} | extra
    )


def profile(sends: list[ContactRecord] = [], runs: list[ActiveRun] = []) -> PersonProfile:  # noqa: B006
    return PersonProfile(store_id=STORE, person_id="p1", sends=sends, runs={r.run_id: r for r in runs})


def held(run: str, entered: datetime, medium: str = "email") -> ActiveRun:
    return ActiveRun(
        flow_id="winback", run_id=run, entered_at=entered, until=entered + hours(72), held_out=True, medium=medium
    )


def credited_run(order: OrderFacts, record_profile: PersonProfile) -> str | None:
    record = attribute(order, touches_of(record_profile), None, store_id=STORE)
    return record.touch.run_id if record.credited and record.touch else None


@pytest.mark.parametrize(
    ("medium", "channel", "inside", "outside"),
    [
        ("email", None, hours(5 * 24), hours(5 * 24 + 1)),
        ("sms", None, hours(24), hours(25)),
        ("email", "webhook", hours(24), hours(25)),
    ],
)
def test_each_channel_has_its_window_counted_from_the_send(
    medium: str, channel: str | None, inside: timedelta, outside: timedelta
) -> None:
    person = profile([send(T0, medium=medium, channel=channel)])
    window = inside  # the edge itself is inside
    within = attribute(facts(T0 + inside), touches_of(person), None, store_id=STORE)
    assert (within.credited, within.reason, within.window_seconds) == (True, "credited", window.total_seconds())
    late = attribute(facts(T0 + outside), touches_of(person), None, store_id=STORE)
    assert (late.credited, late.reason) == (False, "outside_window")
    assert late.touch is not None and late.touch.run_id == "r1"


def test_the_last_touch_inside_its_window_wins() -> None:
    person = profile([send(T0, "r-old"), send(T0 + hours(48), "r-new"), send(T0 + hours(60), "r-sms", "sms")])
    # The SMS touch is the latest, but its day has passed; the newer email is inside its five days.
    assert credited_run(facts(T0 + hours(90)), person) == "r-new"
    assert credited_run(facts(T0 + hours(70)), person) == "r-sms"


def test_a_touch_after_the_order_is_no_touch() -> None:
    person = profile([send(T0 + hours(1))])
    record = attribute(facts(T0), touches_of(person), None, store_id=STORE)
    assert (record.credited, record.reason, record.touch) == (False, "no_touch", None)


def test_a_held_out_run_is_credited_from_its_entry_in_the_control_arm() -> None:
    person = profile(runs=[held("r-control", T0)])
    record = attribute(facts(T0 + hours(100)), touches_of(person), None, store_id=STORE)
    assert record.credited and record.touch is not None
    assert (record.touch.touch_type, record.touch.arm, record.touch.at) == ("entry", "control", T0)
    assert (record.model, record.window_seconds) == ("last_touch", 5 * 86400)
    assert not attribute(facts(T0 + hours(121)), touches_of(person), None, store_id=STORE).credited


def test_a_treated_run_that_has_ended_is_no_entry_touch_but_its_sends_still_count() -> None:
    ended = ActiveRun(flow_id="abandoned_cart", run_id="r1", entered_at=T0, until=T0 + hours(2))
    person = profile([send(T0 + hours(1))], [ended])
    assert [t.touch_type for t in touches_of(person)] == ["send"]
    assert credited_run(facts(T0 + hours(50)), person) == "r1"


def test_touches_carry_version_variant_and_entry_falling_back_to_the_run() -> None:
    run = ActiveRun(flow_id="abandoned_cart", run_id="r1", entered_at=T0, until=T0 + hours(9), flow_version=3)
    with_fields = send(T0 + hours(2), "r1", variant="B", flow_version=4, entered_at=T0 - hours(1))
    touch, fallback = touches_of(profile([with_fields, send(T0 + hours(3), "r1")], [run]))
    assert (touch.flow_version, touch.variant, touch.entered_at) == (4, "B", T0 - hours(1))
    assert (fallback.flow_version, fallback.variant, fallback.entered_at) == (3, "-", T0)


@pytest.mark.parametrize(("status", "cancelled"), [("pending", False), ("refunded", False), ("paid", True)])
def test_an_order_that_does_not_qualify_credits_nothing(status: str, cancelled: bool) -> None:
    person = profile([send(T0)])
    order = facts(T0 + hours(1), status=status, cancelled=cancelled)
    change = credit(order, touches_of(person), None, set(), store_id=STORE)
    assert change is not None and change.counters is None and change.converted_run is None
    record = change.record
    assert (record.credited, record.reason, record.net_revenue) == (False, "not_qualifying", Decimal("0"))


def test_first_credit_counts_the_order_the_conversion_and_the_revenue_in_the_runs_bucket() -> None:
    entered = T0 - hours(3)
    person = profile([send(T0, variant="A", flow_version=2, entered_at=entered)])
    change = credit(
        facts(T0 + hours(1), total="80.00", refunded="5.00"), touches_of(person), None, set(), store_id=STORE
    )
    assert change is not None and change.counters is not None
    assert change.counters.partition == counters_partition(STORE, "abandoned_cart")
    assert change.counters.bucket == bucket_key(entered, 2, "A", "treated")
    assert change.counters.adds == {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("75.00")}
    assert change.converted_run == "r1"
    assert change.record.net_revenue == Decimal("75.00")


def test_a_second_order_of_a_run_that_converted_adds_no_conversion() -> None:
    person = profile([send(T0)])
    change = credit(facts(T0 + hours(1)), touches_of(person), None, {"r1"}, store_id=STORE)
    assert change is not None and change.counters is not None
    assert change.counters.adds == {ORDERS: 1, REVENUE: Decimal("50.00")}
    assert change.converted_run is None


def test_a_refund_keeps_the_run_and_nets_out_of_revenue() -> None:
    person = profile([send(T0, "r1")])
    first = credit(facts(T0 + hours(1)), touches_of(person), None, set(), store_id=STORE)
    assert first is not None
    # By the refund a newer run has sent too: the order stays with the run it was credited to.
    later = profile([send(T0, "r1"), send(T0 + hours(30), "r2")])
    refund = facts(T0 + hours(1), refunded="20.00", status="partially_refunded", updated_at=T0 + hours(40))
    change = credit(refund, touches_of(later), first.record, {"r1"}, store_id=STORE)
    assert change is not None and change.counters is not None
    assert change.record.touch == first.record.touch
    assert change.counters.adds == {REVENUE: Decimal("-20.00")}
    assert change.record.net_revenue == Decimal("30.00")
    full = facts(T0 + hours(1), refunded="50.00", status="refunded", updated_at=T0 + hours(50))
    gone = credit(full, touches_of(later), change.record, {"r1"}, store_id=STORE)
    assert gone is not None and gone.counters is not None
    assert gone.record.credited and gone.record.net_revenue == Decimal("0")
    assert gone.counters.adds == {REVENUE: Decimal("-30.00")}


def test_a_cancelled_credited_order_keeps_its_run_and_earns_nothing() -> None:
    person = profile([send(T0)])
    first = credit(facts(T0 + hours(1)), touches_of(person), None, set(), store_id=STORE)
    assert first is not None
    cancelled = facts(T0 + hours(1), cancelled=True, updated_at=T0 + hours(5))
    change = credit(cancelled, touches_of(person), first.record, {"r1"}, store_id=STORE)
    assert change is not None and change.counters is not None
    assert change.record.touch == first.record.touch and change.counters.adds == {REVENUE: Decimal("-50.00")}


def test_the_same_version_again_changes_nothing() -> None:
    person = profile([send(T0)])
    first = credit(facts(T0 + hours(1)), touches_of(person), None, set(), store_id=STORE)
    assert first is not None
    assert credit(facts(T0 + hours(1)), touches_of(person), first.record, {"r1"}, store_id=STORE) is None


def test_an_order_that_becomes_paid_is_credited_then() -> None:
    person = profile([send(T0)])
    pending = credit(facts(T0 + hours(1), status="pending"), touches_of(person), None, set(), store_id=STORE)
    assert pending is not None and pending.record.reason == "not_qualifying" and pending.counters is None
    paid = credit(
        facts(T0 + hours(1), updated_at=T0 + hours(2)), touches_of(person), pending.record, set(), store_id=STORE
    )
    assert paid is not None and paid.counters is not None and paid.counters.adds[ORDERS] == 1


def test_an_unknown_channel_is_named() -> None:
    touch = Touch(store_id=STORE, flow_id="f", run_id="r", flow_version=1, channel="pigeon", at=T0, entered_at=T0)
    with pytest.raises(ValueError, match="'pigeon' has no attribution window"):
        attribute(facts(T0 + hours(1)), [touch], None, store_id=STORE)


def test_a_previous_record_of_another_order_is_refused() -> None:
    other = attribute(facts(T0), [], None, store_id=STORE).model_copy(update={"order_id": "o2"})
    with pytest.raises(ValueError, match="of order 'o2', not 'o1'"):
        attribute(facts(T0), [], other, store_id=STORE)


def test_credited_runs_keep_only_runs_the_record_still_touches() -> None:
    person = profile([send(T0, "r1")], [held("r2", T0)])
    assert still_creditable({"r1", "r2", "gone"}, person) == {"r1", "r2"}
