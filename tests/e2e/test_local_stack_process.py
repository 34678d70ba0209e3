"""The local stack's moto server in its own process: it serves, it ends with its owner however the owner
ends, Lambda invokes cross back into the owner's handlers, and the hot-path patches keep moto's answers."""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import jsonpath_ng.ext
import pytest
from moto import mock_aws
from moto.events.utils import EventTemplateParser
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import SQSBackend, sqs_backends

from storeloom_tools.local import moto_hot_paths
from storeloom_tools.local.endpoint import LOCAL_CREDENTIALS
from storeloom_tools.local.moto_process import MotoProcess, zygote_pid
from storeloom_tools.local.provision import REGION, dummy_code_zip
from storeloom_tools.local.seam_bridge import SeamServer
from storeloom_tools.local.stack import MOTO_CONFIG, free_port

pytestmark = pytest.mark.e2e
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda"}}]}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def served() -> Iterator[tuple[MotoProcess, list[tuple[str, Any]]]]:
    calls: list[tuple[str, Any]] = []

    def dispatch(name: str, event: Any) -> Any:
        calls.append((name, event))
        if event.get("fail"):
            raise ValueError("asked to fail")
        return {"echo": event["value"], "pid": os.getpid()}

    seam = SeamServer(dispatch)
    moto = MotoProcess(free_port(), seam.url).start()
    try:
        yield moto, calls
    finally:
        moto.stop()
        seam.close()


def test_moto_serves_from_another_process_and_stop_ends_it(
    served: tuple[MotoProcess, list[tuple[str, Any]]],
) -> None:
    moto, _ = served
    assert moto.pid is not None and moto.pid != os.getpid()
    url = f"http://127.0.0.1:{moto.port}"
    assert httpx.post(f"{url}/moto-api/config", json=MOTO_CONFIG).status_code == 201
    pid = moto.pid
    moto.stop()
    assert gone_within([pid], 3.0)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/moto-api/")


def test_a_lambda_invoke_runs_in_the_owner_and_a_handler_error_keeps_its_type(
    served: tuple[MotoProcess, list[tuple[str, Any]]],
) -> None:
    moto, calls = served
    url = f"http://127.0.0.1:{moto.port}"
    httpx.post(f"{url}/moto-api/config", json=MOTO_CONFIG).raise_for_status()
    session = boto3.Session(
        LOCAL_CREDENTIALS["aws_access_key_id"], LOCAL_CREDENTIALS["aws_secret_access_key"], region_name=REGION
    )
    role = session.client("iam", endpoint_url=url).create_role(
        RoleName="seam", AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]["Arn"]
    client = session.client("lambda", endpoint_url=url)
    client.create_function(
        FunctionName="echo", Runtime="python3.12", Role=role, Handler="app.h", Code={"ZipFile": dummy_code_zip()}
    )
    ok = client.invoke(FunctionName="echo", Payload=json.dumps({"value": 7}))
    failed = client.invoke(FunctionName="echo", Payload=json.dumps({"fail": True}))
    assert json.loads(ok["Payload"].read()) == {"echo": 7, "pid": os.getpid()}
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "asked to fail")
    assert [name for name, _ in calls] == ["echo", "echo"]


OWNER = """
import sys
from storeloom_tools.local.moto_process import MotoProcess, zygote_pid
from storeloom_tools.local.seam_bridge import SeamServer
moto = MotoProcess(int(sys.argv[1]), SeamServer(lambda name, event: None).url).start()
print(moto.pid, zygote_pid(), flush=True)
sys.stdin.read()
"""


def test_a_killed_owner_leaves_no_moto_process_behind() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(free_port())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        server, zygote = (int(pid) for pid in owner.stdout.readline().split())
        assert alive(server) and alive(zygote)
        owner.send_signal(signal.SIGKILL)
        owner.wait(5)
        assert gone_within([server, zygote], 5.0), "the moto server or its zygote outlived its owner"
    finally:
        owner.kill()
        owner.wait(5)


def test_this_process_keeps_one_warm_zygote(served: tuple[MotoProcess, list[tuple[str, Any]]]) -> None:
    first = zygote_pid()
    second = MotoProcess(free_port(), "http://127.0.0.1:9/invoke").start()
    try:
        assert first is not None and zygote_pid() == first
    finally:
        second.stop()


def test_moto_still_has_the_costs_the_hot_path_patches_remove() -> None:
    # If moto stops doing these, the patches can go.
    routing = inspect.getsource(DomainDispatcherApplication.get_backend_for_host)
    assert "list_of_moto_modules()" in routing
    retention = inspect.getsource(SQSBackend.is_message_valid_based_on_retention_period)
    assert "get_queue_attributes(" in retention
    template = inspect.getsource(EventTemplateParser.parse)
    assert "from jsonpath_ng.ext import parse" in template


def test_a_target_s_input_is_filled_as_moto_fills_it_with_each_path_parsed_once() -> None:
    event = {"id": "e-1", "detail-type": "order", "source": "storeloom", "detail": {"n": 1}, "ingestion-time": 1}
    paths = {"kind": "$.detail-type", "n": "$.detail.n"}
    moto_says = EventTemplateParser.parse('{"kind": "<kind>", "n": <n>}', paths, event)  # type: ignore[arg-type]
    restore = moto_hot_paths.install()
    try:
        patched = EventTemplateParser.parse('{"kind": "<kind>", "n": <n>}', paths, event)  # type: ignore[arg-type]
        assert jsonpath_ng.ext.parse("$.detail.n") is jsonpath_ng.ext.parse("$.detail.n")  # type: ignore[attr-defined]
    finally:
        restore()
    assert patched == moto_says == {"kind": "order", "n": 1}


def test_the_hot_path_patches_keep_moto_s_sqs_answers() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="hot", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        for index in range(6):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{index}")
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30)
        expired = sqs_backends["123456789012"][REGION].queues["hot"]._messages[-2]
        vars(expired)["sent_timestamp"] = int(str(expired.sent_timestamp)) - 61_000  # past the retention period
        moto_says = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        restore = moto_hot_paths.install()
        try:
            patched = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        finally:
            restore()
    assert patched == moto_says
    assert moto_says["ApproximateNumberOfMessages"] == "4"
    assert (moto_says["ApproximateNumberOfMessagesDelayed"], moto_says["ApproximateNumberOfMessagesNotVisible"]) == (
        "1",
        "2",
    )
    # The expired one is not delivered, as moto's own check would have it.
    assert sorted(message["Body"] for message in received) == ["m2", "m3", "m4"]
