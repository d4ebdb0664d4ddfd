# Onboarding targets. `make up` sets everything up and starts the demo backend.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEVDB   = $(BIN)/devdb
UP_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help install up down migrate status reset lint backup restore test bench image clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

# What running needs (make up); the dev tools come on top for make test.
$(BIN)/devdb: pyproject.toml scripts/install-venv.sh
	@scripts/install-venv.sh $(VENV) $(PYTHON)
	@touch $@

$(VENV)/.dev-tools: $(BIN)/devdb
	@scripts/install-venv.sh $(VENV) $(PYTHON) dev
	@touch $@

install: $(VENV)/.dev-tools ## Create .venv and install devdb (editable) with dev tools

up: $(BIN)/devdb ## Start the database, write .env, migrate, seed, run the app
	$(DEVDB) up $(UP_FLAGS)

down: $(BIN)/devdb ## Stop the database (data kept)
	$(DEVDB) down

migrate: $(BIN)/devdb ## Apply migrations to head
	$(DEVDB) migrate

status: $(BIN)/devdb ## Show engine, revision, pending migrations
	$(DEVDB) status

reset: $(BIN)/devdb ## Back to exactly the migrated + seeded state, in well under a second
	$(DEVDB) reset --yes

lint: $(BIN)/devdb ## Lint migrations (runbook, lock safety, pgvector rules)
	$(DEVDB) lint

backup: $(BIN)/devdb ## Take a verified-restorable backup of the local database
	$(DEVDB) backup

restore: $(BIN)/devdb ## Verify the newest backup by restoring it into a scratch database
	$(DEVDB) restore --latest --verify

image: $(BIN)/devdb ## Build the offline pgvector image (no registry needed)
	$(DEVDB) image build

test: install ## Run the test suite (ruff, mypy, pytest)
	$(BIN)/ruff check devdb tests bench
	$(BIN)/ruff format --check devdb tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

bench: install ## Run the benchmarks (prints ratios against the plain recipe)
	$(BIN)/python -m bench

clean: ## Remove .venv and caches (not the database: see `devdb destroy`)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
