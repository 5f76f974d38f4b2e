# Two commands do all the set-up on a fresh machine (Python 3.11+, Node.js and make):
#   make run    creates the virtual environment, installs what is needed, starts the local stack
#   make test   installs what the tests need, runs them
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test test-fast lint synth check-infra rehearse bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/alpr local

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy alpr functions infra

synth: $(STAMP)
	npx --yes aws-cdk@2 synth --no-notices --quiet

# cdk-nag's AWS Solutions pack fails the synth on any unacknowledged finding; then cfn-lint on every template.
# (make test runs the same checks: tests/infra/test_nag.py.)
check-infra: $(STAMP)
	npx --yes aws-cdk@2 synth --no-notices --quiet -c nag=true
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json

# Deploys the synthesized template into moto's CloudFormation and runs the user paths on the template's own wiring
# (environment, event source mappings, each function's IAM role). `make test` runs it too: tests/rehearsal.
rehearse: $(STAMP)
	$(BIN)/python -m alpr.rehearsal

clean:
	rm -rf $(VENV) cdk.out .alpr-local .pytest_cache .mypy_cache .ruff_cache
