"""The ports the flow services use. Adapters live in storeloom.adapters and storeloom.channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storeloom.domain.decisions import Decision, SendRecord
from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.model import Cart, Customer, Order, Product
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.person import ActiveRun, PersonProfile
from storeloom.domain.purchases import PurchaseMark


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

    def order(self, store_id: str, order_id: str) -> Order | None: ...

    def customers_by_email(self, store_id: str, email: str) -> list[Customer]: ...

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]: ...

    def product(self, store_id: str, product_id: str) -> Product | None: ...

    def products_by_id(self, store_id: str, product_ids: Sequence[str]) -> dict[str, Product]:
        """The stored products among ``product_ids``, read together."""
        ...

    def purchases(self, store_id: str, marks: Sequence[str]) -> list[PurchaseMark]:
        """The orders noted on these purchase marks (storeloom.domain.purchases), read together."""
        ...


class PersonReader(Protocol):
    """The identity graph's person records (storeloom.domain.person)."""

    def person(self, store_id: str, person_id: str) -> PersonProfile | None:
        """The profile, following a merge to the person it went into."""
        ...

    def find(self, store_id: str, keys: Sequence[tuple[str, str]]) -> PersonProfile | None:
        """The person any of ``(kind, value)`` keys names (customer, email, phone, token)."""
        ...


class RunTracker(Protocol):
    """A person's active runs, which other flows exclude around."""

    def entered(self, store_id: str, person_id: str, run: ActiveRun) -> None: ...

    def ended(self, store_id: str, person_id: str, run_id: str, at: datetime) -> None: ...


class CatalogReader(Protocol):
    """What the post-purchase flow suggests from: co-purchase counts and category or tag members."""

    def copurchase(self, store_id: str, product_ids: Sequence[str]) -> dict[str, dict[str, int]]: ...

    def members(self, store_id: str, keys: Sequence[str]) -> dict[str, list[str]]:
        """Product ids per ``category:NAME`` / ``tag:NAME`` key."""
        ...


class Counters(Protocol):
    """The per-flow counters the KPI report reads (storeloom.domain.measurement): added to, never read here."""

    def add(self, store_id: str, flow_id: str, bucket: str, deltas: dict[str, int]) -> None: ...


class StepSession(Protocol):
    """A unit of work per step: the adapters read what a step needs up front in one batch and write its
    decision, send record and run changes together at the end, so a step costs a handful of requests."""

    def prefetch(self, plan: ReadPlan) -> None: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class ReadPlan:
    store_id: str
    person_id: str | None = None
    contact_keys: tuple[str, ...] = ()
    carts: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    purchases: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    copurchase: tuple[str, ...] = ()
    catalog: tuple[str, ...] = ()
    # "<run>#<step>#<attempt>": the step's counters are added once even when the step is run again.
    once: str | None = None


class NoSession:
    """For adapters that read and write directly (the in-memory ones)."""

    def prefetch(self, plan: ReadPlan) -> None:
        return None

    def flush(self) -> None:
        return None


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
