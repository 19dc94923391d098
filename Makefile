# Hiroba: `make demo` serves the demo on http://localhost:8000; `make test` runs everything CI runs.
# Both work on a bare Debian machine with Python 3.11 and pip: they create .venv, install the locked
# dependencies (and, with npm, the test tool axe-core) and compile the translations first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the accessibility browser test, pinned in package-lock.json (a test tool only: nothing is served).
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install messages demo test lint typecheck pytest lock bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "npm is not installed: CI needs Node.js and npm for the accessibility test (apt-get install nodejs npm)" >&2; \
		exit 1; \
	else \
		echo "NOTICE: npm not found; tests/browser/test_accessibility.py will be skipped (apt-get install nodejs npm)"; \
	fi

install: $(STAMP) $(NODE_STAMP) messages  ## create .venv and node_modules with the locked dependencies

messages: $(STAMP)  ## compile the committed .po translations
	$(BIN)/python scripts/compile_messages.py

demo: install  ## migrate, load the demo data and serve on http://localhost:8000 (SQLite under var/)
	$(BIN)/hiroba demo

test: install  ## lint, type check, tests on SQLite, then PostgreSQL and the browser (what CI runs)
	bash scripts/test.sh

lint: $(STAMP)  ## ruff lint and format check, migrations in step with the models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

typecheck: $(STAMP)  ## mypy (strict on services, selectors and Django-free packages)
	$(BIN)/mypy .

lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv: pip install uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet \
		-o requirements.lock --custom-compile-command "make lock"

bench: install  ## run the benchmarks and print their figures
	$(BIN)/python -m bench

clean:  ## remove the virtualenv and generated files (keeps var/ data)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
	find locale -name '*.mo' -delete
