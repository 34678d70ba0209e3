"""Demo chapter: one shopper buys on two platforms, and the entity store gives one customer-level picture.

Ada already bought on the demo Shopify store. She now orders on the demo WooCommerce store with the same
address (as a guest, so WooCommerce has no customer record of her). Each platform keeps its own ids; the
picture gathers her records and orders by address across every registered store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from storeloom.adapters.flow_entities import DynamoCommerceReader
from storeloom.bootstrap import services
from storeloom.services.people import picture
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.local.stack import LocalStack

ADA = "ada.lovelace@example.com"


@dataclass
class PeopleChapter:
    stack: LocalStack
    payloads: Path
    woo_store: str
    woo_secret: str

    def run(self) -> dict[str, Any]:
        order = json.loads((self.payloads / "woocommerce_order_created.json").read_text())
        order.update(id=5188, number="5188", customer_id=0)
        order["billing"] = {**order.get("billing", {}), "email": " Ada.Lovelace@Example.com "}
        delivery = Delivery(
            "Ada orders on WooCommerce",
            "woocommerce",
            self.woo_store,
            "order.created",
            raw_body=json.dumps(order).encode(),
        )
        with httpx.Client(timeout=10) as client:
            posted = post(client, self.stack.webhook_base_url, delivery, self.woo_secret, self.payloads)
        if posted.status != 200:
            raise RuntimeError(f"demo webhook order.created was rejected: {posted.response}")
        self.stack.drain(timeout=30)
        reader = DynamoCommerceReader(self.stack.stack_env("ENTITIES_TABLE"), self.stack.client("dynamodb"))
        found = picture(ADA, services.store_registry(self.stack.runtime).all(), reader)
        return {
            "summary": found.summary(),
            "stores": [
                {
                    "store_id": view.store_id,
                    "platform": view.platform,
                    "customer_ids": [customer.id for customer in view.customers],
                    "orders": [f"{o.id} {o.total.amount} {o.total.currency} {o.payment_status}" for o in view.orders],
                }
                for view in found.stores
            ],
        }
