"""Ids, money and UTC time have one parser each (storeloom.domain.types), whoever reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from storeloom.domain.cursor import Cursor, format_time, parse_time
from storeloom.domain.model import Customer, Money, Order
from storeloom.domain.types import PLATFORMS, format_utc, is_platform, loads, parse_amount, parse_id, parse_utc
from storeloom.platforms.registry import SUPPORTED_PLATFORMS
from storeloom.platforms.shopify import ShopifyAdapter
from storeloom.platforms.timeparse import decimal_of, money, optional_id, required_id, required_time, utc_of
from storeloom.platforms.woocommerce import WooCommerceAdapter
from storeloom.services.ingest.receiver import utc_text
from storeloom.services.platform_port import NormalizationError, NormalizeContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
UPDATED = datetime(2025, 3, 1, 11, 5, tzinfo=UTC)
CONTEXT = NormalizeContext(store_id="s-1", source="webhook", received_at=UPDATED)


def plain_fixture(name: str) -> Any:
    """A fixture read by a plain json.loads, as a careless caller would: JSON decimals become floats."""
    return json.loads((FIXTURES / name).read_text())


# Money


@pytest.mark.parametrize("amount", [12.5, 0.0, float("nan")])
def test_the_model_refuses_float_money(amount: float) -> None:
    with pytest.raises(ValidationError, match="float"):
        Money(amount=amount, currency="USD")


@pytest.mark.parametrize("amount", [True, None, "", "12,50", "NaN", "Infinity", Decimal("NaN"), [1]])
def test_parse_amount_refuses_what_is_not_a_finite_decimal(amount: Any) -> None:
    with pytest.raises(ValueError):
        parse_amount(amount)


def test_a_json_decimal_read_by_loads_is_exact_money() -> None:
    payload = loads('{"total": 12.50, "round": 1e2, "count": 3}')
    assert payload == {"total": Decimal("12.50"), "round": Decimal("100"), "count": 3}
    assert not any(isinstance(value, float) for value in payload.values())
    assert Money(amount=payload["total"], currency="usd").model_dump() == {"amount": "12.50", "currency": "USD"}
    # Plain notation on the way out: the contract's amounts never carry an exponent.
    assert Money(amount=payload["round"], currency="USD").model_dump()["amount"] == "100"
    assert Money(amount=Decimal("0.00000001"), currency="USD").model_dump()["amount"] == "0.00000001"


def test_loads_never_yields_a_float_so_nan_is_refused_as_money() -> None:
    payload = loads('{"total": NaN}')
    assert isinstance(payload["total"], Decimal)
    with pytest.raises(NormalizationError, match=r"^total: not a finite amount"):
        decimal_of(payload["total"], "total")


@pytest.mark.parametrize("amount", [12.5, 1.0])
def test_the_adapter_helpers_refuse_float_money_naming_the_field(amount: float) -> None:
    with pytest.raises(NormalizationError, match=r"^total_price: money must not be a float"):
        decimal_of(amount, "total_price")
    with pytest.raises(NormalizationError, match=r"^line_items\[0\]\.price: money must not be a float"):
        money(amount, "USD", "line_items[0].price")


def test_the_adapter_helpers_keep_exact_amounts() -> None:
    assert decimal_of(" 22.50 ", "total") == Decimal("22.50")
    assert decimal_of(Decimal("22.50"), "total") == Decimal("22.50")
    assert decimal_of(3, "price") == Decimal(3)
    with pytest.raises(NormalizationError, match=r"^total: missing amount"):
        decimal_of(None, "total")


def test_a_shopify_payload_read_with_floats_is_refused() -> None:
    payload = {**plain_fixture("shopify/orders_create.json"), "total_price": 22.5}
    with pytest.raises(NormalizationError, match=r"^total_price\b"):
        ShopifyAdapter(currency="USD").normalize("orders/create", payload, CONTEXT)


def test_a_woocommerce_payload_read_with_floats_is_refused() -> None:
    payload = plain_fixture("woocommerce/order_processing.json")
    payload["line_items"][0]["price"] = 3.0
    with pytest.raises(NormalizationError, match=r"^line_items\[0\]\.price\b"):
        WooCommerceAdapter(currency="EUR").normalize("order.updated", payload, CONTEXT)


# Ids


def customer(**fields: Any) -> Customer:
    return Customer(**{"id": "1", "updated_at": UPDATED, **fields})


@pytest.mark.parametrize("value", [1.0, 9007199254740993.0, Decimal("1"), Decimal("1.5"), True, None, "", " "])
def test_the_model_refuses_ids_that_are_not_text_or_integers(value: Any) -> None:
    with pytest.raises(ValidationError):
        customer(id=value)


def test_integer_ids_become_exact_text() -> None:
    assert customer(id=820982911946154508).id == "820982911946154508"
    assert customer(id=" gid-7 ").id == "gid-7"
    assert parse_id(0) == "0"


def test_a_json_float_id_read_by_loads_is_refused_naming_the_field() -> None:
    payload = loads('{"id": 1.0, "customer": {"id": 2e3}}')
    with pytest.raises(NormalizationError, match=r"^id: an id must be a string or an integer"):
        required_id(payload, "id")
    with pytest.raises(NormalizationError, match=r"^customer\.id\b"):
        optional_id(payload["customer"]["id"], "customer.id")


def test_float_ids_are_refused_by_the_adapter_helpers() -> None:
    with pytest.raises(NormalizationError, match=r"^inventory_item_id\b"):
        required_id({"inventory_item_id": 808950810.0}, "inventory_item_id")
    with pytest.raises(NormalizationError, match=r"^order_id\b"):
        optional_id(450789469.0, "order_id")
    assert optional_id(None, "order_id") is None
    assert optional_id("  ", "order_id") is None
    assert required_id({"id": 723}, "id") == "723"


def test_a_delete_with_a_float_id_is_refused() -> None:
    with pytest.raises(NormalizationError, match=r"^id\b"):
        WooCommerceAdapter().normalize("order.deleted", {"id": 723.0}, CONTEXT)
    [event] = WooCommerceAdapter().normalize("order.deleted", loads('{"id": 723}'), CONTEXT)
    assert event.entity_id == "723"


# UTC time


@pytest.mark.parametrize(
    "text",
    ["2025-03-01T11:05:00", "2025-03-01T11:05:00Z", "2025-03-01T11:05:00z", "2025-03-01T13:05:00+02:00"],
)
def test_every_reader_gives_the_same_utc_moment(text: str) -> None:
    assert parse_utc(text) == UPDATED
    assert utc_of(text, "date_modified_gmt") == UPDATED
    assert parse_time(text) == UPDATED
    assert customer(updated_at=text).updated_at == UPDATED


def test_naive_gmt_fields_are_read_as_utc() -> None:
    moment = required_time(
        {"date_modified": "2025-03-01T12:05:00", "date_modified_gmt": "2025-03-01T11:05:00"}, "date_modified_gmt"
    )
    assert moment == UPDATED and moment.tzinfo is UTC


def test_the_model_refuses_a_naive_datetime_object() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        customer(updated_at=datetime(2025, 3, 1, 11, 5))


@pytest.mark.parametrize("value", ["yesterday", "2024-09-16T03:50:1500:00", 1740827100, None])
def test_malformed_timestamps_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_utc(value)
    with pytest.raises(ValidationError):
        customer(updated_at=value)
    with pytest.raises(NormalizationError, match=r"^updated_at\b"):
        utc_of(value, "updated_at")


def test_format_utc_ends_in_z_and_keeps_its_precision() -> None:
    east = timezone(timedelta(hours=2))
    assert format_utc(datetime(2025, 3, 1, 13, 5, tzinfo=east)) == "2025-03-01T11:05:00Z"
    assert format_utc(UPDATED.replace(microsecond=120)) == "2025-03-01T11:05:00.000120Z"
    assert format_utc(UPDATED, timespec="microseconds") == "2025-03-01T11:05:00.000000Z"
    assert format_utc(UPDATED, timespec="seconds") == "2025-03-01T11:05:00Z"
    with pytest.raises(ValueError, match="time zone"):
        format_utc(datetime(2025, 3, 1))


@pytest.mark.parametrize(
    "moment",
    [UPDATED, UPDATED.replace(microsecond=5), datetime(2025, 3, 1, 13, 5, tzinfo=timezone(timedelta(hours=2)))],
)
def test_the_receiver_writes_the_text_format_utc_writes(moment: datetime) -> None:
    assert utc_text(moment) == format_utc(moment)


def test_canonical_json_reads_back_unchanged() -> None:
    order = Order(
        id=9007199254740993123,
        total=Money(amount=Decimal("22.50"), currency="USD"),
        payment_status="paid",
        updated_at="2025-03-01T15:00:05Z",
    )
    text = order.model_dump_json()
    assert json.loads(text)["total"] == {"amount": "22.50", "currency": "USD"}
    assert Order.model_validate_json(text) == order


# Cursors


@pytest.mark.parametrize("text", ["2026-03-01T10:00:00.000000Z|42", "2026-03-01T10:00:00.123456Z|808950810:655441491"])
def test_stored_cursor_text_round_trips_unchanged(text: str) -> None:
    assert Cursor.from_text(text).to_text() == text


def test_cursor_text_has_the_old_fixed_width_form() -> None:
    cursor = Cursor(datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=2))), "42")
    assert cursor.to_text() == "2026-03-01T10:00:00.000000Z|42"
    assert format_time(cursor.updated_at) == "2026-03-01T10:00:00.000000Z"
    assert Cursor.from_text("2026-03-01T10:00:00|42") == Cursor(datetime(2026, 3, 1, 10, tzinfo=UTC), "42")


# Platform names


def test_one_list_of_platform_names() -> None:
    assert all(is_platform(name) for name in PLATFORMS) and not is_platform("etsy")
    # The registry says which of the model's platforms an adapter serves; it names no platform of its own.
    assert set(SUPPORTED_PLATFORMS) == set(PLATFORMS)
