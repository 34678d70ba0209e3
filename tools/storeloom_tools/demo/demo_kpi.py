"""The demo's last chapter: enough abandoned carts for the holdout to say something, then the KPI report.

Shoppers generated with a fixed seed leave carts on a Shopify store whose cart recovery holds out 20% of
people and splits each reminder between two variants. The shoppers behave as shoppers do: some come back
and buy on their own, and more of those who got a reminder come back. Their orders arrive as webhooks, the
segment refresher credits each to the last touch, and the report shows what the flow earned against the
held-out arm, in the terminal and as an HTML page.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from storeloom.bootstrap import services
from storeloom.services.flows import admin
from storeloom_tools.demo.demo_carts import _wait_for, point_store_at
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.fakes.scenario import DroppedWebhook
from storeloom_tools.local.stack import LocalStack
from storeloom_tools.report.build import build_report, write_report

SEED = 2026
SHOPPERS = 80
HOLDOUT = 20
DELAYS = [2, 20]  # the first reminder soon; the second late enough that most orders come in before it
BUY_AFTER_REMINDER = 0.45
BUY_ANYWAY = 0.15
PRODUCT = ("7600000000001", "47600000000001")


@dataclass
class KpiChapter:
    stack: LocalStack
    payloads: Path
    store_id: str
    secret: str
    out: Path

    def run(self) -> dict[str, Any]:
        shop = DroppedWebhook.start()
        try:
            point_store_at(self.stack, self.store_id, self.secret, shop)
            return self._play(shop)
        finally:
            shop.close()

    def _play(self, shop: DroppedWebhook) -> dict[str, Any]:
        rng = random.Random(SEED)
        admin.enable_flow(
            services.flow_configs(self.stack.runtime),
            self.store_id,
            "abandoned_cart",
            delays_seconds=DELAYS,
            frequency_cap_seconds={"email": 0, "sms": 0},
            holdout_percent=HOLDOUT,
            variants={"A": 50, "B": 50},
        )
        shoppers = [f"shopper{n:03d}@example.com" for n in range(SHOPPERS)]
        with httpx.Client(timeout=10) as client:
            shop.adopt(self._send(client, "products/update", self._product()), "products")
            for n, email in enumerate(shoppers):
                self._send(client, "customers/create", self._customer(n, email), drain=False)
            self.stack.drain(timeout=60)
            for n, email in enumerate(shoppers):
                self._send(client, "checkouts/update", self._checkout(n, email), drain=False)
            self.stack.drain(timeout=60)
            _wait_for(lambda: self._first_steps() >= SHOPPERS, 60)
            reminded = {m.to for m in services.outbox(self.stack.runtime).list(self.store_id)}
            buyers = [e for e in shoppers if rng.random() < (BUY_AFTER_REMINDER if e in reminded else BUY_ANYWAY)]
            for email in buyers:
                order = self._order(shoppers.index(email), email)
                shop.adopt(order)
                self._send(client, "orders/create", order, drain=False)
            self.stack.drain(timeout=60)
        _wait_for(self._all_ended, 90)
        store = services.store_registry(self.stack.runtime).get(self.store_id)
        since = datetime.now(UTC) - timedelta(days=1)
        report = build_report(self.stack.runtime, self.store_id, since, ["abandoned_cart"], store)
        path = write_report(report, self.out)
        return {"report": report, "html": str(path), "shoppers": SHOPPERS, "buyers": len(buyers)}

    def _first_steps(self) -> int:
        decisions = services.run_log(self.stack.runtime).list(self.store_id, "abandoned_cart")
        return len({d.run_id for d in decisions if d.step == 0 and d.kind in ("sent", "held_out", "exited")})

    def _all_ended(self) -> bool:
        runs = admin.summarise_runs(services.run_log(self.stack.runtime).list(self.store_id, "abandoned_cart"))
        return len(runs) >= SHOPPERS and all(run.status == "exited" for run in runs)

    def _send(self, client: httpx.Client, topic: str, payload: dict[str, Any], *, drain: bool = True) -> dict[str, Any]:
        delivery = Delivery(topic, "shopify", self.store_id, topic, raw_body=json.dumps(payload).encode())
        posted = post(client, self.stack.webhook_base_url, delivery, self.secret, self.payloads)
        if posted.status != 200:
            raise RuntimeError(f"demo webhook {topic} was rejected: {posted.response}")
        if drain:
            self.stack.drain(timeout=30)
        return payload

    def _load(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.payloads / name).read_text())
        return loaded

    def _product(self) -> dict[str, Any]:
        product = self._load("shopify_products_update.json")
        variant = {**product["variants"][0], "id": PRODUCT[1], "product_id": PRODUCT[0], "inventory_quantity": 500}
        stamp = _now()
        return {**product, "id": PRODUCT[0], "title": "Linen throw", "variants": [variant], "updated_at": stamp}

    def _customer(self, n: int, email: str) -> dict[str, Any]:
        customer = self._load("shopify_customers_create.json")
        consent = {**customer["email_marketing_consent"], "state": "subscribed"}
        stamp = _now()
        return {
            **customer,
            "id": _customer_id(n),
            "email": email,
            "phone": None,
            "email_marketing_consent": consent,
            "created_at": stamp,
            "updated_at": stamp,
        }

    def _checkout(self, n: int, email: str) -> dict[str, Any]:
        checkout = self._load("shopify_checkouts_update.json")
        line = {**checkout["line_items"][0], "product_id": PRODUCT[0], "variant_id": PRODUCT[1], "price": "64.00"}
        stamp = _now()
        return {
            **checkout,
            "cart_token": f"kpi-cart-{n:03d}",
            "token": f"kpi-token-{n:03d}",
            "email": email,
            "customer": {"id": _customer_id(n), "email": email},
            "line_items": [line],
            "created_at": stamp,
            "updated_at": stamp,
        }

    def _order(self, n: int, email: str) -> dict[str, Any]:
        order = self._load("shopify_orders_create.json")
        line = {**order["line_items"][0], "product_id": PRODUCT[0], "variant_id": PRODUCT[1], "quantity": 1}
        stamp = _now()
        return {
            **order,
            "id": f"66{n:03d}",
            "name": f"#66{n:03d}",
            "order_number": f"66{n:03d}",
            "email": email,
            "cart_token": f"kpi-cart-{n:03d}",
            "checkout_token": None,
            "customer": {"id": _customer_id(n), "email": email},
            "financial_status": "paid",
            "total_price": "64.00",
            "subtotal_price": "64.00",
            "total_outstanding": "0.00",
            "line_items": [line],
            "created_at": stamp,
            "processed_at": stamp,
            "updated_at": stamp,
        }


def _customer_id(n: int) -> str:
    return f"83000000000000{n:05d}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
