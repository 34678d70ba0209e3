"""The webhook receiver's part of the composition root, kept off pydantic and boto3 for its cold start.

The receiver uses botocore clients rather than boto3: boto3 adds its resource layer and s3transfer, about
40 ms of cold start (bench/bench_ingest.py) for nothing the receiver calls.
"""

from __future__ import annotations

from storeloom.adapters.archive import S3Archive
from storeloom.adapters.queues import SqsQueue
from storeloom.adapters.stores import DynamoStoreRegistry, SecretsManagerVault
from storeloom.bootstrap.receiver_settings import ReceiverSettings
from storeloom.bootstrap.runtime import Runtime
from storeloom.platforms.signatures import webhook_schemes
from storeloom.services.ingest.receiver import WebhookReceiver


def webhook_receiver(runtime: Runtime) -> WebhookReceiver:
    settings, aws = ReceiverSettings.from_environment(runtime.environment), runtime.aws
    return WebhookReceiver(
        stores=DynamoStoreRegistry(settings.stores_table, aws.botocore_client("dynamodb")),
        secrets=SecretsManagerVault(aws.botocore_client("secretsmanager"), settings.secret_cache_seconds),
        archive=S3Archive(settings.archive_bucket, aws.botocore_client("s3")),
        queue=SqsQueue(settings.ingest_queue_url, aws.botocore_client("sqs")),
        schemes=webhook_schemes(),
        max_body_bytes=settings.max_body_bytes,
    )
