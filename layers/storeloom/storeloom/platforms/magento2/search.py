"""Magento ``searchCriteria`` query parameters (docs/platforms.md#magento2-search).

Filters inside one group are ORed and groups are ANDed, so a group list is a formula in conjunctive
normal form: ``[[a], [b, c]]`` reads ``a AND (b OR c)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote, urlencode

from storeloom.domain.types import format_utc

# (field, value, condition_type), e.g. ("updated_at", "2026-01-05 10:11:12", "gteq").
Filter = tuple[str, str, str]
# (field, direction), e.g. ("updated_at", "ASC").
Sort = tuple[str, str]


def search_params(
    groups: Sequence[Sequence[Filter]] = (),
    sort: Sequence[Sort] = (),
    page_size: int | None = None,
    page: int | None = None,
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for g, filters in enumerate(groups):
        for f, (field, value, condition) in enumerate(filters):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params += [
                (f"{prefix}[field]", field),
                (f"{prefix}[value]", value),
                (f"{prefix}[condition_type]", condition),
            ]
    for s, (field, direction) in enumerate(sort):
        params += [
            (f"searchCriteria[sortOrders][{s}][field]", field),
            (f"searchCriteria[sortOrders][{s}][direction]", direction),
        ]
    if page_size is not None:
        params.append(("searchCriteria[pageSize]", str(page_size)))
    if page is not None:
        params.append(("searchCriteria[currentPage]", str(page)))
    return params


def query_string(params: Sequence[tuple[str, str]]) -> str:
    """Spaces as ``%20``, never ``+``: Magento decodes the query with ``rawurldecode`` when it checks an
    OAuth signature, so a ``+`` stays a plus there and the signature fails (magento/magento2#34896)."""
    return urlencode(params, quote_via=quote)


def magento_time(moment: datetime) -> str:
    """The form Magento stores and compares: UTC to the second, with a space and no zone."""
    return format_utc(moment, timespec="seconds").removesuffix("Z").replace("T", " ")
