"""``storeloom runs``: a store's flow runs and every decision they recorded."""

from __future__ import annotations

import argparse
import sys

from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.cli.flows import check_flow


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("runs", help="list flow runs and their decisions")
    parser.add_argument("--store", required=True)
    parser.add_argument("--flow")
    parser.add_argument("--json", action="store_true", help="one JSON object a run")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom.services.flows import admin
    from storeloom_tools.local import endpoint

    if args.flow:
        check_flow(args.flow)
    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    runs = admin.summarise_runs(services.run_log(connection.runtime).list(args.store, args.flow))
    for summary in runs:
        if args.json:
            print_json_line(summary.as_json())
            continue
        outcome = summary.status + (f" ({summary.reason})" if summary.reason else "")
        sys.stdout.write(f"{summary.run_id}  v{summary.flow_version}  sent={summary.sent}  {outcome}\n")
        for d in summary.decisions:
            extra = f" {d.reason}" if d.reason else ""
            extra += f" message={d.message_id} channel={d.channel} variant={d.variant}" if d.kind == "sent" else ""
            sys.stdout.write(f"    step {d.step:>2}  {d.at.isoformat()}  {d.kind}{extra}\n")
    return 0
