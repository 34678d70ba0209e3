"""``storeloom suppress``, the SES feedback worker, the unsubscribe function and the SES channel, on moto
resources made from template.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storeloom.adapters.ses import SesEmailChannel
from storeloom.adapters.suppressions import DynamoSuppressionList
from storeloom.bootstrap import services
from storeloom.domain.eligibility import contact_key
from storeloom.domain.ses_feedback import store_tag
from storeloom.services.flows.message import build_message, with_unsubscribe
from storeloom_tools.cli import main
from storeloom_tools.local.url_server import function_url_event
from tests.support.aws import AwsStack
from tests.support.webhooks import register_store
from tests.unit.flows_builders import NOW, cart, state

STORE = "shop.one"


@pytest.fixture
def cli(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    aws_stack.serve_cli(monkeypatch, "http://function-url.local/")
    register_store(aws_stack, STORE, "shopify", "secret")
    yield aws_stack


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    status, out, _ = run(capsys, "suppress", "list", "--store", STORE, "--json")
    assert status == 0
    return [json.loads(line) for line in out.splitlines()]


def test_add_list_remove(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "suppress", "add", "--store", STORE, "--email", "Ann@Example.com", "--phone", "+44 7700 900112"
    )
    assert status == 0 and "a***@example.com" in out and "manual" in out

    entries = listed(capsys)
    assert sorted((e["hint"], e["medium"], e["reason"], e["source"]) for e in entries) == [
        ("+44********12", "sms", "manual", "manual"),
        ("a***@example.com", "email", "manual", "manual"),
    ]
    assert {e["contact_key"] for e in entries} == {
        contact_key("email", "ann@example.com"),
        contact_key("sms", "447700900112"),
    }
    raw = cli.client("dynamodb").scan(TableName=cli.env("SUPPRESSION_TABLE"))["Items"]
    assert "ann@example.com" not in json.dumps(raw).lower()  # the address is never stored in clear

    assert run(capsys, "suppress", "remove", "--store", STORE, "--email", "ann@example.com")[:2] == (
        0,
        "removed a***@example.com\n",
    )
    assert [e["medium"] for e in listed(capsys)] == ["sms"]

    status, out, err = run(capsys, "suppress", "remove", "--store", STORE, "--email", "ann@example.com")
    assert (status, out) == (1, "")
    assert err == "storeloom: error: --email: a***@example.com is not suppressed in store 'shop.one'\n"


def test_a_reason_is_a_label_and_the_table_output_shows_it(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "suppress", "add", "--store", STORE, "--email", "bo@shop.io", "--reason", "GDPR-request")[0] == 0
    status, out, _ = run(capsys, "suppress", "list", "--store", STORE)
    assert status == 0 and out.split()[:4] == ["b***@shop.io", "email", "gdpr-request", "manual"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add"], "--email: suppress add needs --email or --phone (or both)"),
        (["add", "--email", "not-an-email"], "--email: 'not-an-email' is not an email address"),
        (["add", "--phone", "07700 900123"], "--phone: '07700 900123' is not an E.164 phone number"),
        (["add", "--email", "a@b.io", "--reason", "from ann@b.io"], "--reason: 'from ann@b.io' is not a reason"),
        (["remove", "--email", "a@b.io", "--reason", "x"], "--reason: only suppress add takes a reason"),
        (["list", "--email", "a@b.io"], "--email: suppress list takes no --email"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    argv: list[str], message: str, cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    action, *rest = argv
    status, out, err = run(capsys, "suppress", action, "--store", STORE, *rest)
    assert (status, out) == (2, "")
    assert err.startswith(f"storeloom: error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize("action", ["add", "remove", "list"])
def test_an_unregistered_store_is_an_error(action: str, cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    extra = [] if action == "list" else ["--email", "a@b.io"]
    status, _, err = run(capsys, "suppress", action, "--store", "ghost", *extra)
    assert status == 2 and "--store: no store 'ghost' is registered" in err


def received_event(sqs: Any, queue_url: str) -> dict[str, Any]:
    """What Lambda's event source would hand the function for the queue's messages."""
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:feedback",
            "awsRegion": "us-east-1",
        }
        for m in messages
    ]
    return {"Records": records}


def ses_event(kind: str, detail: dict[str, Any], store: str = STORE) -> dict[str, Any]:
    name = {"Bounce": "bounce", "Complaint": "complaint"}[kind]
    mail = {"destination": ["x@example.com"], "tags": {"store_id": [store_tag(store)]}, "messageId": "m"}
    return {"eventType": kind, name: detail, "mail": mail}


def test_ses_feedback_through_the_topic_and_queue_lands_in_the_list(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    permanent = {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "gone@example.com"}]}
    transient = {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": "full@example.com"}]}
    complaint = {"complainedRecipients": [{"emailAddress": "angry@example.com"}]}
    sns, topic = cli.client("sns"), cli.ref("SesFeedbackTopic")
    for body in (ses_event("Bounce", permanent), ses_event("Bounce", transient), ses_event("Complaint", complaint)):
        sns.publish(TopicArn=topic, Message=json.dumps(body))
    sns.publish(TopicArn=topic, Message=json.dumps({"eventType": "Click", "mail": {}}))

    # Raw delivery: the queue holds SES's JSON itself.
    event = received_event(cli.client("sqs"), cli.ref("SesFeedbackQueue"))
    assert len(event["Records"]) == 4
    assert json.loads(event["Records"][0]["body"])["eventType"] == "Bounce"
    assert cli.invoker.invoke("SesFeedbackFunction", event) == {"batchItemFailures": []}

    capsys.readouterr()  # the worker's own log lines
    entries = listed(capsys)
    assert sorted((e["hint"], e["reason"], e["source"]) for e in entries) == [
        ("a***@example.com", "complaint", "ses_complaint"),
        ("g***@example.com", "bounce", "ses_bounce"),
    ]
    dead = cli.client("sqs").receive_message(
        QueueUrl=cli.ref("SesFeedbackDeadLetterQueue"), MessageAttributeNames=["All"]
    )
    [message] = dead["Messages"]
    assert message["MessageAttributes"]["error"]["StringValue"].startswith("eventType: 'Click'")


def unsubscribe_request(method: str, path: str) -> dict[str, Any]:
    event = function_url_event(
        method, path, {"content-type": "application/x-www-form-urlencoded"}, b"List-Unsubscribe=One-Click"
    )
    return event


def test_the_link_in_a_message_unsubscribes_and_a_bad_token_is_a_400(
    cli: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    links = services.unsubscribe_links(cli.runtime)
    assert links is not None
    url = links.url_for(STORE, contact_key("email", "ann@example.com"))
    path = "/" + url.split("/", 3)[3]

    page = cli.invoker.invoke("UnsubscribeFunction", unsubscribe_request("GET", path))
    assert page["statusCode"] == 200 and "unsubscribed" in page["body"].lower()
    assert page["headers"]["Content-Type"].startswith("text/html")
    one_click = cli.invoker.invoke("UnsubscribeFunction", unsubscribe_request("POST", path))
    assert (one_click["statusCode"], one_click["body"]) == (200, "unsubscribed")
    capsys.readouterr()
    [entry] = listed(capsys)
    assert (entry["reason"], entry["source"], entry["contact_key"]) == (
        "unsubscribed",
        "link",
        contact_key("email", "ann@example.com"),
    )

    other_store = path.replace(f"/unsubscribe/{STORE}/", "/unsubscribe/shop-two/")
    refused = cli.invoker.invoke("UnsubscribeFunction", unsubscribe_request("GET", other_store))
    assert (refused["statusCode"], refused["body"]) == (400, "token: the signature does not match this store")
    garbled = cli.invoker.invoke("UnsubscribeFunction", unsubscribe_request("POST", f"/unsubscribe/{STORE}/nonsense"))
    assert (garbled["statusCode"], garbled["body"]) == (400, "token: not an unsubscribe token")


def test_ses_sends_the_headers_and_the_store_tag(cli: AwsStack) -> None:
    the_cart = cart()
    message = with_unsubscribe(
        build_message(state(), the_cart, "ann@example.com", the_cart.line_items, "A", NOW), "https://u.example/x"
    )
    sent: list[dict[str, Any]] = []

    class Recording:
        def send_email(self, **request: Any) -> dict[str, str]:
            sent.append(request)
            return {"MessageId": "ses-1"}

    assert SesEmailChannel(Recording()).deliver(message) == "ses-1"
    [request] = sent
    assert {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"} in request["Content"]["Simple"][
        "Headers"
    ]
    assert {"Name": "store_id", "Value": store_tag(message.store_id)} in request["EmailTags"]
    # botocore's own model accepts the request (moto's SES v2 needs a verified sender first).
    ses = cli.client("sesv2")
    ses.create_email_identity(EmailIdentity=message.sender)
    assert SesEmailChannel(ses).deliver(message)


def test_suppressions_written_by_the_adapter_are_what_the_flow_step_reads(cli: AwsStack) -> None:
    suppressions = DynamoSuppressionList(cli.env("SUPPRESSION_TABLE"), cli.client("dynamodb"))
    assert main(["suppress", "add", "--store", STORE, "--email", "cat@example.com"]) == 0
    assert suppressions.is_suppressed(STORE, contact_key("email", "CAT@example.com"))
    assert not suppressions.is_suppressed("other", contact_key("email", "cat@example.com"))


def test_the_flow_steps_channels_add_the_link_and_the_outbox_records_it(cli: AwsStack) -> None:
    the_cart = cart()
    message = build_message(state(), the_cart, "ann@example.com", the_cart.line_items, "A", NOW)
    services.ChannelFactory(cli.runtime)("outbox", None).deliver(message)

    [recorded] = services.outbox(cli.runtime).list(message.store_id)
    assert recorded.unsubscribe_url is not None and recorded.unsubscribe_url in recorded.text
    assert recorded.headers["List-Unsubscribe"] == f"<{recorded.unsubscribe_url}>"
    token = recorded.unsubscribe_url.rsplit("/", 1)[1]
    links = services.unsubscribe_links(cli.runtime)
    assert links is not None and links.contact_of(message.store_id, token) == contact_key("email", "ann@example.com")


def test_the_sample_events_run_against_the_stack(cli: AwsStack, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.aws import load_event

    register_store(cli, "sample-shop", "shopify", "secret")
    assert cli.invoker.invoke("SesFeedbackFunction", load_event("ses_feedback_permanent_bounce.json")) == {
        "batchItemFailures": []
    }
    capsys.readouterr()
    assert main(["suppress", "list", "--store", "sample-shop"]) == 0
    assert capsys.readouterr().out.split()[:4] == ["g***@example.com", "email", "bounce", "ses_bounce"]
    # The sample link's token is a placeholder: the function answers it with the 400 a forged link gets.
    refused = cli.invoker.invoke("UnsubscribeFunction", load_event("unsubscribe_bad_token.json"))
    assert (refused["statusCode"], refused["body"]) == (400, "token: not an unsubscribe token")
