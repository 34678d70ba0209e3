"""Build the outbound message of one step from the run and the freshly enriched cart, and add the
unsubscribe link and headers every marketing email carries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from storeloom.domain.eligibility import contact_key
from storeloom.domain.model import Cart, LineItem
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.render import (
    render_html,
    render_text,
    subject_for,
    unsubscribe_headers,
    unsubscribe_html,
    unsubscribe_text,
)
from storeloom.domain.run import RunState
from storeloom.services.flows.ports import Channel


def message_id_for(run_id: str, step: int) -> str:
    """The same (run, step) always has the same id: providers and webhook receivers dedupe on it."""
    return "msg_" + hashlib.sha256(f"{run_id}:{step}".encode()).hexdigest()[:32]


def build_message(
    state: RunState, cart: Cart, to: str, items: list[LineItem], variant: str, now: datetime
) -> OutboundMessage:
    return compose(state, to, subject_for(state.step), items, cart.recovery_url, variant, now)


def compose(
    state: RunState,
    to: str,
    subject: str,
    items: list[LineItem],
    link: str | None,
    variant: str,
    now: datetime,
) -> OutboundMessage:
    """One step's message: its items, its link and the flow's incentive, rendered as text and HTML."""
    config = state.config
    return OutboundMessage(
        message_id=message_id_for(state.run_id, state.step),
        store_id=config.store_id,
        flow_id=config.flow_id,
        run_id=state.run_id,
        step=state.step,
        flow_version=config.version,
        variant=variant,
        medium=config.medium,
        to=to,
        sender=config.sender,
        subject=subject,
        text=render_text(items, link, config.incentive),
        html=render_html(items, link, config.incentive),
        recovery_url=link,
        incentive=config.incentive,
        items=items,
        created_at=now,
    )


def with_unsubscribe(message: OutboundMessage, url: str) -> OutboundMessage:
    """``message`` with the unsubscribe link in both bodies and the List-Unsubscribe headers."""
    return message.model_copy(
        update={
            "text": message.text + unsubscribe_text(url),
            "html": message.html + unsubscribe_html(url),
            "unsubscribe_url": url,
            "headers": {**message.headers, **unsubscribe_headers(url)},
        }
    )


@dataclass
class UnsubscribingChannel:
    """A channel that adds the unsubscribe link to every email before ``inner`` delivers it.

    ``link_for(store_id, contact_key)`` signs the link (storeloom.services.suppression.UnsubscribeLinks).
    SMS is left as it is: its opt-out is the carrier's STOP keyword, not a link.
    """

    inner: Channel
    link_for: Callable[[str, str], str]
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def deliver(self, message: OutboundMessage) -> str:
        if message.medium == "email" and message.unsubscribe_url is None:
            url = self.link_for(message.store_id, contact_key("email", message.to))
            message = with_unsubscribe(message, url)
        return self.inner.deliver(message)
