"""``storeloom kpi``: what each flow earned, as a table, JSON (DESIGN.md, Measurement) or an HTML report."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storeloom.domain.flow_config import FLOWS
from storeloom_tools.cli.common import add_endpoint_arguments, parse_since, registered_store
from storeloom_tools.cli.flows import check_flow

DEFAULT_DAYS = 30


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kpi", help="entries, suppressions, conversions, revenue and holdout lift per flow")
    parser.add_argument("--store", required=True)
    parser.add_argument("--flow", help="one flow (default: every flow)")
    parser.add_argument(
        "--since", help=f"runs that entered on or after this day, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)"
    )
    parser.add_argument("--format", choices=["table", "json", "html"], default="table")
    parser.add_argument("--out", help="the file the html report is written to (default: kpi-<store>.html)")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from storeloom_tools.local import endpoint

    if args.flow:
        check_flow(args.flow)
    since = parse_since(args.since) if args.since else datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    connection = endpoint.connect(args.endpoint, args.stack)
    store = registered_store(connection, args.store)
    from storeloom_tools.report.build import build_report

    report = build_report(connection.runtime, args.store, since, [args.flow] if args.flow else list(FLOWS), store)
    if args.format == "json":
        sys.stdout.write(json.dumps(report) + "\n")
    elif args.format == "html":
        from storeloom_tools.report.build import write_report

        out = write_report(report, Path(args.out or f"kpi-{args.store}.html"))
        sys.stdout.write(f"{out}\n")
    else:
        from storeloom_tools.report.kpi_table import render_kpi_table

        sys.stdout.write(render_kpi_table(report).rstrip("\n") + "\n")
    return 0
