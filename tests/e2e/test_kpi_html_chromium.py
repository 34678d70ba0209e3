"""The HTML KPI report opened in headless Chromium: its charts and tables are on the page, and loading it logs
no console error and makes no request beyond the file itself.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: commands on fd 3,
replies and events on fd 4, each a JSON message ending in NUL), so the test needs no port and no client
library. ``make test`` and ``make e2e`` install Debian's chromium when it is missing.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from storeloom_tools.report.kpi_html import render_kpi_html
from storeloom_tools.report.sample import sample_report

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
    "--remote-debugging-pipe",
]
TIMEOUT = 60.0
CHART_TITLES = ["Entries and exits by reason", "Conversion by variant and arm", "Revenue per run over time"]

# What the page shows, read in the page: per flow its charts' titles, SVGs (with drawn shapes and a size)
# and tables.
PAGE_FACTS = """JSON.stringify({
  title: document.title,
  flows: [...document.querySelectorAll("section.flow")].map((section) => ({
    name: section.querySelector("h2").textContent,
    tables: section.querySelectorAll("table").length,
    charts: [...section.querySelectorAll(".pair")].map((pair) => {
      const svg = pair.querySelector("figure svg");
      return {
        title: pair.querySelector("h3").textContent,
        svgs: pair.querySelectorAll("svg").length,
        shapes: svg ? svg.querySelectorAll("path, rect, use").length : 0,
        width: svg ? svg.getBoundingClientRect().width : 0,
        height: svg ? svg.getBoundingClientRect().height : 0,
        rows: pair.querySelectorAll("table tbody tr").length,
      };
    }),
  })),
})"""


@dataclass
class PageLoad:
    facts: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class DevTools:
    """A DevTools protocol session over Chromium's debugging pipe; keeps every event it reads."""

    def __init__(self, to_browser: int, from_browser: int) -> None:
        self._out, self._in = to_browser, from_browser
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        reply = self._read_until(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        return self._read_until(lambda m: m.get("method") == method)

    def _read_until(self, wanted: Any) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return dict(message)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("chromium did not answer within the timeout")
            ready, _, _ = select.select([self._in], [], [], remaining)
            if ready:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise AssertionError("chromium closed its debugging pipe")
                self._buffer += chunk


@pytest.fixture
def browser() -> Iterator[DevTools]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="storeloom-chromium-")
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()
    # bash (dash takes single-digit fds only) puts the two pipe ends where Chromium expects them: fd 3 and 4.
    launch = f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write}'
    process = subprocess.Popen(
        ["/bin/bash", "-c", launch, CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        pass_fds=(commands_read, replies_write),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(commands_read)
    os.close(replies_write)
    try:
        yield DevTools(commands_write, replies_read)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(commands_write)
        os.close(replies_read)
        shutil.rmtree(profile, ignore_errors=True)


def _load(browser: DevTools, page: Path) -> PageLoad:
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Network", "Runtime", "Log", "Page"):
        browser.call(f"{domain}.enable", session=session)
    url = page.as_uri()
    browser.call("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired")
    # A round trip after the load event flushes any console or network events the load produced.
    facts = browser.call("Runtime.evaluate", {"expression": PAGE_FACTS, "returnByValue": True}, session=session)
    load = PageLoad(facts=json.loads(facts["result"]["value"]))
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            load.errors.append(json.dumps(params.get("args")))
        elif method == "Runtime.exceptionThrown":
            load.errors.append(json.dumps(params.get("exceptionDetails")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            load.errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent" and params["request"]["url"] != url:
            load.requests.append(params["request"]["url"])
    return load


def test_the_report_renders_its_charts_and_tables_without_errors_or_requests(browser: DevTools, tmp_path: Path) -> None:
    # Given the sample report written as a page
    page = tmp_path / "kpi.html"
    page.write_text(render_kpi_html(sample_report()), encoding="utf-8")

    # When Chromium opens it
    load = _load(browser, page)

    # Then the flow with runs shows its three charts, each drawn, sized and beside a table
    assert load.errors == []
    assert load.requests == []
    assert load.facts["title"] == "KPI report · demo-shop"
    cart, welcome = load.facts["flows"]
    assert cart["name"] == "abandoned_cart"
    assert [chart["title"] for chart in cart["charts"]] == CHART_TITLES
    for chart in cart["charts"]:
        assert chart["svgs"] == 1, chart
        assert chart["shapes"] > 5, chart
        assert chart["width"] > 300, chart
        assert chart["height"] > 100, chart
        assert chart["rows"] >= 4, chart
    assert cart["tables"] == 4
    assert welcome["name"] == "welcome"
    assert welcome["charts"] == []


def test_the_check_sees_console_errors_and_requests(browser: DevTools, tmp_path: Path) -> None:
    # Given a page that logs an error, throws, and asks loopback for an image (port 9 refuses it)
    page = tmp_path / "noisy.html"
    page.write_text(
        '<!DOCTYPE html><title>noisy</title><img src="http://127.0.0.1:9/pixel.png">'
        '<script>console.error("boom"); throw new Error("thrown")</script>',
        encoding="utf-8",
    )

    # When Chromium opens it
    load = _load(browser, page)

    # Then the same check reports all three
    assert any("boom" in error for error in load.errors)
    assert any("thrown" in error for error in load.errors)
    assert load.requests == ["http://127.0.0.1:9/pixel.png"]
