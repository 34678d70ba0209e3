"""The unsubscribe link on the local stack: the loopback API routes it to the unsubscribe function, and the
contact it names is then listed by ``storeloom suppress list``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from storeloom.bootstrap import services
from storeloom.domain.eligibility import contact_key
from storeloom_tools.cli import main
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e


def test_following_the_link_suppresses_and_a_forged_one_is_refused(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    add = ["stores", "add", "--platform", "shopify", "--store-id", "leaving-shop", "--api-url", "http://127.0.0.1:9"]
    assert main([*add, "--skip-check", "--webhook-secret", "s"]) == 0
    capsys.readouterr()
    links = services.unsubscribe_links(local_stack.runtime)
    assert links is not None
    url = links.url_for("leaving-shop", contact_key("email", "ann@example.com"))
    # The link points at the stack's own API, which locally is the loopback server.
    assert url.startswith(local_stack.webhook_base_url + "unsubscribe/leaving-shop/")

    with httpx.Client(timeout=10) as client:
        page = client.get(url)
        one_click = client.post(url, content=b"List-Unsubscribe=One-Click")
        forged = client.get(url.replace("/leaving-shop/", "/other-shop/"))
        webhook = client.post(local_stack.webhook_base_url + "webhooks/shopify/leaving-shop", content=b"{}")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (one_click.status_code, one_click.text) == (200, "unsubscribed")
    assert (forged.status_code, forged.text) == (400, "token: the signature does not match this store")
    assert webhook.status_code == 401  # other paths still reach the webhook receiver

    assert main(["suppress", "list", "--store", "leaving-shop", "--json"]) == 0
    [entry] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"contact_key"' in line]
    assert (entry["contact_key"], entry["reason"], entry["source"]) == (
        contact_key("email", "ann@example.com"),
        "unsubscribed",
        "link",
    )
