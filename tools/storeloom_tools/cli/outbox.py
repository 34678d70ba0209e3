"""``storeloom outbox``: the messages the local outbox channel delivered for a store."""

from __future__ import annotations

import argparse
import sys

from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("outbox", help="messages delivered by the local outbox channel")
    parser.add_argument("--store", required=True)
    parser.add_argument("--json", action="store_true")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom_tools.local import endpoint

    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    for message in services.outbox(connection.runtime).list(args.store):
        if args.json:
            print_json_line(message.model_dump(mode="json"))
        else:
            when = message.created_at.isoformat()
            sys.stdout.write(f"{when}  {message.to}  {message.run_id} step {message.step}  {message.subject}\n")
    return 0
