"""One step of a run: re-check, decide, maybe send, and schedule the next step. Called by the task handler."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from storeloom.domain import eligibility as rules
from storeloom.domain import measurement as measure
from storeloom.domain.decisions import Decision, DecisionKind, SendRecord
from storeloom.domain.flow_config import DAY
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.run import RunState
from storeloom.domain.schedule import next_step
from storeloom.services.flows.enrich import Enricher
from storeloom.services.flows.identity import Person, resolve
from storeloom.services.flows.once import OnceSender
from storeloom.services.flows.ports import (
    CatalogReader,
    CommerceReader,
    ContactHistory,
    Counters,
    DecisionLog,
    LiveCommerce,
    NoSession,
    PersonReader,
    ReadPlan,
    RunTracker,
    StepSession,
    SuppressionList,
)

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
    people: PersonReader | None = None
    runs: RunTracker | None = None
    catalog: CatalogReader | None = None
    session: StepSession = field(default_factory=NoSession)
    counters: Counters | None = None


@dataclass(frozen=True)
class Contact:
    """Where and when a step may send: the address, its hashed key and the recipient's zone."""

    address: str
    key: str
    zone: str
    zone_source: str

    def detail(self) -> dict[str, str]:
        return {"tz": self.zone, "tz_source": self.zone_source}


class FlowSteps(Protocol):
    def plan(self, state: RunState) -> ReadPlan: ...

    def run(self, runner: StepRunner, state: RunState, now: datetime) -> RunState: ...


