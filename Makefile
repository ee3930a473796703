# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint typecheck contracts unit bench screenshots dist selftest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# Real windows, unless the caller chose a Qt platform (e.g. QT_QPA_PLATFORM=offscreen make run).
RUN_QPA := $(if $(filter environment command,$(origin QT_QPA_PLATFORM)),$(QT_QPA_PLATFORM),)

# On Linux, first the system libraries Qt's X11 plugin needs (installed where no password is
# asked, otherwise the one command to run is printed and make stops).
run: $(STAMP)
	QT_QPA_PLATFORM=$(RUN_QPA) $(BIN)/python scripts/check_linux_qt_libs.py
	QT_QPA_PLATFORM=$(RUN_QPA) $(BIN)/medrec-desktop

test: $(STAMP) lint typecheck contracts unit

lint: $(STAMP)
	$(BIN)/ruff check medrec_desktop tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy medrec_desktop

contracts: $(STAMP)
	$(BIN)/lint-imports

# One worker per core: every test has its own database file or PostgreSQL schema.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --durations=15

bench: $(STAMP)
	for script in bench/[!_]*.py; do $(BIN)/python $$script || exit 1; done

screenshots: $(STAMP)
	$(BIN)/python -m medrec_desktop.ui.screenshots docs/screenshots
	$(BIN)/python scripts/render_pdf_samples.py docs/screenshots

# One-folder app in dist/medrec-desktop/, checked by its own headless self-test.
dist: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean build.spec
	QT_QPA_PLATFORM=offscreen dist/medrec-desktop/medrec-desktop --self-test

# The same checks from the source tree (temporary encrypted database, bundled resources).
selftest: $(STAMP)
	$(BIN)/python -m medrec_desktop --self-test

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
