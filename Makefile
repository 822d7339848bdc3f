# Quick start: `make run` (portal with demo data on SQLite, jobs in-process) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000
# make run: development defaults only; production sets real values in the environment.
DEMO_ENV := DEBUG=1 PORTAL_DEMO=1 PORTAL_REQUIRE_2FA=0

.PHONY: install run test lint migrate seed worker bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --if-empty

run: seed
	@echo "Portaal op http://$(HOST)/ (stoppen: Ctrl+C)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

# The whole suite; set DATABASE_URL / REDIS_URL to run it on PostgreSQL + Redis.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks: the app layering and the tasks-are-leaves rule (.importlinter).
lint: $(STAMP)
	$(BIN)/lint-imports

# A Celery worker for a broker-backed setup (REDIS_URL must be set).
worker: $(STAMP)
	$(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2

# Benchmark of the checks and the import at national size (issue 14): prints every figure
# beside a baseline from the same run. Needs PostgreSQL: set DATABASE_URL (a scratch database;
# the national set is generated into it). BENCH_ARGS="--fraction 10" for the CI's 1/10 size.
bench: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python bench/checks_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
