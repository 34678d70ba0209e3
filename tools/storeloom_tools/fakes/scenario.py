"""For the demo: a fake Shopify on loopback whose next edit of an order sends no webhook.

scenario = DroppedWebhook.start()                    # fake Shopify API on 127.0.0.1
scenario.adopt(order_payload)                        # the order the demo's webhooks created
# register the store with api_url=scenario.url and api_key=scenario.access_token, then:
wiring.sync_once(store_id)                           # baseline poll (nothing new: dedupe)
scenario.edit_without_webhook(order_id, financial_status="refunded")
wiring.sync_once(store_id)                           # the poller recovers the refund
scenario.close()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storeloom_tools.fakes.catalog import Row
from storeloom_tools.fakes.server import LoopbackServer
from storeloom_tools.fakes.shopify import FakeShopify
from storeloom_tools.fakes.shopify_graphql import shop_with_graphql


@dataclass
class DroppedWebhook:
    shop: FakeShopify
    server: LoopbackServer

    @classmethod
    def start(cls, port: int = 0) -> DroppedWebhook:
        shop = shop_with_graphql()
        return cls(shop, LoopbackServer(shop, port=port).start())

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def access_token(self) -> str:
        return self.shop.access_token

    def adopt(self, row: Row, entity: str = "orders") -> None:
        """Put a resource into the fake shop as it is, ``updated_at`` included."""
        self.shop.data.rows.setdefault(entity, {})[str(row["id"])] = dict(row)

    def edit_without_webhook(self, entity_id: str, entity: str = "orders", **changes: Any) -> Row:
        """Edit a resource in the shop (its ``updated_at`` moves to now); no webhook is sent for it."""
        return self.shop.data.touch(entity, entity_id, **changes)

    def close(self) -> None:
        self.server.close()
