"""`storeloom stores add` for the platforms beyond Shopify and WooCommerce, against each platform's loopback
fake: the credentials are tried against the API once, so a bad key is a one-line error and nothing is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from storeloom.bootstrap import services
from storeloom_tools.cli import main
from storeloom_tools.fakes.amazon_sp import FakeAmazonSp
from storeloom_tools.fakes.amazon_sp_data import MARKETPLACE_ID
from storeloom_tools.fakes.bigcommerce import FakeBigCommerce
from storeloom_tools.fakes.bigcommerce_data import ACCESS_TOKEN, STORE_HASH
from storeloom_tools.fakes.magento2 import FakeMagento2
from storeloom_tools.fakes.server import LoopbackServer
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    local_stack.record(tmp_path / ".storeloom" / "local.json")
    monkeypatch.chdir(tmp_path)
    return local_stack


@pytest.fixture
def bigcommerce() -> Iterator[str]:
    with LoopbackServer(FakeBigCommerce()) as server:
        yield f"{server.url}/stores/{STORE_HASH}"


def add(*argv: str) -> int:
    return main(["stores", "add", *argv])


def test_a_bigcommerce_store_with_a_good_token_is_registered_with_its_schedules(
    cli: LocalStack, bigcommerce: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--platform", "bigcommerce", "--store-id", "bc-good", "--api-url", bigcommerce]
    assert add(*argv, "--api-key", ACCESS_TOKEN, "--webhook-secret", "client-secret") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["webhook_url"].endswith("webhooks/bigcommerce/bc-good")
    assert set(printed["schedules"]) == {f"poll-bc-good-{e}" for e in ("orders", "customers", "products")}


@pytest.mark.parametrize("platform", ["bigcommerce", "magento2"])
def test_a_bad_key_is_a_one_line_error_and_nothing_is_registered(
    cli: LocalStack, bigcommerce: str, platform: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer(FakeMagento2()) as magento:
        url = bigcommerce if platform == "bigcommerce" else f"{magento.url}/rest/default"
        argv = ["--platform", platform, "--store-id", f"bad-{platform}", "--api-url", url, "--api-key", "wrong"]
        assert add(*argv, "--webhook-secret", "s") == 2
    error = capsys.readouterr().err
    assert error.startswith(f"storeloom: error: --api-key: the {platform} API cannot be read with these credentials")
    assert "401" in error and error.count("\n") == 1 and "wrong" not in error
    assert services.store_registry(cli.runtime).get(f"bad-{platform}") is None


def test_an_amazon_store_is_checked_through_login_with_amazon(
    cli: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAmazonSp()
    with LoopbackServer(fake) as server:
        argv = ["--platform", "amazon_sp", "--store-id", "amz", "--api-url", server.url]
        argv += ["--marketplace-ids", MARKETPLACE_ID, "--lwa-token-url", f"{server.url}/auth/o2/token"]
        argv += ["--api-key", fake.client_id, "--api-secret", fake.client_secret]
        assert add(*argv, "--refresh-token", "revoked") == 2
        assert "refused the refresh token" in capsys.readouterr().err
        assert add(*argv, "--refresh-token", fake.refresh_token) == 0
    assert json.loads(capsys.readouterr().out)["schedules"] == ["poll-amz-orders"]
