"""VIP win-back: a VIP who became at risk gets up to three notes; any qualifying order since entry (in the
person record, or on the live platform API) ends the run as ``purchased``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storeloom.domain import eligibility as rules
from storeloom.domain.purchases import marks_for
from storeloom.domain.run import RunState
from storeloom.services.flows.identity import conversion
from storeloom.services.flows.lifecycle_message import lifecycle_message
from storeloom.services.flows.ports import ReadPlan

if TYPE_CHECKING:
    from storeloom.services.flows.steps import StepRunner


def person_plan(
    state: RunState,
    orders: tuple[str, ...] = (),
    products: tuple[str, ...] = (),
    copurchase: tuple[str, ...] = (),
    catalog: tuple[str, ...] = (),
) -> ReadPlan:
    """What a step about a person reads in its batch: their record, their address's suppression, their
    customer record and purchase marks, and a flow's own (an order, its products, their related items)."""
    subject = state.subject
    return ReadPlan(
        store_id=subject.store_id,
        person_id=subject.person_id,
        contact_keys=(rules.contact_key("email", subject.email),) if subject.email else (),
        customers=(subject.customer_id,) if subject.customer_id else (),
        purchases=tuple(marks_for([subject.customer_id or ""], [subject.email or ""])),
        orders=orders,
        products=products,
        copurchase=copurchase,
        catalog=catalog,
    )


class Winback:
    def plan(self, state: RunState) -> ReadPlan:
        return person_plan(state)

    def run(self, runner: StepRunner, state: RunState, now: datetime) -> RunState:
        deps, store = runner.deps, state.subject.store_id
        person = runner.person(state)
        if person.profile is None and not person.customers:
            return runner.exit(state, "person_missing", now)
        bought = conversion(deps.commerce, deps.live, None, person, state.anchor, store, qualifying=True)
        if bought.converted:
            return runner.exit(state, "purchased", now, {"orders": bought.source})
        contact = runner.gate(state, person, now)
        if isinstance(contact, RunState):
            return contact
        variant = runner.variant(state, contact.key) or next(iter(state.config.variants))
        message = lifecycle_message(state, contact.address, [], None, variant, now)
        return runner.send(state, message, contact, now, {"orders": bought.source})
