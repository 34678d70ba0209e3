"""The composition root: builds AWS clients and services once per process, on first use.

boto3 reads the region and, locally, ``AWS_ENDPOINT_URL`` from the environment, so the same wiring serves
a deployed stack and the moto-backed local stack. The webhook receiver has its own, lighter composition root
(storeloom.ingest.receiver_bootstrap).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from storeloom.ingest.service import IngestService


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


@lru_cache(maxsize=1)
def ingest_service() -> IngestService:
    # Imported here so that each function loads only the code it wires.
    from storeloom.config import ingest_settings
    from storeloom.ingest.service import IngestService
    from storeloom.platforms.registry import get_adapter
    from storeloom.store.archive import S3Archive
    from storeloom.store.bus import EventBridgePublisher
    from storeloom.store.ledger import DynamoIngestLedger

    settings = ingest_settings()
    return IngestService(
        writer=DynamoIngestLedger(
            settings.ledger_table,
            settings.entities_table,
            aws_client("dynamodb"),
            ttl_seconds=settings.dedupe_ttl_seconds,
        ),
        publisher=EventBridgePublisher(settings.event_bus_name, aws_client("events")),
        archive=S3Archive(settings.archive_bucket, aws_client("s3")),
        adapters=get_adapter,
    )
