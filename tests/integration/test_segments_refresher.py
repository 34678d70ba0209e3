"""The segment refresher and the time sweep against PeopleTable as the template declares it (moto)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from storeloom.adapters.people import DynamoPeople, EventBridgeSegmentPublisher, profile_from_item, profile_key
from storeloom.domain.identity import IdentityKey, customer_key
from storeloom.domain.segments import SegmentThresholds
from storeloom.services.segments import PublishFailed, SegmentRefresher
from storeloom_tools.local.metering import counting_requests
from tests.support.aws import AwsStack
from tests.support.people import T0, customer, days, order, product

STORE = "shop-1"


class Recorder:
    """A bus that keeps what it is given; ``refuse`` makes the next publish fail every entry."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.refuse = False

    def publish(self, entries: Sequence[dict[str, Any]]) -> list[str]:
        if self.refuse:
            self.refuse = False
            return [e["detail"]["event_id"] for e in entries]
        self.entries += list(entries)
        return []

    def names(self) -> list[str]:
        return [f"{e['detail_type']}:{e['detail']['segment']}" for e in self.entries]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def people(aws_stack: AwsStack) -> DynamoPeople:
    return DynamoPeople(aws_stack.env("PEOPLE_TABLE"), aws_stack.client("dynamodb"))


@pytest.fixture
def bus() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + days(1))


@pytest.fixture
def refresher(people: DynamoPeople, bus: Recorder, clock: Clock) -> SegmentRefresher:
    return SegmentRefresher(people, bus, clock)


def person(people: DynamoPeople, key: IdentityKey) -> Any:
    stored = people.person_for(STORE, key)
    assert stored is not None
    return stored.profile


EMAIL = IdentityKey("email", "ada@example.com")


def test_first_order_makes_new_and_the_second_repeat(
    refresher: SegmentRefresher, people: DynamoPeople, bus: Recorder, clock: Clock
) -> None:
    first = refresher.handle(order(STORE, "o1", T0, customer_id="c1"))
    assert first.status == "applied"
    assert set(person(people, EMAIL).segments) == {"new"}
    assert people.members(STORE, "new") == [first.person_id]

    clock.now = T0 + days(10)
    refresher.handle(order(STORE, "o2", T0 + days(10), customer_id="c1"))
    profile = person(people, customer_key("c1"))
    assert set(profile.segments) == {"repeat"}
    assert profile.segments["repeat"] == T0 + days(10)
    assert people.members(STORE, "new") == []
    assert bus.names() == ["segment.entered:new", "segment.exited:new", "segment.entered:repeat"]
    assert people.counts(STORE) == {"new": 0, "repeat": 1, "with_orders": 1}


def test_spend_at_the_configured_vip_spend_makes_vip(refresher: SegmentRefresher, people: DynamoPeople) -> None:
    people.configure(STORE, SegmentThresholds(vip_spend=Decimal("100")))
    refresher.handle(order(STORE, "o1", T0, total="60.00"))
    assert "vip" not in person(people, EMAIL).segments
    refresher.handle(order(STORE, "o2", T0 + days(1), total="40.00"))
    assert {"repeat", "vip"} <= set(person(people, EMAIL).segments)


def test_a_guest_order_joins_the_customer_with_that_email(refresher: SegmentRefresher, people: DynamoPeople) -> None:
    registered = refresher.handle(customer(STORE, "c9", T0, email="Ada@Example.com"))
    guest = refresher.handle(order(STORE, "o1", T0, email="ada@example.com", customer_id=None))
    assert guest.person_id == registered.person_id
    profile = person(people, customer_key("c9"))
    assert list(profile.orders) == ["o1"]
    assert profile.email_consent == "subscribed"


