"""One person per store: what a flow step and the segment refresher need about them, kept in one record.

The identity graph maps each key a platform gives (customer id, normalized email, E.164 phone, cart or checkout
token) to one ``person_id``. The profile holds the person's order facts, consent, time zone, segment state,
recent sends and active runs, so a step reads one item. A merge leaves the absorbed profile as a tombstone
naming ``merged_into``, so anything that still holds the old id finds its way with one more read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storeloom.domain.types import Consent, UtcDatetime

IdentityKind = Literal["customer", "email", "phone", "token"]
TimezoneSource = Literal["platform", "country", "store"]
_QUALIFYING = frozenset({"paid", "partially_refunded", "partially_paid"})
# What the person record keeps of past sends: the longest look-back any rule needs (the 14-day exclusion
# and the frequency caps) with room to spare.
SEND_HISTORY = timedelta(days=30)


class OrderFacts(BaseModel):
    """What segments, attribution and the post-purchase flow need of one order."""

    model_config = ConfigDict(frozen=True)
    order_id: str
    placed_at: UtcDatetime
    updated_at: UtcDatetime
    total: Decimal
    refunded_total: Decimal = Decimal("0")
    currency: str
    payment_status: str
    cancelled: bool = False
    product_ids: list[str] = Field(default_factory=list)
    cart_id: str | None = None

    @property
    def purchase(self) -> bool:
        """An order that stops abandoned-cart reminders: anything not cancelled, failed or voided (a pending
        bank transfer is a purchase too)."""
        return not self.cancelled and self.payment_status not in ("failed", "voided")

    @property
    def qualifying(self) -> bool:
        """Not cancelled, and paid, partially paid or partially refunded (DESIGN.md, Lifecycle segments)."""
        return not self.cancelled and self.payment_status in _QUALIFYING

    @property
    def net(self) -> Decimal:
        return self.total - self.refunded_total


class ContactRecord(BaseModel):
    """One message sent to the person: the frequency caps, the exclusions and attribution read these."""

    model_config = ConfigDict(frozen=True)
    at: UtcDatetime
    medium: str
    flow_id: str
    run_id: str
    step: int
    flow_version: int | None = None
    variant: str | None = None
    channel: str | None = Field(default=None, description="the provider: outbox, ses or webhook")
    entered_at: UtcDatetime | None = Field(default=None, description="the run's entry (its counters bucket)")


class ActiveRun(BaseModel):
    """A run the person is in, until it is expected to end: other flows exclude around it. A held-out run is
    a touch for attribution from its entry (storeloom.domain.measurement)."""

    model_config = ConfigDict(frozen=True)
    flow_id: str
    run_id: str
    entered_at: UtcDatetime
    until: UtcDatetime
    flow_version: int | None = None
    held_out: bool = False
    medium: str = "email"


class PersonProfile(BaseModel):
    model_config = ConfigDict(frozen=True)
    store_id: str
    person_id: str
    version: int = Field(default=0, ge=0, description="optimistic concurrency: each write expects the last")
    customer_ids: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list, description="normalized; the first is the one to write to")
    phones: list[str] = Field(default_factory=list, description="E.164; the first is the one to write to")
    tokens: list[str] = Field(default_factory=list, description="cart and checkout tokens")
    email_consent: Consent = "unknown"
    sms_consent: Consent = "unknown"
    country: str | None = None
    timezone: str | None = None
    timezone_source: TimezoneSource | None = None
    tags: list[str] = Field(default_factory=list)
    orders: dict[str, OrderFacts] = Field(default_factory=dict, description="every order, qualifying or not")
    segments: dict[str, UtcDatetime] = Field(default_factory=dict, description="segment -> in it since")
    next_change_at: UtcDatetime | None = Field(default=None, description="when time alone moves a segment")
    sends: list[ContactRecord] = Field(default_factory=list)
    runs: dict[str, ActiveRun] = Field(default_factory=dict)
    merged_into: str | None = None

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    def address(self, medium: str) -> str | None:
        return self.email if medium == "email" else self.phone

    def consent(self, medium: str) -> Consent:
        return self.email_consent if medium == "email" else self.sms_consent

    def qualifying_orders(self) -> list[OrderFacts]:
        return sorted((o for o in self.orders.values() if o.qualifying), key=lambda o: o.placed_at)

    def sends_since(self, since: datetime) -> list[ContactRecord]:
        return [s for s in self.sends if s.at > since]

    def active_runs(self, now: datetime, flows: tuple[str, ...] | None = None) -> list[ActiveRun]:
        return [r for r in self.runs.values() if r.until > now and (flows is None or r.flow_id in flows)]
