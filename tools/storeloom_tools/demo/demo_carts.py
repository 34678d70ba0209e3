"""The demo's abandoned-cart chapter: real webhooks in, the state machine waits, re-checks and sends once.

Six shoppers leave carts. One buys before the first reminder, one buys after it, and one buys but the shop
never sends that order's webhook: the step's live re-check against the (fake, loopback) Shopify Admin API
finds the order anyway. One has unsubscribed, one wanted only an item that sold out, and one never comes
back. Delays are seconds so the chapter takes about fifteen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from storeloom.bootstrap import services
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.services.flows import admin
from storeloom.services.stores import secret_name
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.fakes.scenario import DroppedWebhook
from storeloom_tools.local.stack import LocalStack

DEMO_DELAYS_SECONDS = [3, 6, 9]
SCARF = ("7400000000001", "44100000000001")
CANDLE = ("7400000000002", "44100000000002")


@dataclass(frozen=True)
class Shopper:
    name: str
    customer_id: str
    consent: str
    product: tuple[str, str] = SCARF
    buys: str | None = None  # "before_first_reminder" | "after_first_reminder" | "webhook_lost"

    @property
    def email(self) -> str:
        return f"{self.name.lower()}@example.com"

    @property
    def cart_token(self) -> str:
        return f"demo-cart-{self.name.lower()}"


SHOPPERS = [
    Shopper("Lin", "8100000000000000001", "subscribed", buys="before_first_reminder"),
    Shopper("Sam", "8100000000000000002", "subscribed", buys="after_first_reminder"),
    Shopper("Ola", "8100000000000000003", "unsubscribed"),
    Shopper("Kim", "8100000000000000004", "subscribed", product=CANDLE),
    Shopper("Max", "8100000000000000005", "subscribed"),
    Shopper("Zoe", "8100000000000000006", "subscribed", buys="webhook_lost"),
]


@dataclass
class CartChapter:
    stack: LocalStack
    payloads: Path
    store_id: str
    secret: str

    def run(self) -> dict[str, Any]:
        shop = DroppedWebhook.start()
        try:
            self._point_store_at(shop)
            return self._play(shop)
        finally:
            shop.close()

    def _play(self, shop: DroppedWebhook) -> dict[str, Any]:
        admin.enable_flow(
            services.flow_configs(self.stack.runtime),
            self.store_id,
            "abandoned_cart",
            delays_seconds=DEMO_DELAYS_SECONDS,
            frequency_cap_seconds={"email": 0, "sms": 0},
        )
        orders: dict[str, datetime] = {}
        with httpx.Client(timeout=10) as client:
            for ids, title, stock in ((SCARF, "Hand-woven scarf", 12), (CANDLE, "Beeswax candle", 0)):
                shop.adopt(self._send(client, "products/update", self._product(ids, title, stock)), "products")
            for shopper in SHOPPERS:
                self._send(client, "customers/create", self._customer(shopper))
            for shopper in SHOPPERS:
                self._send(client, "checkouts/update", self._checkout(shopper))
                if shopper.buys in ("before_first_reminder", "webhook_lost"):
                    self._buy(client, shop, shopper, orders)
            _wait_for(
                lambda: any(m.to == "sam@example.com" for m in services.outbox(self.stack.runtime).list(self.store_id)),
                30,
            )
            for shopper in (s for s in SHOPPERS if s.buys == "after_first_reminder"):
                self._buy(client, shop, shopper, orders)
        _wait_for(self._all_runs_ended, 60)
        return self._report(orders)

    def _point_store_at(self, shop: DroppedWebhook) -> None:
        point_store_at(self.stack, self.store_id, self.secret, shop)

    def _buy(self, client: httpx.Client, shop: DroppedWebhook, shopper: Shopper, orders: dict[str, datetime]) -> None:
        """The order exists on the platform; its webhook arrives unless this shopper's is the one lost."""
        orders[shopper.email] = datetime.now(UTC)
        order = self._order(shopper)
        shop.adopt(order)
        if shopper.buys != "webhook_lost":
            self._send(client, "orders/create", order)

    def _send(self, client: httpx.Client, topic: str, payload: dict[str, Any]) -> dict[str, Any]:
        delivery = Delivery(topic, "shopify", self.store_id, topic, raw_body=json.dumps(payload).encode())
        posted = post(client, self.stack.webhook_base_url, delivery, self.secret, self.payloads)
        if posted.status != 200:
            raise RuntimeError(f"demo webhook {topic} was rejected: {posted.response}")
        self.stack.drain(timeout=30)
        return payload

    def _messages(self) -> list[OutboundMessage]:
        return services.outbox(self.stack.runtime).list(self.store_id)

    def _all_runs_ended(self) -> bool:
        runs = admin.summarise_runs(services.run_log(self.stack.runtime).list(self.store_id, "abandoned_cart"))
        return len(runs) >= len(SHOPPERS) and all(run.status == "exited" for run in runs)

    def _report(self, orders: dict[str, datetime]) -> dict[str, Any]:
        runs = admin.summarise_runs(services.run_log(self.stack.runtime).list(self.store_id, "abandoned_cart"))
        messages = self._messages()
        after_purchase = [m for m in messages if m.to in orders and m.created_at > orders[m.to]]
        return {
            "runs": [_run_line(run) for run in runs],
            "messages": [{"to": m.to, "step": m.step, "subject": m.subject} for m in messages],
            "recovered": sum(run.recovered for run in runs),
            "messages_after_purchase": len(after_purchase),
        }

    def _load(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.payloads / name).read_text())
        return loaded

    def _product(self, ids: tuple[str, str], title: str, stock: int) -> dict[str, Any]:
        product = self._load("shopify_products_update.json")
        variant = {**product["variants"][0], "id": ids[1], "product_id": ids[0], "inventory_quantity": stock}
        return {**product, "id": ids[0], "title": title, "variants": [variant], "updated_at": _now()}

    def _customer(self, shopper: Shopper) -> dict[str, Any]:
        customer = self._load("shopify_customers_create.json")
        consent = {**customer["email_marketing_consent"], "state": shopper.consent}
        return {
            **customer,
            "id": shopper.customer_id,
            "email": shopper.email,
            # Each shopper's own number: the identity graph would rightly treat one shared number as one person.
            "phone": f"+1415555{shopper.customer_id[-4:]}",
            "first_name": shopper.name,
            "email_marketing_consent": consent,
            "created_at": _now(),
            "updated_at": _now(),
        }

    def _checkout(self, shopper: Shopper) -> dict[str, Any]:
        checkout = self._load("shopify_checkouts_update.json")
        line = {**checkout["line_items"][0], "product_id": shopper.product[0], "variant_id": shopper.product[1]}
        return {
            **checkout,
            "cart_token": shopper.cart_token,
            "token": f"token-{shopper.cart_token}",
            "email": shopper.email,
            "customer": {"id": shopper.customer_id, "email": shopper.email},
            "line_items": [line],
            "created_at": _now(),
            "updated_at": _now(),
        }

    def _order(self, shopper: Shopper) -> dict[str, Any]:
        order = self._load("shopify_orders_create.json")
        return {
            **order,
            "id": f"62{shopper.customer_id}",
            "email": shopper.email,
            "cart_token": shopper.cart_token,
            "customer": {"id": shopper.customer_id, "email": shopper.email},
            "financial_status": "paid",
            "total_outstanding": "0.00",
            "created_at": _now(),
            "processed_at": _now(),
            "updated_at": _now(),
        }


def point_store_at(stack: LocalStack, store_id: str, secret: str, shop: DroppedWebhook) -> None:
    """The store's API is the loopback fake, so each step's live re-check really asks the platform."""
    registry, vault = services.store_registry(stack.runtime), services.secrets_vault(stack.runtime)
    secrets = StoreSecrets((secret,), api_key=shop.access_token)
    arn = vault.create_or_update(secret_name(stack.runtime.settings.store_secret_prefix, store_id), secrets)
    registry.put(StoreRecord(store_id, "shopify", shop.url, arn))


def _run_line(run: admin.RunSummary) -> dict[str, Any]:
    shopper = next((s for s in SHOPPERS if s.cart_token in run.run_id), None)
    email = shopper.email if shopper else "?"
    skipped = [f"step {d.step}: {d.reason}" for d in run.decisions if d.kind == "suppressed"]
    exit_decision = next((d for d in run.decisions if d.kind == "exited"), None)
    return {
        "orders_read_from": exit_decision.detail.get("orders") if exit_decision else None,
        "run_id": run.run_id,
        "email": email,
        "status": run.status,
        "reason": run.reason,
        "sent": run.sent,
        "recovered": run.recovered,
        "skipped": skipped,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False
