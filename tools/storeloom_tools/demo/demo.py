"""``storeloom demo``: a scripted stretch of store activity on the local stack, then what became of it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.domain.ingest_message import IngestMessage
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.registry import get_adapter
from storeloom.services.ingest.service import normalize_message
from storeloom.services.stores import secret_name
from storeloom_tools.demo.demo_carts import CartChapter
from storeloom_tools.demo.demo_kpi import KpiChapter
from storeloom_tools.demo.demo_lifecycle import LifecycleChapter
from storeloom_tools.demo.demo_people import PeopleChapter
from storeloom_tools.demo.demo_polling import PollingChapter
from storeloom_tools.demo.demo_webhooks import Delivery, Posted, post
from storeloom_tools.local.stack import LocalStack

SHOPIFY_STORE = "demo-shopify"
WOO_STORE = "demo-woo"
LIFECYCLE_STORE = "demo-lifecycle"
KPI_STORE = "demo-kpi"
DEMO_SECRETS = {
    SHOPIFY_STORE: "demo-shopify-webhook-secret",
    WOO_STORE: "demo-woo-webhook-secret",
    LIFECYCLE_STORE: "demo-lifecycle-webhook-secret",
    KPI_STORE: "demo-kpi-webhook-secret",
}
KPI_REPORT = Path(".storeloom") / "demo-kpi.html"
# The report ends with these: the demo's stack is gone by then, so each starts from `storeloom local up`.
NEXT_STEPS = (
    ("storeloom local up &", "a local stack that stays up (Ctrl-C or kill stops it)"),
    (
        "storeloom stores add --platform shopify --store-id my-shop --api-url http://127.0.0.1:9000 "
        "--api-key shpat_local --webhook-secret s3cret --skip-check",
        "register a store; prints its webhook URL (without --skip-check the API is asked once with the key)",
    ),
    ("storeloom entities --store my-shop --type order", "what its webhooks and polls stored"),
    ("storeloom entities --email ada.lovelace@example.com", "one person across every store: records, orders, spend"),
    ("storeloom sync --store my-shop --entity orders", "one poll cycle now, against its --api-url"),
    ("storeloom flows enable --store my-shop --flow abandoned_cart --delays 1h,24h,72h", "turn on cart recovery"),
    ("storeloom runs --store my-shop", "each flow run and the decisions it recorded"),
    ("storeloom flows enable --store my-shop --flow post_purchase --category-delay tag:consumable=30d", "cross-sell"),
    ("storeloom segments --store my-shop", "each customer's lifecycle segments (new, repeat, vip, at_risk, lapsed)"),
    ("storeloom kpi --store my-shop --format html --out kpi.html", "what each flow earned, against its holdout"),
    ("storeloom outbox --store my-shop", "the messages the local channel delivered"),
    (
        "storeloom normalize --platform shopify --topic orders/create events/payloads/shopify_orders_create.json",
        "see a payload as canonical events, no stack needed",
    ),
)


def scripted_deliveries() -> list[Delivery]:
    shop, woo = SHOPIFY_STORE, WOO_STORE
    newer = Delivery(
        "newer order version (paid, fulfilled)",
        "shopify",
        shop,
        "orders/updated",
        "shopify_orders_updated.json",
    )
    return [
        Delivery("customer created", "shopify", shop, "customers/create", "shopify_customers_create.json"),
        Delivery("checkout updated", "shopify", shop, "checkouts/update", "shopify_checkouts_update.json"),
        Delivery("order created", "shopify", shop, "orders/create", "shopify_orders_create.json"),
        newer,
        dataclasses.replace(newer, label="same delivery retried by Shopify"),
        Delivery(
            "older order version, arriving late",
            "shopify",
            shop,
            "orders/updated",
            "shopify_orders_updated_older.json",
        ),
        Delivery("order created", "woocommerce", woo, "order.created", "woocommerce_order_created.json"),
        Delivery("order completed", "woocommerce", woo, "order.updated", "woocommerce_order_updated.json"),
        Delivery("product updated", "woocommerce", woo, "product.updated", "woocommerce_product_updated.json"),
        Delivery(
            "forged signature",
            "shopify",
            shop,
            "orders/updated",
            "shopify_orders_updated.json",
            secret="not-the-store-secret",
        ),
        Delivery("malformed body", "woocommerce", woo, "order.updated", raw_body=b'{"id": 5120, "status": '),
        Delivery("unregistered store", "shopify", "no-such-store", "orders/create", "shopify_orders_create.json"),
    ]


@dataclass
class DemoReport:
    stack: dict[str, str]
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    abandoned_carts: dict[str, Any] = field(default_factory=dict)
    polling: dict[str, Any] = field(default_factory=dict)
    person: dict[str, Any] = field(default_factory=dict)
    lifecycle: dict[str, Any] = field(default_factory=dict)
    kpi: dict[str, Any] = field(default_factory=dict)
    next_steps: list[str] = field(default_factory=lambda: [command for command, _why in NEXT_STEPS])


def register_demo_stores(stack: LocalStack) -> None:
    registry = DynamoStoreRegistry(stack.stack_env("STORES_TABLE"), stack.client("dynamodb"))
    vault = SecretsManagerVault(stack.client("secretsmanager"))
    stores = (
        (SHOPIFY_STORE, "shopify"),
        (WOO_STORE, "woocommerce"),
        (LIFECYCLE_STORE, "shopify"),
        (KPI_STORE, "shopify"),
    )
    for store_id, platform in stores:
        name = secret_name(stack.runtime.settings.store_secret_prefix, store_id)
        arn = vault.create_or_update(name, StoreSecrets((DEMO_SECRETS[store_id],)))
        # A closed loopback port as the API, so nothing the stack runs reaches out; the shop domain is the
        # one the demo's deliveries name, so the receiver's tenant check applies.
        domain = f"{store_id}.myshopify.com" if platform == "shopify" else f"{store_id}.example.org"
        registry.put(StoreRecord(store_id, platform, "http://127.0.0.1:9", arn, extra={"shop_domain": domain}))


def outcome_of(stack: LocalStack, posted: Posted) -> str:
    """accepted / duplicate / stale, read back from the idempotency ledger the worker wrote."""
    if posted.status != 200:
        return f"rejected {posted.status}: {posted.response.get('error')}"
    raw_ref = posted.response["raw_ref"]
    outcomes = []
    for key in idempotency_keys(posted):
        record = ledger_record(stack, key)
        if record.get("raw_ref") != raw_ref:
            outcomes.append("duplicate" if record else "not processed")
        else:
            outcomes.append({"applied": "accepted"}.get(record.get("status", ""), record.get("status", "?")))
    return ", ".join(outcomes) or "accepted (no entity in payload)"


def ledger_record(stack: LocalStack, key: str) -> dict[str, str]:
    """What the ingest worker recorded for an idempotency key (status, raw_ref), or {} if nothing: read
    straight from the ledger table, as only the demo needs it."""
    table, dynamodb = stack.stack_env("LEDGER_TABLE"), stack.client("dynamodb")
    item = dynamodb.get_item(TableName=table, Key=to_item({"pk": f"ingest#{key}"})).get("Item")
    return {name: str(value) for name, value in from_item(item).items()} if item else {}


def idempotency_keys(posted: Posted) -> list[str]:
    delivery = posted.delivery
    message = IngestMessage(
        platform=delivery.platform,
        store_id=delivery.store_id,
        topic=delivery.topic,
        source="webhook",
        body=posted.body.decode(),
        platform_event_id=f"evt-{delivery.delivery_id}" if delivery.platform == "shopify" else None,
    )
    return [event.idempotency_key for event in normalize_message(message, posted.body.decode(), get_adapter)]


def stored_entities(stack: LocalStack) -> dict[str, dict[str, list[dict[str, Any]]]]:
    store = DynamoEntityStore(stack.stack_env("ENTITIES_TABLE"), stack.client("dynamodb"))
    kinds = ("customer", "cart", "order", "product")
    return {s: {k: list(store.list_all(s, k)) for k in kinds} for s in (SHOPIFY_STORE, WOO_STORE)}


def run_ingest_chapter(stack: LocalStack, payloads: Path) -> DemoReport:
    register_demo_stores(stack)
    report = DemoReport(stack={"aws": stack.aws_endpoint_url, "webhooks": stack.webhook_base_url})
    posted: list[Posted] = []
    with httpx.Client(timeout=10) as client:
        for delivery in scripted_deliveries():
            secret = DEMO_SECRETS.get(delivery.store_id, "unknown")
            posted.append(post(client, stack.webhook_base_url, delivery, secret, payloads))
            stack.drain(timeout=30)
    for item in posted:
        report.deliveries.append(
            {
                "label": item.delivery.label,
                "platform": item.delivery.platform,
                "topic": item.delivery.topic,
                "http_status": item.status,
                "outcome": outcome_of(stack, item),
            }
        )
    report.entities = stored_entities(stack)
    return report


def run_demo(root: Path | None = None) -> DemoReport:
    started = datetime.now(UTC)
    stack = LocalStack(root, quiet=True).start()
    payloads = stack.root / "events" / "payloads"
    try:
        report = run_ingest_chapter(stack, payloads)
        chapter = CartChapter(stack, payloads, SHOPIFY_STORE, DEMO_SECRETS[SHOPIFY_STORE])
        report.polling = PollingChapter(stack, payloads).run()
        report.person = PeopleChapter(stack, payloads, WOO_STORE, DEMO_SECRETS[WOO_STORE]).run()
        report.abandoned_carts = chapter.run()
        lifecycle = LifecycleChapter(stack, payloads, LIFECYCLE_STORE, DEMO_SECRETS[LIFECYCLE_STORE])
        report.lifecycle = lifecycle.run()
        out = stack.root / KPI_REPORT
        report.kpi = KpiChapter(stack, payloads, KPI_STORE, DEMO_SECRETS[KPI_STORE], out).run()
    finally:
        stack.stop()
    report.stack["seconds"] = f"{(datetime.now(UTC) - started).total_seconds():.1f}"
    return report
