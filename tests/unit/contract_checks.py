"""Assertions of the canonical-model contract (docs/canonical-model.md) over serialized CommerceEvent JSON."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from storeloom.domain.model import CommerceEvent

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
PAYMENT: set[str | None] = {
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "failed",
}
FULFILLMENT: set[str | None] = {"unfulfilled", "partial", "fulfilled"}
CONSENT: set[str | None] = {"subscribed", "not_subscribed", "unsubscribed", "pending", "unknown"}
VOCABULARIES: dict[str, set[str | None]] = {
    "payment_status": PAYMENT,
    "fulfillment_status": FULFILLMENT | {None},
    "email_consent": CONSENT,
    "sms_consent": CONSENT,
    "action": {"created", "updated", "deleted"},
    "source": {"webhook", "poll", "backfill", "replay"},
}


def assert_contract(event: CommerceEvent) -> dict[str, Any]:
    """Serialize the event as it leaves the adapter and check every contract rule; return the JSON."""
    data: dict[str, Any] = json.loads(event.model_dump_json())
    _walk(data, "event")
    return data


def _walk(value: Any, path: str) -> None:
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            _check_money(value, path)
            return
        for key, item in value.items():
            _check_field(key, item, f"{path}.{key}")
            _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]")


def _check_field(key: str, value: Any, path: str) -> None:
    if key == "id" or key.endswith("_id"):
        assert value is None or isinstance(value, str), f"{path}: id must be a string, got {value!r}"
        assert value != "", f"{path}: empty id"
    if key.endswith("_at") and value is not None:
        assert isinstance(value, str) and value.endswith("Z"), f"{path}: not UTC ending in Z: {value!r}"
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    if key == "email" and value is not None:
        assert value == value.strip().lower() and value, f"{path}: email not trimmed/lower-cased: {value!r}"
    if key in VOCABULARIES:
        assert value in VOCABULARIES[key], f"{path}: {value!r} not in the fixed vocabulary"


def _check_money(value: dict[str, Any], path: str) -> None:
    amount = value["amount"]
    assert isinstance(amount, str) and DECIMAL.match(amount), f"{path}: amount not a decimal string: {amount!r}"
    assert re.fullmatch(r"[A-Z]{3}", value["currency"]), f"{path}: bad currency {value['currency']!r}"
