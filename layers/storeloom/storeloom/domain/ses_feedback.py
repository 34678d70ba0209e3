"""SES feedback (event publishing through SNS, raw delivery to SQS) as the suppressions it calls for.

Permanent bounces suppress with ``bounce``, complaints with ``complaint``, an unsubscribe through SES list
management with ``unsubscribed``; a transient or undetermined bounce suppresses nothing. The store is
the ``store_id`` message tag the SES channel sets on every send (``mail.tags``). Anything else is a
FeedbackError, which the worker dead-letters with its message. Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

STORE_TAG = "store_id"
# SES tag values allow only letters, digits, '_' and '-'; store ids may also hold '.'.
_ESCAPES = {"_": "__", ".": "_d"}
_UNESCAPES = {"_": "_", "d": "."}


class FeedbackError(ValueError):
    """Not an SES notification this stack can act on; the message names the field at fault."""


@dataclass(frozen=True)
class Feedback:
    """What one notification asks for: suppress ``addresses`` in ``store_id`` (none for a soft bounce)."""

    kind: str
    store_id: str
    reason: str | None = None
    source: str | None = None
    addresses: tuple[str, ...] = field(default_factory=tuple)


def store_tag(store_id: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in store_id)


def store_from_tag(value: str) -> str:
    out, chars = [], iter(value)
    for c in chars:
        if c != "_":
            out.append(c)
            continue
        following = next(chars, "")
        if following not in _UNESCAPES:
            raise FeedbackError(f"mail.tags.{STORE_TAG}: {value!r} is not an encoded store id")
        out.append(_UNESCAPES[following])
    return "".join(out)


def parse_feedback(body: str) -> Feedback:
    try:
        event = json.loads(body)
    except ValueError as error:
        raise FeedbackError(f"body: not JSON ({error})") from error
    if not isinstance(event, dict):
        raise FeedbackError("body: not a JSON object")
    kind = event.get("eventType") or event.get("notificationType")
    if kind not in ("Bounce", "Complaint", "Subscription"):
        raise FeedbackError(f"eventType: {kind!r} is not a bounce, complaint or subscription")
    store = _store(event.get("mail"))
    if kind == "Bounce":
        bounce = _object(event, "bounce")
        if bounce.get("bounceType") != "Permanent":
            return Feedback(f"bounce_{str(bounce.get('bounceType', 'unknown')).lower()}", store)
        return Feedback("bounce", store, "bounce", "ses_bounce", _recipients(bounce, "bouncedRecipients"))
    if kind == "Complaint":
        complaint = _object(event, "complaint")
        if complaint.get("complaintFeedbackType") == "not-spam":
            return Feedback("complaint_not_spam", store)
        recipients = _recipients(complaint, "complainedRecipients")
        return Feedback("complaint", store, "complaint", "ses_complaint", recipients)
    if not _opted_out(_object(event, "subscription")):
        return Feedback("subscribed", store)
    return Feedback("unsubscribed", store, "unsubscribed", "ses_unsubscribe", _destination(event["mail"]))


def _object(event: dict[str, Any], name: str) -> dict[str, Any]:
    value = event.get(name)
    if not isinstance(value, dict):
        raise FeedbackError(f"{name}: missing from the {event.get('eventType') or 'notification'} notification")
    return value


def _store(mail: Any) -> str:
    if not isinstance(mail, dict):
        raise FeedbackError("mail: missing")
    tags = mail.get("tags")
    values = tags.get(STORE_TAG) if isinstance(tags, dict) else None
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str) or not values[0]:
        raise FeedbackError(f"mail.tags.{STORE_TAG}: missing (the send did not name its store)")
    return store_from_tag(values[0])


def _recipients(detail: dict[str, Any], name: str) -> tuple[str, ...]:
    entries = detail.get(name)
    if not isinstance(entries, list) or not entries:
        raise FeedbackError(f"{name}: missing or empty")
    addresses: list[str] = []
    for entry in entries:
        address = entry.get("emailAddress") if isinstance(entry, dict) else None
        if not isinstance(address, str) or not address:
            raise FeedbackError(f"{name}: an entry has no emailAddress")
        addresses.append(address)
    return tuple(addresses)


def _destination(mail: dict[str, Any]) -> tuple[str, ...]:
    destination = mail.get("destination")
    if not isinstance(destination, list) or not destination or not all(isinstance(a, str) for a in destination):
        raise FeedbackError("mail.destination: missing or empty")
    return tuple(destination)


def _opted_out(subscription: dict[str, Any]) -> bool:
    preferences = subscription.get("newTopicPreferences")
    if not isinstance(preferences, dict):
        raise FeedbackError("subscription.newTopicPreferences: missing")
    if preferences.get("unsubscribeAll") is True:
        return True
    topics = preferences.get("topicSubscriptionStatus") or []
    return any(isinstance(t, dict) and t.get("subscriptionStatus") == "OptOut" for t in topics)
