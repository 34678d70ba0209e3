"""``storeloom entities``: the stored canonical entities of a store, as JSON lines."""

from __future__ import annotations

import argparse

from storeloom.adapters.entities import DynamoEntityStore
from storeloom.domain.model import ENTITY_CLASSES
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError
from storeloom_tools.local import endpoint


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("entities", help="list stored canonical entities as JSON lines")
    parser.add_argument("--store", required=True)
    parser.add_argument("--type", required=True, help=", ".join(ENTITY_CLASSES))
    parser.add_argument("--id")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.type not in ENTITY_CLASSES:
        raise CliError(f"--type: {args.type!r} is not one of {', '.join(ENTITY_CLASSES)}")
    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    store = DynamoEntityStore(connection.name("ENTITIES_TABLE"), connection.client("dynamodb"))
    if args.id:
        entity = store.get(args.store, args.type, args.id)
        if entity is None:
            raise CliError(f"--id: no {args.type} {args.id!r} in store {args.store!r}")
        print_json_line(entity)
        return 0
    for entity in store.list_all(args.store, args.type):
        print_json_line(entity)
    return 0
