"""The flows' composition root: adapters built once per process, on first use, from FlowSettings."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING

from storeloom.bootstrap import aws_client
from storeloom.flows.config import flow_settings

if TYPE_CHECKING:
    import httpx

    from storeloom.channels.port import Channel
    from storeloom.flows.failures import FailureRecorder
    from storeloom.flows.live import PlatformLive
    from storeloom.flows.starter import FlowStarter
    from storeloom.flows.steps import StepRunner
    from storeloom.store.flow_config import DynamoFlowConfigStore
    from storeloom.store.outbox import DynamoOutbox
    from storeloom.store.runs import DynamoRunLog


@lru_cache(maxsize=1)
def run_log() -> DynamoRunLog:
    from storeloom.store.runs import DynamoRunLog

    return DynamoRunLog(flow_settings().flow_runs_table, aws_client("dynamodb"))


@lru_cache(maxsize=1)
def flow_configs() -> DynamoFlowConfigStore:
    from storeloom.store.flow_config import DynamoFlowConfigStore

    return DynamoFlowConfigStore(flow_settings().flow_config_table, aws_client("dynamodb"))


@lru_cache(maxsize=1)
def outbox() -> DynamoOutbox:
    from storeloom.store.outbox import DynamoOutbox

    return DynamoOutbox(flow_settings().outbox_table, aws_client("dynamodb"))


@lru_cache(maxsize=1)
def flow_starter() -> FlowStarter:
    from storeloom.flows.starter import FlowStarter
    from storeloom.store.executions import StepFunctionsStarter

    settings = flow_settings()
    return FlowStarter(
        configs=flow_configs(),
        executions=StepFunctionsStarter(settings.state_machine_arn, aws_client("stepfunctions")),
        decisions=run_log(),
    )


@lru_cache(maxsize=1)
def http_client() -> httpx.Client:
    import httpx

    return httpx.Client(timeout=10.0)


@lru_cache(maxsize=1)
def live_http_client() -> httpx.Client:
    """Re-checks run inside a step's budget: a short timeout, so a platform that is down fails fast."""
    import httpx

    return httpx.Client(timeout=flow_settings().live_timeout_seconds, follow_redirects=False)


@lru_cache(maxsize=1)
def live_commerce() -> PlatformLive | None:
    """The platforms' live APIs, unless LIVE_RECHECK is off or there is no Stores table to find them in."""
    settings = flow_settings()
    if not settings.live_recheck or not settings.stores_table:
        return None
    from storeloom.flows.live import PlatformLive
    from storeloom.store.stores import DynamoStoreRegistry, SecretsManagerVault

    return PlatformLive(
        stores=DynamoStoreRegistry(settings.stores_table, aws_client("dynamodb")),
        secrets=SecretsManagerVault(aws_client("secretsmanager"), settings.secret_cache_seconds),
        http=live_http_client(),
        attempts=settings.live_attempts,
        sleep=time.sleep,
    )


def channel(provider: str, target: str | None) -> Channel:
    settings = flow_settings()
    if provider == "ses":
        from storeloom.channels.ses import SesEmailChannel

        return SesEmailChannel(aws_client("sesv2"))
    if provider == "webhook":
        if not target or not settings.webhook_secret:
            raise ValueError("the webhook channel needs the flow's webhook_url and FLOW_WEBHOOK_SECRET")
        from storeloom.channels.webhook import WebhookChannel

        return WebhookChannel(target, settings.webhook_secret, http_client())
    return outbox()


@lru_cache(maxsize=1)
def step_runner() -> StepRunner:
    from storeloom.channels.once import OnceSender
    from storeloom.flows.enrich import Enricher
    from storeloom.flows.steps import StepDeps, StepRunner
    from storeloom.store.flow_entities import DynamoCommerceReader
    from storeloom.store.sends import DynamoSendLedger
    from storeloom.store.suppressions import DynamoSuppressionList

    settings = flow_settings()
    dynamodb = aws_client("dynamodb")
    commerce = DynamoCommerceReader(settings.entities_table, dynamodb)
    ledger = DynamoSendLedger(settings.ledger_table, dynamodb, lease_seconds=settings.send_lease_seconds)
    live = live_commerce()
    return StepRunner(
        StepDeps(
            commerce=commerce,
            history=run_log(),
            suppressions=DynamoSuppressionList(settings.suppression_table, dynamodb),
            decisions=run_log(),
            sender=OnceSender(ledger, channel),
            enricher=Enricher(commerce, live, sleep=time.sleep),
            live=live,
        )
    )


@lru_cache(maxsize=1)
def failure_recorder() -> FailureRecorder:
    from storeloom.flows.failures import FailureRecorder

    return FailureRecorder(run_log())


def forget() -> None:
    """Drop the cached wiring (tests and the local stack change the environment it reads)."""
    for cached in (
        flow_settings,
        run_log,
        flow_configs,
        outbox,
        flow_starter,
        step_runner,
        failure_recorder,
        http_client,
        live_http_client,
        live_commerce,
    ):
        cached.cache_clear()
