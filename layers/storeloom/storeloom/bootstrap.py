"""The composition root: builds AWS clients and services once per process, on first use.

boto3 reads the region and, locally, ``AWS_ENDPOINT_URL`` from the environment, so the same wiring serves
a deployed stack and the moto-backed local stack.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from storeloom.config import ingest_settings

if TYPE_CHECKING:
    from storeloom.ingest.receiver import WebhookReceiver
    from storeloom.ingest.service import IngestService


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


@lru_cache(maxsize=1)
def webhook_receiver() -> WebhookReceiver:
    # Imported here so that each function loads only the code it wires (the receiver never loads the model).
    from storeloom.ingest.receiver import WebhookReceiver
    from storeloom.store.archive import S3Archive
    from storeloom.store.queues import SqsQueue
    from storeloom.store.stores import DynamoStoreRegistry, SecretsManagerVault

    settings = ingest_settings()
    return WebhookReceiver(
        stores=DynamoStoreRegistry(settings.stores_table, aws_client("dynamodb")),
        secrets=SecretsManagerVault(aws_client("secretsmanager"), settings.secret_cache_seconds),
        archive=S3Archive(settings.archive_bucket, aws_client("s3")),
        queue=SqsQueue(settings.ingest_queue_url, aws_client("sqs")),
        max_body_bytes=settings.max_body_bytes,
    )


@lru_cache(maxsize=1)
def ingest_service() -> IngestService:
    from storeloom.ingest.service import IngestService
    from storeloom.platforms.registry import get_adapter
    from storeloom.store.archive import S3Archive
    from storeloom.store.bus import EventBridgePublisher
    from storeloom.store.entities import DynamoEntityStore
    from storeloom.store.ledger import DynamoLedger

    settings = ingest_settings()
    return IngestService(
        ledger=DynamoLedger(settings.ledger_table, aws_client("dynamodb"), ttl_seconds=settings.dedupe_ttl_seconds),
        entities=DynamoEntityStore(settings.entities_table, aws_client("dynamodb")),
        publisher=EventBridgePublisher(settings.event_bus_name, aws_client("events")),
        archive=S3Archive(settings.archive_bucket, aws_client("s3")),
        adapters=get_adapter,
    )
