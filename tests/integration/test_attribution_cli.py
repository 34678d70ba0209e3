"""``storeloom attribution`` explains each order's credit, or its absence, from the refresher's records."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from storeloom.adapters.dynamo_items import to_item
from storeloom.adapters.people import profile_key
from storeloom.bootstrap import services
from storeloom.domain.types import format_utc
from storeloom_tools.cli import main
from tests.support.aws import AwsStack
from tests.support.people import T0, customer, days, order
from tests.support.webhooks import register_store

STORE = "shop-1"


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> AwsStack:
    aws_stack.serve_cli(monkeypatch, "http://function-url.local/")
    register_store(aws_stack, STORE, "shopify", "secret")
    refresher = services.segment_refresher(aws_stack.runtime, attribution=True)
    person_id = refresher.handle(customer(STORE, "c1", T0)).person_id
    assert person_id is not None
    send = {
        "at": format_utc(T0 + timedelta(hours=1)),
        "medium": "email",
        "flow_id": "abandoned_cart",
        "run_id": "run-7",
        "step": 1,
        "flow_version": 3,
        "variant": "B",
        "entered_at": format_utc(T0),
    }
    aws_stack.client("dynamodb").update_item(
        TableName=aws_stack.env("PEOPLE_TABLE"),
        Key=profile_key(STORE, person_id),
        UpdateExpression="SET sends = list_append(sends, :s)",
        ExpressionAttributeValues=to_item({":s": [send]}),
    )
    refresher.handle(order(STORE, "o1", T0 + days(1), customer_id="c1", total="60.00"))
    refunded = order(
        STORE,
        "o1",
        T0 + days(1),
        customer_id="c1",
        total="60.00",
        refunded="15.00",
        status="partially_refunded",
        updated_at=T0 + days(2),
    )
    refresher.handle(refunded)
    refresher.handle(order(STORE, "o2", T0 + days(9), customer_id="c1", total="20.00"))
    return aws_stack


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(text) for text in capsys.readouterr().out.splitlines()]


def test_json_names_the_run_the_touch_and_the_net_revenue(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "--store", STORE, "--order", "o1", "--json"]) == 0
    (record,) = lines(capsys)
    assert (record["credited"], record["reason"], record["model"]) == (True, "credited", "last_touch")
    assert record["window_seconds"] == 5 * 86400
    touch = record["touch"]
    assert (touch["run_id"], touch["flow_id"], touch["flow_version"], touch["variant"]) == (
        "run-7",
        "abandoned_cart",
        3,
        "B",
    )
    assert (touch["touch_type"], touch["arm"], touch["at"]) == ("send", "treated", "2025-01-01T01:00:00Z")
    assert record["net_revenue"] == {"amount": "45.00", "currency": "USD"}


def test_every_order_is_listed_with_the_reason_when_none_was_credited(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["attribution", "--store", STORE]) == 0
    o1, o2 = capsys.readouterr().out.splitlines()
    assert o1.startswith("o1  placed 2025-01-02T00:00:00Z  credited  last-touch window 5d  send at 2025-01-01T01:00")
    assert "run=run-7 flow=abandoned_cart v3 variant=B arm=treated  net=45.00 USD" in o1
    assert o2.startswith("o2  placed 2025-01-10T00:00:00Z  not credited: outside_window, last-touch window 5d")


def test_an_unknown_order_is_a_one_line_error(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "--store", STORE, "--order", "nope"]) == 2
    assert (
        capsys.readouterr().err.strip() == "storeloom: error: --order: no order 'nope' was attributed in store 'shop-1'"
    )


def test_an_unknown_store_is_an_error(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "--store", "elsewhere"]) == 2
    assert "--store: no store 'elsewhere' is registered" in capsys.readouterr().err
