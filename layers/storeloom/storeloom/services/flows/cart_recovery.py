"""Abandoned-cart recovery's step: converted? still active? then the shared gate, live enrichment and one send."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storeloom.domain import eligibility as rules
from storeloom.domain.model import Cart
from storeloom.domain.purchases import marks_for
from storeloom.domain.run import RunState
from storeloom.domain.schedule import next_step
from storeloom.services.flows.identity import conversion
from storeloom.services.flows.message import build_message
from storeloom.services.flows.ports import ReadPlan

if TYPE_CHECKING:
    from storeloom.services.flows.steps import Contact, StepRunner


class CartRecovery:
    def plan(self, state: RunState) -> ReadPlan:
        subject = state.subject
        emails = (subject.email,) if subject.email else ()
        return ReadPlan(
            store_id=subject.store_id,
            person_id=subject.person_id,
            contact_keys=tuple(rules.contact_key("email", e) for e in emails),
            carts=(subject.cart_id,) if subject.cart_id else (),
            purchases=tuple(marks_for([subject.customer_id or ""], emails, [subject.cart_id or ""])),
            customers=(subject.customer_id,) if subject.customer_id else (),
            products=tuple(subject.product_ids),
        )

    def run(self, runner: StepRunner, state: RunState, now: datetime) -> RunState:
        deps, store = runner.deps, state.subject.store_id
        cart = deps.commerce.cart(store, state.subject.cart_id) if state.subject.cart_id else None
        if cart is None:
            return runner.exit(state, "cart_missing", now)
        person = runner.person(state, cart.email, cart.customer_id)
        bought = conversion(deps.commerce, deps.live, cart, person, state.subject.active_since, store)
        if bought.converted:
            return runner.exit(state, "converted", now, {"orders": bought.source})
        if cart.updated_at > state.anchor:
            state = state.model_copy(update={"anchor": cart.updated_at})
            plan = next_step(state.config, state.anchor, state.step, now)
            if plan.step == state.step and plan.wait_seconds > 0:
                return runner.wait(state, "cart_active", plan.wait_seconds, now)
        contact = runner.gate(state, person, now)
        if isinstance(contact, RunState):
            return contact
        return self._enrich_and_send(runner, state, cart, contact, now, bought.source)

    def _enrich_and_send(
        self, runner: StepRunner, state: RunState, cart: Cart, contact: Contact, now: datetime, orders: str
    ) -> RunState:
        config = state.config
        enrichment = runner.deps.enricher.enrich(config.store_id, cart.line_items, config, now)
        if enrichment.deferred:
            deferred = {"enrichment": enrichment.source, "orders": orders}
            return runner.wait(state, "enrichment_unavailable", config.defer_seconds, now, deferred)
        detail = {"enrichment": enrichment.source, "dropped": ",".join(enrichment.dropped), "orders": orders}
        if not enrichment.items:
            return runner.exit(state, "out_of_stock", now, detail)
        variant = runner.variant(state, contact.key) or next(iter(state.config.variants))
        message = build_message(state, cart, contact.address, enrichment.items, variant, now)
        return runner.send(state, message, contact, now, detail)
