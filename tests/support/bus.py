"""A queue subscribed to everything ingest publishes on the stack's bus, to see and count what reached it."""

from __future__ import annotations

import json

from storeloom.adapters.bus import EVENT_SOURCE
from tests.support.aws import AwsStack


def bus_tap(stack: AwsStack) -> str:
    """The URL of a new queue that receives every event ingest puts on the bus."""
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.env("EVENT_BUS_NAME")
    events.put_rule(Name="tap", EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule="tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return str(url)
