"""The composition root: every handler's service, built from one Runtime (settings and clients).

Each builder imports what it wires inside itself, so a function loads only the code it runs. Handlers call
these once per cold start (storeloom.bootstrap.runtime.ColdStart); the CLI and the local stack call them
with a Runtime for the stack they talk to; tests pass moto clients or fakes.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from storeloom.bootstrap.runtime import Runtime

if TYPE_CHECKING:
    import httpx

    from storeloom.adapters.flow_config import DynamoFlowConfigStore
    from storeloom.adapters.flow_session import DynamoStepSession
    from storeloom.adapters.outbox import DynamoOutbox
    from storeloom.adapters.people import DynamoPeople
    from storeloom.adapters.runs import DynamoRunLog
    from storeloom.adapters.schedules import PollSchedules
    from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
    from storeloom.platforms.live import PlatformLive
    from storeloom.platforms.sources import PlatformCatalog
    from storeloom.services.compliance import ComplianceWorker
    from storeloom.services.flows.failures import FailureRecorder
    from storeloom.services.flows.ports import Channel
    from storeloom.services.flows.starter import FlowStarter
    from storeloom.services.flows.steps import StepRunner
    from storeloom.services.ingest.partner_events import PartnerEventsWorker
    from storeloom.services.ingest.service import IngestService
    from storeloom.services.ingest.sqs_batch import IngestWorker
    from storeloom.services.polling.health import HealthSweep
    from storeloom.services.polling.runner import PollRunner
    from storeloom.services.redaction import RedactionService
    from storeloom.services.segment_worker import SegmentWorker
    from storeloom.services.segments import SegmentRefresher
    from storeloom.services.suppression import FeedbackWorker, SuppressionService, UnsubscribeLinks, Unsubscriber


def ingest_service(runtime: Runtime) -> IngestService:
    from storeloom.adapters.archive import S3Archive
    from storeloom.adapters.bus import EventBridgePublisher
    from storeloom.adapters.ledger import DynamoIngestLedger
    from storeloom.adapters.queues import SqsQueue
    from storeloom.platforms.readers import StoreReaders
    from storeloom.platforms.registry import get_adapter
    from storeloom.services.ingest.service import IngestService

    settings, dynamodb = runtime.settings, runtime.aws.client("dynamodb")
    compliance_url = settings.compliance_queue_url
    readers = (
        StoreReaders(store_registry(runtime), secrets_vault(runtime), platform_catalog(runtime, 10.0, attempts=3))
        if settings.stores_table
        else None
    )
    return IngestService(
        compliance=SqsQueue(compliance_url, runtime.aws.client("sqs")) if compliance_url else None,
        readers=readers,
        writer=DynamoIngestLedger(
            settings.require("ledger_table"),
            settings.require("entities_table"),
            dynamodb,
            ttl_seconds=settings.dedupe_ttl_seconds,
        ),
        publisher=EventBridgePublisher(settings.require("event_bus_name"), runtime.aws.client("events")),
        archive=S3Archive(settings.require("archive_bucket"), runtime.aws.client("s3")),
        adapters=get_adapter,
    )


def ingest_worker(runtime: Runtime) -> IngestWorker:
    from storeloom.adapters.queues import SqsQueue
    from storeloom.services.ingest.sqs_batch import IngestWorker

    settings = runtime.settings
    dead_letters = SqsQueue(settings.ingest_dlq_url, runtime.aws.client("sqs")) if settings.ingest_dlq_url else None
    return IngestWorker(ingest_service(runtime), dead_letters, settings.ingest_max_attempts)


def compliance_worker(runtime: Runtime) -> ComplianceWorker:
    from storeloom.adapters.archive import S3Archive
    from storeloom.adapters.queues import SqsQueue
    from storeloom.platforms.registry import get_adapter
    from storeloom.services.compliance import ComplianceService, ComplianceWorker

    settings = runtime.settings
    dlq_url = settings.compliance_dlq_url
    service = ComplianceService(
        redaction_service(runtime),
        S3Archive(settings.require("archive_bucket"), runtime.aws.client("s3")),
        get_adapter,
    )
    dead_letters = SqsQueue(dlq_url, runtime.aws.client("sqs")) if dlq_url else None
    return ComplianceWorker(service, dead_letters, settings.compliance_max_attempts)


def partner_events_worker(runtime: Runtime) -> PartnerEventsWorker:
    from storeloom.adapters.queues import SqsQueue
    from storeloom.bootstrap.receiver import webhook_receiver
    from storeloom.services.ingest.partner_events import PartnerEventsWorker, ShopifyEventBridgeIntake

    dlq_url = runtime.settings.partner_events_dlq_url
    dead_letters = SqsQueue(dlq_url, runtime.aws.client("sqs")) if dlq_url else None
    intake = ShopifyEventBridgeIntake(webhook_receiver(runtime), store_registry(runtime))
    return PartnerEventsWorker(intake, dead_letters)


def store_registry(runtime: Runtime) -> DynamoStoreRegistry:
    from storeloom.adapters.stores import DynamoStoreRegistry

    return DynamoStoreRegistry(runtime.settings.require("stores_table"), runtime.aws.client("dynamodb"))


def secrets_vault(runtime: Runtime) -> SecretsManagerVault:
    from storeloom.adapters.stores import SecretsManagerVault

    return SecretsManagerVault(runtime.aws.client("secretsmanager"), runtime.settings.secret_cache_seconds)


def platform_catalog(runtime: Runtime, timeout_seconds: float | None = None, attempts: int = 8) -> PlatformCatalog:
    import httpx

    from storeloom.platforms.sources import PlatformCatalog

    timeout = timeout_seconds or runtime.settings.http_timeout_seconds
    return PlatformCatalog(httpx.Client(timeout=timeout, follow_redirects=False), attempts=attempts)


def poll_runner(runtime: Runtime, catalog: PlatformCatalog | None = None) -> PollRunner:
    from storeloom.adapters.checkpoints import DynamoCheckpointStore, DynamoHealthLog
    from storeloom.adapters.queues import SqsQueue
    from storeloom.services.polling.runner import PollRunner
    from storeloom.services.polling.sync import SyncService

    settings, sqs = runtime.settings, runtime.aws.client("sqs")
    service = SyncService(
        checkpoints=DynamoCheckpointStore(settings.require("checkpoints_table"), runtime.aws.client("dynamodb")),
        sink=SqsQueue(settings.require("ingest_queue_url"), sqs),
        overlap=timedelta(minutes=settings.overlap_minutes),
        first_lookback=timedelta(hours=settings.first_lookback_hours),
        reserve_ms=settings.reserve_ms,
    )
    return PollRunner(
        stores=store_registry(runtime),
        secrets=secrets_vault(runtime),
        service=service,
        platforms=catalog or platform_catalog(runtime),
        jobs=SqsQueue(settings.backfill_queue_url, sqs) if settings.backfill_queue_url else None,
        backfill_share=settings.backfill_share,
        credentials=DynamoHealthLog(settings.require("checkpoints_table"), runtime.aws.client("dynamodb")),
    )


def health_sweep(runtime: Runtime) -> HealthSweep:
    from storeloom.adapters.checkpoints import DynamoHealthLog
    from storeloom.services.polling.health import HealthSweep, SubscriptionHealth

    settings, runner = runtime.settings, poll_runner(runtime)
    health_log = DynamoHealthLog(settings.require("checkpoints_table"), runtime.aws.client("dynamodb"))
    return HealthSweep(
        stores=runner.stores,
        clients=lambda store: runner.client_for(store, "live"),
        health=SubscriptionHealth(health_log),
        platforms=runner.platforms,
        webhook_base_url=settings.webhook_base_url or None,
        schedules=poll_schedules(runtime),
    )


def run_log(runtime: Runtime) -> DynamoRunLog:
    from storeloom.adapters.runs import DynamoRunLog

    return DynamoRunLog(runtime.settings.require("flow_runs_table"), runtime.aws.client("dynamodb"))


def flow_starter(runtime: Runtime) -> FlowStarter:
    from storeloom.adapters.executions import StepFunctionsStarter
    from storeloom.services.flows.starter import FlowStarter

    settings, sfn = runtime.settings, runtime.aws.client("stepfunctions")
    machines = {
        "abandoned_cart": settings.state_machine_arn,
        "post_purchase": settings.post_purchase_state_machine_arn,
        "winback": settings.winback_state_machine_arn,
    }
    session = step_session(runtime) if settings.people_table else None
    return FlowStarter(
        configs=flow_configs(runtime),
        executions={flow: StepFunctionsStarter(arn, sfn) for flow, arn in machines.items() if arn},
        decisions=run_log(runtime),
        people=session,
        runs=session,
        commerce=session,
        counters=session,
    )


def step_session(runtime: Runtime) -> DynamoStepSession:
    """The flows' unit of work over the Entities, People, Suppression, FlowRuns and Ledger tables."""
    from storeloom.adapters.flow_entities import DynamoCommerceReader
    from storeloom.adapters.flow_session import DynamoStepSession
    from storeloom.adapters.sends import DynamoSendLedger
    from storeloom.adapters.suppressions import DynamoSuppressionList

    settings, dynamodb = runtime.settings, runtime.aws.client("dynamodb")
    tables = {
        "entities": settings.require("entities_table"),
        "people": settings.require("people_table"),
        "suppression": settings.require("suppression_table"),
        "flow_runs": settings.require("flow_runs_table"),
        "ledger": settings.require("ledger_table") if settings.ledger_table else "",
    }
    return DynamoStepSession(
        dynamodb,
        entities=DynamoCommerceReader(tables["entities"], dynamodb),
        people=people_store(runtime),
        suppressions=DynamoSuppressionList(tables["suppression"], dynamodb),
        runs=run_log(runtime),
        ledger=DynamoSendLedger(tables["ledger"], dynamodb, lease_seconds=settings.send_lease_seconds),
        tables=tables,
    )


