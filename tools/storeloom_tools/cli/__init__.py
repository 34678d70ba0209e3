"""The ``storeloom`` command. Each sub-command lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storeloom", description="Storeloom operator command line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CliError as error:
        print(f"storeloom: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
