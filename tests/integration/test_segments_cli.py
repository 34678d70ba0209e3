"""``storeloom segments`` lists customers as DESIGN.md says; ``segments configure`` refuses nonsense by flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeloom.bootstrap import services
from storeloom_tools.cli import main
from tests.support.aws import AwsStack
from tests.support.people import customer, order
from tests.support.webhooks import register_store

STORE = "shop-1"


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> AwsStack:
    aws_stack.serve_cli(monkeypatch, "http://function-url.local/")
    register_store(aws_stack, STORE, "shopify", "secret")
    now = datetime.now(UTC).replace(microsecond=0)
    refresher = services.segment_refresher(aws_stack.runtime)
    refresher.handle(customer(STORE, "c1", now - timedelta(days=9), email="ada@example.com"))
    refresher.handle(order(STORE, "o1", now - timedelta(days=8), customer_id="c1", total="30.00"))
    refresher.handle(order(STORE, "o2", now - timedelta(days=2), customer_id="c1", total="20.50"))
    refresher.handle(order(STORE, "g1", now - timedelta(days=1), email="guest@example.com", total="9.99"))
    return aws_stack


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(text) for text in capsys.readouterr().out.splitlines()]


def test_one_json_line_per_customer_with_the_contract_fields(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "--store", STORE, "--json"]) == 0
    found = {str(line["email"]): line for line in lines(capsys)}
    assert set(found) == {"ada@example.com", "guest@example.com"}
    ada = found["ada@example.com"]
    assert set(ada) == {"customer_id", "email", "segments", "orders", "net_spend", "last_order_at", "since"}
    assert (ada["customer_id"], ada["segments"], ada["orders"]) == ("c1", ["repeat"], 2)
    assert ada["net_spend"] == {"amount": "50.50", "currency": "USD"}
    assert isinstance(ada["since"], dict) and set(ada["since"]) == {"repeat"}
    guest = found["guest@example.com"]
    assert (guest["customer_id"], guest["segments"]) == (None, ["new"])


def test_filters_by_segment_and_by_customer(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "--store", STORE, "--segment", "new", "--json"]) == 0
    assert [line["email"] for line in lines(capsys)] == ["guest@example.com"]
    assert main(["segments", "--store", STORE, "--customer", "c1", "--json"]) == 0
    assert [line["email"] for line in lines(capsys)] == ["ada@example.com"]
    assert main(["segments", "--store", STORE, "--customer", "c1"]) == 0
    assert capsys.readouterr().out.startswith("c1  ada@example.com  repeat  orders=2  50.50 USD")


def test_configure_saves_the_thresholds_and_moves_people_at_once(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["segments", "configure", "--store", STORE, "--vip-spend", "50"]) == 0
    saved = lines(capsys)[0]
    assert (saved["vip_spend"], saved["new_days"], saved["reevaluated"]) == ("50", 30, 1)
    assert main(["segments", "--store", STORE, "--segment", "vip", "--json"]) == 0
    assert [line["customer_id"] for line in lines(capsys)] == ["c1"]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--new-days", "0"], "--new-days: '0' must be a positive number of days"),
        (["--lapsed-days", "soon"], "--lapsed-days: 'soon' is not a whole number of days"),
        (["--vip-spend", "-5"], "--vip-spend: '-5' must be a finite amount of zero or more"),
        (["--at-risk-days", "400"], "--at-risk-days: at_risk_days (400) must be less than lapsed_days (365)"),
    ],
)
def test_configure_refuses_nonsense_naming_the_flag(
    argv: list[str], error: str, cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["segments", "configure", "--store", STORE, *argv]) == 2
    assert capsys.readouterr().err == f"storeloom: error: {error}\n"


@pytest.mark.parametrize(
    "argv", [["segments", "--store", "ghost"], ["segments", "configure", "--store", "ghost", "--new-days", "10"]]
)
def test_an_unregistered_store_is_an_error(argv: list[str], cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "--store: no store 'ghost' is registered" in capsys.readouterr().err


def test_an_unknown_segment_or_customer_is_an_error(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "--store", STORE, "--segment", "loyal"]) == 2
    assert "--segment: 'loyal' is not a segment" in capsys.readouterr().err
    assert main(["segments", "--store", STORE, "--customer", "nobody"]) == 2
    assert "--customer: no customer 'nobody'" in capsys.readouterr().err


def test_sweep_reports_what_it_moved(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    later = (datetime.now(UTC) + timedelta(days=100)).isoformat()
    assert main(["segments", "sweep", "--store", STORE, "--now", later]) == 0
    report = lines(capsys)[0]
    assert report["store_id"] == STORE and report["changed"] == 2  # both become at_risk (the guest leaves new)