def live_commerce(runtime: Runtime) -> PlatformLive | None:
    """The platforms' live APIs, unless LIVE_RECHECK is off or there is no Stores table to find them in.

    Re-checks run inside a step's budget: a short timeout and few attempts, so a platform that is down
    fails fast and the step falls back as designed."""
    settings = runtime.settings
    if not settings.live_recheck or not settings.stores_table:
        return None
    from storeloom.platforms.live import PlatformLive

    catalog = platform_catalog(runtime, settings.live_timeout_seconds, settings.live_attempts)
    return PlatformLive(stores=store_registry(runtime), secrets=secrets_vault(runtime), platforms=catalog)


def step_runner(runtime: Runtime) -> StepRunner:
    from storeloom.services.flows.catalogue import flow_steps
    from storeloom.services.flows.enrich import Enricher
    from storeloom.services.flows.once import OnceSender
    from storeloom.services.flows.steps import StepDeps, StepRunner

    live, session = live_commerce(runtime), step_session(runtime)
    return StepRunner(
        StepDeps(
            commerce=session,
            history=session,
            suppressions=session,
            decisions=session,
            sender=OnceSender(session, ChannelFactory(runtime)),
            enricher=Enricher(session, live, sleep=time.sleep),
            live=live,
            people=session,
            runs=session,
            catalog=session,
            session=session,
            counters=session,
        ),
        flow_steps(),
    )


