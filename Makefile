# One task runner for everyone (developers, CI, workshop instructors).
# Every target installs what it needs into .venv from pyproject.toml.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help install test test-fast test-loaded demo demo-quick lab lint format typecheck browser check clean

help:
	@echo "make demo   run the whole guided workflow on the bundled demo service and write the report"
	@echo "make test   run the whole test suite"
	@echo "make test-loaded   the whole suite beside two CPU-burning processes"
	@echo "make lab    open JupyterLab on notebooks/"
	@echo "make lint   ruff, formatting and stripped-notebook checks"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

# Chromium is needed by the browser tests (report and JupyterLab checks). It is
# installed from Debian's packages when we can (root + apt-get); otherwise those
# tests skip, saying why. Another process holding the apt lock is waited for, at
# most APT_LOCK_WAIT seconds; an install that still fails only skips those tests.
APT_LOCK_WAIT ?= 180
APT := apt-get -o DPkg::Lock::Timeout=$(APT_LOCK_WAIT)

browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (Debian package) for the browser tests"; \
		if $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium >/dev/null; \
		then :; \
		else echo "chromium could not be installed (apt-get failed; the apt lock may have been held for over $(APT_LOCK_WAIT) s): browser tests will be skipped"; fi; \
	else echo "chromium not installed: browser tests will be skipped"; fi

test: $(STAMP) browser
	$(PY) -m pytest

# The whole suite beside two CPU-burning processes: the tests must not need an idle
# machine. The burners stop when make test ends, passed, failed or interrupted.
test-loaded:
	@$(PYTHON) -c 'while True: pass' & b1=$$!; \
	$(PYTHON) -c 'while True: pass' & b2=$$!; \
	trap 'kill $$b1 $$b2 2>/dev/null; wait $$b1 $$b2 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	echo "make test beside two CPU burners (pids $$b1 $$b2)"; \
	CFL_BURNER_PIDS="$$b1 $$b2" $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) test

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

demo: $(STAMP)
	$(PY) -m codeflash_lab demo

demo-quick: $(STAMP)
	$(PY) -m codeflash_lab demo --quick

lab: $(STAMP)
	$(PY) -m codeflash_lab lab

lint: $(STAMP)
	$(PY) -m ruff check codeflash_lab tests benchmarks
	$(PY) -m ruff format --check codeflash_lab tests benchmarks
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb notebooks/workshop/*.ipynb

format: $(STAMP)
	$(PY) -m ruff format codeflash_lab tests benchmarks
	$(PY) -m ruff check --fix codeflash_lab tests benchmarks

typecheck: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m mypy codeflash_lab

check: lint test

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache build dist *.egg-info
