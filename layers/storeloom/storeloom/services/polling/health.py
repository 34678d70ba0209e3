"""Subscription health: list a store's webhook subscriptions and repair the ones Storeloom needs.

Shopify deletes a subscription after its retries fail (8 over 4 h); WooCommerce disables a hook after
5 failed deliveries (docs/platforms.md#shopify-retries, #woocommerce-retries). Missing topics are re-created,
disabled ones re-activated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from storeloom.domain.stores import StoreRecord
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.ports import PlatformCatalog, StoreLookup, SubscriptionApi

log = logging.getLogger(__name__)


class HealthLog(Protocol):
    def record_repairs(self, store_id: str, topics: list[str], now: datetime) -> None:
        """Add the repaired topics to the store's running count, with the time of the check."""
        ...


@dataclass
class HealthReport:
    store_id: str
    address: str
    healthy: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)

    @property
    def repaired(self) -> list[str]:
        return self.created + self.reactivated


def webhook_address(base_url: str, platform: str, store_id: str) -> str:
    return f"{base_url.rstrip('/')}/webhooks/{platform}/{store_id}"


@dataclass
class SubscriptionHealth:
    log: HealthLog
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def repair(self, store_id: str, api: SubscriptionApi, address: str, topics: Iterable[str]) -> HealthReport:
        report = HealthReport(store_id, address)
        ours = [s for s in api.list_webhooks() if s.address == address]
        for topic in topics:
            found = [s for s in ours if s.topic == topic]
            if any(s.active for s in found):
                report.healthy.append(topic)
            elif found:
                api.reactivate_webhook(found[0])
                report.reactivated.append(topic)
            else:
                api.create_webhook(topic, address)
                report.created.append(topic)
        self.log.record_repairs(store_id, report.repaired, self.clock())
        return report


class ScheduleKeeper(Protocol):
    def ensure(self, store_id: str, entities: Iterable[str], every_minutes: int) -> list[str]: ...


@dataclass
class HealthSweep:
    """The periodic job: every store's subscriptions repaired, and its poll schedules put back in place."""

    stores: StoreLookup
    clients: Callable[[StoreRecord], SubscriptionApi]
    health: SubscriptionHealth
    platforms: PlatformCatalog
    webhook_base_url: str | None = None
    schedules: ScheduleKeeper | None = None

    def run(self) -> list[HealthReport]:
        reports = []
        for store in self.stores.all():
            topics = self.platforms.webhook_topics(store.platform)
            if not topics:
                continue
            if self.schedules:
                self.schedules.ensure(
                    store.store_id, self.platforms.polled_entities(store, live=True), store.poll_interval_minutes
                )
            if not self.webhook_base_url:
                continue
            address = webhook_address(self.webhook_base_url, store.platform, store.store_id)
            try:
                reports.append(self.health.repair(store.store_id, self.clients(store), address, topics))
            except ApiError as error:
                log.warning("subscription check failed", extra={"store_id": store.store_id, "reason": str(error)})
        return reports
