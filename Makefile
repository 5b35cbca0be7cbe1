# One command to run, one to test. Everything installs into .venv from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint format bench fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install  ## install, migrate, start web + worker + beat + flower
	$(BIN)/kairos up

# Two workers (pytest-xdist); each has its own private Redis, temp dir and databases. Tests
# sharing a module's process stack stay on one worker (xdist_group). PYTEST_N=0: one process.
PYTEST_N ?= 2

test: install  ## private Redis per worker; PostgreSQL leg (marked tests) when a server answers
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null && apt-get update -qq \
	  && apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "browser tests skipped: no chromium and it could not be installed"
	$(BIN)/python -m pytest -n $(PYTEST_N) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## one JSON line per benchmark (BENCH="submit e2e" to pick)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH)

fuzz: install  ## schemathesis over every operation of the OpenAPI document (CI: FUZZ_ARGS=--quick)
	$(BIN)/python -m tools.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
