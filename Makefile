# Observatorio 1325 — the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Two workers on the two-core machines this project runs on.
PYTEST_WORKERS ?= 2

.PHONY: run test lint setup messages browser migrate seed fmt vendor clean

$(VENV)/.installed: requirements/dev.txt requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

setup: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

migrate: setup
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py import_plan monitoring/data/mx-pna-1325-2021.yaml
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

run: seed
	@echo "Observatorio 1325 on http://$(HOST):$(PORT)/ (demo accounts: see README.md)"
	DEBUG=$${DEBUG:-true} TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-false} $(PY) manage.py runserver $(HOST):$(PORT)

# Tests run on PostgreSQL (every machine of this project has one at 127.0.0.1:5432) unless DATABASE_URL says
# otherwise; on SQLite the PostgreSQL-only concurrency tests are deselected, never skipped.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/observatorio
test: setup browser
	@url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then url="$(TEST_DATABASE_URL)"; fi; \
	if [ -z "$$url" ] || [ "$${url#sqlite}" != "$$url" ]; then \
	  echo "Testing on SQLite (PostgreSQL-only tests deselected)"; \
	  DATABASE_URL="$$url" $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not postgres" $(PYTEST_ARGS); \
	else \
	  echo "Testing on PostgreSQL: $$url"; \
	  DATABASE_URL="$$url" $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	DEBUG=true $(PY) manage.py makemessages -l es --no-location --no-obsolete -i '.venv/*' -i 'staticfiles/*' -i 'bench/*' >/dev/null
	$(PY) scripts/check_translations.py

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

vendor:
	scripts/refresh_vendor.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
