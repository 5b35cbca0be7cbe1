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

test: install  ## starts Redis if none answers; PostgreSQL leg runs when a server answers
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null && apt-get update -qq \
	  && apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "browser tests skipped: no chromium and it could not be installed"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## one JSON line per benchmark (BENCH="submit e2e" to pick)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH)

fuzz: install  ## schemathesis over the whole OpenAPI document (FUZZ_ARGS="--quick" for CI's pass)
	$(BIN)/python -m tools.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