def test_a_shared_phone_never_bridges_two_different_email_addresses(
    refresher: SegmentRefresher, people: DynamoPeople
) -> None:
    home = "+14155550100"
    ann = refresher.handle(customer(STORE, "c1", T0, email="ann@example.com", phone=home, country="US"))
    bob = refresher.handle(customer(STORE, "c2", T0, email="bob@example.com", phone=home, country="US"))
    assert ann.person_id != bob.person_id and bob.merged == []
    # The number stays with the person who gave it first; Bob keeps it on his record for SMS.
    assert person(people, IdentityKey("phone", home)).person_id == ann.person_id
    assert home in person(people, customer_key("c2")).phones
    # A record with that phone and no email joins its owner.
    sms_only = refresher.handle(customer(STORE, "c3", T0 + days(1), email=None, phone=home, country="US"))
    assert sms_only.merged == [] and person(people, customer_key("c3")).person_id == ann.person_id


def test_an_event_naming_two_persons_merges_them_and_re_points_every_key(
    refresher: SegmentRefresher, people: DynamoPeople
) -> None:
    guest = refresher.handle(order(STORE, "o1", T0, email="ada@example.com"))
    other = refresher.handle(
        order(STORE, "o2", T0 + days(1), email="ada@work.example", customer_id="c5", products=("p2",))
    )
    other2 = refresher.handle(order(STORE, "o3", T0 + days(2), email="ada@work.example", customer_id="c5"))
    assert guest.person_id != other.person_id == other2.person_id
    # The customer record names both addresses: one person now
    merged = refresher.handle(customer(STORE, "c5", T0 + days(3), email="ada@example.com"))
    assert merged.merged == [guest.person_id]
    winner = person(people, IdentityKey("email", "ada@example.com"))
    assert winner.person_id == other.person_id  # the one with more orders
    assert sorted(winner.orders) == ["o1", "o2", "o3"]
    assert person(people, IdentityKey("email", "ada@work.example")).person_id == winner.person_id
    assert people.members(STORE, "new") == []
    assert people.members(STORE, "repeat") == [winner.person_id]
    assert people.counts(STORE)["with_orders"] == 1
    assert guest.person_id is not None
    tomb = people.profiles(STORE, [guest.person_id])[guest.person_id].profile
    assert tomb.merged_into == winner.person_id and tomb.orders == {}


def test_a_shopify_customers_merge_moves_the_deleted_customer_into_the_kept_one(
    refresher: SegmentRefresher, people: DynamoPeople
) -> None:
    kept = refresher.handle(customer(STORE, "keep", T0, email="kept@example.com"))
    gone = refresher.handle(order(STORE, "o1", T0, email="old@example.com", customer_id="gone"))
    refresher.handle(order(STORE, "o2", T0, email="old@example.com", customer_id="gone"))
    refresher.handle(customer(STORE, "gone", T0 + days(1), email="old@example.com", merged_into="keep"))
    winner = person(people, customer_key("gone"))
    assert winner.person_id == kept.person_id != gone.person_id
    assert sorted(winner.orders) == ["o1", "o2"]


def test_an_event_delivered_twice_moves_nothing_twice(
    refresher: SegmentRefresher, people: DynamoPeople, bus: Recorder
) -> None:
    placed = order(STORE, "o1", T0, products=("p1", "p2"))
    assert refresher.handle(placed).status == "applied"
    assert refresher.handle(placed).status == "duplicate"
    assert people.counts(STORE) == {"new": 1, "with_orders": 1}
    assert bus.names() == ["segment.entered:new"]
    related = people._client.get_item(
        TableName=people._table, Key={"pk": {"S": f"{STORE}#related#p1"}, "sk": {"S": "copurchase"}}
    )["Item"]
    assert related["counts"] == {"M": {"p2": {"N": "1"}}}


def test_a_later_order_version_updates_without_counting_the_co_purchase_again(
    refresher: SegmentRefresher, people: DynamoPeople
) -> None:
    refresher.handle(order(STORE, "o1", T0, products=("p1", "p2")))
    refresher.handle(order(STORE, "o9", T0, products=("p1", "p2"), email="bob@example.com"))
    refresher.handle(
        order(STORE, "o1", T0, products=("p1", "p2"), updated_at=T0 + days(1), status="fulfilled" if False else "paid")
    )
    item = people._client.get_item(
        TableName=people._table, Key={"pk": {"S": f"{STORE}#related#p2"}, "sk": {"S": "copurchase"}}
    )["Item"]
    assert item["counts"] == {"M": {"p1": {"N": "2"}}}


