"""Subscription health against the fake APIs: missing topics re-created, disabled hooks re-activated."""

from __future__ import annotations

from datetime import datetime

from storeloom.bootstrap.settings import Settings
from storeloom.platforms.shopify.api_client import WEBHOOK_TOPICS as SHOPIFY_TOPICS
from storeloom.platforms.woocommerce.api_client import WEBHOOK_TOPICS as WOO_TOPICS
from storeloom.services.polling.health import SubscriptionHealth, webhook_address
from tests.fakes.harness import Harness

ADDRESS = webhook_address("https://abc.lambda-url.us-east-1.on.aws/", "woocommerce", "woo-1")


class MemoryHealthLog:
    def __init__(self) -> None:
        self.repairs: list[str] = []

    def record_repairs(self, store_id: str, topics: list[str], now: datetime) -> None:
        self.repairs.extend(topics)


def test_woocommerce_disabled_hook_is_reactivated_in_place_and_missing_ones_created() -> None:
    harness = Harness("woocommerce")
    log = MemoryHealthLog()
    health = SubscriptionHealth(log, harness.clock.now)
    health.repair("woo-1", harness.source, ADDRESS, WOO_TOPICS)
    disabled = next(key for key, hook in harness.api.webhooks.items() if hook["topic"] == "order.updated")
    harness.api.webhooks[disabled]["status"] = "disabled"  # 5 failed deliveries (docs/platforms.md#woocommerce)
    foreign = {"id": 999, "topic": "order.created", "delivery_url": "https://other.example/", "status": "active"}
    harness.api.webhooks["999"] = foreign

    report = health.repair("woo-1", harness.source, ADDRESS, WOO_TOPICS)

    assert report.reactivated == ["order.updated"] and report.created == []
    assert harness.api.webhooks[disabled]["status"] == "active"
    assert len(log.repairs) == len(WOO_TOPICS) + 1
    assert harness.api.webhooks["999"] == foreign  # another app's hook is left alone


def test_a_healthy_store_needs_no_repair() -> None:
    harness = Harness("shopify")
    health = SubscriptionHealth(MemoryHealthLog(), harness.clock.now)
    address = webhook_address("https://hooks.example/", "shopify", "shop-1")
    health.repair("shop-1", harness.source, address, SHOPIFY_TOPICS)
    requests_before = len(harness.api.requests)

    report = health.repair("shop-1", harness.source, address, SHOPIFY_TOPICS)

    assert report.repaired == [] and report.healthy == list(SHOPIFY_TOPICS)
    assert len(harness.api.requests) == requests_before + 1  # one list call, nothing written


def test_poller_settings_defaults_follow_the_engine_defaults() -> None:
    env = {"STORES_TABLE": "s", "CHECKPOINTS_TABLE": "c", "INGEST_QUEUE_URL": "q"}

    settings = Settings.from_environment(env)

    assert settings.overlap_minutes == 10 and settings.backfill_share == 0.5
    assert settings.deep_sweep_hours == 48
