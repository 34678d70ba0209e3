# The README's commands. Each target does its own setup, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium demo test unit integration e2e lint bench layer-requirements schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) chromium

# The HTML KPI report's test opens it in Debian's chromium (tests/e2e/test_kpi_html_chromium.py); installed
# once, quietly, when it is missing (apt-get needs root, so sudo for anyone else).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq >/dev/null && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "chromium did not install at $(CHROMIUM)" >&2; exit 1; }

demo: $(STAMP)
	$(BIN)/storeloom demo

test: $(STAMP) chromium
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP) chromium
	$(BIN)/pytest tests/e2e

# checkov reads template.yaml's SAM resources but not the IAM roles, policies and function URL SAM makes of
# them, so it also checks the offline SAM transform (the one tests/integration/test_template.py runs). Skips in
# a resource's Metadata reach what SAM makes under the same logical id. The function URL SAM makes gets no
# Metadata, so its CKV_AWS_258 (AuthType NONE) is skipped here: platforms cannot sign AWS requests, and the
# receiver verifies every body's HMAC.
CHECKOV := $(BIN)/checkov --framework cloudformation --quiet --compact --skip-download
SAM_TRANSFORMED := .aws-sam/checkov/template.json
define SAM_TRANSFORM
import json, sys
from pathlib import Path
from samtranslator.translator.transform import transform
from storeloom_tools.local.template import load_template

class NoManagedPolicies:
    def load(self):
        return {}

template = load_template(Path("template.yaml"))
for name, body in template["Resources"].items():
    properties = body.get("Properties", {})
    for key in ("CodeUri", "ContentUri", "DefinitionUri"):
        if isinstance(properties.get(key), str):
            properties[key] = f"s3://artifacts/{name}/{key}.zip"
json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout, indent=1)
endef
export SAM_TRANSFORM

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/storeloom tools functions bench tests
	PYTHONPATH=layers/storeloom:tools $(BIN)/lint-imports
	$(BIN)/cfn-lint template.yaml
	$(CHECKOV) -f template.yaml
	mkdir -p $(dir $(SAM_TRANSFORMED))
	AWS_DEFAULT_REGION=us-east-1 $(BIN)/python -c "$$SAM_TRANSFORM" > $(SAM_TRANSFORMED)
	$(CHECKOV) -f $(SAM_TRANSFORMED) --skip-check CKV_AWS_258

bench: $(STAMP)
	$(BIN)/python -m bench

layer-requirements: $(STAMP)
	$(BIN)/python -m storeloom_tools.local.layer_requirements > layers/storeloom/requirements.txt

schema: $(STAMP)
	$(BIN)/python -m storeloom.domain.schema > schema/canonical-v1.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam .storeloom
