"""Shopify's compliance webhooks, posted to the local stack's webhook URL as Shopify would send them, end as
an export in the archive bucket and a redacted customer: receiver, ingest worker, compliance queue, worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from storeloom.platforms.signatures import sign
from storeloom_tools.cli import main
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"
STORE, SHOP, SECRET = "gdpr-shop", "gdpr-shop.myshopify.com", "gdpr-secret"
CUSTOMER_ID, EMAIL = "9007199254740993001", "ada.lovelace@example.com"


def deliver(stack: LocalStack, topic: str, body: bytes) -> httpx.Response:
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": SHOP,
        "x-shopify-hmac-sha256": sign(body, SECRET),
    }
    return httpx.post(f"{stack.webhook_base_url}webhooks/shopify/{STORE}", content=body, headers=headers)


def compliance_body(topic: str) -> bytes:
    customer = {"id": int(CUSTOMER_ID), "email": EMAIL, "phone": None}
    body: dict[str, Any] = {"shop_id": 954889, "shop_domain": SHOP, "customer": customer}
    if topic == "customers/data_request":
        body |= {"orders_requested": [], "data_request": {"id": 9999}}
    else:
        body["orders_to_redact"] = []
    return json.dumps(body).encode()


def entities(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["entities", "--store", STORE, "--type", "customer"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def registered(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> LocalStack:
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    add = [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        STORE,
        "--api-url",
        "http://127.0.0.1:9",
        "--skip-check",
    ]
    assert main([*add, "--shop-domain", SHOP, "--webhook-secret", SECRET]) == 0
    created = deliver(local_stack, "customers/create", (PAYLOADS / "shopify_customers_create.json").read_bytes())
    assert created.status_code == 200
    assert local_stack.drain(timeout=30)
    return local_stack


def test_a_data_request_webhook_writes_the_export_and_a_redact_webhook_erases_her(
    registered: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    [before] = entities(capsys)
    assert before["email"] == EMAIL

    asked = deliver(registered, "customers/data_request", compliance_body("customers/data_request"))
    assert asked.status_code == 200
    assert registered.drain(timeout=60)

    s3 = registered.runtime.aws.client("s3")
    bucket = registered.runtime.settings.require("archive_bucket")
    export = json.loads(s3.get_object(Bucket=bucket, Key=f"exports/{STORE}/data_request-9999.json")["Body"].read())
    assert [e["entity_id"] for e in export["data"]["entities"]] == [CUSTOMER_ID]
    assert EMAIL in export["subject"]["emails"]

    erased = deliver(registered, "customers/redact", compliance_body("customers/redact"))
    assert erased.status_code == 200
    assert registered.drain(timeout=60)

    listed = entities(capsys)
    assert EMAIL not in json.dumps(listed)
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"exports/{STORE}/").get("KeyCount", 0)
    assert listing == 0  # the earlier export mentions her, so it goes too
