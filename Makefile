# Two commands on a fresh clone: `make demo` (set up and run the course's main job) and
# `make test` (set up and run every test). Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader shells out to console scripts (alembic), so the venv's bin/ goes first on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test lab setup lint browser-deps db-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/pmcourse demo

# JupyterLab on the repository root, opening course/00_start_here.ipynb; works as root too.
# LAB_VIEW=instructor keeps nbgrader's instructor panels; LAB_ARGS passes more options
# (e.g. LAB_ARGS="--no-browser --ServerApp.ip=0.0.0.0" on a remote box).
LAB_VIEW ?= trainee
LAB_ARGS ?=
lab: $(STAMP)
	bash scripts/lab.sh $(LAB_VIEW) $(LAB_ARGS)

browser-deps:
	bash scripts/install-chromium.sh
	bash scripts/install-axe.sh

db-deps:
	bash scripts/install-postgres.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) browser-deps db-deps
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist *.egg-info
