"""template.yaml stays deployable: cfn-lint, an offline SAM transform, and its contract with the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_all
from samtranslator.translator.transform import transform

from storeloom.domain.schema import canonical_schema
from storeloom_tools.local.endpoint import OUTPUT_VARIABLES
from storeloom_tools.local.layer_requirements import layer_requirements
from storeloom_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class OfflinePolicies:
    """The SAM translator asks IAM for managed policy ARNs; the template names none, so none are needed."""

    def load(self) -> dict[str, str]:
        return {}


def packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` does to local paths: point them at uploaded artifacts."""
    for name, body in template["Resources"].items():
        properties = body.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://artifacts/{name}/{key}.zip"
    return template


def test_cfn_lint_reports_nothing() -> None:
    # Informational rules (I...) are advice the cfn-lint command line does not print by default.
    matches = [match for match in lint_all(TEMPLATE.read_text()) if not match.rule.id.startswith("I")]
    assert [str(match) for match in matches] == []


def test_sam_transform_runs_offline_and_yields_the_functions_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    transformed = transform(packaged(load_template(TEMPLATE)), {}, OfflinePolicies())
    resources = transformed["Resources"]
    types = {body["Type"] for body in resources.values()}
    assert "AWS::Lambda::Function" in types
    assert resources["WebhookReceiverFunctionUrl"]["Properties"]["AuthType"] == "NONE"
    mapping = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert any(m["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"] for m in mapping)


def test_every_function_runs_python_3_12_with_the_storeloom_layer() -> None:
    template = load_template(TEMPLATE)
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    layer = template["Resources"]["StoreloomLayer"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    for name, body in template["Resources"].items():
        if body["Type"] == "AWS::Serverless::Function":
            assert (ROOT / body["Properties"]["CodeUri"] / "app.py").is_file(), name


def test_layer_requirements_are_generated_from_pyproject() -> None:
    committed = (ROOT / "layers/storeloom/requirements.txt").read_text()
    assert committed == layer_requirements(ROOT / "pyproject.toml")


def test_shipped_json_schema_matches_the_model() -> None:
    shipped = json.loads((ROOT / "schema/canonical-v1.schema.json").read_text())
    assert shipped == canonical_schema()


def test_every_output_the_cli_reads_from_a_deployed_stack_exists() -> None:
    outputs = load_template(TEMPLATE)["Outputs"]
    assert sorted(set(OUTPUT_VARIABLES) - set(outputs)) == []


@pytest.mark.parametrize("variable", ["STORES_TABLE", "ENTITIES_TABLE", "LEDGER_TABLE", "INGEST_QUEUE_URL"])
def test_globals_pass_every_resource_name_the_settings_need(variable: str) -> None:
    variables = load_template(TEMPLATE)["Globals"]["Function"]["Environment"]["Variables"]
    assert variable in variables
