# Onboarding targets. `make up` sets everything up and starts the demo backend.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEVDB   = $(BIN)/devdb

.DEFAULT_GOAL := help
.PHONY: help install up down migrate status reset lint backup restore test bench image clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/devdb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/devdb ## Create .venv and install devdb (editable) with dev tools

up: install ## Start the database, write .env, migrate, seed, run the app
	$(DEVDB) up

down: install ## Stop the database (data kept)
	$(DEVDB) down

migrate: install ## Apply migrations to head
	$(DEVDB) migrate

status: install ## Show engine, revision, pending migrations
	$(DEVDB) status

reset: install ## Back to exactly the migrated + seeded state, in well under a second
	$(DEVDB) reset --yes

lint: install ## Lint migrations (runbook, lock safety, pgvector rules)
	$(DEVDB) lint

backup: install ## Take a verified-restorable backup of the local database
	$(DEVDB) backup

restore: install ## Verify the newest backup by restoring it into a scratch database
	$(DEVDB) restore --latest --verify

image: install ## Build the offline pgvector image (no registry needed)
	$(DEVDB) image build

test: install ## Run the test suite (ruff, mypy, pytest)
	$(BIN)/ruff check devdb tests bench
	$(BIN)/ruff format --check devdb tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install ## Run the benchmarks (prints ratios against the plain recipe)
	$(BIN)/python -m bench

clean: ## Remove .venv and caches (not the database: see `devdb destroy`)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
