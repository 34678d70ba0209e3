"""Flow configuration: one immutable version per change, pinned into every run that enters with it."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Medium = Literal["email", "sms"]
Provider = Literal["outbox", "ses", "webhook"]
ABANDONED_CART = "abandoned_cart"
POST_PURCHASE = "post_purchase"
WINBACK = "winback"
FLOWS = (ABANDONED_CART, POST_PURCHASE, WINBACK)
HOUR = 3600
DAY = 24 * HOUR
# Each flow's steps when the operator names none (PLATFORMS.md, Engine defaults: abandoned cart +1 h/+24 h/+72 h,
# post-purchase 14 days for durables; issue 10: win-back at 0, 7 and 14 days).
DEFAULT_DELAYS = {ABANDONED_CART: [HOUR, DAY, 3 * DAY], POST_PURCHASE: [14 * DAY], WINBACK: [0, 7 * DAY, 14 * DAY]}
_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")


def parse_duration(text: str) -> int:
    """``90s``, ``15m``, ``1h`` or ``3d`` in seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration (use s, m, h or d): {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_delays(text: str) -> list[int]:
    """``1h,24h,72h`` in seconds; each step counts from the cart's last activity."""
    delays = [parse_duration(part) for part in text.split(",") if part.strip()]
    if not delays:
        raise ValueError("delays: at least one step is required")
    return delays


class QuietHours(BaseModel):
    """Local hours [start, end) in the recipient's time zone when nothing is sent; the window may wrap."""

    model_config = ConfigDict(frozen=True)
    start_hour: Annotated[int, Field(ge=0, le=23)]
    end_hour: Annotated[int, Field(ge=0, le=23)]


class FlowConfig(BaseModel):
    """One version of one flow for one store. Runs carry a copy, so a later change never alters them."""

    model_config = ConfigDict(frozen=True)
    store_id: str
    flow_id: str = ABANDONED_CART
    version: int = Field(default=0, ge=0)
    enabled: bool = True
    delays_seconds: list[Annotated[int, Field(ge=0)]] = Field(default_factory=lambda: [HOUR, DAY, 3 * DAY])
    category_delays: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="post_purchase: the first step's delay for orders with a product in `category:NAME` or "
        "`tag:NAME` (a consumable's cycle); the shortest match wins",
    )
    reentry_seconds: int = Field(default=180 * DAY, ge=0, description="winback: one entry per person per this")
    related_limit: int = Field(default=3, ge=1, le=12, description="post_purchase: products suggested")
    medium: Medium = "email"
    provider: Provider = "outbox"
    incentive: str | None = None
    webhook_url: str | None = None
    sender: str = "shop@storeloom_tools.local"
    staleness_seconds: int = Field(default=6 * HOUR, ge=0)
    window_seconds: int = Field(default=7 * DAY, gt=0)
    exclusion_seconds: int = Field(default=14 * DAY, ge=0)
    frequency_cap_seconds: dict[str, int] = Field(default_factory=lambda: {"email": 16 * HOUR, "sms": DAY})
    quiet_hours: dict[str, QuietHours] = Field(default_factory=lambda: {"sms": QuietHours(start_hour=20, end_hour=8)})
    default_timezone: str = "UTC"
    allow_non_subscriber_reminder: bool = False
    variants: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {"A": 100},
        description="variant name -> percent of people, summing to 100; assigned per (flow, step, person)",
    )
    holdout_percent: int = Field(default=0, ge=0, le=50, description="people kept out of every send of the flow")
    enrichment_attempts: int = Field(default=3, ge=1)
    enrichment_fallback_max_age_seconds: int = Field(default=DAY, ge=0)
    defer_seconds: int = Field(default=15 * 60, gt=0)
    max_defers: int = Field(default=10, ge=0, description="then the step is skipped as defer_limit")

    @model_validator(mode="before")
    @classmethod
    def _flow_defaults(cls, data: object) -> object:
        if isinstance(data, dict) and "delays_seconds" not in data:
            flow = data.get("flow_id", ABANDONED_CART)
            if flow in DEFAULT_DELAYS:
                return {**data, "delays_seconds": list(DEFAULT_DELAYS[flow])}
        return data

    @field_validator("variants", mode="before")
    @classmethod
    def _weights(cls, variants: object) -> object:
        # Versions saved before weights existed list names only: an even split (the remainder to the first).
        if isinstance(variants, list) and variants and all(isinstance(v, str) for v in variants):
            share = 100 // len(variants)
            return {name: share + (100 - share * len(variants) if i == 0 else 0) for i, name in enumerate(variants)}
        return variants

    @field_validator("variants")
    @classmethod
    def _hundred(cls, variants: dict[str, int]) -> dict[str, int]:
        if not variants or sum(variants.values()) != 100:
            raise ValueError(f"variant weights must add up to 100, not {sum(variants.values())}")
        for name in variants:
            if not re.fullmatch(r"[A-Za-z0-9_]{1,32}", name):
                raise ValueError(f"variant name {name!r}: letters, digits and _ only")
        return variants

    @field_validator("flow_id")
    @classmethod
    def _known_flow(cls, flow_id: str) -> str:
        if flow_id not in FLOWS:
            raise ValueError(f"not a flow: {flow_id!r} (flows: {', '.join(FLOWS)})")
        return flow_id

    @field_validator("category_delays")
    @classmethod
    def _category_keys(cls, delays: dict[str, int]) -> dict[str, int]:
        for key in delays:
            kind, _, name = key.partition(":")
            if kind not in ("category", "tag") or not name.strip():
                raise ValueError(f"category delay {key!r}: use category:NAME or tag:NAME")
        return delays

    @field_validator("delays_seconds")
    @classmethod
    def _ascending(cls, delays: list[int]) -> list[int]:
        if not delays or delays != sorted(delays):
            raise ValueError("delays must be non-empty and ascending")
        return delays

    @model_validator(mode="after")
    def _channel_fits(self) -> FlowConfig:
        if self.provider == "ses" and self.medium != "email":
            raise ValueError("provider ses sends email only")
        if self.provider == "webhook" and not self.webhook_url:
            raise ValueError("provider webhook needs webhook_url")
        return self


def parse_variants(text: str) -> dict[str, int]:
    """``A:50,B:50`` as weights; they must add up to 100 (checked by the config)."""
    weights: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, weight = part.partition(":")
        if not sep or not weight.strip().isdigit():
            raise ValueError(f"{part!r} is not NAME:PERCENT (e.g. A:50,B:50)")
        if name.strip() in weights:
            raise ValueError(f"variant {name.strip()!r} is named twice")
        weights[name.strip()] = int(weight)
    if not weights:
        raise ValueError("at least one variant is required")
    return weights
