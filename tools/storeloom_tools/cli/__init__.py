"""The ``storeloom`` command. Each sub-command lives in its own module and registers itself here.

Whatever goes wrong, a person sees one line, ``storeloom: error: <flag or field>: <reason>``, and exit
status 2: a bad flag (argparse's own errors included), an unregistered store, or a stack that is not there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

import httpx
from botocore.exceptions import ConnectionClosedError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from storeloom_tools.errors import CliError

# Modules with a ``register(subparsers)`` function, in the order their commands are listed.
COMMAND_MODULES = (
    "storeloom_tools.cli.normalize",
    "storeloom_tools.cli.local",
    "storeloom_tools.cli.stores",
    "storeloom_tools.cli.entities",
    "storeloom_tools.cli.replay",
    "storeloom_tools.cli.sync",
    "storeloom_tools.cli.backfill",
    "storeloom_tools.cli.flows",
    "storeloom_tools.cli.runs",
    "storeloom_tools.cli.outbox",
    "storeloom_tools.cli.segments",
    "storeloom_tools.cli.suppress",
    "storeloom_tools.cli.redact",
    "storeloom_tools.cli.kpi",
    "storeloom_tools.cli.attribution",
)
START_A_STACK = "start one with `storeloom local up`, or pass --endpoint URL or --stack NAME"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is the one line every other error is (``--flag: reason``), not the usage
    text; ``storeloom COMMAND --help`` still prints the usage."""

    def error(self, message: str) -> NoReturn:
        reason = message.removeprefix("argument ")
        print(f"storeloom: error: {reason} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="storeloom", description="Storeloom operator command line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def unreachable(error: Exception) -> CliError:
    """A connection that failed, as the one line a person can act on."""
    if isinstance(error, BotocoreConnectionError | ConnectionClosedError):
        url = error.kwargs.get("endpoint_url") or "its endpoint"
        return CliError(f"--endpoint: no stack answers at {url}: {START_A_STACK}")
    # The CLI reaches the stack through boto3 only; httpx is how it reaches a store's platform API.
    return CliError(f"--store: cannot connect to the store's API at {_origin(error)} ({error}); check its --api-url")


def _origin(error: Exception) -> str:
    try:
        url = error.request.url if isinstance(error, httpx.RequestError) else None
    except RuntimeError:  # an httpx error raised outside a request has none
        url = None
    return f"{url.scheme}://{url.netloc.decode()}" if url is not None else "its URL"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        try:
            return int(args.run(args) or 0)
        except (BotocoreConnectionError, ConnectionClosedError, httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise unreachable(error) from error
    except CliError as error:
        print(f"storeloom: error: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130
