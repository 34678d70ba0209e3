"""A store whose API refuses its credentials: the poll says so once and stops (no retry storm), `stores
status` shows the refusal, and the first poll after the key is fixed clears it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom_tools.cli import main
from storeloom_tools.fakes import FakeWooCommerce, LoopbackServer
from tests.support.aws import AwsStack

STORE = "woo-keys"


@pytest.fixture
def shop(aws_stack: AwsStack) -> Iterator[tuple[AwsStack, FakeWooCommerce]]:
    fake = FakeWooCommerce()
    with LoopbackServer(fake) as server:
        stack = aws_stack.with_environment(SECRET_CACHE_SECONDS="0")
        vault = SecretsManagerVault(stack.client("secretsmanager"))
        arn = vault.create_or_update(f"storeloom/{STORE}", StoreSecrets(("w",), "ck_revoked", "cs_local"))
        registry = DynamoStoreRegistry(stack.env("STORES_TABLE"), stack.client("dynamodb"))
        registry.put(StoreRecord(STORE, "woocommerce", server.url, arn))
        yield stack, fake


def status_text(stack: AwsStack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("storeloom_tools.local.endpoint.connect", lambda *_: stack.connection())
    capsys.readouterr()
    assert main(["stores", "status", "--store", STORE]) == 0
    return capsys.readouterr().out


def test_refused_credentials_are_reported_once_then_cleared_by_the_first_good_poll(
    shop: tuple[AwsStack, FakeWooCommerce], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stack, fake = shop
    job = {"store_id": STORE, "entity": "orders"}

    result = stack.invoker.invoke("PollerFunction", job)

    assert result["error"] == "credentials_refused" and "401" in result["reason"]
    assert len(fake.requests) == 1  # a 401 is not retried
    assert "credentials REFUSED" in status_text(stack, capsys, monkeypatch)

    vault = SecretsManagerVault(stack.client("secretsmanager"))
    vault.create_or_update(f"storeloom/{STORE}", StoreSecrets(("w",), "ck_local", "cs_local"))
    assert stack.invoker.invoke("PollerFunction", job)["complete"] is True

    text = status_text(stack, capsys, monkeypatch)
    assert "REFUSED" not in text and "credentials ok" in text
