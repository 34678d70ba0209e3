"""A run: its identity (one per flow, store, cart and abandonment window) and the state it carries.

The abandonment window. A cart's life is cut into windows of ``window_seconds`` (7 days by default),
counted from the cart's ``created_at``: activity on days 0-6 is window 0, days 7-13 window 1, and so on.
Every event about the cart inside one window maps to the same Step Functions execution name, so a
duplicate webhook, a poll of the same checkout or a later update all meet ``ExecutionAlreadyExists``
and start nothing. A cart abandoned again in a later window may enter again (subject to the 14-day
exclusion). A cart without ``created_at`` uses windows counted from the Unix epoch.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.flow_config import FlowConfig
from storeloom.domain.types import UtcDatetime

_NAME_LIMIT = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def window_of(occurred_at: datetime, cart_created_at: datetime | None, window_seconds: int) -> int:
    if cart_created_at is None:
        return int(occurred_at.timestamp()) // window_seconds
    return max(0, int((occurred_at - cart_created_at).total_seconds()) // window_seconds)


def execution_name(flow_id: str, store_id: str, subject_id: str, window: int) -> str:
    """Deterministic and valid for Step Functions (<= 80 of ``[A-Za-z0-9_-]``): one run per flow, store,
    subject (cart, order or person) and window."""
    plain = f"{flow_id}-{store_id}-{subject_id}-w{window}"
    safe = _UNSAFE.sub("_", plain)
    if safe == plain and len(plain) <= _NAME_LIMIT:
        return plain
    digest = hashlib.sha256(f"{flow_id}\0{store_id}\0{subject_id}\0{window}".encode()).hexdigest()
    return f"{flow_id[:24]}-w{window}-{digest[:40]}"


class Subject(BaseModel):
    """Who and what the run is about, as known at entry; steps re-read the current state.

    An abandoned-cart run is about a cart, a post-purchase run about an order, a win-back run about a person.
    """

    model_config = ConfigDict(frozen=True)
    store_id: str
    cart_id: str | None = None
    order_id: str | None = None
    person_id: str | None = None
    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None
    product_ids: list[str] = Field(default_factory=list, description="post_purchase: what the order bought")
    catalog: list[str] = Field(default_factory=list, description="post_purchase: its category:/tag: keys")
    active_since: UtcDatetime = Field(description="cart created_at, else its first activity seen; or entry")


class RunState(BaseModel):
    """The state machine's input and every task's output: the loop is driven by ``step`` and ``wait``."""

    model_config = ConfigDict(frozen=True)
    run_id: str
    subject: Subject
    config: FlowConfig
    entered_at: UtcDatetime
    anchor: UtcDatetime = Field(description="the cart's last activity; steps count from it")
    step: int = 0
    attempt: int = 0
    sent: int = 0
    wait_seconds: int = Field(default=0, ge=0)
    done: bool = False
    held_out: bool = Field(default=False, description="in the flow's control arm: decided at entry, kept")
    person_key: str | None = Field(default=None, description="what holdout and variants hash: person or contact")
    eligible: bool = Field(default=False, description="passed the gate at least once (counted once)")
    variants_seen: list[str] = Field(default_factory=list)
