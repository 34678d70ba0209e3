"""What each flow earned, from the counters its decisions and attributions keep (storeloom.domain.measurement).

Reading a flow costs one query over its buckets since a day, whatever the number of runs; the figures are
the DESIGN.md Measurement contract (``kpi --format json``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from storeloom.domain import measurement as measure
from storeloom.domain.stats import holdout_comparison

_CENT = Decimal("0.01")


class CountersReader(Protocol):
    def buckets(self, store_id: str, flow_id: str, since_day: str) -> list[tuple[str, dict[str, Decimal]]]:
        """(sort key, counters) of every bucket of the flow from ``since_day`` (YYYY-MM-DD) on."""
        ...


@dataclass(frozen=True)
class FlowScope:
    flow_id: str
    holdout_percent: int = 0


@dataclass
class _Totals:
    counts: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, counters: Mapping[str, Decimal]) -> None:
        for name, value in counters.items():
            self.counts[name] += value

    def n(self, name: str) -> int:
        return int(self.counts.get(name, Decimal(0)))

    def money(self, name: str) -> Decimal:
        return Decimal(self.counts.get(name, Decimal(0)))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)), "currency": currency}


def flow_report(flow: FlowScope, buckets: Iterable[tuple[str, Mapping[str, Decimal]]], currency: str) -> dict[str, Any]:
    total, arms = _Totals(), {"treated": _Totals(), "control": _Totals()}
    variants: dict[str, _Totals] = defaultdict(_Totals)
    versions: dict[int, _Totals] = defaultdict(_Totals)
    days: dict[str, _Totals] = defaultdict(_Totals)
    for sort_key, counters in buckets:
        day, version, variant, arm = measure.parse_bucket(sort_key)
        for totals in (total, arms[arm], versions[version], days[day]):
            totals.add(counters)
        if variant != measure.NO_VARIANT:
            variants[variant].add(counters)
    entries, revenue = total.n(measure.ENTRIES), total.money(measure.REVENUE)
    report: dict[str, Any] = {
        "flow_id": flow.flow_id,
        "entries": entries,
        "held_out": arms["control"].n(measure.ENTRIES),
        "eligible": total.n(measure.ELIGIBLE),
        "suppressed": _suppressed(total),
        "eligibility_rate": _rate(total.n(measure.ELIGIBLE), entries),
        "sent": total.n(measure.SENT),
        "conversions": total.n(measure.CONVERSIONS),
        "conversion_rate": _rate(total.n(measure.CONVERSIONS), entries),
        "recovered": total.n(measure.RECOVERED),
        "recovery_rate": _rate(total.n(measure.RECOVERED), entries),
        "revenue": _money(revenue, currency),
        "revenue_per_run": _money(revenue / entries if entries else Decimal(0), currency),
        "variants": {name: _variant(t, currency) for name, t in sorted(variants.items())},
        "versions": {
            str(v): {"runs": t.n(measure.ENTRIES), "conversions": t.n(measure.CONVERSIONS)}
            for v, t in sorted(versions.items())
        },
        "holdout": _holdout(flow, arms),
        "exits": {
            k.removeprefix(measure.EXIT_PREFIX): total.n(k)
            for k in sorted(total.counts)
            if k.startswith(measure.EXIT_PREFIX)
        },
        "daily": [_day(day, t, currency) for day, t in sorted(days.items())],
    }
    return report


def _suppressed(total: _Totals) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in sorted(total.counts):
        if name.startswith(measure.SKIP_PREFIX):
            found[name.removeprefix(measure.SKIP_PREFIX)] = total.n(name)
        elif (
            name.startswith(measure.EXIT_PREFIX) and name.removeprefix(measure.EXIT_PREFIX) in measure.SUPPRESSION_EXITS
        ):
            reason = name.removeprefix(measure.EXIT_PREFIX)
            found[reason] = found.get(reason, 0) + total.n(name)
    return {reason: n for reason, n in found.items() if n}


def _variant(totals: _Totals, currency: str) -> dict[str, Any]:
    return {
        "runs": totals.n(measure.VARIANT_RUNS),
        "sent": totals.n(measure.SENT),
        "conversions": totals.n(measure.CONVERSIONS),
        "revenue": _money(totals.money(measure.REVENUE), currency),
    }


def _holdout(flow: FlowScope, arms: Mapping[str, _Totals]) -> dict[str, Any] | None:
    control = arms["control"]
    if flow.holdout_percent == 0 and control.n(measure.ENTRIES) == 0:
        return None
    treated = arms["treated"]
    return holdout_comparison(
        treated.n(measure.ENTRIES),
        min(treated.n(measure.CONVERSIONS), treated.n(measure.ENTRIES)),
        control.n(measure.ENTRIES),
        min(control.n(measure.CONVERSIONS), control.n(measure.ENTRIES)),
    )


def _day(day: str, totals: _Totals, currency: str) -> dict[str, Any]:
    return {
        "day": day,
        "runs": totals.n(measure.ENTRIES),
        "conversions": totals.n(measure.CONVERSIONS),
        "revenue": _money(totals.money(measure.REVENUE), currency),
    }


def kpi_report(
    store_id: str, since: datetime, flows: Sequence[FlowScope], reader: CountersReader, currency: str
) -> dict[str, Any]:
    """The ``kpi --format json`` object: one entry per flow, zeros (never a division error) for a flow with
    no runs."""
    since_day = since.strftime("%Y-%m-%d")
    return {
        "store_id": store_id,
        "since": since_day,
        "flows": [flow_report(f, reader.buckets(store_id, f.flow_id, since_day), currency) for f in flows],
    }
