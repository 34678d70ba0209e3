"""Pieces every sub-command shares: JSON output, the stack endpoint and the registered-store check."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storeloom.domain.types import parse_utc
from storeloom_tools.errors import CliError

if TYPE_CHECKING:
    from storeloom.domain.stores import StoreRecord
    from storeloom_tools.local.endpoint import StackConnection


def print_json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, sort_keys=True, default=str) + "\n")


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """``--endpoint`` (default: the stack ``storeloom local up`` recorded) and ``--stack NAME``."""
    parser.add_argument("--endpoint", help="AWS endpoint URL of the stack (default: the local stack)")
    parser.add_argument("--stack", help="name of a deployed CloudFormation stack")


def registered_store(connection: StackConnection, store_id: str) -> StoreRecord:
    """The record of ``--store``: a store that is not registered is an error, never an empty result."""
    from storeloom.bootstrap import services

    record = services.store_registry(connection.runtime).get(store_id)
    if record is None:
        raise CliError(f"--store: no store {store_id!r} is registered (add it with storeloom stores add)")
    return record


def parse_since(text: str | None) -> datetime:
    """``--since``: a date or an ISO 8601 time, UTC when it names no zone, and not in the future."""
    if not text or not text.strip():
        raise CliError("--since: a date (YYYY-MM-DD) or ISO 8601 time is required")
    try:
        moment = parse_utc(text)
    except ValueError as error:
        raise CliError(f"--since: {text!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from error
    if moment > datetime.now(UTC):
        raise CliError(f"--since: {text!r} is in the future")
    return moment
