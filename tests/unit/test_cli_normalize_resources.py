"""``storeloom normalize --resource R``: API responses as Shopify and WooCommerce return them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from storeloom_tools.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


def normalize(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], platform: str, resource: str, body: Any
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(body).encode())))
    status = main(["normalize", "--platform", platform, "--resource", resource, "--currency", "USD", "-"])
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


SHOPIFY = [
    ("orders", "orders_create.json", "order", "order", "orders"),
    ("customers", "customers_update.json", "customer", "customer", "customers"),
    ("products", "products_update.json", "product", "product", "products"),
    ("carts", "checkouts_update.json", "cart", "checkout", "checkouts"),
    ("inventory", "inventory_levels_update.json", "inventory_level", "inventory_level", "inventory_levels"),
]
WOOCOMMERCE = [
    ("orders", "order_processing.json", "order", "order", "orders"),
    ("customers", "customer.json", "customer", "customer", "customers"),
    ("products", "product_simple.json", "product", "product", "products"),
]
SHAPES = ["object", "list", "envelope", "single-envelope"]


def shaped(item: dict[str, Any], shape: str, singular: str, plural: str) -> Any:
    return {"object": item, "list": [item, item], "envelope": {plural: [item, item]}}.get(shape, {singular: item})


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("platform", "resource", "name", "entity_type", "singular", "plural"),
    [("shopify", *row) for row in SHOPIFY] + [("woocommerce", *row) for row in WOOCOMMERCE],
)
def test_responses_as_the_platform_returns_them(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    platform: str,
    resource: str,
    name: str,
    entity_type: str,
    singular: str,
    plural: str,
    shape: str,
) -> None:
    body = shaped(fixture(platform, name), shape, singular, plural)
    status, events, err = normalize(monkeypatch, capsys, platform, resource, body)
    assert (status, err) == (0, "")
    assert len(events) == (2 if shape in ("list", "envelope") else 1)
    assert {(e["entity_type"], e["source"], e["action"], e["platform"]) for e in events} == {
        (entity_type, "poll", "updated", platform)
    }


def test_an_empty_response_says_so_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, events, err = normalize(monkeypatch, capsys, "shopify", "orders", {"orders": []})
    assert (status, events) == (1, [])
    assert err == "storeloom: error: --resource: this shopify orders payload yields no events\n"


@pytest.mark.parametrize(
    ("platform", "resource", "reason"),
    [
        ("shopify", "invoices", "--resource: 'invoices' is not one of orders, customers, products, carts, inventory"),
        (
            "woocommerce",
            "carts",
            "--resource: woocommerce has no carts resource; available: orders, customers, products",
        ),
        ("woocommerce", "inventory", "--resource: woocommerce has no inventory resource; available: orders"),
    ],
)
def test_a_resource_the_platform_lacks_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], platform: str, resource: str, reason: str
) -> None:
    status, events, err = normalize(monkeypatch, capsys, platform, resource, {})
    assert (status, events) == (2, [])
    assert err.startswith(f"storeloom: error: {reason}") and err.count("\n") == 1


def test_a_response_that_is_not_objects_names_the_payload(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _events, err = normalize(monkeypatch, capsys, "woocommerce", "orders", [1, 2])
    assert status == 2 and err.startswith("storeloom: error: payload: ") and err.count("\n") == 1
