"""The webhook receiver's handler, driven by generated requests: whatever the method, path, headers and body,
it answers with a status and, on rejection, a 4xx JSON {"error", "message"}; and what it writes to the
archive is what S3 accepts (keys of at most 1,024 bytes, metadata of ASCII within 2 KB)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storeloom.domain.stores import StoreRecord, StoreSecrets
from storeloom.platforms.signatures import sign, webhook_schemes
from storeloom.services.ingest.receiver import WebhookReceiver
from storeloom_tools.local.invoker import LocalContext
from storeloom_tools.local.url_server import function_url_event

ROOT = Path(__file__).resolve().parents[2]
SECRET = "shared-app-secret"
STORES = {
    "maple": StoreRecord("maple", "shopify", "https://maple.myshopify.com", "arn:maple"),
    "woo-1": StoreRecord("woo-1", "woocommerce", "https://woo.example.org", "arn:woo"),
}


class Stores:
    def get(self, store_id: str) -> StoreRecord | None:
        return STORES.get(store_id)


class Secrets:
    def read(self, secret_arn: str) -> StoreSecrets:
        return StoreSecrets((SECRET,))


class StrictArchive:
    """Refuses what S3 (through botocore) would refuse, so a property failure shows the receiver sent it."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def write(self, key: str, body: bytes, metadata: Mapping[str, str]) -> str:
        assert len(key.encode()) <= 1024, f"key too long: {len(key.encode())} bytes"
        for name, value in metadata.items():
            assert name.isascii() and value.isascii(), f"metadata not ASCII: {name}={value!r}"
        assert sum(len(name) + len(value) for name, value in metadata.items()) <= 2048, "metadata over 2 KB"
        self.keys.append(key)
        return key


class Queue:
    def send(self, body: str) -> str:
        json.loads(body)
        return "m-1"


def _handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("receiver_app_under_test", ROOT / "functions/webhook_receiver/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


APP = _handler_module()
RECEIVER = WebhookReceiver(Stores(), Secrets(), StrictArchive(), Queue(), webhook_schemes(), max_body_bytes=4096)

segments = st.one_of(
    st.sampled_from(["webhooks", "shopify", "woocommerce", "magento2", "maple", "woo-1", "..", "%2e%2e", "", " "]),
    st.text(max_size=40),
)
paths = st.lists(segments, min_size=0, max_size=5).map(lambda parts: "/" + "/".join(parts))
header_values = st.one_of(st.text(max_size=300), st.sampled_from(["orders/create", "order.updated", "-1", "☃" * 200]))
header_names = st.one_of(
    st.sampled_from(
        [
            "x-shopify-topic",
            "x-shopify-shop-domain",
            "x-wc-webhook-topic",
            "x-wc-webhook-source",
            "content-length",
            "x-shopify-api-version",
            "x-shopify-webhook-id",
            "x-shopify-event-id",
            "webhook-id",
        ]
    ),
    st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "Pd"]), min_size=1, max_size=40),
    st.text(max_size=20).map(lambda name: f"x-shopify-{name}"),
)
bodies = st.one_of(
    st.binary(max_size=600),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=20),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.just(b"x" * 5000),
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]))
    path = draw(st.one_of(paths, st.sampled_from(["/webhooks/shopify/maple", "/webhooks/woocommerce/woo-1"])))
    body = draw(bodies)
    headers = draw(st.dictionaries(header_names, header_values, max_size=6))
    if draw(st.booleans()):  # often signed, so the checks past the signature are reached too
        header = "x-wc-webhook-signature" if "woocommerce" in path else "x-shopify-hmac-sha256"
        headers[header] = sign(body, SECRET)
    event = function_url_event(method, "/", headers, body)
    # The path as Lambda passes it, whatever it holds ("[" included, which urlsplit would refuse).
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event


@settings(max_examples=6_000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(requests())
def test_every_request_gets_a_status_and_every_rejection_a_json_reason(event: dict[str, Any]) -> None:
    response = APP.handle(event, LocalContext(function_name="webhook_receiver"), RECEIVER)

    status = response["statusCode"]
    assert status in (200, 400, 401, 404, 405, 413), response
    body = json.loads(response["body"])
    if status != 200:
        assert set(body) == {"error", "message"} and body["error"] and body["message"]
