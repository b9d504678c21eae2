# Nabuur — see README.md. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
NABUUR := $(VENV)/bin/nabuur
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install test-tools run worker test test-sqlite test-postgres lint fmt messages translations bench demo clean

# uv lives in a project-local virtualenv: system Pythons often refuse `pip install` (PEP 668).
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.synced

# The test tools from npm (the W3C Nu HTML checker), pinned in package-lock.json, installed again
# whenever the lock file is newer. Without npm the browser tests skip the checker (CI=true fails).
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is missing: the browser tests cannot check HTML (see README, Requirements)."; \
	fi

test-tools: install translations node_modules/.installed

translations: install
	$(NABUUR) compile_translations

# In the demo, links in e-mails lead to the port served (`make run PORT=8123`), unless
# NABUUR_BASE_URL is set; the worker that `nabuur serve` starts inherits it.
ifneq ($(NABUUR_ENV),production)
run: export NABUUR_BASE_URL ?= http://127.0.0.1:$(PORT)
endif
run: install translations
	$(NABUUR) migrate --noinput
	$(NABUUR) demo --port $(PORT)
	$(NABUUR) serve --port $(PORT)

worker: install
	$(NABUUR) worker

# Some machines (Python's Docker images) switch Python's byte-code cache off; then every test
# process, and every Django a test starts in a subprocess, compiles its imports again (about 4 s
# of CPU each), and pytest rewrites every test module's asserts again on each run.
unexport PYTHONDONTWRITEBYTECODE
# pytest's exit status 5 (no test selected, e.g. by PYTEST_ARGS="-k …" in one half) is no failure.
PYTEST := $(VENV)/bin/pytest -n 2
NONE_SELECTED_IS_FINE := || [ $$? -eq 5 ]
# The PostgreSQL server binaries, where scripts/with-postgres looks for them.
INITDB := $(wildcard $(shell pg_config --bindir 2>/dev/null)/initdb /usr/lib/postgresql/*/bin/initdb)

# Every test without a browser on PostgreSQL, the production database; then on SQLite (the demo's
# and small installs' database) the browser tests and the tests marked `sqlite`, which are about
# SQLite or take another path there (tests/conftest.py). Without PostgreSQL (and CI), everything
# runs on SQLite instead.
ifneq ($(INITDB)$(filter true,$(CI)),)
test: test-tools
	NABUUR_ENV=test scripts/with-postgres $(PYTEST) -m "not browser" $(PYTEST_ARGS) $(NONE_SELECTED_IS_FINE)
	NABUUR_ENV=test $(PYTEST) -m "(browser or sqlite) and not postgres_only" $(PYTEST_ARGS) $(NONE_SELECTED_IS_FINE)
else
test: test-sqlite
	@echo "PostgreSQL is not installed here: every test ran on SQLite (see docs/testing.md)."
endif

test-sqlite: test-tools
	NABUUR_ENV=test $(PYTEST) -m "not postgres_only" $(PYTEST_ARGS)

test-postgres: test-tools
	NABUUR_ENV=test scripts/with-postgres $(PYTEST) -m "not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	NABUUR_ENV=test $(NABUUR) makemigrations --check --dry-run

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract the strings to translate into locale/*/LC_MESSAGES/django.po.
messages: install
	$(NABUUR) makemessages --no-obsolete --no-location -l nl -l fr -l de -l en -i ".venv/*" -i ".tools/*" -i "node_modules/*"

bench: install translations
	NABUUR_ENV=test scripts/with-postgres $(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) var
