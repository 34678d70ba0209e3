"""The local stack creates template.yaml's dashboard with its body resolved against the stack's own queues."""

from __future__ import annotations

import json

from tests.support.aws import AwsStack


def test_the_dashboard_is_put_with_the_stack_queue_names(aws_stack: AwsStack) -> None:
    name = aws_stack.ref("OperationsDashboard")
    body = json.loads(aws_stack.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    [depths] = [w["properties"] for w in body["widgets"] if w["properties"]["title"] == "Dead-letter queue depth"]
    queues = {line[3] for line in depths["metrics"]}
    ingest_dlq = aws_stack.ref("IngestDeadLetterQueue").rsplit("/", 1)[1]
    assert ingest_dlq in queues
    assert len(queues) == 7  # the Shopify partner events queue is left out with its condition
