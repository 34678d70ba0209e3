"""``storeloom sync``, ``backfill``, ``stores add`` schedules, ``stores status`` and subscription health, on
moto with the fake Shopify API on loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from storeloom.adapters.checkpoints import DynamoHealthLog
from storeloom.bootstrap import services
from storeloom.domain.cursor import parse_time
from storeloom.platforms.shopify.api_client import WEBHOOK_TOPICS
from storeloom_tools.cli import main
from storeloom_tools.fakes import FakeShopify, LoopbackServer, seed_shopify
from storeloom_tools.local import endpoint
from tests.integration.test_poller_functions import drain_ingest, register
from tests.support.aws import AwsStack


@pytest.fixture
def stack(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> AwsStack:
    stack = aws_stack.with_environment(POLL_FIRST_LOOKBACK_HOURS=str(60 * 24))
    connection = stack.connection("http://function-url.local/")
    monkeypatch.setattr(endpoint, "connect", lambda *_: connection)
    return stack


@pytest.fixture
def shop(stack: AwsStack) -> Iterator[FakeShopify]:
    fake = FakeShopify()
    seed_shopify(fake.data, orders=600, customers=50)
    with LoopbackServer(fake) as server:
        register(stack, "shop-1", "shopify", server.url, "shpat_local")
        yield fake


def test_sync_prints_fetched_enqueued_requests_and_cursor(
    shop: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--store", "shop-1", "--entity", "orders", "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["fetched"] == report["enqueued"] == 600
    newest = max(shop.data.all("orders"), key=lambda row: (parse_time(row["updated_at"]), int(row["id"])))
    assert report["requests"] == 3 and report["cursor"].endswith(f"|{newest['id']}")


def test_sync_names_the_bad_field(shop: FakeShopify, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--store", "shop-1", "--entity", "refunds"]) == 2
    assert "--entity" in capsys.readouterr().err
    assert main(["sync", "--store", "nope", "--entity", "orders"]) == 2
    assert "--store" in capsys.readouterr().err


def test_backfill_shows_progress_and_resumes_after_a_failure(
    stack: AwsStack, shop: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backfill", "--store", "shop-1", "--entity", "orders", "--since", "2025-01-01", "--json"]
    shop.faults.at_request(3, 401)  # count, page 1, then the token is refused

    assert main(args) == 2
    capsys.readouterr()
    assert main(args) == 0

    captured = capsys.readouterr()
    assert "resuming after" in captured.err and "600/600" in captured.err and "[####" in captured.err
    assert json.loads(captured.out)["enqueued"] == 350  # the 250 of page 1 are not enqueued again


def test_stores_add_creates_one_schedule_per_entity(stack: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "new-shop",
        "--api-url",
        "http://127.0.0.1:9",
        "--skip-check",
    ]
    assert main([*args, "--webhook-secret", "s", "--api-key", "k", "--poll-minutes", "5"]) == 0

    printed = json.loads(capsys.readouterr().out)
    group = stack.env("POLL_SCHEDULE_GROUP")
    schedule = stack.client("scheduler").get_schedule(Name="poll-new-shop-orders", GroupName=group)
    assert printed["schedules"] == [f"poll-new-shop-{e}" for e in ("orders", "customers", "products", "checkouts")]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(schedule["Target"]["Input"]) == {"store_id": "new-shop", "entity": "orders", "mode": "live"}


def test_stores_status_shows_polls_and_recoveries(
    stack: AwsStack, shop: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["sync", "--store", "shop-1", "--entity", "orders"])
    drain_ingest(stack)
    capsys.readouterr()

    assert main(["stores", "status", "--store", "shop-1", "--json"]) == 0

    status = json.loads(capsys.readouterr().out)
    assert status["recovered_by_polling"] == 600 and status["last_webhook_version_at"] is None
    assert [poll["key"] for poll in status["polls"]] == ["orders"] and status["polls"][0]["last_enqueued"] == 600


def test_subscription_health_recreates_a_deleted_subscription(stack: AwsStack, shop: FakeShopify) -> None:
    first = stack.invoker.invoke("SubscriptionHealthFunction", {})
    deleted = next(key for key, hook in shop.webhooks.items() if hook["topic"] == "orders/updated")
    del shop.webhooks[deleted]  # Shopify deleted it after 8 failed deliveries

    second = stack.invoker.invoke("SubscriptionHealthFunction", {})

    assert first["repaired"]["shop-1"] == list(WEBHOOK_TOPICS) and second["repaired"] == {"shop-1": ["orders/updated"]}
    log = DynamoHealthLog(stack.env("CHECKPOINTS_TABLE"), stack.client("dynamodb")).read("shop-1")
    assert log["repaired_total"] == len(WEBHOOK_TOPICS) + 1
    assert all(
        hook["address"] == "http://function-url.local/webhooks/shopify/shop-1" for hook in shop.webhooks.values()
    )


def test_a_removed_store_loses_its_schedules(stack: AwsStack) -> None:
    schedules = services.poll_schedules(stack.runtime)
    assert schedules is not None
    schedules.ensure("gone", ["orders", "products"], 15)
    schedules.ensure("gone", ["orders"], 30)  # re-registering updates in place

    assert schedules.names("gone") == ["poll-gone-orders", "poll-gone-products"]
    assert schedules.remove("gone", ["orders", "products", "customers"]) == 2
    assert schedules.names("gone") == []


def test_a_store_api_that_refuses_connections_is_one_line_naming_its_url(
    stack: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    register(stack, "down-shop", "shopify", f"http://127.0.0.1:{port}", "shpat_local")
    for argv in (
        ["sync", "--store", "down-shop", "--entity", "orders"],
        ["backfill", "--store", "down-shop", "--entity", "orders", "--since", "2026-01-01"],
    ):
        assert main(argv) == 2
        [line] = capsys.readouterr().err.strip().splitlines()[-1:]
        assert line.startswith(
            f"storeloom: error: --store: the platform API failed: cannot connect to http://127.0.0.1:{port}"
        )
        assert "Traceback" not in line
