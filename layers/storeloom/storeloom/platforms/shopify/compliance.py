"""Shopify's mandatory compliance webhooks -> domain ComplianceRequest.

Topics and payloads (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance):

- ``customers/data_request``: ``shop_id``, ``shop_domain``, ``orders_requested`` (order ids),
  ``customer {id, email, phone}``, ``data_request {id}``;
- ``customers/redact``: ``shop_id``, ``shop_domain``, ``customer {id, email, phone}``, ``orders_to_redact``;
- ``shop/redact``: ``shop_id``, ``shop_domain`` (sent 48 hours after the app is uninstalled).

A data request is named by Shopify's ``data_request.id``. A redaction carries no id, so its request id is
a digest of the payload: Shopify's retries of one request get the same id, and with it the same
placeholders and log lines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storeloom.domain.privacy import ComplianceKind, ComplianceRequest, Person, normalize_phone
from storeloom.platforms.timeparse import optional_id
from storeloom.services.platform_port import NormalizationError, UnsupportedTopic

DATA_REQUEST = "customers/data_request"
CUSTOMER_REDACT = "customers/redact"
SHOP_REDACT = "shop/redact"

TOPIC_KINDS: dict[str, ComplianceKind] = {
    DATA_REQUEST: "data_request",
    CUSTOMER_REDACT: "customer_redact",
    SHOP_REDACT: "shop_redact",
}
COMPLIANCE_TOPICS = frozenset(TOPIC_KINDS)
# The payload field listing the customer's orders, per topic.
_ORDERS_FIELD = {DATA_REQUEST: "orders_requested", CUSTOMER_REDACT: "orders_to_redact"}


def compliance_request(topic: str, payload: Any, store_id: str, received_at: datetime) -> ComplianceRequest:
    """One compliance webhook as a request; NormalizationError names the field a malformed payload gets wrong."""
    kind = TOPIC_KINDS.get(topic)
    if kind is None:
        raise UnsupportedTopic(f"topic: {topic!r} is not a Shopify compliance topic")
    if not isinstance(payload, Mapping):
        raise NormalizationError("payload: a compliance webhook body must be a JSON object")
    shop_id = _numeric_id(payload.get("shop_id"), "shop_id")
    _shop_domain(payload)
    if kind == "shop_redact":
        return ComplianceRequest(kind, store_id, None, f"shop_redact-{shop_id}", received_at=received_at)
    person = _person(payload, store_id)
    orders = _order_ids(payload, _ORDERS_FIELD[topic])
    if kind == "data_request":
        request = payload.get("data_request")
        if not isinstance(request, Mapping):
            raise NormalizationError("data_request: must be an object with the request's id")
        request_id = f"data_request-{_numeric_id(request.get('id'), 'data_request.id')}"
    else:
        request_id = f"customer_redact-{_digest(payload)}"
    return ComplianceRequest(kind, store_id, person, request_id, orders=orders, received_at=received_at)


def _numeric_id(value: Any, field: str) -> str:
    """Shopify's shop and data request ids are integers; they name the request, so nothing else will do."""
    found = optional_id(value, field)
    if found is None:
        raise NormalizationError(f"{field}: missing id")
    if not found.isdigit():
        raise NormalizationError(f"{field}: not a numeric id: {found!r}")
    return found


def _shop_domain(payload: Mapping[str, Any]) -> str:
    domain = payload.get("shop_domain")
    if not isinstance(domain, str) or not domain.strip():
        raise NormalizationError("shop_domain: missing or not text")
    return domain.strip().lower()


def _person(payload: Mapping[str, Any], store_id: str) -> Person:
    customer = payload.get("customer")
    if not isinstance(customer, Mapping):
        raise NormalizationError("customer: must be an object with the customer's id, email and phone")
    customer_id = optional_id(customer.get("id"), "customer.id")
    email = _optional_text(customer, "email")
    if email is not None and "@" not in email:
        # The value is not echoed: this message is logged and dead-lettered, and it is personal data.
        raise NormalizationError("customer.email: not an email address")
    phone = _optional_text(customer, "phone")
    if phone is not None and not normalize_phone(phone):
        raise NormalizationError("customer.phone: holds no digits")
    person = Person.of(store_id, [customer_id] if customer_id else [], [email], [phone])
    if person.empty:
        raise NormalizationError("customer: names no id, email or phone")
    return person


def _optional_text(customer: Mapping[str, Any], name: str) -> str | None:
    value = customer.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise NormalizationError(f"customer.{name}: must be text or null, not {type(value).__name__}")
    return value.strip() or None


def _order_ids(payload: Mapping[str, Any], field: str) -> tuple[str, ...]:
    """The listed order ids; an absent or null list is none (Shopify sends [] for a customer without orders)."""
    orders = payload.get(field)
    if orders is None:
        return ()
    if not isinstance(orders, list):
        raise NormalizationError(f"{field}: must be a list of order ids")
    ids = []
    for index, value in enumerate(orders):
        order_id = optional_id(value, f"{field}[{index}]")
        if order_id is None:
            raise NormalizationError(f"{field}[{index}]: missing id")
        ids.append(order_id)
    return tuple(dict.fromkeys(ids))


def _digest(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]
