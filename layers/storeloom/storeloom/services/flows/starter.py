"""Entry: a cart event becomes at most one run per (flow, store, cart, abandonment window).

The bus delivers at least once (storeloom.services.ingest.service says why), so a cart event may arrive
again, minutes or days later. Its run id depends on the event alone, so a repeat meets the execution it
started (``ExecutionAlreadyExists``). A repeat that arrives after every step went stale starts no execution
either, and must not record an exit for a run that may be live: the entry decision is written once, and
a repeat that finds it records nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain import measurement as measure
from storeloom.domain.decisions import Decision
from storeloom.domain.eligibility import contact_key
from storeloom.domain.flow_config import ABANDONED_CART, DAY, POST_PURCHASE, WINBACK, FlowConfig
from storeloom.domain.model import Cart, CommerceEvent, Order, Product
from storeloom.domain.person import ActiveRun, PersonProfile
from storeloom.domain.related import catalog_keys
from storeloom.domain.run import RunState, Subject, execution_name, window_of
from storeloom.domain.schedule import next_step
from storeloom.domain.types import UtcDatetime
from storeloom.services.flows.ports import (
    CommerceReader,
    Counters,
    DecisionLog,
    ExecutionStarter,
    FlowConfigRepository,
    PersonReader,
    RunTracker,
)
from storeloom.services.flows.steps import decision_for

StartStatus = Literal["started", "duplicate", "ignored", "stale"]


@dataclass(frozen=True)
class StartOutcome:
    status: StartStatus
    run_id: str | None = None
    reason: str | None = None


_PAID = ("paid", "partially_paid")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SegmentChange(BaseModel):
    """The detail of a ``segment.entered`` / ``segment.exited`` event on the bus."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    event_id: str
    store_id: str
    person_id: str
    segment: str
    segments: list[str] = Field(default_factory=list)
    at: UtcDatetime


