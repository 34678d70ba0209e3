"""One step of a run: re-check, decide, maybe send, and schedule the next step. Called by the task handler."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storeloom.domain import eligibility as rules
from storeloom.domain.decisions import Decision, DecisionKind, SendRecord
from storeloom.domain.model import Cart
from storeloom.domain.run import RunState
from storeloom.domain.schedule import next_step
from storeloom.services.flows.enrich import Enricher
from storeloom.services.flows.identity import Person, conversion, resolve
from storeloom.services.flows.message import build_message
from storeloom.services.flows.once import OnceSender
from storeloom.services.flows.ports import CommerceReader, ContactHistory, DecisionLog, LiveCommerce, SuppressionList

ABANDONMENT_FLOWS = ("abandoned_cart", "abandoned_checkout", "abandoned_browse")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class StepDeps:
    commerce: CommerceReader
    history: ContactHistory
    suppressions: SuppressionList
    decisions: DecisionLog
    sender: OnceSender
    enricher: Enricher
    live: LiveCommerce | None = None
    clock: Callable[[], datetime] = _utcnow


class StepRunner:
    def __init__(self, deps: StepDeps) -> None:
        self._d = deps

    def run(self, state: RunState) -> RunState:
        now = self._d.clock()
        store = state.subject.store_id
        cart = self._d.commerce.cart(store, state.subject.cart_id)
        if cart is None:
            return self._exit(state, "cart_missing", now)
        person = resolve(self._d.commerce, state.subject, cart)
        bought = conversion(self._d.commerce, self._d.live, cart, person, state.subject.active_since, store)
        if bought.converted:
            return self._exit(state, "converted", now, {"orders": bought.source})
        if cart.updated_at > state.anchor:
            state = state.model_copy(update={"anchor": cart.updated_at})
            plan = next_step(state.config, state.anchor, state.step, now)
            if plan.step == state.step and plan.wait_seconds > 0:
                return self._wait(state, "cart_active", plan.wait_seconds, now)
        return self._gate(state, cart, person, now, bought.source)

    def _gate(self, state: RunState, cart: Cart, person: Person, now: datetime, orders: str) -> RunState:
        config, store = state.config, state.subject.store_id
        address = person.address(config.medium)
        if not address:
            return self._exit(state, "no_contact", now)
        key = rules.contact_key(config.medium, address)
        consent = rules.consent_of(person.customers, config.medium)
        reason = rules.marketplace_exit((c.tags for c in person.customers), address) or rules.consent_exit(
            consent, config.allow_non_subscriber_reminder, state.sent
        )
        if reason is None and self._d.suppressions.is_suppressed(store, key):
            reason = "suppressed"
        lookback = max(config.exclusion_seconds, config.frequency_cap_seconds.get(config.medium, 0))
        sends = self._d.history.sends(store, key, now - timedelta(seconds=lookback))
        if reason is None and rules.excluded(sends, state.run_id, ABANDONMENT_FLOWS, config.exclusion_seconds, now):
            reason = "excluded"
        if reason is not None:
            return self._exit(state, reason, now)
        cap = config.frequency_cap_seconds.get(config.medium, 0)
        if rules.capped(sends, config.medium, cap, now, (state.run_id, state.step)):
            return self._advance(state, now, skipped="frequency_cap")
        tz = rules.zone(person.timezone, config.default_timezone)
        until = rules.quiet_until(now, tz, config.quiet_hours.get(config.medium))
        if until is not None:
            return self._wait(state, "quiet_hours", math.ceil((until - now).total_seconds()), now)
        return self._enrich_and_send(state, cart, (address, key), now, orders)

    def _enrich_and_send(
        self, state: RunState, cart: Cart, contact: tuple[str, str], now: datetime, orders: str
    ) -> RunState:
        config, (address, key) = state.config, contact
        enrichment = self._d.enricher.enrich(config.store_id, cart.line_items, config, now)
        if enrichment.deferred:
            deferred = {"enrichment": enrichment.source, "orders": orders}
            return self._wait(state, "enrichment_unavailable", config.defer_seconds, now, deferred)
        detail = {"enrichment": enrichment.source, "dropped": ",".join(enrichment.dropped), "orders": orders}
        if not enrichment.items:
            return self._exit(state, "out_of_stock", now, detail)
        variant = rules.variant_for(config.variants, config.flow_id, key)
        message = build_message(state, cart, address, enrichment.items, variant, now)
        provider_id, _ = self._d.sender.send(message, config.provider, now, config.webhook_url)
        record = SendRecord(now, config.medium, config.flow_id, state.run_id, state.step)
        self._d.history.record_send(config.store_id, key, record)
        self._decide(state, "sent", None, now, message_id=provider_id, variant=variant, detail=detail)
        return self._advance(state.model_copy(update={"sent": state.sent + 1}), now)

    def _advance(self, state: RunState, now: datetime, skipped: str | None = None) -> RunState:
        if skipped is not None:
            self._decide(state, "suppressed", skipped, now)
        plan = next_step(state.config, state.anchor, state.step + 1, now)
        for step in plan.stale:
            self._decide(state.model_copy(update={"step": step, "attempt": 0}), "suppressed", "stale", now)
        if plan.step is None:
            last = len(state.config.delays_seconds)
            return self._exit(state.model_copy(update={"step": last, "attempt": 0}), "completed", now)
        return state.model_copy(update={"step": plan.step, "attempt": 0, "wait_seconds": plan.wait_seconds})

    def _wait(
        self, state: RunState, reason: str, seconds: int, now: datetime, detail: dict[str, str] | None = None
    ) -> RunState:
        if state.attempt >= state.config.max_defers:
            return self._advance(state, now, skipped="defer_limit")
        self._decide(state, "waited", reason, now, detail={"seconds": str(seconds), **(detail or {})})
        return state.model_copy(update={"attempt": state.attempt + 1, "wait_seconds": max(0, seconds)})

    def _exit(self, state: RunState, reason: str, now: datetime, detail: dict[str, str] | None = None) -> RunState:
        self._decide(state, "exited", reason, now, detail=detail or {})
        return state.model_copy(update={"done": True, "wait_seconds": 0})

    def _decide(
        self,
        state: RunState,
        kind: DecisionKind,
        reason: str | None,
        now: datetime,
        *,
        message_id: str | None = None,
        variant: str | None = None,
        detail: dict[str, str] | None = None,
    ) -> None:
        self._d.decisions.record(decision_for(state, kind, reason, now, message_id, variant, detail or {}))


def decision_for(
    state: RunState,
    kind: DecisionKind,
    reason: str | None,
    now: datetime,
    message_id: str | None = None,
    variant: str | None = None,
    detail: dict[str, str] | None = None,
) -> Decision:
    return Decision(
        store_id=state.subject.store_id,
        flow_id=state.config.flow_id,
        run_id=state.run_id,
        flow_version=state.config.version,
        step=state.step,
        attempt=state.attempt,
        kind=kind,
        reason=reason,
        at=now,
        message_id=message_id,
        channel=state.config.provider if kind == "sent" else None,
        variant=variant,
        detail=detail or {},
    )
