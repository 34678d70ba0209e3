"""Bad command lines exit 2 with one line that names the field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from storeloom_tools.cli import main


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["stores", "add", "--platform", "etsy", "--store-id", "s", "--api-url", "http://x"], "--platform"),
        (["stores", "add", "--platform", "shopify", "--store-id", "s", "--api-url", "ftp://x"], "--api-url"),
        (["stores", "add", "--platform", "shopify", "--store-id", "s", "--api-url", "http://x"], "--webhook-secret"),
        (["stores", "add", "--platform", "shopify", "--store-id", "a b", "--api-url", "http://x"], "--store-id"),
        (["entities", "--store", "s", "--type", "invoice"], "--type"),
        (["replay", "--archive", "--since", "yesterday"], "--since"),
        (["replay", "--archive"], "--since"),
    ],
)
def test_bad_arguments_get_a_one_line_reason(
    argv: list[str], field: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("storeloom: error: ")
    assert field in error


def test_commands_that_need_a_stack_say_how_to_start_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["entities", "--store", "s", "--type", "order"]) == 2
    assert "storeloom local up" in capsys.readouterr().err