class FlowStarter:
    """Entry for every flow: a cart event may start abandoned-cart recovery, a paid order a post-purchase run,
    a VIP entering ``at_risk`` a win-back run."""

    def __init__(
        self,
        configs: FlowConfigRepository,
        executions: ExecutionStarter | Mapping[str, ExecutionStarter],
        decisions: DecisionLog,
        clock: Callable[[], datetime] = _utcnow,
        *,
        people: PersonReader | None = None,
        runs: RunTracker | None = None,
        commerce: CommerceReader | None = None,
        counters: Counters | None = None,
    ) -> None:
        self._configs = configs
        self._executions = executions if isinstance(executions, Mapping) else {ABANDONED_CART: executions}
        self._decisions = decisions
        self._clock = clock
        self._people = people
        self._runs = runs
        self._commerce = commerce
        self._counters = counters

    def handle(self, event: CommerceEvent, flow_id: str = ABANDONED_CART) -> StartOutcome:
        if event.entity_type == "order" and isinstance(event.entity, Order):
            return self.handle_order(event, event.entity)
        cart = event.entity
        if event.entity_type != "cart" or not isinstance(cart, Cart):
            return StartOutcome("ignored", reason="not_a_cart")
        if cart.completed_at is not None or cart.order_id is not None:
            return StartOutcome("ignored", reason="has_order")
        config = self._enabled(event.store_id, flow_id)
        if config is None:
            return StartOutcome("ignored", reason="flow_disabled")
        if not cart.email and not (config.medium == "sms" and cart.customer_id):
            return StartOutcome("ignored", reason="no_contact")
        state = self.entry_state(event.store_id, cart, event.occurred_at, config)
        keys = [("token", cart.id)] + ([("email", cart.email)] if cart.email else [])
        person = self._find(event.store_id, cart.customer_id, keys)
        if person is not None:
            state = state.model_copy(update={"subject": state.subject.model_copy(update={"person_id": person})})
        return self._start(state)

    def handle_order(self, event: CommerceEvent, order: Order) -> StartOutcome:
        """A paid order (paid or partially paid, not cancelled) enters post-purchase once."""
        if order.cancelled_at is not None or order.payment_status not in _PAID:
            return StartOutcome("ignored", reason="not_paid")
        config = self._enabled(event.store_id, POST_PURCHASE)
        if config is None:
            return StartOutcome("ignored", reason="flow_disabled")
        keys = [("email", order.email)] if order.email else []
        person_id = self._find(event.store_id, order.customer_id, keys)
        if not order.email and person_id is None:
            return StartOutcome("ignored", reason="no_contact")
        bought = list(dict.fromkeys(i.product_id for i in order.line_items if i.product_id))
        products = self._commerce.products_by_id(event.store_id, bought) if self._commerce and bought else {}
        config = config.model_copy(update={"delays_seconds": first_step_delay(config, products.values())})
        anchor = order.placed_at or event.occurred_at
        subject = Subject(
            store_id=event.store_id,
            order_id=order.id,
            person_id=person_id,
            customer_id=order.customer_id,
            email=order.email,
            product_ids=bought,
            catalog=catalog_keys(products.values()),
            active_since=anchor,
        )
        run_id = execution_name(POST_PURCHASE, event.store_id, order.id, 0)
        return self._start(self._state(run_id, subject, config, anchor))

    def handle_segment(self, change: SegmentChange) -> StartOutcome:
        """A VIP who enters ``at_risk`` enters win-back, at most once per ``reentry_seconds``."""
        if change.segment != "at_risk" or "vip" not in change.segments:
            return StartOutcome("ignored", reason="not_a_vip_at_risk")
        config = self._enabled(change.store_id, WINBACK)
        if config is None:
            return StartOutcome("ignored", reason="flow_disabled")
        person = self._people.person(change.store_id, change.person_id) if self._people else None
        if person is None or not person.email:
            return StartOutcome("ignored", reason="no_contact")
        if _entered_within(person, WINBACK, self._clock() - timedelta(seconds=config.reentry_seconds)):
            return StartOutcome("ignored", reason="entered_within_reentry")
        subject = Subject(
            store_id=change.store_id,
            person_id=person.person_id,
            customer_id=person.customer_ids[0] if person.customer_ids else None,
            email=person.email,
            active_since=change.at,
        )
        run_id = execution_name(WINBACK, change.store_id, person.person_id, int(change.at.timestamp()) // DAY)
        return self._start(self._state(run_id, subject, config, change.at))

    def _enabled(self, store_id: str, flow_id: str) -> FlowConfig | None:
        config = self._configs.current(store_id, flow_id)
        return config if config is not None and config.enabled else None

    def _find(self, store_id: str, customer_id: str | None, keys: list[tuple[str, str]]) -> str | None:
        if self._people is None:
            return None
        wanted = ([("customer", customer_id)] if customer_id else []) + keys
        person = self._people.find(store_id, wanted) if wanted else None
        return person.person_id if person else None

    def _state(self, run_id: str, subject: Subject, config: FlowConfig, anchor: datetime) -> RunState:
        now = self._clock()
        plan = next_step(config, anchor, 0, now)
        return RunState(
            run_id=run_id,
            subject=subject,
            config=config,
            entered_at=now,
            anchor=anchor,
            step=plan.step if plan.step is not None else len(config.delays_seconds),
            wait_seconds=plan.wait_seconds,
            done=plan.step is None,
        )

    def entry_state(self, store_id: str, cart: Cart, occurred_at: datetime, config: FlowConfig) -> RunState:
        """Timing counts from the cart's last activity, so a late event enters mid-schedule."""
        now = self._clock()
        window = window_of(occurred_at, cart.created_at, config.window_seconds)
        plan = next_step(config, occurred_at, 0, now)
        subject = Subject(
            store_id=store_id,
            cart_id=cart.id,
            customer_id=cart.customer_id,
            email=cart.email,
            # Read with each step's batch; a product added to the cart later is read on its own.
            product_ids=list(dict.fromkeys(i.product_id for i in cart.line_items if i.product_id)),
            active_since=cart.created_at or occurred_at,
        )
        return RunState(
            run_id=execution_name(config.flow_id, store_id, cart.id, window),
            subject=subject,
            config=config,
            entered_at=now,
            anchor=occurred_at,
            step=plan.step if plan.step is not None else len(config.delays_seconds),
            wait_seconds=plan.wait_seconds,
            done=plan.step is None,
        )

    def _start(self, state: RunState) -> StartOutcome:
        state = _assigned(state)
        now = state.entered_at
        executions = self._executions.get(state.config.flow_id)
        if executions is None:
            return StartOutcome("ignored", reason="flow_not_deployed")
        if not state.done and not executions.start(state.run_id, state.model_dump_json()):
            return StartOutcome("duplicate", state.run_id, "execution_exists")
        self._track(state)
        entered = self._enter(decision_for(state.model_copy(update={"step": -1}), "entered", None, now))
        if entered and self._counters is not None:
            arm: measure.Arm = "control" if state.held_out else "treated"
            bucket = measure.bucket_key(state.entered_at, state.config.version, measure.NO_VARIANT, arm)
            self._counters.add(state.subject.store_id, state.config.flow_id, bucket, {measure.ENTRIES: 1})
        if state.done and not entered:
            # A repeat after every step went stale: the run entered when its event first came, and its
            # steps (if it has an execution) record their own outcomes.
            return StartOutcome("duplicate", state.run_id, "entered_before")
        # Not done and already entered: Step Functions answered a same-input start with the running
        # execution, or an entry that found every step stale has an execution now (a newer config). The
        # first entry is kept either way; the stale steps below rewrite their own keys.
        plan = next_step(state.config, state.anchor, 0, now)
        for step in plan.stale:
            stale = state.model_copy(update={"step": step})
            self._decisions.record(decision_for(stale, "suppressed", "stale", now))
        if state.done:
            self._decisions.record(decision_for(state, "exited", "stale", now))
            return StartOutcome("stale", state.run_id, "every step is stale")
        return StartOutcome("started", state.run_id)

    def _track(self, state: RunState) -> None:
        """The person is in this run until its last step is due (other flows exclude around it)."""
        person_id = state.subject.person_id
        if self._runs is None or person_id is None or state.done:
            return
        until = state.anchor + timedelta(seconds=state.config.delays_seconds[-1] + DAY)
        run = ActiveRun(
            flow_id=state.config.flow_id,
            run_id=state.run_id,
            entered_at=state.entered_at,
            until=until,
            flow_version=state.config.version,
            held_out=state.held_out,
            medium=state.config.medium,
        )
        self._runs.entered(state.subject.store_id, person_id, run)

    def _enter(self, decision: Decision) -> bool:
        """Record the run's entry unless it is recorded already; False if it was."""
        return self._decisions.record_first(decision)


def first_step_delay(config: FlowConfig, products: Iterable[Product]) -> list[int]:
    """The flow's delays with the first one set by the bought products' categories or tags (the shortest
    match: a consumable's cycle), later steps keeping their distance from it."""
    keys = catalog_keys(products)
    matches = [config.category_delays[k] for k in keys if k in config.category_delays]
    delays = list(config.delays_seconds)
    if not matches:
        return delays
    shift = min(matches) - delays[0]
    return [max(0, d + shift) for d in delays]


def _entered_within(person: PersonProfile, flow_id: str, since: datetime) -> bool:
    return any(r.flow_id == flow_id and r.entered_at > since for r in person.runs.values())


def _assigned(state: RunState) -> RunState:
    """Pin who the run is about for holdout and variants (the person, else their hashed address) and its arm:
    a run keeps the assignment it entered with, whatever the flow's later versions say."""
    subject = state.subject
    key = subject.person_id or (contact_key("email", subject.email) if subject.email else None)
    key = key or (contact_key("sms", subject.phone) if subject.phone else None)
    if key is None:
        return state
    percent = state.config.holdout_percent
    control = measure.held_out(state.config.flow_id, subject.store_id, key, percent)
    return state.model_copy(update={"person_key": key, "held_out": control})
