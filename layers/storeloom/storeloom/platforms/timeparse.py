"""Field-naming wrappers over the domain's parsers, for the platform adapters; plus tags and text.

Ids, money and timestamps are parsed only by storeloom.domain.types; these helpers add the platform
field name, so a failure names it. Required values raise NormalizationError; ``optional_time`` turns a
malformed value into None (and logs it) so one bad optional timestamp never costs the rest of the entity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from storeloom.domain.model import Money
from storeloom.domain.types import parse_amount, parse_country, parse_currency, parse_id, parse_utc
from storeloom.services.platform_port import NormalizationError

log = logging.getLogger(__name__)
T = TypeVar("T")


def _named(field: str, parse: Callable[[Any], T], value: Any) -> T:
    try:
        return parse(value)
    except ValueError as error:
        raise NormalizationError(f"{field}: {error}") from error


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def utc_of(value: Any, field: str) -> datetime:
    """An aware UTC datetime. A naive string is read as UTC (WooCommerce ``*_gmt`` fields carry no zone)."""
    if _absent(value):
        raise NormalizationError(f"{field}: missing timestamp")
    return _named(field, parse_utc, value)


def required_time(data: Mapping[str, Any], *fields: str) -> datetime:
    """The first of ``fields`` that is present, parsed; NormalizationError naming the first field if none."""
    for field in fields:
        if not _absent(data.get(field)):
            return utc_of(data[field], field)
    raise NormalizationError(f"{fields[0]}: missing")


def optional_time(data: Mapping[str, Any], *fields: str) -> datetime | None:
    """Like required_time, but a missing or malformed value becomes None."""
    try:
        return required_time(data, *fields)
    except NormalizationError as error:
        if any(not _absent(data.get(field)) for field in fields):
            log.warning("dropping malformed optional timestamp", extra={"reason": str(error)})
        return None


def decimal_of(value: Any, field: str) -> Decimal:
    """A Decimal from a string, int or Decimal (a JSON number read by ``loads``). Floats are refused."""
    if _absent(value):
        raise NormalizationError(f"{field}: missing amount")
    return _named(field, parse_amount, value)


def money(value: Any, currency: str | None, field: str) -> Money:
    """Money is built here, outside ``envelope.build``, so a refused currency is named here."""
    if not currency:
        raise NormalizationError(f"currency: missing, needed for {field}")
    return Money(amount=decimal_of(value, field), currency=_named("currency", parse_currency, currency))


def optional_money(value: Any, currency: str | None, field: str) -> Money | None:
    """None when the amount is absent; a present but malformed amount still raises."""
    if _absent(value):
        return None
    return money(value, currency, field)


def required_id(data: Mapping[str, Any], field: str) -> str:
    value = optional_id(data.get(field), field)
    if value is None:
        raise NormalizationError(f"{field}: missing id")
    return value


def optional_id(value: Any, field: str) -> str | None:
    """An id as a string; None for null or blank. A present id that is not a string or an integer
    (a float may have lost digits) raises."""
    return None if _absent(value) else _named(field, parse_id, value)


def country_of(*values: Any) -> str | None:
    """The first of ``values`` that is an ISO 3166-1 alpha-2 code, upper-cased. A value that is none (a
    country name where a code belongs) is logged and skipped, like a malformed optional timestamp."""
    for value in values:
        try:
            code = parse_country(value)
        except ValueError as error:
            log.warning("dropping malformed country code", extra={"reason": str(error)})
            continue
        if code is not None:
            return code
    return None


def unique_ids(data: Mapping[str, Any], *fields: str) -> list[str]:
    """The ids listed in ``fields`` of ``data``, one list after the other, each id once, in the given order.
    An absent list is empty; one that is no list, or holds no id, raises naming the field."""
    found: dict[str, None] = {}
    for field in fields:
        values = data.get(field)
        if values is None:
            continue
        if not isinstance(values, list):
            raise NormalizationError(f"{field}: not a list of ids: {values!r}")
        for index, value in enumerate(values):
            parsed = optional_id(value, f"{field}[{index}]")
            if parsed is not None:
                found.setdefault(parsed)
    return list(found)


def text(value: Any) -> str | None:
    """A stripped string, or None for null/empty."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def optional_int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise NormalizationError(f"{field}: not an integer: {value!r}") from error


def split_tags(value: Any) -> list[str]:
    """Shopify sends ``"a, b"``; WooCommerce sends ``[{"name": "a"}]``; both become ``["a", "b"]``."""
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list):
        names = (item.get("name") if isinstance(item, Mapping) else item for item in value)
        return [str(name).strip() for name in names if name is not None and str(name).strip()]
    return []
