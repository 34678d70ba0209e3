"""In-memory adapters for every flow port: for unit tests and the bench's model of a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import Cart, Customer, Order, Product
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.person import ActiveRun, PersonProfile
from storeloom.domain.purchases import ATTRIBUTE_PREFIX, PurchaseMark, mark_value, order_marks, parse_marks


@dataclass
class MemoryFlowConfigs:
    versions: dict[tuple[str, str], list[FlowConfig]] = field(default_factory=dict)

    def current(self, store_id: str, flow_id: str) -> FlowConfig | None:
        history = self.versions.get((store_id, flow_id))
        return history[-1] if history else None

    def save(self, config: FlowConfig) -> FlowConfig:
        history = self.versions.setdefault((config.store_id, config.flow_id), [])
        saved = config.model_copy(update={"version": len(history) + 1})
        history.append(saved)
        return saved


@dataclass
class MemoryDecisions:
    items: dict[tuple[str, str], Decision] = field(default_factory=dict)

    def record(self, decision: Decision) -> None:
        self.items[(decision.store_id, decision.sort_key)] = decision

    def record_first(self, decision: Decision) -> bool:
        key = (decision.store_id, decision.sort_key)
        if key in self.items:
            return False
        self.items[key] = decision
        return True

    def list(self, store_id: str, flow_id: str | None = None) -> list[Decision]:
        return [
            d
            for (s, key), d in sorted(self.items.items())
            if s == store_id and (flow_id is None or d.flow_id == flow_id)
        ]


@dataclass
class MemoryHistory:
    records: dict[tuple[str, str], dict[tuple[str, int], SendRecord]] = field(default_factory=dict)

    def sends(self, store_id: str, contact_key: str, since: datetime) -> Sequence[SendRecord]:
        found = self.records.get((store_id, contact_key), {}).values()
        return [r for r in found if r.at >= since]

    def record_send(self, store_id: str, contact_key: str, record: SendRecord) -> None:
        self.records.setdefault((store_id, contact_key), {})[(record.run_id, record.step)] = record


@dataclass
class MemorySuppressions:
    keys: set[tuple[str, str]] = field(default_factory=set)

    def is_suppressed(self, store_id: str, contact_key: str) -> bool:
        return (store_id, contact_key) in self.keys


@dataclass
class MemoryCommerce:
    carts: dict[str, Cart] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)

    def cart(self, store_id: str, cart_id: str) -> Cart | None:
        return self.carts.get(cart_id)

    def customer(self, store_id: str, customer_id: str) -> Customer | None:
        return self.customers.get(customer_id)

    def order(self, store_id: str, order_id: str) -> Order | None:
        return next((o for o in reversed(self.orders) if o.id == order_id), None)

    def customers_by_email(self, store_id: str, email: str) -> list[Customer]:
        return [c for c in self.customers.values() if c.email == email.strip().lower()]

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]:
        return [o for o in self.orders if o.customer_id in customer_ids or (email and o.email == email)]

    def product(self, store_id: str, product_id: str) -> Product | None:
        return self.products.get(product_id)

    def purchases(self, store_id: str, marks: Sequence[str]) -> list[PurchaseMark]:
        wanted = set(marks)
        found = []
        for o in self.orders:
            noted = set(order_marks(o)) & wanted
            for key in noted:
                parsed = parse_marks(key, {ATTRIBUTE_PREFIX + o.id: mark_value(o)})
                found += parsed
        return found

    def products_by_id(self, store_id: str, product_ids: Sequence[str]) -> dict[str, Product]:
        return {i: self.products[i] for i in product_ids if i in self.products}


@dataclass
class MemorySendLedger:
    claims: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def claim(self, key: str, now: datetime) -> tuple[str, str | None]:
        status, provider_id = self.claims.get(key, ("free", None))
        if status == "delivered":
            return status, provider_id
        if status == "claimed":
            return "in_progress", None
        self.claims[key] = ("claimed", None)
        return "claimed", None

    def delivered(self, key: str, provider_id: str, now: datetime) -> None:
        self.claims[key] = ("delivered", provider_id)

    def release(self, key: str) -> None:
        self.claims.pop(key, None)


@dataclass
class MemoryChannel:
    name: str = "outbox"
    delivered: list[OutboundMessage] = field(default_factory=list)
    failures: int = 0

    def deliver(self, message: OutboundMessage) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("provider unavailable")
        self.delivered.append(message)
        return message.message_id


@dataclass
class MemoryExecutions:
    started: dict[str, str] = field(default_factory=dict)

    def start(self, name: str, payload: str) -> bool:
        if name in self.started:
            return False
        self.started[name] = payload
        return True


@dataclass
class MemoryPeople:
    """Person records and identity keys, plus the runs the starter and the steps track on them."""

    profiles: dict[str, PersonProfile] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, profile: PersonProfile) -> PersonProfile:
        self.profiles[profile.person_id] = profile
        self.keys.update({("customer", c): profile.person_id for c in profile.customer_ids})
        self.keys.update({("email", e): profile.person_id for e in profile.emails})
        return profile

    def person(self, store_id: str, person_id: str) -> PersonProfile | None:
        profile = self.profiles.get(person_id)
        while profile is not None and profile.merged_into:
            profile = self.profiles.get(profile.merged_into)
        return profile

    def find(self, store_id: str, keys: Sequence[tuple[str, str]]) -> PersonProfile | None:
        for kind, value in keys:
            normalized = value.strip().lower() if kind == "email" else value
            if (person_id := self.keys.get((kind, normalized))) is not None:
                return self.person(store_id, person_id)
        return None

    def entered(self, store_id: str, person_id: str, run: ActiveRun) -> None:
        profile = self.profiles[person_id]
        self.profiles[person_id] = profile.model_copy(update={"runs": {**profile.runs, run.run_id: run}})

    def ended(self, store_id: str, person_id: str, run_id: str, at: datetime) -> None:
        profile = self.profiles.get(person_id)
        if profile is None or run_id not in profile.runs:
            return
        ended = profile.runs[run_id].model_copy(update={"until": at})
        self.profiles[person_id] = profile.model_copy(update={"runs": {**profile.runs, run_id: ended}})


@dataclass
class MemoryCatalog:
    together: dict[str, dict[str, int]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)

    def copurchase(self, store_id: str, product_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return {p: self.together[p] for p in product_ids if p in self.together}

    def members(self, store_id: str, keys: Sequence[str]) -> dict[str, list[str]]:
        return {k: self.groups[k] for k in keys if k in self.groups}


@dataclass
class MemoryCounters:
    buckets: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)

    def add(self, store_id: str, flow_id: str, bucket: str, deltas: dict[str, int]) -> None:
        counts = self.buckets.setdefault((store_id, flow_id, bucket), {})
        for name, n in deltas.items():
            counts[name] = counts.get(name, 0) + n

    def total(self, name: str, arm: str | None = None) -> int:
        return sum(c.get(name, 0) for (_s, _f, b), c in self.buckets.items() if arm is None or b.endswith(arm))
