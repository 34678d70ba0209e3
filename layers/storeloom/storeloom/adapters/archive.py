"""The raw archive on S3: every webhook body and its headers, before anything else happens to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any


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
