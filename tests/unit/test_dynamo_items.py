"""adapters.dynamo_items: boto3's serializer gives the attribute values the adapters used to write by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storeloom.adapters.dynamo_items import from_item, to_item


def test_plain_values_become_the_hand_written_attribute_values() -> None:
    assert to_item(
        {"pk": "s1#cart", "version": 1_764_255_600_000_000, "deleted": True, "extra": {"region": "eu"}, "empty": ""}
    ) == {
        "pk": {"S": "s1#cart"},
        "version": {"N": "1764255600000000"},
        "deleted": {"BOOL": True},
        "extra": {"M": {"region": {"S": "eu"}}},
        "empty": {"S": ""},
    }


def test_numbers_read_back_as_decimal_and_text_as_str() -> None:
    values = from_item({"step": {"N": "2"}, "body": {"S": "{}"}, "deleted": {"BOOL": True}})
    assert values == {"step": Decimal(2), "body": "{}", "deleted": True}
    assert isinstance(values["step"], Decimal) and int(values["step"]) == 2


def test_a_float_is_refused_rather_than_rounded() -> None:
    with pytest.raises(TypeError):
        to_item({"amount": 12.5})


def test_round_trip() -> None:
    values = {"a": "x", "n": Decimal("12.50"), "flag": False, "m": {"k": "v"}}
    assert from_item(to_item(values)) == values