class StepRunner:
    def __init__(self, deps: StepDeps, flows: Mapping[str, FlowSteps]) -> None:
        self._d = deps
        self._flows = flows

    @property
    def deps(self) -> StepDeps:
        return self._d

    def run(self, state: RunState) -> RunState:
        flow = self._flows.get(state.config.flow_id)
        if flow is None:
            raise ValueError(f"no steps for flow {state.config.flow_id!r}")
        plan = flow.plan(state)
        self._d.session.prefetch(replace(plan, once=f"{state.run_id}#{state.step}#{state.attempt}"))
        after = flow.run(self, state, self._d.clock())
        self._d.session.flush()
        return after

    def person(self, state: RunState, email: str | None = None, customer_id: str | None = None) -> Person:
        return resolve(self._d.commerce, self._d.people, state.subject, email, customer_id)

    def gate(self, state: RunState, person: Person, now: datetime) -> RunState | Contact:
        """Consent, suppression, exclusions, caps and quiet hours: the state to return, or where to send."""
        config, store = state.config, state.subject.store_id
        address = person.address(config.medium)
        if not address:
            return self.exit(state, "no_contact", now)
        key = rules.contact_key(config.medium, address)
        consent = rules.strictest(person.consents(config.medium))
        reason = rules.marketplace_exit(person.tags, address) or rules.consent_exit(
            consent, config.allow_non_subscriber_reminder, state.sent
        )
        if reason is None and self._d.suppressions.is_suppressed(store, key):
            reason = "suppressed"
        lookback = max(config.exclusion_seconds, config.frequency_cap_seconds.get(config.medium, 0), DAY)
        sends = self._d.history.sends(store, key, now - timedelta(seconds=lookback))
        abandonment = config.flow_id in ABANDONMENT_FLOWS
        if (
            reason is None
            and abandonment
            and rules.excluded(sends, state.run_id, ABANDONMENT_FLOWS, config.exclusion_seconds, now)
        ):
            reason = "excluded"
        if reason is not None:
            return self.exit(state, reason, now)
        if not abandonment and _in_abandonment(person, sends, now):
            return self.wait(state, "abandonment_active", DAY, now)
        cap = config.frequency_cap_seconds.get(config.medium, 0)
        if rules.capped(sends, config.medium, cap, now, (state.run_id, state.step)):
            return self.advance(state, now, skipped="frequency_cap")
        contact = _contact(person, address, key, config.default_timezone)
        until = rules.quiet_until(now, rules.zone(contact.zone, "UTC"), config.quiet_hours.get(config.medium))
        if until is not None:
            seconds = math.ceil((until - now).total_seconds())
            return self.wait(state, "quiet_hours", seconds, now, contact.detail())
        return contact

    def variant(self, state: RunState, contact_key: str | None) -> str | None:
        """This step's variant for this person: stable per (flow, step, person)."""
        key = state.person_key or contact_key
        if key is None:
            return None
        return measure.variant_for_step(state.config.flow_id, state.step, key, state.config.variants)

    def send(
        self, state: RunState, message: OutboundMessage, contact: Contact, now: datetime, detail: dict[str, str]
    ) -> RunState:
        """Deliver once, or, for a run in the control arm, record what would have gone out."""
        config, state = state.config, self._passed_gate(state, message.variant)
        full = {**detail, **contact.detail()}
        if state.held_out:
            self.decide(state, "held_out", None, now, variant=message.variant, detail=full)
            return self.advance(state.model_copy(update={"sent": state.sent + 1}), now)
        provider_id, _ = self._d.sender.send(message, config.provider, now, config.webhook_url)
        record = SendRecord(
            now,
            config.medium,
            config.flow_id,
            state.run_id,
            state.step,
            flow_version=config.version,
            variant=message.variant,
            channel=config.provider,
            entered_at=state.entered_at,
        )
        self._d.history.record_send(config.store_id, contact.key, record)
        self.decide(state, "sent", None, now, message_id=provider_id, variant=message.variant, detail=full)
        return self.advance(state.model_copy(update={"sent": state.sent + 1}), now)

    def _passed_gate(self, state: RunState, variant: str) -> RunState:
        """Count the run as eligible the first time, and as a run of this variant the first time it gets it."""
        if not state.eligible:
            self.count(state, {measure.ELIGIBLE: 1})
            state = state.model_copy(update={"eligible": True})
        if variant not in state.variants_seen:
            self.count(state, {measure.VARIANT_RUNS: 1}, variant)
            state = state.model_copy(update={"variants_seen": [*state.variants_seen, variant]})
        return state

    def count(self, state: RunState, deltas: dict[str, int], variant: str | None = None) -> None:
        if self._d.counters is None or not deltas:
            return
        arm: measure.Arm = "control" if state.held_out else "treated"
        bucket = measure.bucket_key(state.entered_at, state.config.version, variant or measure.NO_VARIANT, arm)
        self._d.counters.add(state.subject.store_id, state.config.flow_id, bucket, deltas)

    def advance(self, state: RunState, now: datetime, skipped: str | None = None) -> RunState:
        if skipped is not None:
            self.decide(state, "suppressed", skipped, now)
        plan = next_step(state.config, state.anchor, state.step + 1, now)
        for step in plan.stale:
            self.decide(state.model_copy(update={"step": step, "attempt": 0}), "suppressed", "stale", now)
        if plan.step is None:
            last = len(state.config.delays_seconds)
            return self.exit(state.model_copy(update={"step": last, "attempt": 0}), "completed", now)
        return state.model_copy(update={"step": plan.step, "attempt": 0, "wait_seconds": plan.wait_seconds})

    def wait(
        self, state: RunState, reason: str, seconds: int, now: datetime, detail: dict[str, str] | None = None
    ) -> RunState:
        if state.attempt >= state.config.max_defers:
            return self.advance(state, now, skipped="defer_limit")
        self.decide(state, "waited", reason, now, detail={"seconds": str(seconds), **(detail or {})})
        return state.model_copy(update={"attempt": state.attempt + 1, "wait_seconds": max(0, seconds)})

    def exit(self, state: RunState, reason: str, now: datetime, detail: dict[str, str] | None = None) -> RunState:
        self.decide(state, "exited", reason, now, detail=detail or {})
        if self._d.runs is not None and state.subject.person_id:
            self._d.runs.ended(state.subject.store_id, state.subject.person_id, state.run_id, now)
        return state.model_copy(update={"done": True, "wait_seconds": 0})

    def decide(
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
        if variant is None and kind in ("suppressed", "exited") and 0 <= state.step < len(state.config.delays_seconds):
            variant = self.variant(state, None)
        self._d.decisions.record(decision_for(state, kind, reason, now, message_id, variant, detail or {}))
        self.count(state, _deltas(state, kind, reason), variant if kind in ("sent", "held_out") else None)


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


def _in_abandonment(person: Person, sends: Sequence[SendRecord], now: datetime) -> bool:
    """In an abandonment run now, or sent an abandonment message within the day: no lifecycle message today."""
    if person.profile is not None and person.profile.active_runs(now, ABANDONMENT_FLOWS):
        return True
    return any(s.flow_id in ABANDONMENT_FLOWS and s.at > now - timedelta(days=1) for s in sends)


def _contact(person: Person, address: str, key: str, store_zone: str) -> Contact:
    zone, source = person.timezone
    if zone and rules.valid_zone(zone):
        return Contact(address, key, zone, source or "platform")
    return Contact(address, key, store_zone, "store")


def _deltas(state: RunState, kind: str, reason: str | None) -> dict[str, int]:
    """What a decision adds to the flow's counters."""
    if kind == "sent":
        return {measure.SENT: 1} | ({measure.SENT_RUNS: 1} if state.sent == 0 else {})
    if kind == "held_out":
        return {measure.HELD_OUT_STEPS: 1}
    if kind == "suppressed" and reason:
        return {measure.SKIP_PREFIX + reason: 1}
    if kind == "exited" and reason:
        recovered = reason == "converted" and state.sent > 0 and not state.held_out
        return {measure.EXIT_PREFIX + reason: 1} | ({measure.RECOVERED: 1} if recovered else {})
    return {}
