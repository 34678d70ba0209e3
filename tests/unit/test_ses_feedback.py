"""SES notifications -> suppressions: permanent bounces, complaints and unsubscribes suppress; a transient
bounce records nothing; an unknown or malformed notification is dead-lettered at once with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from storeloom.domain.eligibility import contact_key
from storeloom.domain.ses_feedback import FeedbackError, parse_feedback, store_from_tag, store_tag
from storeloom.domain.suppression import Suppression
from storeloom.services.suppression import FeedbackWorker, SuppressionService, process_feedback_batch

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def mail(store: str = "shop-1", destination: tuple[str, ...] = ("ann@example.com",)) -> dict[str, Any]:
    return {
        "timestamp": "2026-03-01T11:59:00.000Z",
        "source": "shop@example.com",
        "messageId": "0100-example",
        "destination": list(destination),
        "tags": {"ses:configuration-set": ["storeloom-flows"], "store_id": [store_tag(store)]},
    }


def bounce(kind: str, *addresses: str) -> str:
    recipients = [{"emailAddress": a, "action": "failed", "status": "5.1.1"} for a in addresses]
    detail = {"bounceType": kind, "bounceSubType": "General", "bouncedRecipients": recipients}
    return json.dumps({"eventType": "Bounce", "bounce": detail, "mail": mail()})


def complaint(feedback_type: str | None = "abuse") -> str:
    detail: dict[str, Any] = {"complainedRecipients": [{"emailAddress": "Ann@Example.com"}]}
    if feedback_type:
        detail["complaintFeedbackType"] = feedback_type
    return json.dumps({"eventType": "Complaint", "complaint": detail, "mail": mail()})


def subscription(unsubscribe_all: bool, status: str = "OptIn") -> str:
    preferences = {
        "unsubscribeAll": unsubscribe_all,
        "topicSubscriptionStatus": [{"topicName": "news", "subscriptionStatus": status}],
    }
    detail = {"contactList": "list", "source": "UnsubscribeHeader", "newTopicPreferences": preferences}
    return json.dumps({"eventType": "Subscription", "subscription": detail, "mail": mail()})


def test_a_permanent_bounce_suppresses_every_bounced_recipient() -> None:
    feedback = parse_feedback(bounce("Permanent", "ann@example.com", "bob@example.com"))
    assert (feedback.kind, feedback.store_id, feedback.reason, feedback.source) == (
        "bounce",
        "shop-1",
        "bounce",
        "ses_bounce",
    )
    assert feedback.addresses == ("ann@example.com", "bob@example.com")


@pytest.mark.parametrize("kind", ["Transient", "Undetermined"])
def test_a_soft_bounce_suppresses_nothing_and_says_its_type(kind: str) -> None:
    feedback = parse_feedback(bounce(kind, "ann@example.com"))
    assert feedback.kind == f"bounce_{kind.lower()}"
    assert (feedback.reason, feedback.addresses) == (None, ())


def test_a_complaint_suppresses_and_not_spam_does_not() -> None:
    assert parse_feedback(complaint()).reason == "complaint"
    assert parse_feedback(complaint(None)).source == "ses_complaint"
    assert parse_feedback(complaint("not-spam")).reason is None


def test_an_unsubscribe_suppresses_the_destination_and_an_opt_in_does_not() -> None:
    unsubscribed = parse_feedback(subscription(True))
    assert (unsubscribed.reason, unsubscribed.source, unsubscribed.addresses) == (
        "unsubscribed",
        "ses_unsubscribe",
        ("ann@example.com",),
    )
    assert parse_feedback(subscription(False, "OptOut")).reason == "unsubscribed"
    assert parse_feedback(subscription(False)).reason is None


def test_identity_notifications_name_their_type_notification_type() -> None:
    body = json.loads(bounce("Permanent", "ann@example.com"))
    body["notificationType"] = body.pop("eventType")
    assert parse_feedback(json.dumps(body)).reason == "bounce"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ("[]", "body"),
        (json.dumps({"eventType": "Delivery", "mail": mail()}), "eventType"),
        (json.dumps({"eventType": "Bounce", "mail": mail()}), "bounce"),
        (
            json.dumps({"eventType": "Bounce", "bounce": {"bounceType": "Permanent"}, "mail": mail()}),
            "bouncedRecipients",
        ),
        (json.dumps({"eventType": "Bounce", "bounce": {}, "mail": {"destination": []}}), "mail.tags.store_id"),
        (json.dumps({"eventType": "Complaint", "complaint": {}}), "mail"),
    ],
)
def test_unknown_and_malformed_notifications_name_the_field(body: str, field: str) -> None:
    with pytest.raises(FeedbackError, match=f"^{field}: "):
        parse_feedback(body)


@pytest.mark.parametrize("store", ["shop-1", "my_shop", "shop.myshopify.com", "a__b._c", "_x_"])
def test_store_ids_survive_ses_tag_values(store: str) -> None:
    tag = store_tag(store)
    assert all(c.isalnum() or c in "_-" for c in tag)
    assert store_from_tag(tag) == store


class MemoryStore:
    def __init__(self, fail: bool = False) -> None:
        self.entries: dict[tuple[str, str], Suppression] = {}
        self.fail = fail

    def put(self, entry: Suppression) -> None:
        if self.fail:
            raise RuntimeError("ProvisionedThroughputExceededException")
        self.entries[(entry.store_id, entry.contact_key)] = entry

    def delete(self, store_id: str, contact_key: str) -> bool:
        return self.entries.pop((store_id, contact_key), None) is not None

    def list(self, store_id: str) -> list[Suppression]:
        return [e for (s, _), e in self.entries.items() if s == store_id]


class MemoryDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send_with_attributes(self, body: str, attributes: dict[str, str]) -> str:
        self.sent.append((body, attributes))
        return f"dlq-{len(self.sent)}"


def sqs_event(*bodies: str, receive_count: int = 1) -> dict[str, Any]:
    records = [
        {
            "messageId": f"m{i}",
            "receiptHandle": f"r{i}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": str(receive_count)},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:feedback",
            "awsRegion": "us-east-1",
        }
        for i, body in enumerate(bodies)
    ]
    return {"Records": records}


def worker(store: MemoryStore, dead: MemoryDeadLetters) -> FeedbackWorker:
    return FeedbackWorker(SuppressionService(store, clock=lambda: NOW), dead, max_attempts=3)


def test_the_batch_suppresses_records_nothing_for_soft_bounces_and_dead_letters_the_unknown() -> None:
    store, dead = MemoryStore(), MemoryDeadLetters()
    unknown = json.dumps({"eventType": "Open", "mail": mail()})
    soft = bounce("Transient", "bob@example.com")
    event = sqs_event(bounce("Permanent", "cat@example.com"), soft, complaint(), unknown)

    response, outcomes, errors = process_feedback_batch(event, worker(store, dead))

    assert response == {"batchItemFailures": []}
    assert [(o.kind, o.suppressed) for o in outcomes] == [("bounce", 1), ("bounce_transient", 0), ("complaint", 1)]
    bounced = store.entries[("shop-1", contact_key("email", "cat@example.com"))]
    assert (bounced.reason, bounced.source, bounced.hint, bounced.at) == (
        "bounce",
        "ses_bounce",
        "c***@example.com",
        NOW,
    )
    complained = store.entries[("shop-1", contact_key("email", "ann@example.com"))]
    assert (complained.reason, complained.source, complained.hint) == ("complaint", "ses_complaint", "a***@example.com")
    assert ("shop-1", contact_key("email", "bob@example.com")) not in store.entries
    # The unknown type went to the dead-letter queue on its first receive, with its reason.
    [(body, attributes)] = dead.sent
    assert body == unknown
    assert attributes["error_type"] == "FeedbackError"
    assert attributes["error"].startswith("eventType: 'Open'")
    assert errors == {"m3": attributes["error"]}


def test_a_failed_write_is_retried_then_dead_lettered_on_its_last_receive() -> None:
    store, dead = MemoryStore(fail=True), MemoryDeadLetters()
    body = bounce("Permanent", "ann@example.com")

    first, _, _ = process_feedback_batch(sqs_event(body, receive_count=1), worker(store, dead))
    assert first == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert dead.sent == []

    last, _, errors = process_feedback_batch(sqs_event(body, receive_count=3), worker(store, dead))
    assert last == {"batchItemFailures": []}
    assert [attributes["attempts"] for _, attributes in dead.sent] == ["3"]
    assert "ProvisionedThroughput" in errors["m0"]
