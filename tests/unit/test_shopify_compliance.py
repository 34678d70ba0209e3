"""Shopify's mandatory compliance webhooks become domain ComplianceRequests; malformed ones name the field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from storeloom.domain.eligibility import contact_key
from storeloom.domain.privacy import ComplianceRequest
from storeloom.domain.types import loads
from storeloom.platforms.shopify.compliance import COMPLIANCE_TOPICS, compliance_request
from storeloom.services.platform_port import NormalizationError, UnsupportedTopic

STORE = "shop-1"
RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# Written for these tests in the shapes Shopify documents; ids are Shopify-sized (beyond 2**53).
DATA_REQUEST_BODY = """{
  "shop_id": 60121006242,
  "shop_domain": "Maple-Mugs.myshopify.com",
  "orders_requested": [5614891204770, 5614891237538],
  "customer": {"id": 7039151751330, "email": "Ann.Lee@Example.com", "phone": "+1 (613) 555-0142"},
  "data_request": {"id": 4117}
}"""
REDACT_BODY = """{
  "shop_id": 60121006242,
  "shop_domain": "maple-mugs.myshopify.com",
  "customer": {"id": 7039151751330, "email": "ann.lee@example.com", "phone": null},
  "orders_to_redact": [5614891204770, 5614891237538, 5614891270306]
}"""
SHOP_REDACT_BODY = """{"shop_id": 60121006242, "shop_domain": "maple-mugs.myshopify.com"}"""


def parse(topic: str, payload: Any) -> ComplianceRequest:
    return compliance_request(topic, payload, STORE, RECEIVED)


def body(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = loads(text)
    return loaded


def test_the_three_mandatory_topics() -> None:
    assert frozenset({"customers/data_request", "customers/redact", "shop/redact"}) == COMPLIANCE_TOPICS


def test_a_data_request_names_the_customer_their_orders_and_shopifys_request_id() -> None:
    request = parse("customers/data_request", body(DATA_REQUEST_BODY))
    assert request.kind == "data_request"
    assert request.store_id == STORE
    assert request.request_id == "data_request-4117"
    assert request.orders == ("5614891204770", "5614891237538")
    assert request.received_at == RECEIVED
    person = request.person
    assert person is not None
    assert person.store_id == STORE
    assert person.customer_ids == ("7039151751330",)
    assert person.emails == ("ann.lee@example.com",)
    assert person.phones == ("16135550142",)
    assert contact_key("email", "ann.lee@example.com") in person.contact_keys
    assert request.subject().order_ids == request.orders


def test_a_customer_redaction_gets_an_id_that_a_retry_of_the_same_payload_repeats() -> None:
    first = parse("customers/redact", body(REDACT_BODY))
    again = compliance_request("customers/redact", body(REDACT_BODY), STORE, datetime(2026, 3, 2, 9, 45, tzinfo=UTC))
    other = body(REDACT_BODY)
    other["customer"]["id"] = 7039151784098
    assert first.kind == "customer_redact"
    assert first.request_id == again.request_id
    assert first.request_id.startswith("customer_redact-")
    assert parse("customers/redact", other).request_id != first.request_id
    assert first.orders == ("5614891204770", "5614891237538", "5614891270306")
    assert first.person is not None and first.person.phones == ()


def test_a_shop_redaction_is_about_the_whole_store() -> None:
    request = parse("shop/redact", body(SHOP_REDACT_BODY))
    assert request.kind == "shop_redact"
    assert request.person is None
    assert request.request_id == "shop_redact-60121006242"
    assert request.orders == ()


def test_a_customer_known_only_by_email_or_with_no_orders_is_enough() -> None:
    payload = body(REDACT_BODY)
    payload["customer"] = {"id": None, "email": "guest@example.com", "phone": ""}
    payload["orders_to_redact"] = []
    request = parse("customers/redact", payload)
    assert request.person is not None
    assert (request.person.customer_ids, request.person.emails, request.orders) == ((), ("guest@example.com",), ())


def test_ids_sent_as_strings_are_read_as_the_same_ids() -> None:
    payload = body(DATA_REQUEST_BODY)
    payload["customer"]["id"] = "7039151751330"
    payload["orders_requested"] = ["5614891204770"]
    request = parse("customers/data_request", payload)
    assert request.person is not None and request.person.customer_ids == ("7039151751330",)
    assert request.orders == ("5614891204770",)


def _broken(source: str, change: Any) -> dict[str, Any]:
    payload = copy.deepcopy(body(source))
    change(payload)
    return payload


@pytest.mark.parametrize(
    ("topic", "payload", "field"),
    [
        ("customers/redact", _broken(REDACT_BODY, lambda p: p.pop("customer")), "customer"),
        ("customers/redact", _broken(REDACT_BODY, lambda p: p.update(customer="7039151751330")), "customer"),
        (
            "customers/redact",
            _broken(REDACT_BODY, lambda p: p.update(customer={"id": None, "email": None, "phone": None})),
            "customer",
        ),
        ("customers/redact", _broken(REDACT_BODY, lambda p: p["customer"].update(id=7.0e12)), "customer.id"),
        ("customers/redact", _broken(REDACT_BODY, lambda p: p["customer"].update(email=42)), "customer.email"),
        ("customers/redact", _broken(REDACT_BODY, lambda p: p["customer"].update(email="ann")), "customer.email"),
        ("customers/redact", _broken(REDACT_BODY, lambda p: p["customer"].update(phone="n/a")), "customer.phone"),
        (
            "customers/redact",
            _broken(REDACT_BODY, lambda p: p.update(orders_to_redact=5614891204770)),
            "orders_to_redact",
        ),
        (
            "customers/redact",
            _broken(REDACT_BODY, lambda p: p["orders_to_redact"].append(None)),
            "orders_to_redact[3]",
        ),
        (
            "customers/data_request",
            _broken(DATA_REQUEST_BODY, lambda p: p["orders_requested"].append({"id": 1})),
            "orders_requested[2]",
        ),
        ("customers/data_request", _broken(DATA_REQUEST_BODY, lambda p: p.pop("data_request")), "data_request"),
        (
            "customers/data_request",
            _broken(DATA_REQUEST_BODY, lambda p: p["data_request"].pop("id")),
            "data_request.id",
        ),
        (
            "customers/data_request",
            _broken(DATA_REQUEST_BODY, lambda p: p["data_request"].update(id="../../other-shop/x")),
            "data_request.id",
        ),
        ("shop/redact", _broken(SHOP_REDACT_BODY, lambda p: p.pop("shop_id")), "shop_id"),
        ("shop/redact", _broken(SHOP_REDACT_BODY, lambda p: p.update(shop_id="maple-mugs")), "shop_id"),
        ("shop/redact", _broken(SHOP_REDACT_BODY, lambda p: p.update(shop_domain="")), "shop_domain"),
        ("customers/data_request", _broken(DATA_REQUEST_BODY, lambda p: p.pop("shop_domain")), "shop_domain"),
        ("shop/redact", [body(SHOP_REDACT_BODY)], "payload"),
    ],
)
def test_a_malformed_payload_names_the_field(topic: str, payload: Any, field: str) -> None:
    with pytest.raises(NormalizationError) as raised:
        parse(topic, payload)
    assert str(raised.value).startswith(f"{field}:"), str(raised.value)


def test_another_topic_is_unsupported() -> None:
    with pytest.raises(UnsupportedTopic, match="topic"):
        parse("customers/update", body(REDACT_BODY))


@pytest.mark.parametrize(("field", "value"), [("email", "ann.lee-at-example.com"), ("phone", "ask Ann Lee")])
def test_an_error_does_not_repeat_the_personal_value_it_refuses(field: str, value: str) -> None:
    payload = body(REDACT_BODY)
    payload["customer"][field] = value
    with pytest.raises(NormalizationError) as raised:
        parse("customers/redact", payload)
    assert value not in str(raised.value)
    assert "Ann" not in str(raised.value)


def test_the_person_a_request_names_matches_their_addresses_and_not_lookalikes() -> None:
    person = parse("customers/data_request", body(DATA_REQUEST_BODY)).person
    assert person is not None
    assert person.mentions({"contact": {"email": "ANN.LEE@example.com"}})
    assert person.mentions({"note": "call 613-555-0142 after 5"})
    assert person.mentions_text("call 613-555-0142 after 5")
    assert not person.mentions({"note": "order 6135550142123 shipped"})
    assert person.mentions({"phone": "613.555.0142"})
    assert person.mentions({"customer": {"id": 7039151751330}})
    assert person.mentions({"admin_graphql_api_id": "gid://shopify/Customer/7039151751330"})
    assert person.mentions({"id": 7039151751330}, customer_resource=True)
    for other in (
        {"email": "joann.lee@example.com"},
        {"email": "ann.lee@example.com.au"},
        {"phone": "+1 613-555-0143"},
        {"id": 7039151751330},
        {"line_items": [{"product_id": 7039151751330}]},
    ):
        assert not person.mentions(other), other
    assert person.is_address("Ann.Lee@example.com") and person.is_address("(613) 555-0142")
