# Two set-up commands (see README): `make demo` and `make test`. Both create or reuse .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean browser notebooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jailsim demo

# The report's browser test needs Chromium: install the distribution's package where we can
# (root with apt-get); elsewhere that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
	  >/dev/null 2>&1; } || \
	echo "note: no Chromium; the report's browser test will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

# Style (ruff) and the architecture: packages import only the packages below them, no import
# circles (import-linter, contracts in pyproject.toml; docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Re-execute notebooks/*.ipynb at full size and store their outputs (a few minutes).
notebooks: $(STAMP)
	$(BIN)/python notebooks/run_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
