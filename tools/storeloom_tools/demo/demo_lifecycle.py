"""The demo's lifecycle chapter: segments kept from real webhooks, a post-purchase cross-sell and a VIP win-back.

On a Shopify store of its own (Shopify products name no related products, so suggestions come from what
the store's customers bought together, then from shared tags):
- Bea buys once (``new``), then again (``repeat`` and, past the store's VIP spend, ``vip``); each paid order
  gets one suggestion: the bobbins Dee once bought with the same loom, in stock, at today's price;
- Cy's order is refunded before its step: no suggestion;
- Dee spent like a VIP but last ordered four months ago (``at_risk``): a win-back note goes out at once, she
  comes back and buys, and the next win-back step exits ``purchased``.
Steps are seconds apart so the chapter takes about fifteen.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from storeloom.bootstrap import services
from storeloom.domain.segments import SEGMENTS, SegmentThresholds
from storeloom.services.flows import admin
from storeloom_tools.demo.demo_carts import _wait_for
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.local.stack import LocalStack

LOOM, SHUTTLE, BOBBIN = "7500000000001", "7500000000002", "7500000000003"
VIP_SPEND = "150.00"
POST_PURCHASE_DELAYS = [3]
WINBACK_DELAYS = [0, 6, 12]  # the default 0, 7 and 14 days, in seconds
CUSTOMERS = {
    "bea@example.com": "8200000000000000001",
    "cy@example.com": "8200000000000000002",
    "dee@example.com": "8200000000000000003",
}


@dataclass
class LifecycleChapter:
    stack: LocalStack
    payloads: Path
    store_id: str
    secret: str

    def run(self) -> dict[str, Any]:
        self._configure()
        now = datetime.now(UTC)
        with httpx.Client(timeout=10) as client:
            self._products(client)
            # Dee bought the loom with bobbins long ago: what the store's customers buy together.
            self._order(client, "7004", "dee@example.com", "120.00", now - timedelta(days=210), [LOOM, BOBBIN])
            self._order(client, "7005", "dee@example.com", "80.00", now - timedelta(days=120), [LOOM])
            # She is a VIP at risk now: the win-back's first note goes out; she comes back and buys.
            _wait_for(lambda: self._sent("winback") >= 1, 30)
            self._order(client, "7006", "dee@example.com", "35.00", datetime.now(UTC), [BOBBIN])
            self._order(client, "7001", "bea@example.com", "60.00", datetime.now(UTC), [LOOM])
            first = self._segments_of("bea@example.com")
            self._order(client, "7002", "bea@example.com", "100.00", datetime.now(UTC), [LOOM])
            placed = datetime.now(UTC)
            self._order(client, "7003", "cy@example.com", "40.00", placed, [LOOM])
            self._order(client, "7003", "cy@example.com", "40.00", placed, [LOOM], status="refunded")
        _wait_for(self._all_runs_ended, 60)
        return self._report(first)

    def _configure(self) -> None:
        configs = services.flow_configs(self.stack.runtime)
        no_cap = {"email": 0, "sms": 0}
        admin.enable_flow(
            configs, self.store_id, "post_purchase", delays_seconds=POST_PURCHASE_DELAYS, frequency_cap_seconds=no_cap
        )
        admin.enable_flow(
            configs,
            self.store_id,
            "winback",
            delays_seconds=WINBACK_DELAYS,
            frequency_cap_seconds=no_cap,
            incentive="WELCOMEBACK",
        )
        services.people_store(self.stack.runtime).configure(self.store_id, SegmentThresholds(vip_spend=VIP_SPEND))

    def _products(self, client: httpx.Client) -> None:
        base = json.loads((self.payloads / "shopify_products_update.json").read_text())
        stamp = _now(-300)
        for pid, title, price, stock in (
            (LOOM, "Table loom", "60.00", 4),
            (SHUTTLE, "Boat shuttle", "18.00", 0),
            (BOBBIN, "Bobbin set", "9.00", 30),
        ):
            variant = {
                **base["variants"][0],
                "id": f"4{pid}",
                "product_id": pid,
                "title": "Default",
                "price": price,
                "sku": f"SKU-{pid}",
                "inventory_quantity": stock,
                "updated_at": stamp,
            }
            product = {**base, "id": pid, "title": title, "tags": "weaving", "variants": [variant], "updated_at": stamp}
            self._send(client, "products/update", product)

    def _order(
        self,
        client: httpx.Client,
        order_id: str,
        email: str,
        total: str,
        placed: datetime,
        products: list[str],
        *,
        status: str = "paid",
    ) -> None:
        base = json.loads((self.payloads / "shopify_orders_create.json").read_text())
        template = base["line_items"][0]
        lines = [
            {**template, "id": f"{order_id}{n}", "product_id": pid, "variant_id": f"4{pid}", "quantity": 1}
            for n, pid in enumerate(products)
        ]
        updated = _now(1 if status != "paid" else 0)
        order = {
            **base,
            "id": f"64{order_id}",
            "name": f"#{order_id}",
            "order_number": order_id,
            "email": email,
            "buyer_accepts_marketing": True,
            "cart_token": None,
            "checkout_token": None,
            "customer": {"id": CUSTOMERS[email], "email": email},
            "financial_status": status,
            "total_price": total,
            "subtotal_price": total,
            "total_outstanding": "0.00",
            "refunds": [],
            "line_items": lines,
            "created_at": _iso(placed),
            "processed_at": _iso(placed),
            "updated_at": updated,
        }
        self._send(client, "orders/create" if status == "paid" else "orders/updated", order)

    def _send(self, client: httpx.Client, topic: str, payload: dict[str, Any]) -> None:
        delivery = Delivery(topic, "shopify", self.store_id, topic, raw_body=json.dumps(payload).encode())
        posted = post(client, self.stack.webhook_base_url, delivery, self.secret, self.payloads)
        if posted.status != 200:
            raise RuntimeError(f"demo webhook {topic} was rejected: {posted.response}")
        self.stack.drain(timeout=30)

    def _segments_of(self, email: str) -> list[str]:
        profile = self._profile(email)
        return sorted(profile.segments) if profile else []

    def _profile(self, email: str) -> Any:
        session = services.step_session(self.stack.runtime)
        return session.find(self.store_id, [("email", email)])

    def _decisions(self, flow_id: str) -> list[Any]:
        return services.run_log(self.stack.runtime).list(self.store_id, flow_id)

    def _sent(self, flow_id: str) -> int:
        return sum(d.kind == "sent" for d in self._decisions(flow_id))

    def _all_runs_ended(self) -> bool:
        runs = [r for f in ("post_purchase", "winback") for r in admin.summarise_runs(self._decisions(f))]
        return bool(runs) and all(run.status == "exited" for run in runs)

    def _report(self, first: list[str]) -> dict[str, Any]:
        people = services.people_store(self.stack.runtime)
        counts = {segment: len(people.members(self.store_id, segment)) for segment in SEGMENTS}
        flows: dict[str, Any] = {}
        for flow_id in ("post_purchase", "winback"):
            runs = admin.summarise_runs(self._decisions(flow_id))
            flows[flow_id] = {
                "runs": len(runs),
                "sent": sum(run.sent for run in runs),
                "exits": dict(Counter(run.reason or "running" for run in runs)),
            }
        messages = [m for m in services.outbox(self.stack.runtime).list(self.store_id) if m.flow_id != "abandoned_cart"]
        return {
            "vip_spend": VIP_SPEND,
            "bea_after_first_order": first,
            "people": {e: self._segments_of(e) for e in ("bea@example.com", "cy@example.com", "dee@example.com")},
            "segment_counts": counts,
            "flows": flows,
            "messages": [
                {"to": m.to, "flow": m.flow_id, "step": m.step, "items": [i.title for i in m.items]} for m in messages
            ],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _now(offset_seconds: int = 0) -> str:
    return _iso(datetime.now(UTC) + timedelta(seconds=offset_seconds))
