"""The channel port: one rendered message in, the provider's message id out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.model import LineItem
from storeloom.domain.types import UtcDatetime


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
    unsubscribe_url: str | None = None
    # Extra message headers (List-Unsubscribe and List-Unsubscribe-Post, RFC 8058), by name.
    headers: dict[str, str] = Field(default_factory=dict)
