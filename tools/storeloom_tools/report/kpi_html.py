"""``kpi --format html``: the KPI report as one self-contained page, charts inline as SVG beside plain tables.

The page loads nothing: no script, no stylesheet, font or image from anywhere, and its Content-Security-Policy
forbids every fetch, so a browser opening it offline shows all of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from storeloom.domain.measurement import SUPPRESSION_EXITS
from storeloom.domain.stats import wilson_interval
from storeloom_tools.report import charts
from storeloom_tools.report import formatting as fmt
from storeloom_tools.report.model import Flow, Holdout, read_report
from storeloom_tools.report.styles import PAGE_CSS

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_kpi_html(document: Mapping[str, Any]) -> str:
    """The HTML page of a ``kpi --format json`` document; raises ``KpiReportError`` on bad input."""
    report = read_report(document)
    title = f"KPI report · {report.store_id}"
    flows = "\n".join(_flow(flow, index) for index, flow in enumerate(report.flows))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<header class="page-head">
<h1>{_e(title)}</h1>
<p class="sub">Store <strong>{_e(report.store_id)}</strong> · runs entered since <strong>{_e(report.since)}</strong> \
· {fmt.count(len(report.flows))} flow{"" if len(report.flows) == 1 else "s"}</p>
</header>
<main>
{flows or '<p class="empty">No flows have runs in this period.</p>'}
</main>
<footer>Made by Storeloom. Rates are per run entered; intervals are 95% (Wilson score for a rate, Newcombe for
the lift). Lift is the messaged runs' conversion rate minus the held-out runs'.</footer>
</body>
</html>
"""


def _flow(flow: Flow, index: int) -> str:
    prefix = f"flow{index}"
    subtitle = "" if flow.name == flow.flow_id else f'<p class="sub">{_e(flow.flow_id)}</p>'
    if flow.entries == 0:
        body = '<p class="empty">No runs entered this flow in this period.</p>'
    else:
        body = "\n".join([_entries(flow, prefix), _conversion(flow, prefix), _revenue(flow, prefix)])
    return f"""<section class="flow" id="{prefix}">
<h2>{_e(flow.name)}</h2>{subtitle}
{_tiles(flow)}
{body}
{_versions(flow)}
</section>"""


