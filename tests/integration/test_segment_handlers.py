"""The segment refresher and sweep handlers run their sample events (events/, as `sam local invoke -e`)."""

from __future__ import annotations

import json

from storeloom.adapters.people import DynamoPeople
from storeloom.domain.identity import customer_key
from tests.support.aws import AwsStack, load_event
from tests.support.webhooks import register_store


def test_the_refresher_sample_makes_a_new_customer_and_a_duplicate_changes_nothing(aws_stack: AwsStack) -> None:
    event = load_event("segment_refresher_order_created.json")
    assert aws_stack.invoker.invoke("SegmentRefresherFunction", event) == {"batchItemFailures": []}
    people = DynamoPeople(aws_stack.env("PEOPLE_TABLE"), aws_stack.client("dynamodb"))
    stored = people.person_for("shop-1", customer_key("cust-1"))
    assert stored is not None
    profile = stored.profile
    assert set(profile.segments) == {"new"} and profile.phones == ["+16135550142"]
    assert (profile.email_consent, profile.timezone, profile.timezone_source) == (
        "subscribed",
        "America/Toronto",
        "country",
    )
    assert aws_stack.invoker.invoke("SegmentRefresherFunction", event) == {"batchItemFailures": []}
    assert people.counts("shop-1") == {"new": 1, "with_orders": 1}


def test_a_malformed_record_is_reported_as_a_batch_failure(aws_stack: AwsStack) -> None:
    event = load_event("segment_refresher_order_created.json")
    event["Records"][0]["body"] = json.dumps({"detail": {"entity_type": "order"}})
    response = aws_stack.invoker.invoke("SegmentRefresherFunction", event)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_the_sweep_sample_sweeps_every_registered_store(aws_stack: AwsStack) -> None:
    register_store(aws_stack, "shop-1", "shopify", "secret")
    aws_stack.invoker.invoke("SegmentRefresherFunction", load_event("segment_refresher_order_created.json"))
    result = aws_stack.invoker.invoke("SegmentSweepFunction", load_event("segment_sweep_schedule.json"))
    # The day's VIP percentile is her 28.50 (she is the only spender), so the sweep re-judges her at once: by
    # March she has left new and is at_risk, and is vip. That write moved her due item (new's end) away.
    assert result == {"stores": {"shop-1": {"due": 0, "changed": 1, "published": 3}}}
    people = DynamoPeople(aws_stack.env("PEOPLE_TABLE"), aws_stack.client("dynamodb"))
    stored = people.person_for("shop-1", customer_key("cust-1"))
    assert stored is not None and set(stored.profile.segments) == {"vip", "at_risk"}
