"""``kpi --format table``: the KPI report as plain text, one block per flow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storeloom_tools.report import formatting as fmt
from storeloom_tools.report.model import Flow, read_report


def render_kpi_table(document: Mapping[str, Any]) -> str:
    """The plain-text report of a ``kpi --format json`` document; raises ``KpiReportError`` on bad input."""
    report = read_report(document)
    heading = f"KPI report for store {report.store_id} since {report.since}"
    blocks = [f"{heading}\n{'=' * len(heading)}"]
    if not report.flows:
        blocks.append("No flows have runs in this period.")
    blocks.extend(_flow_block(flow) for flow in report.flows)
    return "\n\n".join(blocks) + "\n"


def _flow_block(flow: Flow) -> str:
    title = flow.name if flow.name == flow.flow_id else f"{flow.name} ({flow.flow_id})"
    money = flow.currency
    lines = [f"Flow {title}", "-" * (5 + len(title))]
    lines += _columns(
        [
            ["entries", fmt.count(flow.entries), ""],
            ["held out", fmt.count(flow.held_out), ""],
            ["eligible", fmt.count(flow.eligible), f"eligibility rate {fmt.percent(flow.eligibility_rate)}"],
            ["sent", fmt.count(flow.sent), ""],
            ["conversions", fmt.count(flow.conversions), f"conversion rate {fmt.percent(flow.conversion_rate)}"],
            ["recovered", fmt.count(flow.recovered), f"recovery rate {fmt.percent(flow.recovery_rate)}"],
            ["revenue", fmt.money(flow.revenue, money), f"{fmt.money(flow.revenue_per_run, money)} per run"],
        ],
        indent=2,
    )
    lines += _section("suppressed", [[fmt.reason(r), fmt.count(n)] for r, n in _by_count(flow.suppressed)])
    if flow.exits:
        lines += _section("exits", [[fmt.reason(r), fmt.count(n)] for r, n in _by_count(flow.exits)])
    lines += _section("variants", [_variant_row(flow, index) for index in range(len(flow.variants))])
    lines += _section(
        "versions",
        [
            [
                fmt.version(name),
                f"runs {fmt.count(arm.runs)}",
                f"conversions {fmt.count(arm.conversions)}",
                fmt.percent(arm.rate),
            ]
            for name, arm in flow.versions
        ],
    )
    lines.append(_holdout_text(flow))
    return "\n".join(lines)


def _variant_row(flow: Flow, index: int) -> list[str]:
    variant = flow.variants[index]
    rate = variant.conversions / variant.runs if variant.runs else 0.0
    row = [
        variant.name,
        f"runs {fmt.count(variant.runs)}",
        f"sent {fmt.count(variant.sent)}",
        f"conversions {fmt.count(variant.conversions)}",
        fmt.percent(rate),
    ]
    if variant.revenue is not None:
        row.append(f"revenue {fmt.money(variant.revenue, flow.currency)}")
    return row


def _holdout_text(flow: Flow) -> str:
    holdout = flow.holdout
    if holdout is None:
        return "  holdout: none (every run is messaged)"
    treated, control = holdout.treated, holdout.control
    arms = (
        f"treated {fmt.count(treated.conversions)}/{fmt.count(treated.runs)} ({fmt.percent(treated.rate)}), "
        f"control {fmt.count(control.conversions)}/{fmt.count(control.runs)} ({fmt.percent(control.rate)})"
    )
    return f"  holdout: {arms}\n           {fmt.holdout_line(holdout)}"


def _by_count(reasons: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def _section(title: str, rows: list[list[str]]) -> list[str]:
    if not rows:
        return [f"  {title}: none"]
    return [f"  {title}:", *_columns(rows, indent=4)]


def _columns(rows: Sequence[Sequence[str]], indent: int) -> list[str]:
    """Left-aligned text columns, numbers in the second column right-aligned."""
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(len(row) for row in rows))]
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append((" " * indent + "  ".join(cells)).rstrip())
    return lines