def _tiles(flow: Flow) -> str:
    tiles = [
        ("Entered", fmt.count(flow.entries), f"{fmt.count(flow.held_out)} held out"),
        ("Eligible", fmt.percent(flow.eligibility_rate), f"{fmt.count(flow.eligible)} runs"),
        ("Messages sent", fmt.count(flow.sent), ""),
        ("Converted", fmt.percent(flow.conversion_rate), f"{fmt.count(flow.conversions)} runs"),
        ("Revenue", fmt.money(flow.revenue, flow.currency), f"{fmt.money(flow.revenue_per_run, flow.currency)} a run"),
    ]
    if flow.recovered:
        tiles.append(("Carts recovered", fmt.percent(flow.recovery_rate), f"{fmt.count(flow.recovered)} runs"))
    if flow.holdout is not None and flow.holdout.lift is not None:
        tiles.append(("Lift", f"{fmt.points(flow.holdout.lift)} pts", fmt.p_value(flow.holdout.p_value)))
    cells = "".join(
        f'<div class="tile"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
        f'<div class="note">{_e(note)}</div></div>'
        for label, value, note in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _entries(flow: Flow, prefix: str) -> str:
    reasons = flow.exits or flow.suppressed
    kind = "exits" if flow.exits else "suppressions"
    bars = [charts.Bar("Entered", flow.entries, "entry")]
    if flow.held_out:
        bars.append(charts.Bar("Held out", flow.held_out, "held_out"))
    bars += [charts.Bar(fmt.reason(code), n, _exit_kind(code, flow)) for code, n in _by_count(reasons)]
    rows = [[bar.label, fmt.count(int(bar.value)), _share(int(bar.value), flow.entries)] for bar in bars]
    if flow.exits and flow.suppressed:
        rows += [
            [f"Suppressed: {fmt.reason(c)}", fmt.count(n), _share(n, flow.entries)] for c, n in flow.suppressed.items()
        ]
    table = _table(["", "Runs", "Of entries"], rows, f"Entries and {kind} by reason")
    return _pair(
        f"{prefix}-entries", "Entries and exits by reason", charts.entries_and_exits(bars, f"{prefix}-entries"), table
    )


def _exit_kind(code: str, flow: Flow) -> str:
    if code == "converted":
        return "good"
    return "suppressed" if code in flow.suppressed or code in SUPPRESSION_EXITS else "exit"


def _conversion(flow: Flow, prefix: str) -> str:
    groups: list[tuple[str, int, int, str]] = [
        (_variant_label(v.name), v.runs, v.conversions, "variant") for v in flow.variants
    ]
    if flow.holdout is not None:
        groups.append(("Messaged (treated)", flow.holdout.treated.runs, flow.holdout.treated.conversions, "treated"))
        groups.append(("Held out (control)", flow.holdout.control.runs, flow.holdout.control.conversions, "control"))
    if not groups:
        groups.append(("All runs", flow.entries, flow.conversions, "all"))
    bars, rows = [], []
    for label, runs, conversions, kind in groups:
        low, high = wilson_interval(conversions, runs) if runs else (None, None)
        rate = conversions / runs if runs else 0.0
        bars.append(charts.RateBar(label, rate, low, high, kind))
        interval = f"{fmt.percent(low)} to {fmt.percent(high)}" if low is not None and high is not None else "n/a"
        rows.append([label, fmt.count(runs), fmt.count(conversions), fmt.percent(rate), interval])
    lift = _lift(flow.holdout)
    svg = charts.conversion(bars, lift, f"{prefix}-conversion")
    table = _table(["", "Runs", "Converted", "Rate", "95% interval"], rows, "Conversion by variant and arm")
    if flow.holdout is not None:
        table += f'<p class="verdict">{_e(_verdict(flow.holdout))}</p>'
    return _pair(f"{prefix}-conversion", "Conversion by variant and arm", svg, table)


def _lift(holdout: Holdout | None) -> tuple[float, float, float] | None:
    if holdout is None or holdout.lift is None or holdout.ci95 is None:
        return None
    return holdout.lift, holdout.ci95[0], holdout.ci95[1]


def _verdict(holdout: Holdout) -> str:
    line = fmt.holdout_line(holdout)
    if holdout.ci95 is None:
        return f"Holdout: {line}."
    low, high = holdout.ci95
    if low > 0:
        meaning = "messaging this flow raised conversion"
    elif high < 0:
        meaning = "messaging this flow lowered conversion"
    else:
        meaning = "not yet distinguishable from no effect"
    return f"Holdout: {line}: {meaning}."


def _revenue(flow: Flow, prefix: str) -> str:
    title = "Revenue per run over time"
    if not flow.daily:
        return _pair(f"{prefix}-revenue", title, "", '<p class="empty">No day-by-day figures in this report.</p>')
    days = [day.day for day in flow.daily]
    values = [float(day.revenue_per_run) for day in flow.daily]
    svg = charts.revenue_per_run(days, values, flow.currency, f"{prefix}-revenue")
    rows = [
        [
            day.day,
            fmt.count(day.runs),
            fmt.count(day.conversions),
            fmt.money(day.revenue, flow.currency),
            fmt.money(day.revenue_per_run, flow.currency),
        ]
        for day in flow.daily
    ]
    table = _table(["Day", "Runs", "Converted", "Revenue", "Per run"], rows, title)
    return _pair(f"{prefix}-revenue", title, svg, table)


def _versions(flow: Flow) -> str:
    if not flow.versions:
        return ""
    rows = [
        [fmt.version(name), fmt.count(arm.runs), fmt.count(arm.conversions), fmt.percent(arm.rate)]
        for name, arm in flow.versions
    ]
    table = _table(["Version", "Runs", "Converted", "Rate"], rows, "Runs and conversions by flow version")
    return f'<div class="versions"><h3>By flow version</h3>{table}</div>'


def _pair(prefix: str, title: str, svg: str, table: str) -> str:
    figure = f'<figure class="chart">{svg}</figure>' if svg else ""
    return f"""<div class="pair{"" if svg else " no-chart"}" data-chart="{_e(prefix)}">
<h3 id="{_e(prefix)}-title">{_e(title)}</h3>
<div class="pair-body">{figure}<div class="table-wrap">{table}</div></div>
</div>"""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str) -> str:
    head = "".join(f'<th scope="col">{_e(cell)}</th>' for cell in header)
    body = "".join(
        "<tr>"
        + "".join(f'<th scope="row">{_e(c)}</th>' if i == 0 else f"<td>{_e(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _variant_label(name: str) -> str:
    return "No variant" if name == "-" else f"Variant {name}"


def _by_count(reasons: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def _share(part: int, whole: int) -> str:
    return fmt.percent(part / whole) if whole else "n/a"


def _e(text: str) -> str:
    return escape(text, quote=True)
