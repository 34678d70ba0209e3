"""The flow adapters on moto: config versions, the send ledger, SES v2, and the commerce reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storeloom.adapters.flow_config import DynamoFlowConfigStore
from storeloom.adapters.sends import DynamoSendLedger
from storeloom.adapters.ses import SesEmailChannel
from storeloom.domain.flow_config import FlowConfig
from storeloom.services.flows.message import build_message
from tests.support.aws import AwsStack
from tests.unit.flows_builders import NOW, cart, state


def test_each_config_change_is_a_new_version_and_the_old_one_stays(aws_stack: AwsStack) -> None:
    store = DynamoFlowConfigStore(aws_stack.env("FLOW_CONFIG_TABLE"), aws_stack.client("dynamodb"))
    first = store.save(FlowConfig(store_id="s1", delays_seconds=[60]))
    second = store.save(first.model_copy(update={"delays_seconds": [5, 10]}))
    current = store.current("s1", "abandoned_cart")
    assert (first.version, second.version) == (1, 2)
    assert current is not None and (current.version, current.delays_seconds) == (2, [5, 10])
    old = store.version("s1", "abandoned_cart", 1)
    assert old is not None and old.delays_seconds == [60]


def test_send_ledger_claims_once_releases_on_failure_and_remembers_delivery(aws_stack: AwsStack) -> None:
    ledger = DynamoSendLedger(aws_stack.env("LEDGER_TABLE"), aws_stack.client("dynamodb"), lease_seconds=60)
    now = datetime.now(UTC)
    assert ledger.claim("send#r#0", now) == ("claimed", None)
    assert ledger.claim("send#r#0", now) == ("in_progress", None)
    assert ledger.claim("send#r#0", now + timedelta(seconds=61)) == ("claimed", None)  # crashed lease
    ledger.release("send#r#0")
    assert ledger.claim("send#r#0", now) == ("claimed", None)
    ledger.delivered("send#r#0", "ses-1", now)
    ledger.release("send#r#0")  # a late release never undoes a delivery
    assert ledger.claim("send#r#0", now) == ("delivered", "ses-1")


def test_ses_v2_sends_the_rendered_message(aws_stack: AwsStack) -> None:
    ses = aws_stack.client("sesv2")
    ses.create_email_identity(EmailIdentity="shop@storeloom_tools.local")
    the_cart = cart()
    message = build_message(state(), the_cart, "ann@example.com", the_cart.line_items, "A", NOW)
    message_id = SesEmailChannel(ses).deliver(message)
    assert message_id
    sent = aws_stack.client("ses").get_send_statistics()["SendDataPoints"]
    assert sum(point["DeliveryAttempts"] for point in sent) == 1


def test_ses_rejection_is_a_provider_error(aws_stack: AwsStack) -> None:
    from storeloom.services.flows.ports import ProviderError

    the_cart = cart()
    message = build_message(state(), the_cart, "ann@example.com", the_cart.line_items, "A", NOW)
    with pytest.raises(ProviderError):
        SesEmailChannel(aws_stack.client("sesv2")).deliver(message)  # sender identity not verified
