# imetbook: every target sets up .venv itself, so `make book` and `make test` work on a
# fresh machine with only Python 3.11.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export PYTHONHASHSEED := 0
export IPYKERNEL_CELL_NAME := <IPY-INPUT>
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export MPLBACKEND := Agg

.PHONY: book data execute html test lint unit nbval book-test browser serve run bench clean pins explore

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

venv: $(VENV)/.installed

## book: build the data, execute what changed, build the HTML into _build/html
book: $(VENV)/.installed data execute html

data: $(VENV)/.installed
	$(PY) -m imetbook data build

execute: $(VENV)/.installed
	$(PY) -m imetbook execute -j $(JOBS)

html: $(VENV)/.installed
	$(PY) -m imetbook html

## test: lint, unit tests, nbval on the committed notebooks, strict book build, browser
test: $(VENV)/.installed lint unit nbval book-test browser

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

# The unit and slow tests run on every core (pytest-xdist); each worker shares its session
# fixtures (tables loaded once, one run per chapter and values) between its tests.
unit: $(VENV)/.installed data
	$(PY) -m pytest -q -n $(JOBS) -m "not slow and not browser" tests

# Kernels get the inline figure backend, as under `imetbook execute` (the Agg exported above
# would leave figures as text and the outputs would differ from the committed ones).
# One pytest per notebook, $(JOBS) at a time (a chapter's kernel uses one core); xargs exits
# non-zero if any of them failed.
nbval: $(VENV)/.installed data
	ls -S chapters/*.ipynb | MPLBACKEND=module://matplotlib_inline.backend_inline \
	  xargs -P $(JOBS) -n 1 $(PY) -m pytest -q -p no:cacheprovider --nbval \
	  --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

book-test: $(VENV)/.installed book
	$(PY) -m pytest -q -n $(JOBS) -m slow tests

browser: $(VENV)/.installed book
	bash tests/browser/ensure_chromium.sh
	$(PY) -m pytest -q -m browser tests

serve: book
	@echo "Serving _build/html at http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html 8000

## run: a chapter with other parameters, e.g.
##   make run CHAPTER=classmates ARGS="-p countries '[\"Bangladesh\", \"Nepal\"]'"
run: $(VENV)/.installed data
	$(PY) -m imetbook run $(CHAPTER) $(ARGS)

## explore: every table in SQLite, opened in Datasette on http://127.0.0.1:8001
explore: $(VENV)/.installed data
	$(PY) -m imetbook data sqlite
	$(VENV)/bin/datasette serve --immutable data/processed/imetbook.sqlite \
	  --metadata data/processed/datasette.json --host 127.0.0.1 --port 8001

bench: $(VENV)/.installed data
	$(PY) bench/bench.py $(BENCH_ARGS)

pins:
	$(PYTHON) -m venv /tmp/imetbook-pins && /tmp/imetbook-pins/bin/pip install -q -r requirements.in
	/tmp/imetbook-pins/bin/pip freeze | grep -viE '^(pip|setuptools|wheel)==' > requirements.txt

clean:
	rm -rf _build data/processed chapters/country/[A-Z]*.ipynb chapters/country/index.md
