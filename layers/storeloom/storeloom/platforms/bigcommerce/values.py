"""BigCommerce value shapes, read through the domain's parsers (storeloom.platforms.timeparse).

- V2 resources date themselves in RFC 2822 with an offset (``Mon, 12 Mar 2012 21:40:16 +0000``), V3 in
  ISO 8601, webhooks in Unix seconds (docs/platforms.md#bigcommerce-timestamps). RFC 2822 and Unix seconds
  are only turned into a datetime here (the standard library's reader); ``parse_utc`` still makes it UTC.
- ``0`` stands for "none" in ids (a guest's ``customer_id``, a custom line's ``product_id``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from storeloom.platforms.timeparse import optional_id, utc_of
from storeloom.services.platform_port import NormalizationError

log = logging.getLogger(__name__)
_RFC_2822 = re.compile(r"^\s*[A-Za-z]{3},")


def bc_time(value: Any, field: str) -> datetime:
    """A V2 (RFC 2822) or V3 (ISO 8601) timestamp as aware UTC; NormalizationError naming ``field``."""
    if isinstance(value, str) and _RFC_2822.match(value):
        try:
            value = parsedate_to_datetime(value)
        except (TypeError, ValueError) as error:
            raise NormalizationError(f"{field}: not an RFC 2822 timestamp: {value!r}") from error
    return utc_of(value, field)


def required_bc_time(data: Mapping[str, Any], field: str) -> datetime:
    if data.get(field) in (None, ""):
        raise NormalizationError(f"{field}: missing")
    return bc_time(data[field], field)


def optional_bc_time(data: Mapping[str, Any], field: str) -> datetime | None:
    """None when absent or empty (V2 sends ``""`` for dates that never happened); a malformed value is logged
    and dropped, so one bad optional timestamp never costs the rest of the entity."""
    if data.get(field) in (None, ""):
        return None
    try:
        return bc_time(data[field], field)
    except NormalizationError as error:
        log.warning("dropping malformed optional timestamp", extra={"reason": str(error)})
        return None


def epoch_time(value: Any, field: str) -> datetime:
    """Unix seconds (a webhook's ``created_at``) as aware UTC."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise NormalizationError(f"{field}: not Unix seconds: {value!r}")
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise NormalizationError(f"{field}: not Unix seconds: {value!r}") from error
    return utc_of(moment, field)


def bc_id(value: Any, field: str) -> str | None:
    found = optional_id(value, field)
    return None if found in (None, "0") else found
