"""Canonical entities and a wired StepRunner over in-memory adapters, for the flow unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import Cart, Customer, Order, Product
from storeloom.domain.run import RunState, Subject
from storeloom.services.flows.catalogue import flow_steps
from storeloom.services.flows.enrich import Enricher
from storeloom.services.flows.once import OnceSender
from storeloom.services.flows.steps import StepDeps, StepRunner
from tests.fakes.flows import (
    MemoryCatalog,
    MemoryChannel,
    MemoryCommerce,
    MemoryCounters,
    MemoryDecisions,
    MemoryHistory,
    MemoryPeople,
    MemorySendLedger,
    MemorySuppressions,
)

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
STORE = "shop-1"


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def cart(**overrides: Any) -> Cart:
    data: dict[str, Any] = {
        "id": "cart-1",
        "customer_id": "cust-1",
        "email": "ann@example.com",
        "line_items": [
            {
                "product_id": "p1",
                "variant_id": "v1",
                "title": "Mug",
                "quantity": 1,
                "unit_price": money("12.50"),
            },
        ],
        "recovery_url": "https://shop.example/recover/cart-1",
        "created_at": NOW - timedelta(hours=2),
        "updated_at": NOW - timedelta(hours=1),
    }
    return Cart.model_validate({**data, **overrides})


def customer(**overrides: Any) -> Customer:
    data: dict[str, Any] = {
        "id": "cust-1",
        "email": "ann@example.com",
        "email_consent": "subscribed",
        "updated_at": NOW - timedelta(days=3),
    }
    return Customer.model_validate({**data, **overrides})


def order(**overrides: Any) -> Order:
    data: dict[str, Any] = {
        "id": "o-1",
        "customer_id": "cust-1",
        "email": "ann@example.com",
        "total": money("12.50"),
        "payment_status": "paid",
        "placed_at": NOW - timedelta(minutes=30),
        "updated_at": NOW - timedelta(minutes=30),
    }
    return Order.model_validate({**data, **overrides})


def product(in_stock: bool = True, **overrides: Any) -> Product:
    data: dict[str, Any] = {
        "id": "p1",
        "title": "Big Mug",
        "image_url": "https://cdn.example/mug.png",
        "variants": [{"id": "v1", "price": money("11.00"), "in_stock": in_stock}],
        "updated_at": NOW - timedelta(hours=1),
    }
    return Product.model_validate({**data, **overrides})


def config(**overrides: Any) -> FlowConfig:
    return FlowConfig(store_id=STORE, version=3, **overrides)


def state(cfg: FlowConfig | None = None, **overrides: Any) -> RunState:
    the_cart = cart()
    subject = Subject(
        store_id=STORE,
        cart_id=the_cart.id,
        customer_id=the_cart.customer_id,
        email=the_cart.email,
        active_since=the_cart.created_at or NOW,
    )
    data: dict[str, Any] = {
        "run_id": "run-1",
        "subject": subject,
        "config": cfg or config(),
        "entered_at": NOW - timedelta(minutes=59),
        "anchor": the_cart.updated_at,
    }
    return RunState.model_validate({**data, **overrides})


@dataclass
class World:
    commerce: MemoryCommerce = field(default_factory=MemoryCommerce)
    history: MemoryHistory = field(default_factory=MemoryHistory)
    suppressions: MemorySuppressions = field(default_factory=MemorySuppressions)
    decisions: MemoryDecisions = field(default_factory=MemoryDecisions)
    ledger: MemorySendLedger = field(default_factory=MemorySendLedger)
    channel: MemoryChannel = field(default_factory=MemoryChannel)
    people: MemoryPeople = field(default_factory=MemoryPeople)
    catalog: MemoryCatalog = field(default_factory=MemoryCatalog)
    counters: MemoryCounters = field(default_factory=MemoryCounters)
    now: datetime = NOW

    def runner(self, live: Any = None) -> StepRunner:
        deps = StepDeps(
            commerce=self.commerce,
            history=self.history,
            suppressions=self.suppressions,
            decisions=self.decisions,
            sender=OnceSender(self.ledger, lambda _name, _target: self.channel),
            enricher=Enricher(self.commerce, live),
            live=live,
            clock=lambda: self.now,
            people=self.people,
            runs=self.people,
            catalog=self.catalog,
            counters=self.counters,
        )
        return StepRunner(deps, flow_steps())

    def reasons(self) -> list[tuple[int, str, str | None]]:
        return [(d.step, d.kind, d.reason) for d in self.decisions.list(STORE)]


def world(**overrides: Any) -> World:
    w = World()
    w.commerce.carts["cart-1"] = cart(**overrides)
    w.commerce.customers["cust-1"] = customer()
    w.commerce.products["p1"] = product()
    return w