def failure_recorder(runtime: Runtime) -> FailureRecorder:
    from storeloom.services.flows.failures import FailureRecorder

    return FailureRecorder(run_log(runtime))


class ChannelFactory:
    """The delivery channel a flow config names, built on first use and kept."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._http: httpx.Client | None = None
        # Built on first use and kept, so the signing key is read once per warm container.
        self._links: UnsubscribeLinks | Literal[False] | None = None

    def __call__(self, provider: str, target: str | None) -> Channel:
        from storeloom.services.flows.message import UnsubscribingChannel

        channel = self._channel(provider, target)
        if self._links is None:
            self._links = unsubscribe_links(self._runtime) or False
        return UnsubscribingChannel(channel, self._links.url_for) if self._links else channel

    def _channel(self, provider: str, target: str | None) -> Channel:
        settings, aws = self._runtime.settings, self._runtime.aws
        if provider == "ses":
            from storeloom.adapters.ses import SesEmailChannel

            return SesEmailChannel(aws.client("sesv2"), settings.ses_configuration_set or None)
        if provider == "webhook":
            return self._webhook(target)
        return outbox(self._runtime)

    def _webhook(self, target: str | None) -> Channel:
        import httpx

        from storeloom.adapters.webhook_channel import WebhookChannel

        if not target:
            raise ValueError("the webhook channel needs the flow's webhook_url")
        secret = secrets_vault(self._runtime).read_text(self._runtime.settings.require("webhook_secret_arn"))
        self._http = self._http or httpx.Client(timeout=10.0)
        return WebhookChannel(target, secret, self._http)


def flow_configs(runtime: Runtime) -> DynamoFlowConfigStore:
    from storeloom.adapters.flow_config import DynamoFlowConfigStore

    return DynamoFlowConfigStore(runtime.settings.require("flow_config_table"), runtime.aws.client("dynamodb"))


def outbox(runtime: Runtime) -> DynamoOutbox:
    from storeloom.adapters.outbox import DynamoOutbox

    return DynamoOutbox(runtime.settings.require("outbox_table"), runtime.aws.client("dynamodb"))


def poll_schedules(runtime: Runtime) -> PollSchedules | None:
    """The stack's poll schedules, or None for a stack without the poller's scheduler target."""
    from storeloom.adapters.schedules import PollSchedules, ScheduleTarget

    settings = runtime.settings
    target = ScheduleTarget.of(settings.poller_function_arn, settings.scheduler_role_arn, settings.poll_schedule_group)
    return PollSchedules(runtime.aws.client("scheduler"), target) if target else None


def redaction_service(runtime: Runtime) -> RedactionService:
    from storeloom.adapters.redaction import (
        ArchiveRedactor,
        EntitiesRedactor,
        ExecutionsRedactor,
        FlowRunsRedactor,
        OutboxRedactor,
        PeopleRedactor,
        S3ExportWriter,
        SuppressionsRedactor,
    )
    from storeloom.services.redaction import RedactionService

    settings, dynamodb, s3 = runtime.settings, runtime.aws.client("dynamodb"), runtime.aws.client("s3")
    bucket = settings.require("archive_bucket")
    return RedactionService(
        tables=[
            OutboxRedactor(settings.require("outbox_table"), dynamodb),
            FlowRunsRedactor(settings.require("flow_runs_table"), dynamodb),
            SuppressionsRedactor(settings.require("suppression_table"), dynamodb),
            ArchiveRedactor(bucket, s3),
            ExecutionsRedactor(
                [
                    settings.require("state_machine_arn"),
                    settings.post_purchase_state_machine_arn,
                    settings.winback_state_machine_arn,
                ],
                runtime.aws.client("stepfunctions"),
            ),
            # A resolver like the entities: it knows the person's other ids, emails and phones.
            PeopleRedactor(settings.require("people_table"), dynamodb),
            # Last: it finds the person's other identifiers, so a failed run can be retried and still find them.
            EntitiesRedactor(settings.require("entities_table"), dynamodb),
        ],
        exports=S3ExportWriter(bucket, s3),
    )


def suppression_service(runtime: Runtime) -> SuppressionService:
    from storeloom.adapters.suppressions import DynamoSuppressionList
    from storeloom.services.suppression import SuppressionService

    table = runtime.settings.require("suppression_table")
    return SuppressionService(DynamoSuppressionList(table, runtime.aws.client("dynamodb")))


def unsubscribe_links(runtime: Runtime) -> UnsubscribeLinks | None:
    """The unsubscribe links' signer, or None for a stack without the unsubscribe secret and route."""
    settings = runtime.settings
    if not settings.unsubscribe_secret_arn or not settings.unsubscribe_base_url:
        return None
    return _links(runtime, settings.unsubscribe_secret_arn, settings.unsubscribe_base_url)


