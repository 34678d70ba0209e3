"""``storeloom entities``: the stored canonical entities of a store, as JSON lines."""

from __future__ import annotations

import argparse

from storeloom.adapters.entities import DynamoEntityStore
from storeloom.adapters.flow_entities import DynamoCommerceReader
from storeloom.bootstrap import services
from storeloom.domain.model import ENTITY_CLASSES
from storeloom.services.people import picture
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError
from storeloom_tools.local import endpoint


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("entities", help="list stored canonical entities as JSON lines")
    parser.add_argument("--store", help="the store (required unless --email is given)")
    parser.add_argument("--type", help=", ".join(ENTITY_CLASSES) + " (required unless --email is given)")
    parser.add_argument("--id")
    parser.add_argument(
        "--email",
        help="one person across every store: their customer records and orders per store, then a summary line",
    )
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.email:
        return run_person(args)
    if not args.store:
        raise CliError("--store: required (or --email for one person across every store)")
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


def run_person(args: argparse.Namespace) -> int:
    if "@" not in args.email:
        raise CliError(f"--email: {args.email!r} is not an email address")
    connection = endpoint.connect(args.endpoint, args.stack)
    runtime = connection.runtime
    stores = services.store_registry(runtime).all()
    if args.store:
        stores = [registered_store(connection, args.store)]
    reader = DynamoCommerceReader(connection.name("ENTITIES_TABLE"), connection.client("dynamodb"))
    found = picture(args.email, stores, reader)
    for view in found.stores:
        print_json_line(
            {
                "store_id": view.store_id,
                "platform": view.platform,
                "customers": [customer.model_dump(mode="json") for customer in view.customers],
                "orders": [order.model_dump(mode="json") for order in view.orders],
            }
        )
    print_json_line({"person": found.summary()})
    return 0
