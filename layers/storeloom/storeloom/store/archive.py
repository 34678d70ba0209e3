"""The raw archive on S3: every webhook body and its headers, before anything else happens to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

ACCEPTED_PREFIX = "raw"
REJECTED_PREFIX = "rejected"


def archive_key(prefix: str, platform: str, store_id: str, received_at: datetime) -> str:
    """Keys sort by receive time inside a day, so replay can list from a date onwards."""
    day = received_at.strftime("%Y/%m/%d")
    stamp = received_at.strftime("%H%M%S%f")
    return f"{prefix}/{day}/{platform}/{store_id}/{stamp}-{uuid.uuid4().hex[:12]}.json"


class S3Archive:
    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def write(self, key: str, body: bytes, metadata: Mapping[str, str]) -> str:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, Metadata=dict(metadata))
        return key

    def read(self, ref: str) -> bytes:
        body: bytes = self._client.get_object(Bucket=self._bucket, Key=ref)["Body"].read()
        return body

    def metadata(self, ref: str) -> dict[str, str]:
        head: dict[str, str] = self._client.head_object(Bucket=self._bucket, Key=ref)["Metadata"]
        return head

    def keys_since(self, prefix: str, since: datetime) -> Iterator[str]:
        """Archived keys under ``prefix`` received on or after ``since``'s day, oldest first."""
        start_after = f"{prefix}/{since.strftime('%Y/%m/%d')}"
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{prefix}/", StartAfter=start_after):
            for item in page.get("Contents", []):
                yield str(item["Key"])
