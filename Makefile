# Every target creates the virtual environment it needs, so each works on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# test processes (pytest-xdist): one per CPU this job may use, at most 4 (each test may start workers of its own);
# with one CPU, none: the tests run in pytest's own process
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 4 ] && n=4; [ "$$n" -le 1 ] && n=0; echo $$n)

.PHONY: demo test lint bench clean system-deps

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: build the graph of the bundled summaries into build/
demo: $(STAMP)
	$(VENV)/bin/kg build data/summaries --out build

## system-deps: Debian packages the tests use (Chromium, a JRE for HermiT); skipped when present
system-deps:
	bash scripts/system-deps.sh

## test: lint and types, then the whole test suite
test: $(STAMP) system-deps lint
	$(PY) -m pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(VENV)/bin/ruff check kg tests bench
	$(VENV)/bin/ruff format --check kg tests bench
	$(VENV)/bin/mypy kg

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf build $(VENV)