def test_a_refund_nets_out_of_spend_and_a_full_refund_leaves_the_segments(
    refresher: SegmentRefresher, people: DynamoPeople, aws_stack: AwsStack
) -> None:
    people.configure(STORE, SegmentThresholds(vip_spend=Decimal("100")))
    refresher.handle(order(STORE, "o1", T0, total="150.00"))
    assert "vip" in person(people, EMAIL).segments
    refresher.handle(
        order(STORE, "o1", T0, total="150.00", refunded="60.00", status="partially_refunded", updated_at=T0 + days(2))
    )
    profile = person(people, EMAIL)
    assert "vip" not in profile.segments and "new" in profile.segments
    item = aws_stack.client("dynamodb").get_item(
        TableName=aws_stack.env("PEOPLE_TABLE"), Key=profile_key(STORE, profile.person_id)
    )["Item"]
    assert item["spend_key"]["S"].startswith("000000000009000#")
    refresher.handle(
        order(STORE, "o1", T0, total="150.00", refunded="150.00", status="refunded", updated_at=T0 + days(3))
    )
    item = aws_stack.client("dynamodb").get_item(
        TableName=aws_stack.env("PEOPLE_TABLE"), Key=profile_key(STORE, profile.person_id)
    )["Item"]
    assert "spend_key" not in item and person(people, EMAIL).segments == {}
    assert people.counts(STORE) == {"new": 0, "vip": 0, "with_orders": 0}


def test_a_failed_publish_keeps_the_transitions_until_the_redelivery_publishes_them(
    refresher: SegmentRefresher, people: DynamoPeople, bus: Recorder
) -> None:
    placed = order(STORE, "o1", T0)
    bus.refuse = True
    with pytest.raises(PublishFailed):
        refresher.handle(placed)
    stored = people.person_for(STORE, EMAIL)
    assert stored is not None and [e["detail_type"] for e in stored.outbox] == ["segment.entered"]
    assert refresher.handle(placed).status == "duplicate"  # SQS redelivers: the write is not repeated...
    assert bus.names() == ["segment.entered:new"]  # ...but the pending transition goes out
    again = people.person_for(STORE, EMAIL)
    assert again is not None and again.outbox == []


def test_the_sweep_moves_at_risk_on_day_91_reading_only_due_persons(
    refresher: SegmentRefresher, people: DynamoPeople, bus: Recorder, clock: Clock, aws_stack: AwsStack
) -> None:
    clock.now = T0 + days(86)
    for n in range(5):  # five customers new since day 85: not due before day 115, so never read here
        refresher.handle(order(STORE, f"late{n}", T0 + days(85), email=f"c{n}@example.com"))
    refresher.handle(order(STORE, "o1", T0, customer_id="c1"))
    refresher.handle(order(STORE, "o2", T0 + days(1), customer_id="c1"))
    refresher.sweep(STORE, T0 + days(86))
    bus.entries.clear()

    day_91 = T0 + days(1) + days(90)
    with counting_requests([people._client]) as counter:
        outcome = refresher.sweep(STORE, day_91)
    assert (outcome.due, outcome.changed) == (1, 1)
    assert "at_risk" in person(people, customer_key("c1")).segments
    assert bus.names() == ["segment.entered:at_risk"]
    # the store's state and one profile read, one write
    assert counter.calls["dynamodb.TransactWriteItems"] == 1
    assert counter.calls["dynamodb.BatchGetItem"] == 2
    # days 86 to 91, and the day's VIP percentile from the spend index
    assert counter.calls["dynamodb.Query"] == 6 + 1
    # and the outbox cleared, the VIP threshold and the sweep day saved
    assert counter.calls["dynamodb.UpdateItem"] == 1 and counter.calls["dynamodb.PutItem"] == 2
    assert counter.total == 7 + 2 + 1 + 1 + 2

    # Nothing more is due until lapsed: the same day again changes nothing
    assert refresher.sweep(STORE, day_91).changed == 0


