"""The local stack as a newcomer meets it: HTTP webhooks in, the real handlers, entities out."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from storeloom.bootstrap import services
from storeloom.domain.ingest_message import IngestMessage
from storeloom_tools.cli import main
from storeloom_tools.demo.demo import run_ingest_chapter
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.local.stack import LocalStack
from tests.support.sqs import ingest_batch

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"


def test_demo_deliveries_end_accepted_duplicate_stale_or_rejected(local_stack: LocalStack) -> None:
    report = run_ingest_chapter(local_stack, PAYLOADS)
    outcomes = [item["outcome"] for item in report.deliveries]
    assert outcomes == [
        "accepted",
        "accepted",
        "accepted",
        "accepted",
        "duplicate",
        "stale",
        "accepted",
        "accepted",
        "accepted",
        "rejected 401: bad_signature",
        "rejected 400: malformed_body",
        "rejected 404: unknown_store",
    ]
    [order] = report.entities["demo-shopify"]["order"]
    assert (order["payment_status"], order["updated_at"]) == ("paid", "2026-11-27T10:20:00Z")


def test_cli_registers_a_store_and_lists_what_its_webhooks_became(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the stack recorded where the CLI looks for it
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    args = ["stores", "add", "--platform", "woocommerce", "--store-id", "cli-woo", "--skip-check"]
    # A closed loopback port as its API, so nothing the stack runs reaches out; its webhooks name its site.
    site = ["--shop-domain", "cli-woo.example.org"]
    assert main([*args, "--api-url", "http://127.0.0.1:9", *site, "--webhook-secret", "cli-secret"]) == 0
    webhook_url = json.loads(capsys.readouterr().out)["webhook_url"]
    # When the store posts a signed webhook to the URL the CLI printed
    delivery = Delivery("order", "woocommerce", "cli-woo", "order.created", "woocommerce_order_created.json")
    with httpx.Client() as client:
        posted = post(client, webhook_url.split("webhooks/")[0], delivery, "cli-secret", PAYLOADS)
    assert posted.status == 200
    assert local_stack.drain(timeout=30)
    capsys.readouterr()  # the stack's handlers print their metrics to this process's stdout
    # Then `storeloom entities` lists the canonical order
    assert main(["entities", "--store", "cli-woo", "--type", "order"]) == 0
    [order] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert order["id"] == "5120" and order["email"] == "grace@example.org"
    assert order["total"] == {"amount": "43.56", "currency": "EUR"}


def test_concurrent_workers_given_the_same_fact_apply_it_exactly_once(local_stack: LocalStack) -> None:
    # moto in server mode serializes conditional writes, as DynamoDB does.
    body = (PAYLOADS / "shopify_orders_create.json").read_text()
    message = IngestMessage(platform="shopify", store_id="race", topic="orders/create", source="poll", body=body)
    service = services.ingest_service(local_stack.runtime)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        result = ingest_batch(service, [(f"m{index}", message)])
        with lock:
            outcomes.extend(r.outcome for r in result.results)
            outcomes.extend("retry" for _ in result.failed_message_ids)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("applied") == 1
    assert set(outcomes) <= {"applied", "duplicate", "in_progress", "retry"}
