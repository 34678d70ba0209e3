"""On the local stack (moto server mode, real handlers): `stores add` creates the poll schedules, the
ticker fires them, the poller reads the fake Shopify on loopback, and the ingest worker stores what it
found, including an edit whose webhook never came."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storeloom.adapters.entities import DynamoEntityStore
from storeloom_tools.cli import main
from storeloom_tools.fakes import LoopbackServer, seed_shopify
from storeloom_tools.fakes.shopify_graphql import shop_with_graphql
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e


def test_scheduled_polls_recover_an_edit_whose_webhook_was_dropped(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    shop = shop_with_graphql()
    seed_shopify(shop.data, orders=12, customers=3)
    for row in shop.data.all("orders"):  # all changed within the first poll's 24 h lookback
        shop.data.touch("orders", str(row["id"]))
    with LoopbackServer(shop) as server:
        args = ["stores", "add", "--platform", "shopify", "--store-id", "polled", "--api-url", server.url]
        assert main([*args, "--webhook-secret", "s", "--api-key", shop.access_token]) == 0
        assert "poll-polled-orders" in json.loads(capsys.readouterr().out)["schedules"]

        assert local_stack.ticker.fire_all(lambda name: name == "poll-polled-orders") == 1
        order_id = sorted(str(row["id"]) for row in shop.data.all("orders"))[0]
        later = datetime.now(UTC) + timedelta(seconds=5)  # a new version: a later updated_at
        shop.data.touch("orders", order_id, later, financial_status="refunded")  # its webhook is lost
        assert local_stack.ticker.fire_all(lambda name: name == "poll-polled-orders") == 1
        assert local_stack.drain(timeout=30)

    entities = DynamoEntityStore(local_stack.stack_env("ENTITIES_TABLE"), local_stack.client("dynamodb"))
    orders = {order["id"]: order for order in entities.list_all("polled", "order")}
    assert len(orders) == 12 and orders[order_id]["payment_status"] == "refunded"
    capsys.readouterr()
    assert main(["stores", "status", "--store", "polled", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()  # the stack's handlers log to stdout too
    status = json.loads(next(line for line in lines if '"recovered_by_polling"' in line))
    polls = {poll["key"]: poll for poll in status["polls"]}
    assert status["recovered_by_polling"] == 12 and polls["orders"]["cursor"] is not None
