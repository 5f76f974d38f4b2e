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

TRAIN_STAMP := $(VENV)/.installed-train
# Debian fonts close to US plate fonts, for the synthetic plates (training/plate_renderer.py).
TRAIN_FONTS := fonts-liberation fonts-dejavu-core fonts-dejavu-extra fonts-urw-base35 fonts-bebas-neue fonts-opendin
FONT_FILES := /usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf \
	/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf \
	/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf \
	/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf \
	/usr/share/fonts/truetype/opendin/OSP-DIN.ttf
# Extra arguments for make train; the recipe itself (steps, stop, validation) is training.pipeline's defaults.
TRAIN_ARGS ?=
# pytest-xdist workers for the test targets (one a core on the 2-core CI machine; 0 runs in one process).
TEST_WORKERS ?= 2

.PHONY: install run test test-slow test-all lint format synth check-infra bench clean train train-deps fonts system-packages rehearse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)
	@$(BIN)/python -m alpr.ocr.unpack >/dev/null

# Debian packages the tests drive: chromium (the page's browser test) and ffmpeg (the agent's RTSP stream).
SYSTEM_PACKAGES := chromium ffmpeg
system-packages:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

# torch (CPU build), onnx and onnx2torch: only for training, never in the runtime.
$(TRAIN_STAMP): $(STAMP) training/requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m pip install --quiet --no-deps -r training/requirements-nodeps.txt
	touch $(TRAIN_STAMP)

train-deps: $(TRAIN_STAMP) fonts

fonts:
	@for f in $(FONT_FILES); do test -f $$f || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; if [ "$$(id -u)" -ne 0 ]; then SUDO="sudo"; fi; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $(TRAIN_FONTS); \
	fi

# Fine-tunes the plate recognizer (resumable: TRAIN_ARGS="--resume ..."), exports it to
# alpr/ocr/models/plate_recognizer.onnx.xz with the parity check and writes its model card.
train: train-deps
	nice -n 10 $(BIN)/python -m training.pipeline --out training/runs/main $(TRAIN_ARGS)

run: install
	$(BIN)/alpr local

# The default run (under 15 minutes on a 2-core machine): everything but the suites marked slow. The training
# smoke run (tests/ocr/test_training.py, ~16 s) needs the train extra and the fonts, the renderer tests the fonts.
test: install train-deps system-packages
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS)

# The slow suites: the browser tests, the deploy rehearsal and the 50 MB list import. CI runs them after `make test` (.ci/run). In one process: two chromiums each beside its own
# embedded AWS on two cores made the browser workflows miss their 20 s waits.
test-slow: install train-deps system-packages
	$(BIN)/python -m pytest -m slow

test-all: install train-deps system-packages
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy alpr functions infra

# Rewrites the tree the way `make lint` (and the pre-commit hooks, .pre-commit-config.yaml) want it.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The quick benchmarks, at sizes that finish in a few minutes; each prints its measured figures. The full-size
# runs are in the README (`alpr bench <name> --help`); every bench also runs at a tiny size in `make test`.
bench: install
	$(BIN)/alpr bench hotlist --entries 100000 --patterns 200 --reads 20000
	$(BIN)/alpr bench purge --reads 5000
	$(BIN)/alpr bench search --reads 20000
	$(BIN)/alpr bench pipeline --frames 300
	$(BIN)/alpr bench ocr ../shared/datasets/openalpr-us-dev --compare-baseline

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

# Deploys the synthesized template into moto's CloudFormation and runs the user paths on the template's own wiring
# (environment, event source mappings, each function's IAM role). `make test` runs it too: tests/rehearsal.
rehearse: $(STAMP)
	$(BIN)/python -m alpr.rehearsal

clean:
	rm -rf $(VENV) node_modules cdk.out .alpr-local .pytest_cache .mypy_cache .ruff_cache
