"""The ports the flow services use. Adapters live in storeloom.store and storeloom.channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storeloom.flows.config import FlowConfig
from storeloom.flows.decisions import Decision
from storeloom.model import Cart, Customer, Order, Product


@dataclass(frozen=True)
class SendRecord:
    """One message delivered to a contact: the frequency cap and the exclusion read these."""

    at: datetime
    medium: str
    flow_id: str
    run_id: str
    step: int


class FlowConfigRepository(Protocol):
    def current(self, store_id: str, flow_id: str) -> FlowConfig | None: ...

    def save(self, config: FlowConfig) -> FlowConfig:
        """Store ``config`` as the next version and return it with that version number."""
        ...


class DecisionLog(Protocol):
    def record(self, decision: Decision) -> None:
        """Idempotent: the same (run, step, attempt, kind) overwrites itself."""
        ...

    def list(self, store_id: str, flow_id: str | None = None) -> list[Decision]: ...


class ContactHistory(Protocol):
    def sends(self, store_id: str, contact_key: str, since: datetime) -> Sequence[SendRecord]: ...

    def record_send(self, store_id: str, contact_key: str, record: SendRecord) -> None: ...


class SuppressionList(Protocol):
    def is_suppressed(self, store_id: str, contact_key: str) -> bool: ...


class CommerceReader(Protocol):
    """The entity store, read by store and id, by normalized email and by customer."""

    def cart(self, store_id: str, cart_id: str) -> Cart | None: ...

    def customer(self, store_id: str, customer_id: str) -> Customer | None: ...

    def customers_by_email(self, store_id: str, email: str) -> list[Customer]: ...

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]: ...

    def product(self, store_id: str, product_id: str) -> Product | None: ...


class LiveCommerce(Protocol):
    """The platform's live API, where the adapter supports it. Raises on failure."""

    def product(self, store_id: str, product_id: str) -> Product | None: ...

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]: ...


class ExecutionStarter(Protocol):
    def start(self, name: str, payload: str) -> bool:
        """True if this call started the execution; False if it already existed (a duplicate)."""
        ...
