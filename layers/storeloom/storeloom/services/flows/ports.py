"""The ports the flow services use. Adapters live in storeloom.adapters and storeloom.channels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import Cart, Customer, Order, Product
from storeloom.domain.outbound import OutboundMessage


class FlowConfigRepository(Protocol):
    def current(self, store_id: str, flow_id: str) -> FlowConfig | None: ...

    def save(self, config: FlowConfig) -> FlowConfig:
        """Store ``config`` as the next version and return it with that version number."""
        ...


class DecisionLog(Protocol):
    def record(self, decision: Decision) -> None:
        """Idempotent: the same (run, step, attempt, kind) overwrites itself."""
        ...

    def record_first(self, decision: Decision) -> bool:
        """Write the decision only if its key is new (a run's entry); False when it was there already."""
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


class ProviderError(Exception):
    """The provider failed; the state machine's Retry tries the step again."""


class SendInProgress(Exception):
    """Another attempt holds the send claim for this (run, step); retried by the state machine."""


class Channel(Protocol):
    name: str

    def deliver(self, message: OutboundMessage) -> str:
        """Hand the message to the provider and return its message id; raise ProviderError on failure."""
        ...


class SendLedger(Protocol):
    """One send per (run, step): a conditional write before the provider call."""

    def claim(self, key: str, now: datetime) -> tuple[str, str | None]:
        """("claimed", None), ("delivered", provider_id) or ("in_progress", None)."""
        ...

    def delivered(self, key: str, provider_id: str, now: datetime) -> None: ...

    def release(self, key: str) -> None:
        """The provider call failed: let the next attempt claim the send again."""
        ...


class EnrichmentUnavailable(Exception):
    """The live catalog did not answer within the step's budget."""


class LiveUnsupported(Exception):
    """The store has no live API (no client for its platform, or it is not registered): read the entity store."""
