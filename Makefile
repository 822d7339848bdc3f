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

# Test-only JavaScript (axe-core for tests/e2e), from package-lock.json; skipped without npm.
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; else echo "npm not found: browser accessibility tests will skip"; fi

install: $(STAMP)

migrate: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --if-empty

run: seed
	@echo "Portaal op http://$(HOST)/ (stoppen: Ctrl+C)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

# The whole suite; set DATABASE_URL / REDIS_URL to run it on PostgreSQL + Redis.
test: $(STAMP) node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks: the app layering and the tasks-are-leaves rule (.importlinter).
lint: $(STAMP)
	$(BIN)/lint-imports

# A Celery worker for a broker-backed setup (REDIS_URL must be set).
worker: $(STAMP)
	$(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2

clean:
	rm -rf $(VENV) var .pytest_cache node_modules
