# Two commands do all the set-up on a fresh machine (Python 3.11+, Node.js and make):
#   make run    creates the virtual environment, installs what is needed, starts the local stack
#   make test   installs what the tests need, runs them
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# axe-core (npm), which the browser tests run inside the staff page (package.json, package-lock.json).
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test test-fast lint synth check-infra bench clean system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# Debian packages the tests drive: chromium (the page's browser test) and ffmpeg (the agent's RTSP stream).
SYSTEM_PACKAGES := chromium ffmpeg
system-packages:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

run: $(STAMP)
	$(BIN)/alpr local

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy alpr functions infra

synth: $(STAMP)
	npx --yes aws-cdk@2 synth --no-notices --quiet $(CDK_ARGS)

# cdk-nag's AWS Solutions pack fails the synth on any unacknowledged finding; then cfn-lint on every template.
# (make test runs the same checks: tests/infra/test_nag.py, in us-east-1 and in us-west-2.) The region comes from
# AWS_REGION; CDK_ARGS passes more context, e.g. outside us-east-1 (CloudFront's web ACL lives there):
#   AWS_REGION=us-west-2 make check-infra CDK_ARGS="-c cloudfront_web_acl_arn=arn:aws:wafv2:us-east-1:...:global/webacl/..."
CDK_ARGS ?=
check-infra: $(STAMP)
	npx --yes aws-cdk@2 synth --no-notices --quiet -c nag=true $(CDK_ARGS)
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json

clean:
	rm -rf $(VENV) node_modules cdk.out .alpr-local .pytest_cache .mypy_cache .ruff_cache
