"""``storeloom replay``: send dead-lettered or archived messages back through ingest."""

from __future__ import annotations

import argparse

from storeloom.adapters.archive import S3Archive
from storeloom.adapters.queues import SqsQueue
from storeloom.services.ingest.replay import replay_archive, replay_dead_letters
from storeloom_tools.cli.common import add_endpoint_arguments, parse_since, print_json_line, registered_store
from storeloom_tools.local import endpoint


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("replay", help="re-ingest dead letters or archived webhooks")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dlq", action="store_true", help="move the dead-letter queue back to ingest")
    source.add_argument("--archive", action="store_true", help="re-ingest archived webhooks")
    parser.add_argument("--since", help="with --archive: a date or time (ISO 8601, UTC when no zone)")
    parser.add_argument("--store")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since) if args.archive else None
    connection = endpoint.connect(args.endpoint, args.stack)
    if args.store:
        registered_store(connection, args.store)
    ingest = SqsQueue(connection.name("INGEST_QUEUE_URL"), connection.client("sqs"))
    if since is not None:
        archive = S3Archive(connection.name("ARCHIVE_BUCKET"), connection.client("s3"))
        report = replay_archive(archive, ingest, since, args.store)
    else:
        dlq = SqsQueue(connection.name("INGEST_DLQ_URL"), connection.client("sqs"))
        report = replay_dead_letters(dlq, ingest, args.store)
    for dead in report.dead_letters:
        print_json_line({"replayed": dead})
    print_json_line({"replayed": report.replayed, "skipped": report.skipped})
    return 0
