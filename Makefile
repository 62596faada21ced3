# Two commands matter: `make lab` and `make test`. Everything else is for contributors.
# Only Python (3.10+) and make are needed; the virtual environment is built from the pinned lock.
PYTHON ?= python3
VENV   := .venv
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP  := $(VENV)/.evalbook-installed
XDIST  ?= -n 2
# Notebooks are always executed and tested in the offline simulator, without progress bars and with a fixed
# hash seed (set and dict-of-set printing order), so that their committed outputs are reproducible.
NBENV  := EVALBOOK_MODE=sim EVALBOOK_PROGRESS=off PYTHONHASHSEED=0
# The template lesson and solution are tested like real ones, so the pattern contributors copy always works.
TEMPLATES := templates/lesson.ipynb templates/solution.ipynb

# make e2e: two notebooks at a time (one JupyterLab and one Chromium per worker); E2E_WORKERS=1 for one.
E2E_WORKERS ?= 2
E2E_STAMP   := $(VENV)/.e2e-installed

.PHONY: lab test setup unit notebooks nbtest livetest e2e e2e-setup labs lint format lock bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "evalbook is installed in $(VENV)."

# --allow-root only when run as root (containers, some cloud machines); JupyterLab refuses root otherwise.
lab: $(STAMP)
	$(BIN)/jupyter lab $$([ "$$(id -u 2>/dev/null)" = "0" ] && echo --allow-root) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(BIN)/evalbook labs build --check
	$(BIN)/python -m pytest $(XDIST) -q tests
	$(MAKE) --no-print-directory nbtest
	$(MAKE) --no-print-directory livetest

unit: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -q tests

# Lessons and solutions: committed outputs must equal a fresh run (nbval, strict).
# Labs: must run top to bottom, unfinished, without errors (nbval-lax).
nbtest: $(STAMP)
	$(NBENV) $(BIN)/python -m pytest $(XDIST) --dist loadscope -q --nbval \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 300 -p no:cacheprovider \
	  notebooks solutions $(TEMPLATES) docs/your_own_product.ipynb
	$(NBENV) $(BIN)/python -m pytest $(XDIST) --dist loadscope -q --nbval-lax \
	  --nbval-cell-timeout 300 -p no:cacheprovider labs templates/lab.ipynb

# The same lessons and solutions in live mode against `evalbook serve` on loopback: real HTTP through the live
# transport (cache, budget, retries) must give the committed sim outputs (only the mode's name is hidden).
livetest: $(STAMP)
	$(BIN)/python -m evalbook.dev.livetest notebooks solutions docs/your_own_product.ipynb $(TEMPLATES)

# Every lesson, solution and lab in a real JupyterLab driven by headless Chromium (e2e/): Restart Kernel and Run
# All, no error output or console error, plots as images, widgets rendered, the labeller used and resumed.
# Needs Chromium (Debian: apt-get install -y chromium); installs Playwright's Python package into .venv. Not
# part of `make test`, which needs no browser; CI runs both.
e2e: $(E2E_STAMP)
	$(BIN)/python -m pytest -n $(E2E_WORKERS) -q -p no:cacheprovider e2e

e2e-setup: $(E2E_STAMP)

$(E2E_STAMP): $(STAMP) e2e/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r e2e/requirements.txt
	@touch $(E2E_STAMP)

# Re-execute lessons and solutions in place (sim mode), then regenerate the labs.
notebooks: $(STAMP)
	$(NBENV) $(BIN)/python -m evalbook.dev.notebooks execute notebooks solutions $(TEMPLATES) docs/your_own_product.ipynb
	$(BIN)/evalbook labs build

labs: $(STAMP)
	$(BIN)/evalbook labs build

lint: $(STAMP)
	$(BIN)/ruff check src tests e2e bench data docs notebooks labs solutions templates
	$(BIN)/ruff format --check src tests e2e bench data docs notebooks labs solutions templates

format: $(STAMP)
	$(BIN)/ruff check --fix src tests e2e bench data docs notebooks labs solutions templates
	$(BIN)/ruff format src tests e2e bench data docs notebooks labs solutions templates

# Regenerate the pinned lock (needs uv and network access to the package index), then Binder's lock from it: the
# same pins without the dev extra (python -m evalbook.dev.binderlock reads the lock, asks no index).
lock:
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 --no-header -o requirements.lock
	$(PYTHON) src/evalbook/dev/binderlock.py

bench: $(STAMP)
	$(BIN)/python bench/speed_bench.py
	$(BIN)/python bench/runner_bench.py
	$(BIN)/python bench/stats_bench.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
