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

.PHONY: run test lint setup messages browser migrate seed fmt vendor clean lock package-check nginx deploy-test

# Every package comes from the lock files, checked against their hashes (pip itself included); then the project is
# installed in editable mode (no dependencies, built with the locked setuptools) so that its metadata is known.
$(VENV)/.installed: requirements/dev.txt requirements/base.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Lock files, with hashes, compiled from pyproject.toml by pip-tools: requirements/base.txt (production) and
# requirements/dev.txt (base + the dev extra, held to base's pins). Resolved against PyPI alone: this machine's pip
# configuration (extra indexes, find-links) is left out so that the lock installs anywhere. Keeps the current pins
# where they still fit; `make lock LOCK_ARGS=--upgrade` (or `LOCK_ARGS="--upgrade-package NAME"`) moves them.
LOCK_ARGS ?=
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements/base.txt --output-file requirements/dev.txt pyproject.toml

# `pip install .` and `pip install -e .` into a throwaway virtualenv (with the locked production requirements): the
# installed copy must find its templates, static files, translations, migrations and data (scripts/package_check.py).
package-check: messages
	$(PY) scripts/package_check.py

setup: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's nginx (and openssl, for a throw-away certificate) for tests/deploy, which put deploy/nginx.conf in front
# of the real processes. Only the binary is used: the tests start their own instance; the system service is untouched.
nginx:
	@missing=""; \
	{ command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } || missing="nginx"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's$$missing for the deploy tests…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

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
# tests/deploy (marked `deploy`) start nginx, two gunicorn processes, a Celery worker, moto's S3 and an SMTP server
# once per session; with `--dist loadgroup` all of them go to one xdist worker (tests/conftest.py groups the
# directory), so the stack starts once whatever -n says. They take under a minute (a minute more the first time,
# while collectstatic fills its cache in /tmp). `make deploy-test` runs them alone.
test: setup browser nginx
	@url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then url="$(TEST_DATABASE_URL)"; fi; \
	if [ -z "$$url" ] || [ "$${url#sqlite}" != "$$url" ]; then \
	  echo "Testing on SQLite (PostgreSQL-only tests deselected)"; \
	  DATABASE_URL="$$url" $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not postgres" $(PYTEST_ARGS); \
	else \
	  echo "Testing on PostgreSQL: $$url"; \
	  DATABASE_URL="$$url" $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); \
	fi

deploy-test: setup nginx
	$(PY) -m pytest -m deploy tests/deploy -p no:xdist $(PYTEST_ARGS)

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
