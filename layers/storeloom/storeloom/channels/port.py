"""The channel port: one rendered message in, the provider's message id out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from storeloom.model import LineItem
from storeloom.model.types import UtcDatetime


class ProviderError(Exception):
    """The provider failed; the state machine's Retry tries the step again."""


class SendInProgress(Exception):
    """Another attempt holds the send claim for this (run, step); retried by the state machine."""


class OutboundMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    message_id: str = Field(description="deterministic per (run, step): the provider's idempotency key")
    store_id: str
    flow_id: str
    run_id: str
    step: int
    flow_version: int
    variant: str
    medium: Literal["email", "sms"]
    to: str
    sender: str
    subject: str
    text: str
    html: str
    recovery_url: str | None = None
    incentive: str | None = None
    items: list[LineItem] = Field(default_factory=list)
    created_at: UtcDatetime


class Channel(Protocol):
    name: str

    def deliver(self, message: OutboundMessage) -> str:
        """Hand the message to the provider and return its message id; raise ProviderError on failure."""
        ...


class SendLedger(Protocol):
    """One send per (run, step): a conditional write before the provider call."""

    def claim(self, key: str, now: datetime) -> tuple[str, str | None]:
        """("claimed", None), ("delivered", provider_id) or ("in_progress", None)."""
        ...

    def delivered(self, key: str, provider_id: str, now: datetime) -> None: ...

    def release(self, key: str) -> None:
        """The provider call failed: let the next attempt claim the send again."""
        ...
