"""The HTML report's stylesheet, inlined in the page: system fonts only, so nothing is fetched."""

from __future__ import annotations

PAGE_CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7fb; --card: #fff; --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page-head { padding: 32px 40px 8px; }
h1 { margin: 0; font-size: 28px; letter-spacing: -0.01em; }
h2 { margin: 0; font-size: 22px; }
h3 { margin: 0 0 12px; font-size: 16px; color: var(--ink); }
.sub { margin: 4px 0 0; color: var(--muted); }
main { padding: 8px 40px 24px; display: grid; gap: 28px; }
.flow { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 24px 28px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, 0.04); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 18px 0 8px; }
.tile { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; background: #fbfbfe; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.tile .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile .note { color: var(--muted); font-size: 13px; min-height: 1em; }
.pair { border-top: 1px solid var(--line); padding-top: 18px; margin-top: 18px; }
.pair-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; align-items: start; }
.pair.no-chart .pair-body { grid-template-columns: 1fr; }
@media (max-width: 900px) { .pair-body { grid-template-columns: 1fr; } main, .page-head { padding-left: 16px;
  padding-right: 16px; } }
figure.chart { margin: 0; }
svg.chart-svg { width: 100%; height: auto; display: block; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 6px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); }
thead th { color: var(--muted); font-weight: 600; font-size: 12px; text-align: right; }
thead th:first-child, tbody th { text-align: left; font-weight: 500; }
td { text-align: right; white-space: nowrap; }
.verdict { margin: 12px 0 0; padding: 10px 12px; border-radius: 8px; background: #eef2ff; color: #312e81; }
.empty { color: var(--muted); font-style: italic; }
.versions { margin-top: 18px; border-top: 1px solid var(--line); padding-top: 18px; max-width: 520px; }
footer { padding: 0 40px 40px; color: var(--muted); font-size: 13px; }
"""
