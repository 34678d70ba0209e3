"""What a process talks to: its environment and its AWS clients, and the per-cold-start handler entry.

Nothing here imports boto3 or pydantic at import time, so the webhook receiver's cold start pays only for
what it uses (botocore clients, built on first use).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from storeloom.bootstrap.settings import Settings

S = TypeVar("S")


@dataclass
class AwsClients:
    """AWS clients, one per service, built on first use.

    ``endpoint_url`` points every client at one endpoint (the local stack's moto server); ``credentials``
    are explicit keys for it. Without them boto3 resolves the region and credentials as Lambda gives them.
    """

    endpoint_url: str | None = None
    region: str | None = None
    credentials: Mapping[str, str] | None = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client."""
        return self._cached("boto3", service, self._boto3)

    def botocore_client(self, service: str) -> Any:
        """A plain botocore client: no boto3 resource layer or s3transfer to import (the receiver's path)."""
        return self._cached("botocore", service, self._botocore)

    def _cached(self, kind: str, service: str, build: Callable[[str], Any]) -> Any:
        key = (kind, service)
        if key not in self._clients:
            self._clients[key] = build(service)
        return self._clients[key]

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = dict(self.credentials or {})
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
        if self.region:
            options["region_name"] = self.region
        return options

    def _boto3(self, service: str) -> Any:
        import boto3

        return boto3.client(service, **self._options())  # type: ignore[call-overload]

    def _botocore(self, service: str) -> Any:
        import botocore.session

        return botocore.session.get_session().create_client(service, **self._options())


@dataclass
class Runtime:
    """The environment a service is built from (resource names, tunables) and the clients it uses."""

    environment: Mapping[str, str]
    aws: AwsClients = field(default_factory=AwsClients)

    @classmethod
    def of_process(cls) -> Runtime:
        """What a Lambda function has: its own environment, and clients resolved as Lambda provides."""
        return cls(dict(os.environ))

    @cached_property
    def settings(self) -> Settings:
        from storeloom.bootstrap.settings import Settings

        return Settings.from_environment(self.environment)


Handle = Callable[[dict[str, Any], Any, S], Any]


class ColdStart(Generic[S]):
    """A Lambda entry point whose service is built once per cold start and then reused.

    ``build`` makes the service from a Runtime; ``handle`` runs one event with it. The local stack calls
    ``handle`` with a service it built for its own stack, and tests pass fakes the same way.
    """

    def __init__(self, build: Callable[[Runtime], S], handle: Handle[S]) -> None:
        self.build = build
        self.handle = handle
        self._service: S | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        if self._service is None:
            self._service = self.build(Runtime.of_process())
        return self.handle(event, context, self._service)
