"""Value parsing shared by the platform adapters: timestamps, money, ids, tags and JSON.

Every helper takes the platform field name so a failure names it. Required values raise
NormalizationError; the ``optional_*`` helpers turn a malformed value into None (and log it) so one bad
optional field never costs the rest of the entity.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from storeloom.domain import Money
from storeloom.services.platform_port import NormalizationError

log = logging.getLogger(__name__)


def parse_utc(value: Any, field: str) -> datetime:
    """An aware UTC datetime. A naive string is read as UTC (WooCommerce ``*_gmt`` fields carry no zone)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text[-1] in "Zz":
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as error:
            raise NormalizationError(f"{field}: not an ISO 8601 timestamp: {value!r}") from error
    else:
        raise NormalizationError(f"{field}: missing or not a timestamp: {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_time(data: Mapping[str, Any], *fields: str) -> datetime:
    """The first of ``fields`` that is present, parsed; NormalizationError naming the first field if none."""
    for field in fields:
        if data.get(field) not in (None, ""):
            return parse_utc(data[field], field)
    raise NormalizationError(f"{fields[0]}: missing")


def optional_time(data: Mapping[str, Any], *fields: str) -> datetime | None:
    """Like required_time, but a missing or malformed value becomes None."""
    try:
        return required_time(data, *fields)
    except NormalizationError as error:
        if any(data.get(field) not in (None, "") for field in fields):
            log.warning("dropping malformed optional timestamp", extra={"reason": str(error)})
        return None


def decimal_of(value: Any, field: str) -> Decimal:
    """A Decimal from a string, int or Decimal. A float (from a plain json.loads) goes through its repr."""
    if isinstance(value, bool) or value is None or value == "":
        raise NormalizationError(f"{field}: missing or not an amount: {value!r}")
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation as error:
        raise NormalizationError(f"{field}: not a decimal amount: {value!r}") from error
    if not amount.is_finite():
        raise NormalizationError(f"{field}: not a finite amount: {value!r}")
    return amount


def money(value: Any, currency: str | None, field: str) -> Money:
    if not currency:
        raise NormalizationError(f"currency: missing, needed for {field}")
    return Money(amount=decimal_of(value, field), currency=currency)


def optional_money(value: Any, currency: str | None, field: str) -> Money | None:
    """None when the amount is absent; a present but malformed amount still raises."""
    if value is None or value == "":
        return None
    return money(value, currency, field)


def required_id(data: Mapping[str, Any], field: str) -> str:
    value = optional_id(data.get(field))
    if value is None:
        raise NormalizationError(f"{field}: missing id")
    return value


def optional_id(value: Any) -> str | None:
    """An id as a string; None for null or empty. Floats are refused: they may have lost digits."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        raise NormalizationError(f"id is a float and may have lost digits: {value!r}")
    text = str(value).strip()
    return text or None


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