def test_the_daily_vip_percentile_reevaluates_only_those_between_old_and_new(
    refresher: SegmentRefresher, people: DynamoPeople, bus: Recorder
) -> None:
    for n in range(10):
        refresher.handle(order(STORE, f"o{n}", T0, email=f"c{n}@example.com", total=f"{(n + 1) * 10}.00"))
    outcome = refresher.sweep(STORE, T0 + days(1))
    # nearest rank ceil(0.9 * 10) = 9th of 10 ascending: 90.00
    assert outcome.vip_threshold == Decimal("90.00")
    assert len(people.members(STORE, "vip")) == 2
    assert sorted(e["detail"]["segment"] for e in bus.entries if e["detail"]["segment"] == "vip") == ["vip", "vip"]


def test_products_maintain_the_category_and_tag_members(refresher: SegmentRefresher, people: DynamoPeople) -> None:
    refresher.handle(product(STORE, "p1", T0, categories=("Tea",), tags=("green",)))
    refresher.handle(product(STORE, "p2", T0, categories=("Tea",)))
    refresher.handle(product(STORE, "p1", T0 + days(1), categories=("Cups",), tags=("green",)))
    refresher.handle(product(STORE, "p2", T0 + days(1), categories=("Tea",), status="archived"))

    def members(kind: str, name: str) -> set[str]:
        item = people._client.get_item(
            TableName=people._table, Key={"pk": {"S": f"{STORE}#catalog#{kind}#{name}"}, "sk": {"S": "members"}}
        ).get("Item", {})
        return set(item.get("product_ids", {}).get("SS", []))

    assert members("category", "Tea") == set()
    assert members("category", "Cups") == {"p1"}
    assert members("tag", "green") == {"p1"}


def test_the_profile_item_keeps_sends_and_runs_the_flows_append(
    refresher: SegmentRefresher, people: DynamoPeople, aws_stack: AwsStack
) -> None:
    refresher.handle(order(STORE, "o1", T0))
    profile = person(people, EMAIL)
    dynamodb, table = aws_stack.client("dynamodb"), aws_stack.env("PEOPLE_TABLE")
    send = {
        "M": {
            "at": {"S": "2025-01-01T12:00:00Z"},
            "medium": {"S": "email"},
            "flow_id": {"S": "post_purchase"},
            "run_id": {"S": "r1"},
            "step": {"N": "0"},
        }
    }
    dynamodb.update_item(
        TableName=table,
        Key=profile_key(STORE, profile.person_id),
        UpdateExpression="SET sends = list_append(sends, :s)",
        ExpressionAttributeValues={":s": {"L": [send]}},
    )
    refresher.handle(order(STORE, "o2", T0 + days(1)))
    item = dynamodb.get_item(TableName=table, Key=profile_key(STORE, profile.person_id))["Item"]
    loaded = profile_from_item(item)
    assert [s.run_id for s in loaded.sends] == ["r1"] and sorted(loaded.orders) == ["o1", "o2"]
    assert "sends" not in json.loads(item["body"]["S"])


def test_transitions_reach_the_bus_as_segment_events(people: DynamoPeople, aws_stack: AwsStack, clock: Clock) -> None:
    sqs, events = aws_stack.client("sqs"), aws_stack.client("events")
    url = sqs.create_queue(QueueName="segments-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus_name = aws_stack.env("EVENT_BUS_NAME")
    events.put_rule(Name="seg", EventBusName=bus_name, EventPattern=json.dumps({"source": ["storeloom.segments"]}))
    events.put_targets(Rule="seg", EventBusName=bus_name, Targets=[{"Id": "t", "Arn": arn}])
    refresher = SegmentRefresher(people, EventBridgeSegmentPublisher(bus_name, events), clock)
    outcome = refresher.handle(order(STORE, "o1", T0, customer_id="c1"))
    body = json.loads(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"][0]["Body"])
    assert body["detail-type"] == "segment.entered"
    assert body["detail"]["person_id"] == outcome.person_id
    assert body["detail"]["customer_ids"] == ["c1"] and body["detail"]["segments"] == ["new"]
