"""Domain validation at the canonical model: addresses, ISO 4217 currencies and version timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from storeloom.domain.currencies import CURRENCY_CODES, ISO_4217_ACTIVE, ISO_4217_RECENTLY_WITHDRAWN
from storeloom.domain.decisions import Decision
from storeloom.domain.model import Cart, CommerceEvent, Customer, Money, Order
from storeloom.domain.run import RunState
from storeloom.domain.types import FUTURE_TOLERANCE, parse_currency, parse_email
from storeloom.platforms.registry import get_adapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext
from tests.unit.flows_builders import config

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"
CONTEXT = NormalizeContext(store_id="shop-1", source="webhook", received_at=NOW)


def ts(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ---------- emails ----------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada.lovelace+cart@mail.example.co.uk \n", "ada.lovelace+cart@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("ünïcode@bücher.example", "ünïcode@bücher.example"),
        ("not-an-email", None),
        ("ada lovelace@example.com", None),
        ("ada@example com", None),
        ("ada@@example.com", None),
        ("ada@bob@example.com", None),
        ("@example.com", None),
        ("ada@", None),
        ("ada@localhost", None),
        ("ada@.example.com", None),
        ("ada@example.com.", None),
        ("ada@example..com", None),
        ("ada\t@example.com", None),
        ("ada@exa\x00mple.com", None),
        ("a" * 250 + "@x.io", None),
        ("", None),
        ("   ", None),
        (None, None),
        (42, None),
    ],
)
def test_only_addresses_survive_as_emails(raw: Any, expected: str | None) -> None:
    assert parse_email(raw) == expected
    customer = Customer.model_validate({"id": "c1", "email": raw, "updated_at": ts(NOW)}, context={"now": NOW})
    assert customer.email == expected


def test_email_rule_is_idempotent_through_json() -> None:
    customer = Customer(id="c1", email=" Ada@Example.com ", updated_at=NOW)
    assert Customer.model_validate_json(customer.model_dump_json()) == customer


def test_a_payload_with_a_non_address_keeps_the_entity_without_one() -> None:
    order = json.loads((PAYLOADS / "shopify_orders_create.json").read_text())
    order["email"] = "ada lovelace@example.com"
    order.pop("customer", None)
    [event] = get_adapter("shopify").normalize("orders/create", order, CONTEXT)
    assert isinstance(event.entity, Order) and event.entity.email is None
    assert event.entity_id == str(order["id"])


# ---------- currencies ----------


@pytest.mark.parametrize(("raw", "expected"), [("usd ", "USD"), ("eur", "EUR"), (" Jpy", "JPY"), ("XCG", "XCG")])
def test_iso_currencies_are_trimmed_and_upper_cased(raw: str, expected: str) -> None:
    assert parse_currency(raw) == expected
    assert Money(amount="1.00", currency=raw).currency == expected


@pytest.mark.parametrize("raw", ["💰", "XYZ", "US", "USDD", "", "   ", "$", "U$D", "XAU", "XXX", "CLF", "VEF"])
def test_other_currencies_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency(raw)
    with pytest.raises(ValidationError, match="currency"):
        Money(amount="1.00", currency=raw)


@pytest.mark.parametrize("raw", [None, 840, b"USD"])
def test_a_currency_must_be_text(raw: Any) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency(raw)


def test_the_code_list_is_iso_4217_currencies() -> None:
    assert len(ISO_4217_ACTIVE) == 155
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in CURRENCY_CODES)
    assert {"USD", "EUR", "GBP", "JPY", "INR", "BRL", "CAD", "XOF", "XAF", "XPF", "XCD", "ZWG", "SLE", "VED"} <= (
        ISO_4217_ACTIVE
    )
    # Funds, metals and units of account price nothing in a shop.
    assert not {"XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XTS", "XXX", "BOV", "CLF", "USN"} & CURRENCY_CODES
    # Withdrawn since 2021: still accepted for the versions of orders placed in them.
    assert not ISO_4217_ACTIVE & ISO_4217_RECENTLY_WITHDRAWN
    assert {"HRK", "ANG", "BGN"} <= CURRENCY_CODES


@pytest.mark.parametrize("platform_currency", ["XYZ", "US", "💰"])
def test_an_adapter_refuses_the_payload_naming_the_currency(platform_currency: str) -> None:
    order = json.loads((PAYLOADS / "shopify_orders_create.json").read_text())
    order["currency"] = platform_currency
    for line in order.get("line_items", []):
        line.pop("price_set", None)
    with pytest.raises(NormalizationError, match=r"^currency\b.*ISO 4217"):
        get_adapter("shopify").normalize("orders/create", order, CONTEXT)


def test_a_woocommerce_order_in_a_made_up_currency_is_refused() -> None:
    order = json.loads((PAYLOADS / "woocommerce_order_created.json").read_text())
    order["currency"] = "BTC"
    with pytest.raises(NormalizationError, match=r"^currency\b"):
        get_adapter("woocommerce").normalize("order.created", order, CONTEXT)


# ---------- version timestamps ----------


def cart_body(updated: datetime, **fields: Any) -> dict[str, Any]:
    return {"id": "k1", "email": "ann@example.com", "updated_at": ts(updated), **fields}


def test_a_version_up_to_a_day_ahead_is_accepted() -> None:
    ahead = NOW + FUTURE_TOLERANCE
    assert Cart.model_validate(cart_body(ahead), context={"now": NOW}).updated_at == ahead


@pytest.mark.parametrize("updated", [NOW + FUTURE_TOLERANCE + timedelta(seconds=1), datetime(9999, 12, 31, tzinfo=UTC)])
def test_a_version_further_ahead_is_refused(updated: datetime) -> None:
    with pytest.raises(ValidationError, match="updated_at") as caught:
        Cart.model_validate(cart_body(updated), context={"now": NOW})
    assert "in the future" in str(caught.value)


def test_without_a_context_now_is_the_clock() -> None:
    Cart.model_validate(cart_body(datetime.now(UTC)))
    with pytest.raises(ValidationError, match="in the future"):
        Cart.model_validate(cart_body(datetime.now(UTC) + timedelta(days=2)))


def event_body(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "e1",
        "idempotency_key": "k1",
        "store_id": "shop-1",
        "platform": "shopify",
        "entity_type": "cart",
        "entity_id": "k1",
        "action": "updated",
        "source": "webhook",
        "occurred_at": ts(NOW),
        "received_at": ts(NOW),
        "entity": cart_body(NOW),
        **overrides,
    }


@pytest.mark.parametrize("field", ["occurred_at", "received_at"])
def test_an_event_version_in_the_future_is_refused(field: str) -> None:
    later = ts(NOW + timedelta(days=3))
    with pytest.raises(ValidationError, match=field):
        CommerceEvent.model_validate(event_body(**{field: later}), context={"now": NOW})


def test_the_context_reaches_the_nested_entity() -> None:
    body = event_body(entity=cart_body(NOW + timedelta(days=3)))
    with pytest.raises(ValidationError, match="in the future"):
        CommerceEvent.model_validate(body, context={"now": NOW})
    # Judged by a later moment, the same event is valid: what passed once passes again on the bus.
    CommerceEvent.model_validate(body, context={"now": NOW + timedelta(days=3)})


def test_moments_that_are_not_versions_are_not_checked() -> None:
    # created_at, placed_at and the like order nothing, so a platform's odd value is passed through.
    far = ts(NOW + timedelta(days=400))
    cart = Cart.model_validate(cart_body(NOW, created_at=far, completed_at=far), context={"now": NOW})
    assert cart.created_at == cart.completed_at == NOW + timedelta(days=400)


def test_runs_and_decisions_may_lie_in_the_future() -> None:
    scheduled = NOW + timedelta(days=30)
    decision = Decision(
        store_id="shop-1", flow_id="abandoned_cart", run_id="r1", flow_version=1, step=0, kind="waited", at=scheduled
    )
    assert decision.at == scheduled
    state = RunState.model_validate(
        {
            "run_id": "r1",
            "subject": {"store_id": "shop-1", "cart_id": "k1", "active_since": ts(scheduled)},
            "config": config().model_dump(),
            "entered_at": ts(scheduled),
            "anchor": ts(scheduled),
        },
        context={"now": NOW},
    )
    assert state.anchor == scheduled


def test_an_adapter_refuses_a_future_updated_at_naming_it() -> None:
    order = json.loads((PAYLOADS / "shopify_orders_create.json").read_text())
    order["updated_at"] = "9999-12-31T23:59:59Z"
    with pytest.raises(NormalizationError, match=r"^updated_at\b.*in the future"):
        get_adapter("shopify").normalize("orders/create", order, CONTEXT)
