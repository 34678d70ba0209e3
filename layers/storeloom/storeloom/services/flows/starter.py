"""Entry: a cart event becomes at most one run per (flow, store, cart, abandonment window).

The bus delivers at least once (storeloom.services.ingest.service says why), so a cart event may arrive
again, minutes or days later. Its run id depends on the event alone, so a repeat meets the execution it
started (``ExecutionAlreadyExists``). A repeat that arrives after every step went stale starts no execution
either, and must not record an exit for a run that may be live: the entry decision is written once, and
a repeat that finds it records nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from storeloom.domain.decisions import Decision
from storeloom.domain.flow_config import ABANDONED_CART, FlowConfig
from storeloom.domain.model import Cart, CommerceEvent
from storeloom.domain.run import RunState, Subject, execution_name, window_of
from storeloom.domain.schedule import next_step
from storeloom.services.flows.ports import DecisionLog, ExecutionStarter, FlowConfigRepository
from storeloom.services.flows.steps import decision_for

StartStatus = Literal["started", "duplicate", "ignored", "stale"]


@dataclass(frozen=True)
class StartOutcome:
    status: StartStatus
    run_id: str | None = None
    reason: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FlowStarter:
    def __init__(
        self,
        configs: FlowConfigRepository,
        executions: ExecutionStarter,
        decisions: DecisionLog,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._configs = configs
        self._executions = executions
        self._decisions = decisions
        self._clock = clock

    def handle(self, event: CommerceEvent, flow_id: str = ABANDONED_CART) -> StartOutcome:
        cart = event.entity
        if event.entity_type != "cart" or not isinstance(cart, Cart):
            return StartOutcome("ignored", reason="not_a_cart")
        if cart.completed_at is not None or cart.order_id is not None:
            return StartOutcome("ignored", reason="has_order")
        config = self._configs.current(event.store_id, flow_id)
        if config is None or not config.enabled:
            return StartOutcome("ignored", reason="flow_disabled")
        if not cart.email and not (config.medium == "sms" and cart.customer_id):
            return StartOutcome("ignored", reason="no_contact")
        state = self.entry_state(event.store_id, cart, event.occurred_at, config)
        return self._start(state)

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
        now = state.entered_at
        if not state.done and not self._executions.start(state.run_id, state.model_dump_json()):
            return StartOutcome("duplicate", state.run_id, "execution_exists")
        entered = self._enter(decision_for(state.model_copy(update={"step": -1}), "entered", None, now))
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

    def _enter(self, decision: Decision) -> bool:
        """Record the run's entry unless it is recorded already; False if it was."""
        return self._decisions.record_first(decision)
