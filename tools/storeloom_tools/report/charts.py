"""The KPI report's charts, drawn by matplotlib as SVG to inline in one HTML page.

No pyplot: each chart is its own ``Figure``, so nothing global changes and no GUI backend loads. Text stays
text (``svg.fonttype: none``) in the page's fonts; math parsing is off so a ``$`` in a name or an amount is
drawn as is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
COLORS = {"entry": "#4f46e5", "held_out": "#94a3b8", "exit": "#64748b", "suppressed": "#f59e0b", "good": "#10b981"}
ARM_COLORS = {"treated": "#4f46e5", "control": "#94a3b8", "variant": "#0ea5e9", "all": "#10b981"}
_STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "storeloom",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    kind: str


@dataclass(frozen=True)
class RateBar:
    label: str
    rate: float
    low: float | None
    high: float | None
    kind: str


def entries_and_exits(bars: Sequence[Bar], prefix: str) -> str:
    """Horizontal bars of runs: entered, held out, then each exit or suppression reason."""
    with matplotlib.rc_context(_STYLE):
        figure = _figure(rows=len(bars))
        axes = figure.add_subplot()
        positions = list(range(len(bars)))
        axes.barh(positions, [bar.value for bar in bars], color=[COLORS[bar.kind] for bar in bars], height=0.6)
        top = max((bar.value for bar in bars), default=0) or 1
        for position, bar in zip(positions, bars, strict=True):
            axes.text(bar.value + top * 0.01, position, f"{bar.value:,.0f}", va="center", color=INK)
        _rows(axes, [bar.label for bar in bars])
        axes.set_xlim(0, top * 1.15)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        axes.set_xlabel("runs")
        return _svg(figure, prefix)


def conversion(bars: Sequence[RateBar], lift: tuple[float, float, float] | None, prefix: str) -> str:
    """Conversion rate per group with its 95% interval as an error bar; below, the lift and its interval."""
    with matplotlib.rc_context(_STYLE):
        figure = _figure(rows=len(bars), extra=1.0 if lift else 0.0)
        if lift:
            axes, lift_axes = figure.subplots(2, 1, height_ratios=[max(len(bars), 1), 1.2])
            _lift(lift_axes, *lift)
        else:
            axes = figure.add_subplot()
        positions = list(range(len(bars)))
        axes.barh(positions, [b.rate for b in bars], color=[ARM_COLORS[b.kind] for b in bars], height=0.55)
        for position, bar in zip(positions, bars, strict=True):
            if bar.low is not None and bar.high is not None:
                axes.errorbar(
                    bar.rate,
                    position,
                    xerr=[[bar.rate - bar.low], [bar.high - bar.rate]],
                    fmt="none",
                    ecolor=INK,
                    capsize=4,
                    linewidth=1.2,
                )
            axes.text(max(bar.high or bar.rate, bar.rate) + 0.01, position, f"{bar.rate:.1%}", va="center")
        _rows(axes, [bar.label for bar in bars])
        highest = max((b.high if b.high is not None else b.rate for b in bars), default=0.0)
        axes.set_xlim(0, min(1.0, highest * 1.25) or 0.1)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        axes.xaxis.set_major_formatter(FuncFormatter(_percent_tick))
        axes.set_xlabel("conversion rate (bars: 95% interval)")
        return _svg(figure, prefix)


def _lift(axes: Axes, lift: float, low: float, high: float) -> None:
    axes.axvline(0, color=MUTED, linewidth=1, linestyle="--")
    color = COLORS["good"] if low > 0 else (COLORS["suppressed"] if high < 0 else INK)
    axes.plot([low, high], [0, 0], color=color, linewidth=3, solid_capstyle="butt")
    axes.plot([lift], [0], "o", color=color, markersize=8)
    span = max(abs(low), abs(high), 0.01) * 1.2
    axes.set_xlim(-span, span)
    axes.set_ylim(-1, 1)
    axes.set_yticks([0], labels=["Lift"])
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    axes.xaxis.set_major_formatter(FuncFormatter(_points_tick))
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)


def revenue_per_run(days: Sequence[str], values: Sequence[float], currency_label: str, prefix: str) -> str:
    """Revenue per run by day of entry, a line with a point per day."""
    with matplotlib.rc_context(_STYLE):
        figure = _figure(rows=5)
        axes = figure.add_subplot()
        positions = list(range(len(days)))
        axes.plot(positions, values, color=COLORS["entry"], linewidth=2, marker="o", markersize=4)
        axes.fill_between(positions, values, color=COLORS["entry"], alpha=0.08)
        step = max(1, len(days) // 7)
        axes.set_xticks(positions[::step], labels=[day[5:] for day in days[::step]])
        axes.set_ylim(bottom=0, top=(max(values, default=0) or 1) * 1.2)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.2f}"))
        axes.set_ylabel(f"revenue per run ({currency_label})")
        axes.set_xlabel("day of entry (month-day, UTC)")
        axes.grid(axis="y", color=GRID, linewidth=0.8)
        axes.set_axisbelow(True)
        return _svg(figure, prefix)


def _percent_tick(value: float, _: object) -> str:
    return f"{value * 100:.{0 if round(value * 100, 6).is_integer() else 1}f}%"


def _points_tick(value: float, _: object) -> str:
    shown = round(value * 100, 1) + 0.0
    text = f"{shown:+.{0 if shown.is_integer() else 1}f}"
    return "0 pts" if shown == 0 else f"{text} pts"


def _figure(rows: int, extra: float = 0.0) -> Figure:
    return Figure(figsize=(6.4, 0.9 + 0.42 * max(rows, 1) + extra), layout="constrained")


def _rows(axes: Axes, labels: list[str]) -> None:
    axes.set_yticks(list(range(len(labels))), labels=labels)
    axes.invert_yaxis()
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)


_PROLOG = re.compile(r"\A.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element fit to inline: no XML prolog or metadata, sized by CSS through its
    viewBox, and every id prefixed so several charts' clip paths and markers never collide in one page."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue()))
    text = _SIZE.sub(r"\1", _SIZE.sub(r"\1", text, count=1), count=1)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = text.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
    return text.replace("<svg ", f'<svg role="img" class="chart-svg" aria-labelledby="{prefix}-title" ', 1)
