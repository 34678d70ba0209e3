"""``storeloom sync``: one poll cycle now. Also ``stores status`` and the schedules ``stores add`` creates."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from storeloom.bootstrap import services
from storeloom.domain.stores import StoreRecord
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.runner import PollRunner, report_dict
from storeloom.services.polling.sync import SyncReport
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError
from storeloom_tools.local import endpoint
from storeloom_tools.local.endpoint import StackConnection


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sync", help="run one poll cycle of a store's entity now")
    parser.add_argument("--store", required=True, help="store id")
    parser.add_argument("--entity", required=True, help="orders, customers, products, checkouts, ...")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def runner_for(connection: StackConnection) -> PollRunner:
    """The poller's own wiring, built for the stack ``connection`` names."""
    return services.poll_runner(connection.runtime)


def checked_store(connection: StackConnection, runner: PollRunner, store_id: str, entity: str) -> StoreRecord:
    """``--store``, registered and polled, and ``--entity``, one of the entities its platform polls."""
    store = registered_store(connection, store_id)
    entities = runner.platforms.polled_entities(store)
    if not entities:
        raise CliError(f"--store: {store.platform} stores are not polled")
    if entity not in entities:
        raise CliError(f"--entity: {entity!r} is not one of {', '.join(entities)} for {store.platform}")
    return store


def print_report(report: SyncReport, as_json: bool) -> None:
    data = report_dict(report)
    if as_json:
        print_json_line(data)
        return
    for name in ("store_id", "entity", "mode", "fetched", "enqueued", "requests", "pages", "cursor"):
        sys.stdout.write(f"{name:<10} {data[name]}\n")
    if not report.complete:
        sys.stdout.write(f"{'stopped':<10} {report.stopped or 'unfinished'}: run again to continue\n")


def run(args: argparse.Namespace) -> int:
    connection = endpoint.connect(args.endpoint, args.stack)
    runner = runner_for(connection)
    checked_store(connection, runner, args.store, args.entity)
    try:
        report = runner.sync_now(args.store, args.entity)
    except ApiError as error:
        raise CliError(f"--store: the platform API failed: {error}") from error
    print_report(report, args.json)
    return 0


def add_status_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``stores status [--store S] [--json]``, registered by cli/stores.py."""
    status = actions.add_parser("status", help="webhook health, last poll, cursors, repairs")
    status.add_argument("--store", help="one store (default: every store)")
    status.add_argument("--json", action="store_true")
    add_endpoint_arguments(status)
    status.set_defaults(run=run_status)


def run_status(args: argparse.Namespace) -> int:
    from storeloom.adapters.checkpoints import DynamoCheckpointStore, DynamoEntitySources, DynamoHealthLog
    from storeloom.services.polling.status import store_status

    connection = endpoint.connect(args.endpoint, args.stack)
    runner, dynamodb = runner_for(connection), connection.client("dynamodb")
    table = connection.name("CHECKPOINTS_TABLE")
    stores = [registered_store(connection, args.store)] if args.store else runner.stores.all()
    for store in stores:
        status = store_status(
            store.store_id,
            store.platform,
            DynamoCheckpointStore(table, dynamodb),
            DynamoEntitySources(connection.name("ENTITIES_TABLE"), dynamodb),
            DynamoHealthLog(table, dynamodb),
        )
        print_json_line(status) if args.json else _print_status(status)
    return 0


def _print_status(status: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"{status['store_id']} ({status['platform']})\n")
    out.write(f"  last webhook version   {status['last_webhook_version_at'] or '-'}\n")
    out.write(f"  recovered by polling   {status['recovered_by_polling']}\n")
    health = status["subscriptions"]
    out.write(f"  subscriptions repaired {health['repaired_total']} (checked {health['last_checked_at'] or '-'})\n")
    if health.get("credentials_error"):
        out.write(f"  credentials REFUSED    {health['credentials_error']} (at {health['credentials_checked_at']})\n")
    elif health.get("credentials_checked_at"):
        out.write(f"  credentials ok         (last poll {health['credentials_checked_at']})\n")
    for poll in status["polls"]:
        state = "in progress" if poll["in_progress"] else "done"
        out.write(f"  poll {poll['key']:<22} {poll['last_poll_at'] or '-'}  cursor {poll['cursor']}  {state}\n")
