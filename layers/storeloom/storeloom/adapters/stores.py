"""The Stores table and each store's secrets in Secrets Manager."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from storeloom.domain.stores import StoreRecord, StoreSecrets


# Hand-written attribute values: adapters.dynamo_items imports boto3, kept off the webhook receiver's cold start.
class DynamoStoreRegistry:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, store_id: str) -> StoreRecord | None:
        item = self._client.get_item(TableName=self._table, Key={"store_id": {"S": store_id}}).get("Item")
        return _record_of(item) if item else None

    def put(self, record: StoreRecord) -> None:
        item: dict[str, Any] = {
            "store_id": {"S": record.store_id},
            "platform": {"S": record.platform},
            "api_url": {"S": record.api_url},
            "secret_arn": {"S": record.secret_arn},
            "poll_interval_minutes": {"N": str(record.poll_interval_minutes)},
        }
        if record.extra:
            item["extra"] = {"M": {k: {"S": v} for k, v in record.extra.items()}}
        self._client.put_item(TableName=self._table, Item=item)

    def delete(self, store_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"store_id": {"S": store_id}})

    def all(self) -> list[StoreRecord]:
        pages = self._client.get_paginator("scan").paginate(TableName=self._table)
        return [_record_of(item) for page in pages for item in page.get("Items", [])]


def _record_of(item: dict[str, Any]) -> StoreRecord:
    extra = {k: v["S"] for k, v in item.get("extra", {}).get("M", {}).items()}
    return StoreRecord(
        store_id=item["store_id"]["S"],
        platform=item["platform"]["S"],
        api_url=item["api_url"]["S"],
        secret_arn=item["secret_arn"]["S"],
        poll_interval_minutes=int(item.get("poll_interval_minutes", {}).get("N", "15")),
        extra=extra,
    )


class SecretsManagerVault:
    """Store secrets in Secrets Manager and read them through a small time-bounded cache.

    Written by hand rather than with Powertools' parameters utility because that utility imports boto3,
    which the webhook receiver avoids to keep its cold start near the cost of boto3 alone (bench/).
    """

    def __init__(self, client: Any, cache_seconds: int = 300, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, StoreSecrets]] = {}

    def read(self, secret_arn: str) -> StoreSecrets:
        cached = self._cache.get(secret_arn)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        secrets = StoreSecrets.from_json(self._client.get_secret_value(SecretId=secret_arn)["SecretString"])
        self._cache[secret_arn] = (self._clock() + self._cache_seconds, secrets)
        return secrets

    def read_text(self, secret_arn: str) -> str:
        """A plain secret (the outbound webhook signing secret), uncached: read once per cold start."""
        text: str = self._client.get_secret_value(SecretId=secret_arn)["SecretString"]
        return text

    def create_or_update(self, name: str, secrets: StoreSecrets) -> str:
        try:
            arn: str = self._client.create_secret(Name=name, SecretString=secrets.to_json())["ARN"]
        except self._client.exceptions.ResourceExistsException:
            arn = self._client.put_secret_value(SecretId=name, SecretString=secrets.to_json())["ARN"]
        self._cache.pop(arn, None)
        return arn

    def schedule_deletion(self, secret_arn: str, recovery_days: int = 7) -> None:
        """Delete after a recovery window, so a store removed by mistake can get its secrets back."""
        self._client.delete_secret(SecretId=secret_arn, RecoveryWindowInDays=recovery_days)
        self._cache.pop(secret_arn, None)
