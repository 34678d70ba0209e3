"""Last-touch attribution of one order to at most one run, net of refunds (DESIGN.md, Measurement). Pure.

The touches are what the person record keeps: each send (the treated arm, from the send's time) and each
held-out run's entry (the control arm, from the entry's time). An order is credited to the latest touch at
or before it was placed whose channel window still covers it. Once credited, an order keeps its run: a later
version (a refund, a cancellation) only changes its net revenue, and the counters move by the difference.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from storeloom.domain.measurement import (
    CONVERSIONS,
    NO_VARIANT,
    ORDERS,
    REVENUE,
    WINDOWS,
    Attribution,
    Touch,
    bucket_key,
    counters_partition,
)
from storeloom.domain.person import OrderFacts, PersonProfile

CREDITED = "credited"
NO_TOUCH = "no_touch"
OUTSIDE_WINDOW = "outside_window"
NOT_QUALIFYING = "not_qualifying"


def window_of(channel: str) -> timedelta:
    try:
        return WINDOWS[channel]
    except KeyError:
        raise ValueError(f"touch channel {channel!r} has no attribution window (one of {', '.join(WINDOWS)})") from None


def touches_of(profile: PersonProfile) -> list[Touch]:
    """Every send on the record (treated) and every held-out run's entry (control), oldest first."""
    touches = []
    for send in profile.sends:
        run = profile.runs.get(send.run_id)
        version = send.flow_version if send.flow_version is not None else (run.flow_version if run else None)
        touches.append(
            Touch(
                store_id=profile.store_id,
                flow_id=send.flow_id,
                run_id=send.run_id,
                flow_version=version or 0,
                variant=send.variant or NO_VARIANT,
                arm="treated",
                # The webhook provider hands the message to the merchant's own system: its window is a day
                # whatever the medium.
                channel="webhook" if send.channel == "webhook" else send.medium,
                touch_type="send",
                at=send.at,
                entered_at=send.entered_at or (run.entered_at if run else send.at),
            )
        )
    for run in profile.runs.values():
        if run.held_out:
            touches.append(
                Touch(
                    store_id=profile.store_id,
                    flow_id=run.flow_id,
                    run_id=run.run_id,
                    flow_version=run.flow_version or 0,
                    arm="control",
                    channel=run.medium,
                    touch_type="entry",
                    at=run.entered_at,
                    entered_at=run.entered_at,
                )
            )
    return sorted(touches, key=_order_of)


def _order_of(touch: Touch) -> tuple[object, ...]:
    # On the same instant a send outranks an entry; the run id only makes the choice stable.
    return (touch.at, touch.touch_type == "send", touch.run_id)


def attribute(
    order: OrderFacts, touches: Sequence[Touch], previous: Attribution | None, *, store_id: str
) -> Attribution:
    """The order's attribution record, given the person's touches and the record its last version left."""
    if previous is not None and (previous.order_id, previous.store_id) != (order.order_id, store_id):
        raise ValueError(f"previous attribution is of order {previous.order_id!r}, not {order.order_id!r}")
    common: dict[str, Any] = {
        "store_id": store_id,
        "order_id": order.order_id,
        "placed_at": order.placed_at,
        "currency": order.currency,
    }
    if previous is not None and previous.credited:
        return previous.model_copy(update={**common, "net_revenue": _net(order)})
    if not order.qualifying:
        return Attribution(**common, credited=False, reason=NOT_QUALIFYING)
    before = [t for t in touches if t.at <= order.placed_at]
    if not before:
        return Attribution(**common, credited=False, reason=NO_TOUCH)
    inside = [t for t in before if order.placed_at - t.at <= window_of(t.channel)]
    if not inside:
        latest = max(before, key=_order_of)
        seconds = int(window_of(latest.channel).total_seconds())
        return Attribution(**common, credited=False, reason=OUTSIDE_WINDOW, window_seconds=seconds, touch=latest)
    chosen = max(inside, key=_order_of)
    seconds = int(window_of(chosen.channel).total_seconds())
    return Attribution(
        **common, credited=True, reason=CREDITED, window_seconds=seconds, touch=chosen, net_revenue=_net(order)
    )


def _net(order: OrderFacts) -> Decimal:
    # A credited order that is later cancelled or voided earned nothing, refunded or not.
    return order.net if order.purchase else Decimal("0")


@dataclass(frozen=True)
class CounterAdds:
    """Numbers to ADD to one counters bucket (storeloom.domain.measurement)."""

    partition: str
    bucket: str
    adds: dict[str, int | Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Credit:
    """What one order event changes: the new record (replacing ``previous``), the credited run's counters,
    and the run that converted for the first time (the person record lists it, so it counts once)."""

    record: Attribution
    previous: Attribution | None
    counters: CounterAdds | None
    converted_run: str | None


def credit(
    order: OrderFacts,
    touches: Sequence[Touch],
    previous: Attribution | None,
    credited_runs: Collection[str],
    *,
    store_id: str,
) -> Credit | None:
    """The change one version of an order makes; None when it changes nothing (a redelivered version)."""
    record = attribute(order, touches, previous, store_id=store_id)
    if record == previous:
        return None
    touch = record.touch
    if not record.credited or touch is None:
        return Credit(record, previous, None, None)
    adds: dict[str, int | Decimal] = {}
    converted = None
    was_credited = previous is not None and previous.credited
    if not was_credited:
        adds[ORDERS] = 1
        if touch.run_id not in credited_runs:
            adds[CONVERSIONS] = 1
            converted = touch.run_id
    delta = record.net_revenue - (previous.net_revenue if previous is not None and was_credited else Decimal("0"))
    if delta:
        adds[REVENUE] = delta
    counters = None
    if adds:
        bucket = bucket_key(touch.entered_at, touch.flow_version, touch.variant, touch.arm)
        counters = CounterAdds(counters_partition(store_id, touch.flow_id), bucket, adds)
    return Credit(record, previous, counters, converted)


def still_creditable(credited_runs: Collection[str], profile: PersonProfile) -> frozenset[str]:
    """The credited runs an order could still be credited to: those the record still holds a touch of."""
    touched = {send.run_id for send in profile.sends} | set(profile.runs)
    return frozenset(run for run in credited_runs if run in touched)
