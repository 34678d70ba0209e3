"""EventBridge Scheduler: one poll schedule per (store, entity), created on register, deleted on removal."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")


@dataclass(frozen=True)
class ScheduleTarget:
    poller_arn: str
    role_arn: str
    group: str

    @classmethod
    def of(cls, poller_arn: str, role_arn: str, group: str) -> ScheduleTarget | None:
        """The target, when the stack defines all three (a stack without the poller schedules none)."""
        return cls(poller_arn, role_arn, group) if poller_arn and role_arn and group else None


def schedule_name(store_id: str, entity: str) -> str:
    """Scheduler names allow [0-9A-Za-z_.-] and at most 64 characters."""
    return _UNSAFE.sub("-", f"poll-{store_id}-{entity}")[:64]


class PollSchedules:
    def __init__(self, client: Any, target: ScheduleTarget) -> None:
        self._client = client
        self._target = target

    def ensure(self, store_id: str, entities: Iterable[str], every_minutes: int) -> list[str]:
        """Create or update the store's schedules; returns their names."""
        names = []
        for entity in entities:
            name = schedule_name(store_id, entity)
            job = {"store_id": store_id, "entity": entity, "mode": "live"}
            spec = {
                "Name": name,
                "GroupName": self._target.group,
                "ScheduleExpression": f"rate({every_minutes} minute{'s' if every_minutes > 1 else ''})",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {
                    "Arn": self._target.poller_arn,
                    "RoleArn": self._target.role_arn,
                    "Input": json.dumps(job),
                    # A failed poll is not retried: the next tick resumes from the checkpoint anyway.
                    "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300},
                },
                "State": "ENABLED",
            }
            try:
                self._client.create_schedule(**spec)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConflictException":
                    raise
                self._client.update_schedule(**spec)
            names.append(name)
        return names

    def remove(self, store_id: str, entities: Iterable[str]) -> int:
        removed = 0
        for entity in entities:
            try:
                self._client.delete_schedule(Name=schedule_name(store_id, entity), GroupName=self._target.group)
                removed += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        return removed

    def names(self, store_id: str) -> list[str]:
        prefix = schedule_name(store_id, "")
        response = self._client.list_schedules(GroupName=self._target.group, NamePrefix=prefix)
        return sorted(item["Name"] for item in response.get("Schedules", []))
