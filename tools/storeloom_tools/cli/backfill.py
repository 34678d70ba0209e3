"""``storeloom backfill --store S --entity E --since DATE``: resumable, at the backfill share of the rate
budget, onto the same ingest path as polling, with a progress bar on stderr."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from storeloom.domain.checkpoint import checkpoint_key
from storeloom.services.platform_port import ApiError
from storeloom.services.polling.runner import PollJob
from storeloom.services.polling.sync import SyncReport
from storeloom_tools.cli.common import add_endpoint_arguments, parse_since
from storeloom_tools.cli.sync import checked_store, print_report, runner_for
from storeloom_tools.errors import CliError
from storeloom_tools.local import endpoint


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("backfill", help="sync everything changed since a date (resumable)")
    parser.add_argument("--store", required=True)
    parser.add_argument("--entity", required=True, help="orders, customers, products, ...")
    parser.add_argument("--since", required=True, help="date or ISO 8601 time; UTC unless it says otherwise")
    parser.add_argument("--json", action="store_true", help="print the final report as JSON")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def progress_bar(done: int, total: int | None, width: int = 30) -> str:
    if not total:
        return f"{done} fetched"
    filled = min(width, width * done // total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {min(done, total)}/{total}"


class Progress:
    def __init__(self, stream: TextIO, already: int, total: int | None) -> None:
        self.stream, self.already, self.total = stream, already, total

    def __call__(self, report: SyncReport) -> None:
        done = self.already + report.enqueued
        total = max(self.total, done) if self.total is not None else None
        self.stream.write(f"\r{progress_bar(done, total)}  {report.requests} requests")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    connection = endpoint.connect(args.endpoint, args.stack)
    runner = runner_for(connection)
    store = checked_store(connection, runner, args.store, args.entity)
    previous = runner.service.checkpoints.get(store.store_id, checkpoint_key(args.entity, "backfill"))
    already = 0
    if previous and previous.since == since and previous.resume:
        already = previous.total_enqueued
        sys.stderr.write(f"resuming after {previous.resume.to_text()} ({already} already enqueued)\n")
    job = PollJob(store_id=store.store_id, entity=args.entity, mode="backfill", since=since)
    try:
        total = runner.client_for(store, "backfill").count(args.entity, since)
        report = runner.run(job, lambda: 1 << 30, Progress(sys.stderr, already, total))
    except ApiError as error:
        raise CliError(f"--store: the platform API failed: {error}") from error
    finally:
        sys.stderr.write("\n")
    print_report(report, args.json)
    return 0
