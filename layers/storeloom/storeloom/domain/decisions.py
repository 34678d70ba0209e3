"""Decision records: every step of every run says what it did and why. Measurement builds on these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.types import UtcDatetime

DecisionKind = Literal["entered", "waited", "suppressed", "sent", "held_out", "exited"]


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)
    store_id: str
    flow_id: str
    run_id: str
    flow_version: int
    step: int = Field(description="-1 for the entry decision")
    attempt: int = 0
    kind: DecisionKind
    reason: str | None = None
    at: UtcDatetime
    message_id: str | None = None
    channel: str | None = None
    variant: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)

    @property
    def sort_key(self) -> str:
        """Runs list in order: entry first, then each step and its deferred attempts."""
        return f"{self.flow_id}#{self.run_id}#{self.step + 1:02d}.{self.attempt:03d}.{self.kind}"


@dataclass(frozen=True)
class SendRecord:
    """One message delivered to a contact: the frequency cap, the exclusion and attribution read these."""

    at: datetime
    medium: str
    flow_id: str
    run_id: str
    step: int
    flow_version: int | None = None
    variant: str | None = None
    channel: str | None = None
    entered_at: datetime | None = None
