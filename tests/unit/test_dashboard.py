"""The CloudWatch dashboard in template.yaml: its body, resolved as CloudFormation would, is JSON with the
widgets issue 11 asks for, and every Storeloom metric it reads is one the functions emit, with the dimensions
they emit it with."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from storeloom.bootstrap import metrics
from storeloom_tools.local.template import Resolver, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
[DASHBOARD] = [name for name, body in RESOURCES.items() if body["Type"] == "AWS::CloudWatch::Dashboard"]
SEARCH = re.compile(r"""^SEARCH\('\{(?P<schema>[^}]*)\} MetricName="(?P<name>[^"]+)"', '(?P<stat>\w+)', \d+\)$""")
SERVICES = {
    body["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for body in RESOURCES.values()
    if body["Type"] == "AWS::Serverless::Function"
}


def dashboard(partner_bus: str = "") -> dict[str, Any]:
    """The body with fake physical names: each queue is named after its logical id."""
    resolver = Resolver(
        {"AWS::Region": "eu-west-1", "AWS::StackName": "storeloom", "AWS::AccountId": "123456789012"},
        {"ShopifyPartnerEventBusName": partner_bus},
        TEMPLATE["Conditions"],
    )
    for name, resource in RESOURCES.items():
        if resource["Type"] == "AWS::SQS::Queue":
            resolver.attributes[(name, "QueueName")] = f"queue-{name}"
    body: dict[str, Any] = json.loads(resolver.resolve(RESOURCES[DASHBOARD]["Properties"]["DashboardBody"]))
    return body


def widget(body: dict[str, Any], title_start: str) -> dict[str, Any]:
    [found] = [w["properties"] for w in body["widgets"] if w["properties"]["title"].startswith(title_start)]
    properties: dict[str, Any] = found
    return properties


def storeloom_metrics(properties: dict[str, Any]) -> list[tuple[str, frozenset[str], dict[str, str]]]:
    """(metric name, dimension names, dimension values known) of each Storeloom line a widget draws."""
    found: list[tuple[str, frozenset[str], dict[str, str]]] = []
    for line in properties["metrics"]:
        if isinstance(line[0], dict) and "expression" in line[0]:
            match = SEARCH.match(line[0]["expression"])
            assert match, line[0]["expression"]
            namespace, *dimensions = match["schema"].split(",")
            if namespace == metrics.NAMESPACE:
                found.append((match["name"], frozenset(dimensions), {}))
        elif line[0] == metrics.NAMESPACE:
            plain = [part for part in line if isinstance(part, str)]
            values = dict(zip(plain[2::2], plain[3::2], strict=True))
            found.append((plain[1], frozenset(values), values))
    return found


def dead_letter_queues() -> set[str]:
    """Every queue the template names as a dead-letter target (a redrive policy or a function's DLQ)."""
    text = json.dumps(RESOURCES)
    targets = re.findall(r'"(?:deadLetterTargetArn|TargetArn)": \{"Fn::GetAtt": \["(\w+)", "Arn"\]\}', text)
    return {name for name in targets if RESOURCES[name]["Type"] == "AWS::SQS::Queue"}


@pytest.mark.parametrize("partner_bus", ["", "aws.partner/shopify.com/1/storeloom"])
def test_the_body_resolves_to_json_with_or_without_the_optional_queue(partner_bus: str) -> None:
    body = dashboard(partner_bus)
    assert len(body["widgets"]) == 6
    queues = {line[3] for line in widget(body, "Dead-letter queue depth")["metrics"]}
    assert ("queue-ShopifyPartnerEventsDeadLetterQueue" in queues) == bool(partner_bus)


def test_every_dead_letter_queue_has_its_depth_drawn() -> None:
    dlqs = dead_letter_queues()
    assert len(dlqs) >= 8  # the redrive targets and the scheduled invokes' queue
    lines = widget(dashboard("bus"), "Dead-letter queue depth")["metrics"]
    assert {tuple(line[:3]) for line in lines} == {("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")}
    assert {line[3] for line in lines} == {f"queue-{name}" for name in dlqs}


def test_each_widget_the_issue_asks_for_reads_the_metrics_it_is_about() -> None:
    body = dashboard()
    wanted = {
        "Webhooks accepted": {metrics.WEBHOOKS_ACCEPTED, metrics.WEBHOOKS_REJECTED},
        "Ingest outcomes": {
            metrics.INGEST_EVENTS["applied"],
            metrics.INGEST_EVENTS["duplicate"],
            metrics.INGEST_EVENTS["stale"],
            metrics.INGEST_DEAD_LETTERED,
            metrics.INGEST_FAILED,
        },
        "Poll lag per store": {metrics.POLL_LAG},
        "Sends per flow": {metrics.FLOW_SENT},
        "Suppressions by reason per flow": {metrics.FLOW_SUPPRESSED},
    }
    for title, names in wanted.items():
        assert {name for name, _dims, _values in storeloom_metrics(widget(body, title))} == names, title
    assert metrics.DIMENSIONS[metrics.WEBHOOKS_REJECTED] == ("reason",)
    assert set(metrics.DIMENSIONS[metrics.FLOW_SUPPRESSED]) == {"flow", "reason"}
    assert metrics.DIMENSIONS[metrics.POLL_LAG] == ("store_id",)


def test_every_storeloom_metric_drawn_is_emitted_with_exactly_those_dimensions() -> None:
    drawn = [line for w in dashboard("bus")["widgets"] for line in storeloom_metrics(w["properties"])]
    assert len(drawn) >= 10
    for name, dimensions, values in drawn:
        assert name in metrics.DIMENSIONS, f"{name} is not a metric the functions emit"
        assert dimensions == {"service", *metrics.DIMENSIONS[name]}, name
        if "service" in values:
            assert values["service"] in SERVICES, values


def test_the_ingest_outcome_names_cover_every_outcome_the_service_reports() -> None:
    from typing import get_args

    from storeloom.services.ingest.service import EventOutcome

    assert set(metrics.INGEST_EVENTS) == set(get_args(EventOutcome))


def test_widgets_are_laid_out_on_the_grid_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for item in dashboard()["widgets"]:
        assert item["x"] + item["width"] <= 24
        columns, rows = range(item["x"], item["x"] + item["width"]), range(item["y"], item["y"] + item["height"])
        cells = {(x, y) for x in columns for y in rows}
        assert not cells & taken, item["properties"]["title"]
        taken |= cells
        assert item["properties"]["region"] == "eu-west-1"
