"""Attribution through the real segment refresher on moto: the order's record and its run's counters are
written in the refresher's own transaction, read back as ``storeloom attribution`` and the KPI report read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from storeloom.adapters.attribution import DynamoAttributions
from storeloom.adapters.dynamo_items import to_item
from storeloom.adapters.people import DynamoPeople, EventBridgeSegmentPublisher, profile_key
from storeloom.domain.event import CommerceEvent
from storeloom.domain.identity import IdentityKey
from storeloom.domain.measurement import CONVERSIONS, ORDERS, REVENUE, bucket_key
from storeloom.domain.types import format_utc
from storeloom.services.segments import SegmentRefresher
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import AwsStack
from tests.support.people import T0, customer, days, order

STORE = "shop-1"
FLOW = "abandoned_cart"
EMAIL = IdentityKey("email", "ada@example.com")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    def publish(self, entries: Sequence[dict[str, Any]]) -> list[str]:
        return []


@pytest.fixture
def people(aws_stack: AwsStack) -> DynamoPeople:
    client = aws_stack.client("dynamodb")
    return DynamoPeople(aws_stack.env("PEOPLE_TABLE"), client, aws_stack.env("FLOW_RUNS_TABLE"))


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + days(1))


@pytest.fixture
def refresher(people: DynamoPeople, clock: Clock) -> SegmentRefresher:
    return SegmentRefresher(people, Recorder(), clock)


@pytest.fixture
def records(aws_stack: AwsStack) -> DynamoAttributions:
    return DynamoAttributions(aws_stack.env("FLOW_RUNS_TABLE"), aws_stack.client("dynamodb"))


@pytest.fixture
def ada(refresher: SegmentRefresher, people: DynamoPeople) -> str:
    outcome = refresher.handle(customer(STORE, "c1", T0))
    assert outcome.person_id is not None
    return outcome.person_id


def sent(aws: AwsStack, person_id: str, at: datetime, run: str, **fields: Any) -> None:
    """What a flow step records when it sends (adapters/flow_session.py: one list_append on the record)."""
    value = {"at": format_utc(at), "medium": "email", "flow_id": FLOW, "run_id": run, "step": 0} | fields
    aws.client("dynamodb").update_item(
        TableName=aws.env("PEOPLE_TABLE"),
        Key=profile_key(STORE, person_id),
        UpdateExpression="SET sends = list_append(sends, :s)",
        ExpressionAttributeValues=to_item({":s": [value]}),
    )


def entered(aws: AwsStack, person_id: str, run: str, at: datetime, **fields: Any) -> None:
    """What the flow starter records at entry (the run on the record, ``held_out`` for the control arm)."""
    value = {"flow_id": "winback", "run_id": run, "entered_at": format_utc(at), "medium": "email"}
    value |= {"until": format_utc(at + days(30)), **fields}
    aws.client("dynamodb").update_item(
        TableName=aws.env("PEOPLE_TABLE"),
        Key=profile_key(STORE, person_id),
        UpdateExpression="SET runs.#r = :run",
        ExpressionAttributeNames={"#r": run},
        ExpressionAttributeValues=to_item({":run": value}),
    )


def counters(records: DynamoAttributions, flow: str = FLOW) -> dict[str, dict[str, Any]]:
    return records.counters(STORE, flow)


def again(event: CommerceEvent, event_id: str) -> CommerceEvent:
    """The same order version delivered by the other path (poll after webhook), under another event id."""
    return event.model_copy(update={"event_id": event_id, "source": "poll"})


def test_an_order_after_a_send_is_credited_to_its_run_in_the_same_transaction(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str
) -> None:
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1", flow_version=2, variant="A", entered_at=format_utc(T0))
    assert refresher.handle(order(STORE, "o1", T0 + days(2), total="80.00")).status == "applied"
    record = records.get(STORE, "o1")
    assert record is not None and record.credited and record.touch is not None
    assert (record.touch.run_id, record.touch.touch_type, record.touch.arm) == ("r1", "send", "treated")
    assert (record.touch.flow_version, record.touch.variant) == (2, "A")
    assert (record.model, record.window_seconds, record.net_revenue) == ("last_touch", 5 * 86400, Decimal("80.00"))
    bucket = bucket_key(T0, 2, "A", "treated")
    assert counters(records) == {bucket: {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("80.00")}}


def test_an_order_arriving_twice_is_credited_once(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str
) -> None:
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    webhook = order(STORE, "o1", T0 + days(1))
    assert refresher.handle(webhook).status == "applied"
    assert refresher.handle(webhook).status == "duplicate"
    assert refresher.handle(again(webhook, "poll-of-o1")).status == "applied"
    (values,) = counters(records).values()
    assert values == {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("50.00")}


def test_a_refund_after_the_send_nets_out_of_revenue_and_keeps_the_run(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str, clock: Clock
) -> None:
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    refresher.handle(order(STORE, "o1", T0 + days(1), total="50.00"))
    # A newer run sends before the refund arrives: the refund still nets out of the run credited first.
    sent(aws_stack, ada, T0 + days(3), "r2")
    clock.now = T0 + days(4)
    refund = order(
        STORE,
        "o1",
        T0 + days(1),
        total="50.00",
        refunded="20.00",
        status="partially_refunded",
        updated_at=T0 + days(4),
    )
    assert refresher.handle(refund).status == "applied"
    record = records.get(STORE, "o1")
    assert record is not None and record.touch is not None
    assert (record.touch.run_id, record.net_revenue) == ("r1", Decimal("30.00"))
    (values,) = counters(records).values()
    assert values == {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("30.00")}


def test_a_second_order_of_a_converted_run_adds_an_order_not_a_conversion(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, people: DynamoPeople, ada: str
) -> None:
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    refresher.handle(order(STORE, "o1", T0 + days(1), total="10.00"))
    refresher.handle(order(STORE, "o2", T0 + days(2), total="15.50"))
    (values,) = counters(records).values()
    assert values == {ORDERS: 2, CONVERSIONS: 1, REVENUE: Decimal("25.50")}
    stored = people.person_for(STORE, EMAIL)
    assert stored is not None and stored.credited_runs == {"r1"}


def test_an_order_after_the_run_completed_is_still_credited_inside_the_window(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str
) -> None:
    entered(aws_stack, ada, "r1", T0, until=format_utc(T0 + timedelta(hours=2)))
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    refresher.handle(order(STORE, "o1", T0 + days(4)))
    record = records.get(STORE, "o1")
    assert record is not None and record.credited and record.touch is not None and record.touch.run_id == "r1"


def test_a_held_out_run_is_credited_from_its_entry_in_the_control_bucket(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str
) -> None:
    entered(aws_stack, ada, "w1", T0, held_out=True, flow_version=1)
    refresher.handle(order(STORE, "o1", T0 + days(3), total="40.00"))
    assert counters(records, "winback") == {
        bucket_key(T0, 1, "-", "control"): {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("40.00")}
    }


def test_uncredited_orders_get_a_record_saying_why(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, ada: str
) -> None:
    refresher.handle(order(STORE, "o-none", T0 + days(1)))
    sent(aws_stack, ada, T0 + days(2), "r1")
    refresher.handle(order(STORE, "o-late", T0 + days(8)))
    refresher.handle(order(STORE, "o-pending", T0 + days(2), status="pending"))
    reasons = {r.order_id: r.reason for r in records.list(STORE)}
    assert reasons == {"o-none": "no_touch", "o-late": "outside_window", "o-pending": "not_qualifying"}
    assert counters(records) == {}


def test_each_order_costs_one_batch_read_and_one_transaction_with_attribution(
    aws_stack: AwsStack, clock: Clock, records: DynamoAttributions, ada: str
) -> None:
    # The real bus, so its requests are counted too: a segment change costs a publish and an outbox clear.
    events, dynamodb = aws_stack.client("events"), aws_stack.client("dynamodb")
    people = DynamoPeople(aws_stack.env("PEOPLE_TABLE"), dynamodb, aws_stack.env("FLOW_RUNS_TABLE"))
    refresher = SegmentRefresher(people, EventBridgeSegmentPublisher(aws_stack.env("EVENT_BUS_NAME"), events), clock)
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    clients = [dynamodb, events]
    first = order(STORE, "o1", T0 + days(1), customer_id="c1")
    with counting_requests(clients) as moving:
        refresher.handle(first)
    refresher.handle(order(STORE, "o2", T0 + days(2), customer_id="c1"))
    with counting_requests(clients) as steady:
        refresher.handle(order(STORE, "o3", T0 + days(3), customer_id="c1"))
    with counting_requests(clients) as redelivered:
        refresher.handle(again(first, "poll-of-o1"))
    # Attribution adds no request: its record rides in the read and the transaction the order needs anyway.
    assert steady.calls == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 1}
    assert redelivered.calls == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 1}
    # A first order moves the person into new: that entry goes out on the bus and leaves the outbox.
    assert moving.calls == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "events.PutEvents": 1,
        "dynamodb.UpdateItem": 1,
    }
    (values,) = counters(records).values()
    assert (values[ORDERS], values[CONVERSIONS]) == (3, 1)


def test_a_record_changed_since_it_was_read_is_read_again(
    aws_stack: AwsStack, refresher: SegmentRefresher, records: DynamoAttributions, people: DynamoPeople, ada: str
) -> None:
    sent(aws_stack, ada, T0 + timedelta(hours=1), "r1")
    refresher.handle(order(STORE, "o1", T0 + days(1)))
    real_read = people.read
    calls: list[Any] = []

    def read_then_race(*args: Any, **kwargs: Any) -> Any:
        snapshot = real_read(*args, **kwargs)
        if not calls:
            # Another version of the order lands between this attempt's read and its commit.
            raced = order(
                STORE, "o1", T0 + days(1), refunded="5.00", status="partially_refunded", updated_at=T0 + days(2)
            )
            calls.append(SegmentRefresher(DynamoPeople(*_tables(aws_stack)), Recorder()).handle(raced))
        return snapshot

    people.read = read_then_race  # type: ignore[method-assign]
    late = order(STORE, "o1", T0 + days(1), refunded="10.00", status="partially_refunded", updated_at=T0 + days(3))
    assert refresher.handle(late).status == "applied"
    record = records.get(STORE, "o1")
    assert record is not None and record.net_revenue == Decimal("40.00")
    (values,) = counters(records).values()
    assert values == {ORDERS: 1, CONVERSIONS: 1, REVENUE: Decimal("40.00")}


def _tables(aws: AwsStack) -> tuple[str, Any, str]:
    return aws.env("PEOPLE_TABLE"), aws.client("dynamodb"), aws.env("FLOW_RUNS_TABLE")
