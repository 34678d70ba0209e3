"""`storeloom demo` ends by saying what to try next, with commands the CLI accepts."""

from __future__ import annotations

import shlex

import pytest

from storeloom_tools.cli import build_parser
from storeloom_tools.cli.local import print_report
from storeloom_tools.demo.demo import NEXT_STEPS, DemoReport


def test_the_report_ends_with_what_to_try_next(capsys: pytest.CaptureFixture[str]) -> None:
    print_report(DemoReport(stack={"aws": "http://127.0.0.1:1", "webhooks": "http://127.0.0.1:2/", "seconds": "9"}))
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("What to try next (the demo's stack has stopped; these start your own):")
    assert lines[start - 2] == "Finished in 9 s"
    commands = [line.strip() for line in lines[start + 1 :] if line.strip().startswith(".venv/bin/storeloom ")]
    assert commands == [f".venv/bin/{command}" for command, _why in NEXT_STEPS]
    assert commands[0] == ".venv/bin/storeloom local up &"
    named = {shlex.split(command)[1] for command in commands}
    assert {"local", "stores", "entities", "runs"} <= named


@pytest.mark.parametrize("command", [command for command, _why in NEXT_STEPS])
def test_each_suggestion_is_a_command_line_the_cli_accepts(command: str) -> None:
    argv = shlex.split(command.removesuffix(" &"))
    assert argv[0] == "storeloom"
    args = build_parser().parse_args(argv[1:])  # exits 2 on a flag the CLI does not know
    assert callable(args.run)


def test_the_json_report_lists_them_too() -> None:
    assert DemoReport(stack={}).next_steps == [command for command, _why in NEXT_STEPS]
