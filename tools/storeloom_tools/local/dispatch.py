"""Local stand-ins for Lambda's SQS event source mapping and for EventBridge Scheduler."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from storeloom.services.platform_port import ApiError
from storeloom_tools.local.invoker import HandlerInvoker
from storeloom_tools.local.provision import REGION, ProvisionedStack, SqsEventSource

logger = logging.getLogger(__name__)
# Lambda would wait out the queue's visibility timeout before a retry; locally a failed message comes
# back after this many seconds, so retries and dead-lettering show up within a demo.
LOCAL_RETRY_DELAY_SECONDS = 1
# Lambda gathers a batch for up to the source's MaximumBatchingWindowInSeconds; locally for at most this
# long, so a demo's single webhook is not held a whole second, while a busy queue still fills its batches.
LOCAL_MAX_BATCHING_WINDOW_SECONDS = 0.25


class SqsPoller:
    """Receives from every SQS event source in the template and calls the function with Lambda's event.

    ``pump`` is Lambda's poller for one source, run on its own thread: it long-polls, gathers a batch for up
    to the source's batching window (MaximumBatchingWindowInSeconds), invokes, then deletes the successes
    in one call, as the event source mapping does. ``poll_once`` is one round over all sources, for tests.
    """

    def __init__(
        self,
        stack: ProvisionedStack,
        invoker: HandlerInvoker,
        sqs: Any,
        retry_delay_seconds: int = LOCAL_RETRY_DELAY_SECONDS,
    ) -> None:
        self._retry_delay = retry_delay_seconds
        self._sources = stack.sqs_sources
        self._invoker = invoker
        self._sqs = sqs
        self._busy = 0
        self._lock = threading.Lock()

    def poll_once(self) -> int:
        """One receive per source; returns how many messages were handed to functions."""
        return sum(self._poll_source(source) for source in self._sources)

    @property
    def sources(self) -> list[SqsEventSource]:
        return list(self._sources)

    def pump(self, source: SqsEventSource, stopping: threading.Event) -> None:
        """Deliver ``source``'s messages until ``stopping`` is set."""
        while not stopping.is_set():
            messages = self._gather(source, stopping)
            if messages:
                self._handle(source, messages)

    def _gather(self, source: SqsEventSource, stopping: threading.Event) -> list[dict[str, Any]]:
        limit = min(source.batch_size, 10)
        messages = self._receive(source, limit, wait_seconds=1)
        deadline = time.monotonic() + min(source.batching_window, LOCAL_MAX_BATCHING_WINDOW_SECONDS)
        while messages and len(messages) < limit and time.monotonic() < deadline and not stopping.is_set():
            more = self._receive(source, limit - len(messages), wait_seconds=0)
            if not more:
                stopping.wait(0.05)
            messages.extend(more)
        return messages

    def _receive(self, source: SqsEventSource, limit: int, wait_seconds: int) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = self._sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=limit,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return received

    def is_idle(self) -> bool:
        with self._lock:
            return self._busy == 0

    def _poll_source(self, source: SqsEventSource) -> int:
        messages = self._receive(source, min(source.batch_size, 10), wait_seconds=0)
        if not messages:
            return 0
        self._handle(source, messages)
        return len(messages)

    def _handle(self, source: SqsEventSource, messages: list[dict[str, Any]]) -> None:
        with self._lock:
            self._busy += 1
        try:
            self._deliver(source, messages)
        finally:
            with self._lock:
                self._busy -= 1

    def _deliver(self, source: SqsEventSource, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(source, message) for message in messages]}
        try:
            response = self._invoker.invoke(source.function, event) or {}
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        except Exception:
            logger.exception("handler %s raised; the whole batch will be retried", source.function)
            failed = {message["MessageId"] for message in messages}
        retried = [m for m in messages if m["MessageId"] in failed]
        done = [m for m in messages if m["MessageId"] not in failed]
        if retried:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self._retry_delay}
                for i, m in enumerate(retried)
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=source.queue_url, Entries=entries)
        if done:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            self._sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=entries)

    def pending(self) -> int:
        """Messages visible or in flight across all source queues."""
        total = 0
        for source in self._sources:
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=source.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"])
            total += int(attributes["ApproximateNumberOfMessagesNotVisible"])
        return total


def sqs_record(source: SqsEventSource, message: dict[str, Any]) -> dict[str, Any]:
    queue_name = source.queue_url.rsplit("/", 1)[1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{queue_name}",
        "awsRegion": REGION,
    }


class ScheduleTicker:
    """EventBridge Scheduler never fires in moto, so the local stack fires Lambda-target schedules itself,
    ``time_scale`` times as often as they say (an hourly schedule every minute).

    As Scheduler does, a rate schedule first fires when it is created and a cron schedule at its next
    occurrence (here: one scaled day after it is first seen). ``prime`` treats the schedules that exist
    already (the stack's own, created with it) as just fired: in AWS their first run finds no stores yet,
    whereas locally it would meet the stores a demo or test registers in the stack's first second.
    """

    def __init__(self, invoker: HandlerInvoker, scheduler: Any, time_scale: float = 60.0) -> None:
        self._invoker = invoker
        self._scheduler = scheduler
        self._scale = time_scale
        self._last_fired: dict[str, float] = {}

    def prime(self) -> None:
        now = time.monotonic()
        for schedule in self._schedules():
            self._last_fired.setdefault(schedule["Name"], now)

    def fire_all(self, name_filter: Callable[[str], bool] = lambda _name: True) -> int:
        """Fire every schedule now (``storeloom sync`` and the demo use this); returns how many fired."""
        fired = 0
        for schedule in self._schedules():
            if name_filter(schedule["Name"]):
                self._fire(schedule)
                fired += 1
        return fired

    def fire_due(self) -> None:
        now = time.monotonic()
        for schedule in self._schedules():
            expression = schedule.get("ScheduleExpression", "")
            if schedule["Name"] not in self._last_fired and not expression.startswith("rate("):
                self._last_fired[schedule["Name"]] = now  # a cron schedule waits for its next occurrence
                continue
            interval = _interval_seconds(expression) / self._scale
            if now - self._last_fired.get(schedule["Name"], float("-inf")) >= max(interval, 5.0):
                self._fire(schedule)

    def _schedules(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for group in self._scheduler.list_schedule_groups().get("ScheduleGroups", []):
            for summary in self._scheduler.list_schedules(GroupName=group["Name"]).get("Schedules", []):
                found.append(self._scheduler.get_schedule(Name=summary["Name"], GroupName=group["Name"]))
        return found

    def _fire(self, schedule: dict[str, Any]) -> None:
        self._last_fired[schedule["Name"]] = time.monotonic()
        target = schedule["Target"]
        if ":lambda:" not in target["Arn"]:
            return
        try:
            self._invoker.invoke_by_name(target["Arn"], json.loads(target.get("Input") or "{}"))
        except ApiError as error:  # the store's platform answered badly or not at all: one line is enough
            logger.warning("schedule %s: %s", schedule["Name"], error)
        except Exception:
            logger.exception("schedule %s: target raised", schedule["Name"])


def _interval_seconds(expression: str) -> float:
    units = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
    if expression.startswith("rate(") and expression.endswith(")"):
        amount, unit = expression[5:-1].split()
        return float(amount) * units.get(unit, 60)
    return 86400.0
