"""The ``kpi --format json`` document (DESIGN.md, Measurement) read into typed views for the renderers.

Reading checks what rendering relies on and names the field at fault; keys the contract leaves optional
(``variants``, ``versions``, ``holdout``, a flow's ``daily`` series and ``exits`` by reason) may be absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class KpiReportError(ValueError):
    """The document is not a KPI report the renderers can draw; the message names the field."""


@dataclass(frozen=True)
class Arm:
    runs: int
    conversions: int

    @property
    def rate(self) -> float:
        return self.conversions / self.runs if self.runs else 0.0


@dataclass(frozen=True)
class Holdout:
    treated: Arm
    control: Arm
    lift: float | None
    ci95: tuple[float, float] | None
    p_value: float | None


@dataclass(frozen=True)
class Variant:
    name: str
    runs: int
    sent: int
    conversions: int
    revenue: Decimal | None


@dataclass(frozen=True)
class Day:
    day: str
    runs: int
    conversions: int
    revenue: Decimal

    @property
    def revenue_per_run(self) -> Decimal:
        return self.revenue / self.runs if self.runs else Decimal(0)


@dataclass(frozen=True)
class Flow:
    flow_id: str
    name: str
    entries: int
    held_out: int
    eligible: int
    suppressed: dict[str, int]
    exits: dict[str, int]
    eligibility_rate: float
    sent: int
    conversions: int
    conversion_rate: float
    recovered: int
    recovery_rate: float
    revenue: Decimal
    revenue_per_run: Decimal
    currency: str
    variants: tuple[Variant, ...]
    versions: tuple[tuple[str, Arm], ...]
    holdout: Holdout | None
    daily: tuple[Day, ...]


@dataclass(frozen=True)
class Report:
    store_id: str
    since: str
    flows: tuple[Flow, ...]


def read_report(document: Mapping[str, Any]) -> Report:
    """Read a ``kpi --format json`` document; raises ``KpiReportError`` naming the first bad field."""
    if not isinstance(document, Mapping):
        raise KpiReportError(f"a KPI report must be a JSON object, got {type(document).__name__}")
    flows = document.get("flows")
    if not isinstance(flows, list):
        raise KpiReportError("the KPI report's 'flows' must be a list")
    return Report(
        store_id=_text(document, "store_id", "report"),
        since=_text(document, "since", "report"),
        flows=tuple(_flow(entry, index) for index, entry in enumerate(flows)),
    )


def _flow(entry: Any, index: int) -> Flow:
    if not isinstance(entry, Mapping):
        raise KpiReportError(f"flows[{index}] must be an object")
    flow_id = str(entry.get("flow_id") or entry.get("flow") or f"flow {index + 1}")
    where = f"flow {flow_id!r}"
    revenue, currency = _money(entry.get("revenue"), f"{where} revenue", None)
    per_run, _ = _money(entry.get("revenue_per_run"), f"{where} revenue_per_run", currency)
    return Flow(
        flow_id=flow_id,
        name=str(entry.get("name") or flow_id),
        entries=_count(entry, "entries", where),
        held_out=_count(entry, "held_out", where),
        eligible=_count(entry, "eligible", where),
        suppressed=_reasons(entry, "suppressed", where),
        exits=_reasons(entry, "exits", where),
        eligibility_rate=_rate(entry, "eligibility_rate", where),
        sent=_count(entry, "sent", where),
        conversions=_count(entry, "conversions", where),
        conversion_rate=_rate(entry, "conversion_rate", where),
        recovered=_count(entry, "recovered", where),
        recovery_rate=_rate(entry, "recovery_rate", where),
        revenue=revenue,
        revenue_per_run=per_run,
        currency=currency,
        variants=_variants(entry.get("variants"), where, currency),
        versions=_versions(entry.get("versions"), where),
        holdout=_holdout(entry.get("holdout"), where),
        daily=_daily(entry.get("daily"), where, currency),
    )


def _text(mapping: Mapping[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if value is None:
        raise KpiReportError(f"{where} lacks {key!r}")
    return str(value)


def _count(mapping: Mapping[str, Any], key: str, where: str) -> int:
    value = mapping.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KpiReportError(f"{where} {key!r} must be a count (a whole number 0 or more), got {value!r}")
    return value


def _rate(mapping: Mapping[str, Any], key: str, where: str) -> float:
    value = mapping.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not 0 <= value <= 1:
        raise KpiReportError(f"{where} {key!r} must be a rate between 0 and 1, got {value!r}")
    return float(value)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise KpiReportError(f"{where} must be a number, got {value!r}")
    return float(value)


def _amount(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise KpiReportError(f"{where} amount must be a decimal, got {value!r}") from None
    if isinstance(value, bool) or not amount.is_finite():
        raise KpiReportError(f"{where} amount must be a finite decimal, got {value!r}")
    return amount


def _money(value: Any, where: str, currency: str | None) -> tuple[Decimal, str]:
    """Money is ``{"amount": "12.50", "currency": "USD"}``; inside a flow a bare amount takes its currency."""
    if isinstance(value, Mapping):
        code = value.get("currency")
        if not isinstance(code, str) or not code:
            raise KpiReportError(f"{where} lacks its 'currency'")
        return _amount(value.get("amount"), where), code
    if currency is None or value is None:
        raise KpiReportError(f"{where} must be Money, {{'amount': '12.50', 'currency': 'USD'}}, got {value!r}")
    return _amount(value, where), currency


def _reasons(mapping: Mapping[str, Any], key: str, where: str) -> dict[str, int]:
    value = mapping.get(key) or {}
    if not isinstance(value, Mapping):
        raise KpiReportError(f"{where} {key!r} must be an object of reason: count")
    return {str(reason): _count(value, reason, f"{where} {key}") for reason in value}


def _variants(value: Any, where: str, currency: str) -> tuple[Variant, ...]:
    if not value:
        return ()
    if not isinstance(value, Mapping):
        raise KpiReportError(f"{where} 'variants' must be an object of name: figures")
    variants = []
    for name, figures in value.items():
        at = f"{where} variant {name!r}"
        if not isinstance(figures, Mapping):
            raise KpiReportError(f"{at} must be an object")
        revenue = figures.get("revenue")
        variants.append(
            Variant(
                name=str(name),
                runs=_count(figures, "runs", at),
                sent=_count(figures, "sent", at) if "sent" in figures else 0,
                conversions=_count(figures, "conversions", at),
                revenue=None if revenue is None else _money(revenue, f"{at} revenue", currency)[0],
            )
        )
    return tuple(variants)


def _versions(value: Any, where: str) -> tuple[tuple[str, Arm], ...]:
    if not value:
        return ()
    if not isinstance(value, Mapping):
        raise KpiReportError(f"{where} 'versions' must be an object of version: figures")
    versions = []
    for name, figures in value.items():
        at = f"{where} version {name!r}"
        if not isinstance(figures, Mapping):
            raise KpiReportError(f"{at} must be an object")
        versions.append((str(name), Arm(_count(figures, "runs", at), _count(figures, "conversions", at))))
    return tuple(versions)


def _arm(value: Any, where: str) -> Arm:
    if not isinstance(value, Mapping):
        raise KpiReportError(f"{where} must be an object of runs and conversions")
    return Arm(_count(value, "runs", where), _count(value, "conversions", where))


def _holdout(value: Any, where: str) -> Holdout | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise KpiReportError(f"{where} 'holdout' must be an object or null")
    at = f"{where} holdout"
    ci95 = value.get("ci95")
    if ci95 is not None and not (isinstance(ci95, list | tuple) and len(ci95) == 2):
        raise KpiReportError(f"{at} 'ci95' must be [low, high] or null, got {ci95!r}")
    lift, p_value = value.get("lift"), value.get("p_value")
    return Holdout(
        treated=_arm(value.get("treated"), f"{at} treated"),
        control=_arm(value.get("control"), f"{at} control"),
        lift=None if lift is None else _number(lift, f"{at} 'lift'"),
        ci95=None if ci95 is None else (_number(ci95[0], f"{at} ci95 low"), _number(ci95[1], f"{at} ci95 high")),
        p_value=None if p_value is None else _number(p_value, f"{at} 'p_value'"),
    )


def _daily(value: Any, where: str, currency: str) -> tuple[Day, ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise KpiReportError(f"{where} 'daily' must be a list of days")
    days = []
    for index, figures in enumerate(value):
        at = f"{where} daily[{index}]"
        if not isinstance(figures, Mapping):
            raise KpiReportError(f"{at} must be an object")
        days.append(
            Day(
                day=_text(figures, "day", at),
                runs=_count(figures, "runs", at),
                conversions=_count(figures, "conversions", at),
                revenue=_money(figures.get("revenue"), f"{at} revenue", currency)[0],
            )
        )
    return tuple(sorted(days, key=lambda day: day.day))
