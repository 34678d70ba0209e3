"""The webhook receiver's composition root: botocore clients, built once, on first use.

The receiver uses botocore directly rather than boto3: boto3 adds its resource layer and s3transfer, about
40 ms of cold start (bench/bench_ingest.py) for nothing the receiver calls. botocore reads the region and,
locally, ``AWS_ENDPOINT_URL`` from the environment, as boto3 does.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import botocore.session

from storeloom.ingest.receiver import WebhookReceiver
from storeloom.ingest.receiver_settings import receiver_settings
from storeloom.store.archive import S3Archive
from storeloom.store.queues import SqsQueue
from storeloom.store.stores import DynamoStoreRegistry, SecretsManagerVault


@cache
def botocore_client(service: str) -> Any:
    return botocore.session.get_session().create_client(service)


@lru_cache(maxsize=1)
def webhook_receiver() -> WebhookReceiver:
    settings = receiver_settings()
    return WebhookReceiver(
        stores=DynamoStoreRegistry(settings.stores_table, botocore_client("dynamodb")),
        secrets=SecretsManagerVault(botocore_client("secretsmanager"), settings.secret_cache_seconds),
        archive=S3Archive(settings.archive_bucket, botocore_client("s3")),
        queue=SqsQueue(settings.ingest_queue_url, botocore_client("sqs")),
        max_body_bytes=settings.max_body_bytes,
    )
