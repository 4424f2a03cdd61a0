# dannlib: every target does its own set-up (creates .venv and installs the package once).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dannlib-installed
export TQDM_MININTERVAL ?= 1

.PHONY: help setup run test unit nbval lab bench bench-full lint format clean

help:
	@echo "make run    - execute all notebooks with papermill (default parameters, SynthFaces) into runs/latest/"
	@echo "make test   - unit tests, papermill smoke tests and nbval on the committed notebooks"
	@echo "make lab    - JupyterLab on notebooks/"
	@echo "make bench  - accuracy/speed benchmarks into benchmarks/results.{json,md,png}"
	@echo "make lint   - ruff check + format check"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/python -m dannlib.suite $(ARGS)

LINTED := dannlib tests benchmarks tools conftest.py
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

test: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	TQDM_DISABLE=1 $(BIN)/python -m pytest tests
	TQDM_DISABLE=1 $(BIN)/python -m pytest $(NBVAL) notebooks

nbval: setup
	TQDM_DISABLE=1 $(BIN)/python -m pytest $(NBVAL) notebooks

unit: setup
	TQDM_DISABLE=1 $(BIN)/python -m pytest tests -m "not slow"

lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python -m benchmarks.run $(ARGS)

bench-full: setup
	$(BIN)/python -m benchmarks.run --full $(ARGS)

lint: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: setup
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

clean:
	rm -rf runs/ data/cache/ .pytest_cache
