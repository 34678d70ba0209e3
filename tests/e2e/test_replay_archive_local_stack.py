"""`storeloom replay --archive` on the local stack, where S3 metadata crosses moto's HTTP server: archived
webhooks come back through ingest, with and without --store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from storeloom.adapters.archive import S3Archive
from storeloom_tools.cli import main
from storeloom_tools.demo.demo_webhooks import Delivery, post
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"


def test_archive_replay_reads_the_metadata_the_receiver_wrote(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    add = [
        "stores",
        "add",
        "--platform",
        "shopify",
        "--store-id",
        "replayed",
        "--api-url",
        "http://127.0.0.1:9",
        "--skip-check",
    ]
    assert main([*add, "--webhook-secret", "replay-secret"]) == 0
    capsys.readouterr()
    delivery = Delivery("order", "shopify", "replayed", "orders/create", "shopify_orders_create.json")
    with httpx.Client() as client:
        posted = post(client, local_stack.webhook_base_url, delivery, "replay-secret", PAYLOADS)
    assert posted.status == 200
    assert local_stack.drain(timeout=30)

    # The labels replay needs survive the round trip through moto's HTTP server.
    archive = S3Archive(local_stack.stack_env("ARCHIVE_BUCKET"), local_stack.client("s3"))
    metadata = archive.metadata(posted.response["raw_ref"])
    assert (metadata["store-id"], metadata["platform"], metadata["topic"]) == ("replayed", "shopify", "orders/create")
    assert metadata["received-at"].endswith("Z") and metadata["platform-event-id"] == f"evt-{delivery.delivery_id}"

    today = datetime.now(UTC).date().isoformat()
    assert main(["replay", "--archive", "--since", today, "--store", "replayed"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["replayed"] == 1  # only this store's one webhook; others' are skipped
    assert main(["replay", "--archive", "--since", today]) == 0
    everything = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert everything["replayed"] >= 1 and everything["skipped"] == 0
    assert main(["replay", "--archive", "--since", today, "--store", "nobody"]) == 2
    assert "no store 'nobody' is registered" in capsys.readouterr().err
    assert local_stack.drain(timeout=30)
