# Fupin 扶贫 — `make run` starts the product, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.fupin-installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_HOUSEHOLDS ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/fupin_test

include frontend/frontend.mk

.PHONY: run serve install migrate seed test test-sqlite test-pg test-backend lint openapi openapi-check dev bench clean

$(VENV_STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV_STAMP)

migrate: $(VENV_STAMP)
	$(BIN)/fupin migrate

seed: migrate
	FUPIN_DEMO=1 $(BIN)/fupin seed --households $(DEMO_HOUSEHOLDS) --if-empty --demo-jobs

# One command: install, migrate, seed the demo city if empty, build the SPA, serve everything.
run: seed frontend-build
	FUPIN_DEMO=1 $(BIN)/fupin serve --host $(HOST) --port $(PORT)

serve: $(VENV_STAMP)
	$(BIN)/fupin serve --host $(HOST) --port $(PORT)

dev: seed
	FUPIN_DEMO=1 $(BIN)/fupin serve --host $(HOST) --port $(PORT) & $(MAKE) frontend-dev; kill %1

openapi: $(VENV_STAMP)
	$(BIN)/fupin openapi
	$(MAKE) frontend-client

openapi-check: $(VENV_STAMP)
	$(BIN)/fupin openapi --check
	$(MAKE) --no-print-directory frontend-client-check

lint: $(VENV_STAMP) frontend-lint
	$(BIN)/ruff check backend tests bench migrations
	$(BIN)/ruff format --check backend tests bench migrations
	$(BIN)/mypy

# The backend suite on SQLite (default) and, when PostgreSQL answers, again on PostgreSQL.
test-sqlite: $(VENV_STAMP)
	$(BIN)/pytest

test-pg: $(VENV_STAMP)
	FUPIN_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

# Both databases at once when PostgreSQL answers (each suite is one process: two cores halve the wait); the
# PostgreSQL run's output follows the SQLite run's.
test-backend: $(VENV_STAMP)
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  mkdir -p var; \
	  FUPIN_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest --basetemp=var/pytest-pg > var/test-pg.log 2>&1 & pg=$$!; \
	  $(BIN)/pytest --basetemp=var/pytest-sqlite; sqlite=$$?; \
	  wait $$pg; postgres=$$?; \
	  echo "--- the same suite on PostgreSQL ($(PG_TEST_URL))"; cat var/test-pg.log; \
	  [ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	else $(BIN)/pytest || exit 1; \
	     echo "PostgreSQL is not running on 127.0.0.1:5432: PostgreSQL tests skipped (CI runs them)"; \
	     if [ -n "$$CI" ]; then exit 1; fi; fi

test: $(VENV_STAMP) openapi-check test-backend frontend-unit frontend-e2e

bench: $(VENV_STAMP)
	$(BIN)/python bench/households_list.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
