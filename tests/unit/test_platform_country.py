"""Country codes: one parser for the model, and the platforms' reading of it, which drops a bad code alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from storeloom.domain.model import Customer
from storeloom.domain.types import parse_country
from storeloom.platforms.timeparse import country_of, unique_ids
from storeloom.services.platform_port import NormalizationError

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(("value", "code"), [("GB", "GB"), (" gb ", "GB"), ("", None), ("  ", None), (None, None)])
def test_a_country_is_an_upper_case_alpha_2_code_or_none(value: Any, code: str | None) -> None:
    assert parse_country(value) == code


@pytest.mark.parametrize("value", ["USA", "United States", "U1", "É1", "G", 44])
def test_anything_else_is_refused_naming_it(value: Any) -> None:
    with pytest.raises(ValueError, match="country"):
        parse_country(value)
    with pytest.raises(ValidationError, match="country"):
        Customer(id="1", updated_at=NOW, country=value)


def test_a_platform_value_that_is_no_code_is_dropped_for_the_next_one(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="storeloom.platforms.timeparse"):
        assert country_of("United States", None, "us", "CA") == "US"
    assert [record.getMessage() for record in caplog.records] == ["dropping malformed country code"]
    assert country_of(None, "") is None


def test_unique_ids_keep_the_first_of_each_in_list_order() -> None:
    data = {"a": [3, "2", 3], "b": ["2", 1], "c": None}
    assert unique_ids(data, "a", "b", "c") == ["3", "2", "1"]
    with pytest.raises(NormalizationError, match=r"^b: not a list"):
        unique_ids({"b": 7}, "b")
