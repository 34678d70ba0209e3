"""The demo's polling chapter: an order edit whose webhook never came, recovered by the scheduled poll.

A fake Shopify Admin API runs on loopback. The order arrives by webhook as usual; then the shop refunds it and
the webhook for that is lost. The store's poll schedule (fired now, since moto never fires schedules) reads
the changed order and sends it down the same ingest path, where the webhook's version dies at dedupe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from storeloom.adapters.entities import DynamoEntityStore
from storeloom.bootstrap import services
from storeloom.domain.stores import StoreSecrets
from storeloom.services.stores import NewStore, register_store
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.fakes.scenario import DroppedWebhook
from storeloom_tools.local.stack import LocalStack

STORE_ID = "demo-polled-shop"
SECRET = "demo-polled-webhook-secret"
POLLED_ENTITIES = ("orders", "customers", "products", "checkouts")


@dataclass
class PollingChapter:
    stack: LocalStack
    payloads: Path

    def run(self) -> dict[str, Any]:
        scenario = DroppedWebhook.start()
        try:
            schedules = self._register(scenario)
            order = self._order_by_webhook(scenario)
            before = self._stored(order["id"])
            later = datetime.now(UTC) + timedelta(seconds=2)
            scenario.shop.data.touch("orders", str(order["id"]), later, financial_status="refunded")
            fired = self.stack.ticker.fire_all(lambda name: name == f"poll-{STORE_ID}-orders")
            self.stack.drain(timeout=30)
            after = self._stored(order["id"])
        finally:
            scenario.close()
            self._unschedule()
        return {
            "store_id": STORE_ID,
            "schedules": schedules,
            "polls_fired": fired,
            "order_id": str(order["id"]),
            "before": _version(before),
            "after": _version(after),
        }

    def _register(self, scenario: DroppedWebhook) -> list[str]:
        runtime = self.stack.runtime
        new = NewStore(STORE_ID, "shopify", scenario.url, StoreSecrets((SECRET,), scenario.access_token))
        registered = register_store(
            new,
            services.store_registry(runtime),
            services.secrets_vault(runtime),
            services.platform_catalog(runtime),
            services.poll_schedules(runtime),
            runtime.settings.store_secret_prefix,
        )
        return registered.schedules

    def _unschedule(self) -> None:
        """The fake shop is gone once the chapter ends; its schedules must not keep firing at it."""
        schedules = services.poll_schedules(self.stack.runtime)
        if schedules is not None:
            schedules.remove(STORE_ID, POLLED_ENTITIES)

    def _order_by_webhook(self, scenario: DroppedWebhook) -> dict[str, Any]:
        order: dict[str, Any] = json.loads((self.payloads / "shopify_orders_create.json").read_text())
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        order = {**order, "id": 6300000000000000001, "created_at": now, "updated_at": now}
        body = json.dumps(order).encode()
        delivery = Delivery("order created", "shopify", STORE_ID, "orders/create", raw_body=body)
        with httpx.Client(timeout=10) as client:
            post(client, self.stack.webhook_base_url, delivery, SECRET, self.payloads)
        self.stack.drain(timeout=30)
        scenario.adopt(order)
        return order

    def _stored(self, order_id: Any) -> dict[str, Any] | None:
        store = DynamoEntityStore(self.stack.stack_env("ENTITIES_TABLE"), self.stack.client("dynamodb"))
        return store.get(STORE_ID, "order", str(order_id))


def _version(order: dict[str, Any] | None) -> dict[str, str]:
    if order is None:
        return {"payment_status": "missing", "updated_at": "-"}
    return {"payment_status": order["payment_status"], "updated_at": order["updated_at"]}
