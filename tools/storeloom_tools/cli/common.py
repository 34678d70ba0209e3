"""Pieces every sub-command shares: the one-line error, JSON output and the stack endpoint."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def print_json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, sort_keys=True, default=str) + "\n")


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """``--endpoint`` (default: the stack ``storeloom local up`` recorded) and ``--stack NAME``."""
    parser.add_argument("--endpoint", help="AWS endpoint URL of the stack (default: the local stack)")
    parser.add_argument("--stack", help="name of a deployed CloudFormation stack")
