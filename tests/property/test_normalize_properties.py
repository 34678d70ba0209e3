"""Every adapter's normalize, driven by generated payloads: it returns canonical events or raises
NormalizationError naming a field, and never anything else (no KeyError, TypeError or half an entity)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storeloom.domain.model import CommerceEvent
from storeloom.platforms.registry import get_adapter
from storeloom.services.platform_port import NormalizationError, NormalizeContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONTEXT = NormalizeContext(store_id="shop-1", source="webhook", received_at=datetime(2026, 11, 27, tzinfo=UTC))
# (platform, topic, the project's own fixture whose fields are mutated)
CASES = [
    ("shopify", "orders/create", "shopify/orders_create.json"),
    ("shopify", "checkouts/update", "shopify/checkouts_update.json"),
    ("shopify", "customers/update", "shopify/customers_update.json"),
    ("shopify", "products/update", "shopify/products_update.json"),
    ("shopify", "inventory_levels/update", "shopify/inventory_levels_update.json"),
    ("shopify", "orders/delete", "shopify/orders_create.json"),
    ("woocommerce", "order.updated", "woocommerce/order_processing.json"),
    ("woocommerce", "customer.updated", "woocommerce/customer.json"),
    ("woocommerce", "product.updated", "woocommerce/product_simple.json"),
]
EXAMPLES = 2_500  # per test: 5,000 generated payloads across the adapters, drawn over the cases above

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "2026-11-27T10:00:00Z", "2026-02-30T25:61:00", "9999-12-31T23:59:59Z", "12.50", "0"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a payload where a value can be swapped."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, Any]:
    platform, topic, name = draw(st.sampled_from(CASES))
    payload = _fixture(name)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(payload)
        if paths:
            payload = _replaced(payload, draw(st.sampled_from(paths)), draw(json_values))
    return platform, topic, payload


def _normalize_or_refuse(platform: str, topic: str, payload: Any) -> None:
    try:
        events = get_adapter(platform, currency="EUR").normalize(topic, payload, CONTEXT)
    except NormalizationError as error:
        assert str(error).strip(), "a refusal names what is wrong"
        return
    for event in events:
        # Whatever was accepted is whole: it survives the trip through JSON as the bus and tables see it.
        assert CommerceEvent.model_validate_json(event.model_dump_json()) == event


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_real_payload_is_mapped_whole_or_refused_by_field(case: tuple[str, str, Any]) -> None:
    _normalize_or_refuse(*case)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CASES), json_values)
def test_any_json_at_all_is_mapped_whole_or_refused_by_field(case: tuple[str, str, str], payload: Any) -> None:
    platform, topic, _ = case
    _normalize_or_refuse(platform, topic, payload)
