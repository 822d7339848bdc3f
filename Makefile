# Quick start: `make run` (portal with demo data on SQLite, jobs in-process) and `make test`.
# Needs only python3 and make: the venv installs from the hashed lock (requirements/*.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000
# make run: development defaults only; production sets real values in the environment.
DEMO_ENV := DEBUG=1 PORTAL_DEMO=1 PORTAL_REQUIRE_2FA=0
# The translations are compiled from their .po at build time (portal/compile_messages.py).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# make lock LOCK_ARGS=--upgrade (everything) or LOCK_ARGS="--upgrade-package django".
LOCK_ARGS ?=
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: install messages run test lint lock migrate seed worker bench clean

# The project itself is not pip-installed ([tool.setuptools] packages = []): it runs from
# this folder, so the lock is all there is to install.
$(STAMP): requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $(STAMP)

# Rebuilt when its .po changes; works whether or not a .mo is checked in.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	$(BIN)/python -m portal.compile_messages $<

# Test-only JavaScript (axe-core for tests/e2e), from package-lock.json; skipped without npm.
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; else echo "npm not found: browser accessibility tests will skip"; fi

messages: $(MO_FILES)

install: $(STAMP) messages

migrate: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --if-empty

run: seed
	@echo "Portaal op http://$(HOST)/ (stoppen: Ctrl+C)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

# The whole suite; set DATABASE_URL / REDIS_URL to run it on PostgreSQL + Redis.
test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks, the same as .pre-commit-config.yaml: ruff (lint rules and formatting), no
# model change without its migration, and the app layering (.importlinter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports

# The one command that updates the lock: requirements/base.txt (what production installs, from
# pyproject's dependencies) and requirements/dev.txt (plus the dev extra, with the same pins).
# pip-tools is installed into the venv on demand; the lock does not pin the tool that writes it.
lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) --extra dev -c requirements/base.txt \
		-o requirements/dev.txt pyproject.toml

# A Celery worker for a broker-backed setup (REDIS_URL must be set).
worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2

# Benchmark of the checks and the import at national size (issue 14): prints every figure
# beside a baseline from the same run. Needs PostgreSQL: set DATABASE_URL (a scratch database;
# the national set is generated into it). BENCH_ARGS="--fraction 10" for the CI's 1/10 size.
# Pages: the national set with its people and meetings (--fraction 1: full size; generated
# anew, as the checks bench leaves only the money), each page one by one, then concurrent clients.
PAGES_BENCH_ARGS ?= --fraction 1 --reseed
bench: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python bench/checks_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/pages_bench.py $(PAGES_BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache node_modules
