# Solutions Partner engine — every command a developer or CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint format bench reliability build deploy run demo reset schemas clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

UV := $(VENV)/.uv/bin/uv

# uv (pinned in requirements-dev.txt) installs the pinned requirements with visible progress in a
# fraction of pip's time (docs/decisions.md, "Set-up time"); where it cannot be had, pip does it.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "==> installing the pinned dependencies into $(VENV) (first run, or requirements changed)"
	@t0=$$(date +%s); \
	if { test -x $(VENV)/bin/python || $(PYTHON) -m venv --without-pip $(VENV); } \
	   && $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	        --target $(VENV)/.uv "$$(sed -n 's/^\(uv==[^ #]*\).*/\1/p' requirements-dev.txt)" 2>/dev/null \
	   && $(UV) pip install --python $(VENV)/bin/python -r requirements-dev.txt \
	   && $(UV) pip install --python $(VENV)/bin/python --no-deps -e . ; then :; \
	else \
	  echo "==> uv could not install; installing with pip instead (slower)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) \
	  && $(VENV)/bin/pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt \
	  && { $(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
	       || $(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e . ; } || exit 1; \
	fi; \
	echo "==> $(VENV) ready in $$(( $$(date +%s) - t0 )) s"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with the pinned dependencies (and the partnerctl command)

# checkov in a virtualenv of its own: its boto3 pin conflicts with .venv's (requirements-checkov.txt).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -d $(CHECKOV_VENV) || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

test: $(STAMP) ## Run the whole test suite (unit, contract, infra, component, end-to-end, smoke of the long suites)
	$(PY) -m pytest -p no:cacheprovider

lint: $(STAMP) $(CHECKOV_STAMP) ## ruff, cfn-lint, checkov (template.yaml) and the committed JSON Schemas
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint template.yaml
	@# Every finding fails (severities need a Prisma Cloud key); suppressions are in template.yaml,
	@# each with its reason (Metadata: checkov: skip). --skip-download: offline, no Prisma Cloud calls.
	$(CHECKOV_VENV)/bin/checkov --file template.yaml --framework cloudformation --compact --quiet --skip-download
	$(PY) scripts/gen_schemas.py --check

format: $(STAMP) ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schemas: $(STAMP) ## Regenerate events/schemas from the models
	$(PY) scripts/gen_schemas.py

bench: $(STAMP) ## Benchmarks: request counts, scaling, cold start, CPU, throughput (~6 min; writes docs/benchmarks.md)
	$(PY) -m bench

reliability: $(STAMP) ## The full reliability suite (duplicates, faults, concurrency, bad input)
	RELIABILITY_FULL=1 $(PY) -m pytest -p no:cacheprovider tests/reliability -q

# The functions' runtime (template.yaml Globals: python3.12 on arm64). The package ships the .pyc
# that Python compiles: /var/task is read-only on Lambda, so without them every cold start compiles
# every module again (ingestion +260 ms on Python 3.12 here). `sam build` drops .pyc files (and does
# not compile its dependencies), so `make deploy` packages build/lambda as it is, without it.
LAMBDA_PYTHON ?= python3.12
LAMBDA_PLATFORM ?= manylinux2014_aarch64

build: ## The Lambda package in build/lambda (the template's CodeUri): dependencies for the runtime, our code, its .pyc
	@$(LAMBDA_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null || { \
	  echo "make build: LAMBDA_PYTHON=$(LAMBDA_PYTHON) is not Python 3.12, the functions' runtime (its bytecode"; \
	  echo "is what Lambda can use): set LAMBDA_PYTHON=/path/to/python3.12 (with pyenv: PYENV_VERSION=3.12.1)"; exit 2; }
	rm -rf build/lambda && mkdir -p build/lambda
	$(LAMBDA_PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --only-binary=:all: \
	  --platform $(LAMBDA_PLATFORM) --implementation cp --python-version 3.12 --target build/lambda -r requirements.txt
	cp -r functions shared build/lambda/
	find build/lambda -name __pycache__ -prune -exec rm -rf {} +
	$(LAMBDA_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash build/lambda
	@echo "build/lambda: $$(find build/lambda -name '*.pyc' | wc -l) .pyc, $$(du -sh build/lambda | cut -f1)"

deploy: build ## Deploy build/lambda with SAM (needs AWS credentials and SAM CLI; no sam build, see above)
	sam deploy --guided --template-file template.yaml

run: $(STAMP) ## Start the whole system locally (moto server + pollers + scheduler + API on :3000)
	$(PY) -m devstack.run

demo: $(STAMP) ## Replay the demo scenario against a running `make run`
	$(VENV)/bin/partnerctl demo

reset: $(STAMP) ## Wipe the local stack's state in .devstack/ (asks first; the stack must be stopped)
	$(VENV)/bin/partnerctl reset

clean: ## Remove build output and caches
	rm -rf build .aws-sam .pytest_cache .ruff_cache .hypothesis