def _links(runtime: Runtime, secret_arn: str, base_url: str) -> UnsubscribeLinks:
    from storeloom.services.suppression import UnsubscribeLinks

    vault = secrets_vault(runtime)
    return UnsubscribeLinks(lambda: vault.read_text(secret_arn).encode(), base_url)


def unsubscriber(runtime: Runtime) -> Unsubscriber:
    from storeloom.services.suppression import Unsubscriber

    settings = runtime.settings
    links = _links(runtime, settings.require("unsubscribe_secret_arn"), settings.unsubscribe_base_url)
    return Unsubscriber(links, suppression_service(runtime))


def ses_feedback_worker(runtime: Runtime) -> FeedbackWorker:
    from storeloom.adapters.queues import SqsQueue
    from storeloom.services.suppression import FeedbackWorker

    settings = runtime.settings
    dlq_url = settings.ses_feedback_dlq_url
    dead_letters = SqsQueue(dlq_url, runtime.aws.client("sqs")) if dlq_url else None
    return FeedbackWorker(suppression_service(runtime), dead_letters, settings.ses_feedback_max_attempts)


def people_store(runtime: Runtime) -> DynamoPeople:
    from storeloom.adapters.people import DynamoPeople

    return DynamoPeople(runtime.settings.require("people_table"), runtime.aws.client("dynamodb"))


def segment_refresher(runtime: Runtime, *, attribution: bool = False) -> SegmentRefresher:
    """The refresher; it attributes orders to flow runs when FLOW_RUNS_TABLE is set, which ``attribution``
    requires (the refresher function's; the sweep and ``segments configure`` handle no orders)."""
    from storeloom.adapters.people import DynamoPeople, EventBridgeSegmentPublisher
    from storeloom.services.segments import SegmentRefresher

    settings = runtime.settings
    publisher = EventBridgeSegmentPublisher(settings.require("event_bus_name"), runtime.aws.client("events"))
    flow_runs = settings.require("flow_runs_table") if attribution else settings.flow_runs_table or None
    people = DynamoPeople(settings.require("people_table"), runtime.aws.client("dynamodb"), flow_runs)
    return SegmentRefresher(people, publisher)


def segment_worker(runtime: Runtime) -> SegmentWorker:
    from storeloom.adapters.queues import SqsQueue
    from storeloom.services.segment_worker import SegmentWorker

    settings = runtime.settings
    dead_letters = SqsQueue(settings.segment_dlq_url, runtime.aws.client("sqs")) if settings.segment_dlq_url else None
    return SegmentWorker(segment_refresher(runtime, attribution=True), dead_letters, settings.segment_max_attempts)


def segment_sweep(runtime: Runtime) -> tuple[SegmentRefresher, DynamoStoreRegistry]:
    return segment_refresher(runtime), store_registry(runtime)
