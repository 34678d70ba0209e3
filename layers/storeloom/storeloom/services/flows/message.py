"""Build the outbound message of one step from the run and the freshly enriched cart."""

from __future__ import annotations

import hashlib
from datetime import datetime

from storeloom.domain.model import Cart, LineItem
from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.render import render_html, render_text, subject_for
from storeloom.domain.run import RunState


def message_id_for(run_id: str, step: int) -> str:
    """The same (run, step) always has the same id: providers and webhook receivers dedupe on it."""
    return "msg_" + hashlib.sha256(f"{run_id}:{step}".encode()).hexdigest()[:32]


def build_message(
    state: RunState, cart: Cart, to: str, items: list[LineItem], variant: str, now: datetime
) -> OutboundMessage:
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
        subject=subject_for(state.step),
        text=render_text(items, cart.recovery_url, config.incentive),
        html=render_html(items, cart.recovery_url, config.incentive),
        recovery_url=cart.recovery_url,
        incentive=config.incentive,
        items=items,
        created_at=now,
    )
