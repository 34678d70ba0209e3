"""Post-purchase upsell and cross-sell: one run per paid order; before each step, exit if the order was
refunded or cancelled, then suggest in-stock related products the person has not bought since."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storeloom.domain.model import Order
from storeloom.domain.related import candidates, choose
from storeloom.domain.run import RunState
from storeloom.services.flows.identity import Person
from storeloom.services.flows.lifecycle_message import lifecycle_message, suggestion_items
from storeloom.services.flows.ports import ReadPlan
from storeloom.services.flows.winback import person_plan

if TYPE_CHECKING:
    from storeloom.services.flows.steps import StepRunner

# How many ranked candidates a step re-reads, per suggestion it makes: enough to skip some out of stock.
_READ_PER_SUGGESTION = 4


def order_exit(order: Order | None) -> str | None:
    if order is None:
        return "order_missing"
    if order.cancelled_at is not None:
        return "cancelled"
    if order.payment_status in ("refunded", "voided"):
        return "refunded"
    return None


def bought_after(person: Person, order: Order) -> set[str]:
    """Products in the person's orders placed after this one."""
    if person.profile is None or order.placed_at is None:
        return set()
    placed = order.placed_at
    later = (f for f in person.profile.orders.values() if f.order_id != order.id and f.placed_at > placed)
    return {product_id for facts in later if facts.purchase for product_id in facts.product_ids}


class PostPurchase:
    def plan(self, state: RunState) -> ReadPlan:
        subject = state.subject
        bought = tuple(subject.product_ids)
        orders = (subject.order_id,) if subject.order_id else ()
        return person_plan(state, orders=orders, products=bought, copurchase=bought, catalog=tuple(subject.catalog))

    def run(self, runner: StepRunner, state: RunState, now: datetime) -> RunState:
        deps, subject = runner.deps, state.subject
        order = deps.commerce.order(subject.store_id, subject.order_id) if subject.order_id else None
        reason = order_exit(order)
        if reason is not None or order is None:
            return runner.exit(state, reason or "order_missing", now)
        person = runner.person(state, order.email, order.customer_id)
        contact = runner.gate(state, person, now)
        if isinstance(contact, RunState):
            return contact
        ranked = self._ranked(runner, state)
        config = state.config
        ids = [product_id for product_id, _ in ranked[: config.related_limit * _READ_PER_SUGGESTION]]
        products, source = deps.enricher.products(subject.store_id, ids, config, now)
        if source == "deferred":
            return runner.wait(state, "enrichment_unavailable", config.defer_seconds, now, {"enrichment": source})
        pick = choose(ranked, products, bought_after(person, order), config.related_limit)
        items = suggestion_items(pick.suggestions)
        detail = {"enrichment": source, "candidates": str(len(ranked))}
        if not items:
            return runner.exit(state, pick.exit_reason or "no_related_in_stock", now, detail)
        detail["related"] = ",".join(sorted({s.source for s in pick.suggestions}))
        variant = runner.variant(state, contact.key) or next(iter(state.config.variants))
        message = lifecycle_message(state, contact.address, items, None, variant, now)
        return runner.send(state, message, contact, now, detail)

    def _ranked(self, runner: StepRunner, state: RunState) -> list[tuple[str, str]]:
        deps, subject = runner.deps, state.subject
        bought = list(dict.fromkeys(subject.product_ids))
        bought_products = deps.commerce.products_by_id(subject.store_id, bought)
        if deps.catalog is None:
            return candidates(bought, bought_products, {}, {})
        copurchase = deps.catalog.copurchase(subject.store_id, bought)
        members = deps.catalog.members(subject.store_id, subject.catalog)
        return candidates(bought, bought_products, copurchase, members)
