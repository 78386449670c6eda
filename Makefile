# `make run` and `make test` each set up .venv from nothing (idempotently), then act.
SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed
ORACLE := $(VENV)/.oracle
SCENARIO ?= scenarios/lcr_baseline.yaml

# First Python >= 3.12 found: $(PYTHON) if given, then python3.13/python3.12/python3 on PATH,
# then any pyenv-installed 3.12+ even if pyenv has not selected it.
define find_python
for c in $${PYTHON:-} python3.13 python3.12 python3 \
         $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if [ -n "$$c" ] && command -v "$$c" >/dev/null 2>&1 && \
     "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: run test lint format bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -x $(VENV)/bin/python ] && ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  echo "Existing $(VENV) uses Python < 3.12; recreating it."; rm -rf $(VENV); fi
	@if [ ! -x $(VENV)/bin/python ]; then \
	  PY=$$( $(find_python) ) || { echo "healthwork needs Python >= 3.12 and none was found." \
	    "Install one (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)'." >&2; exit 1; }; \
	  echo "Creating $(VENV) with $$PY ($$($$PY --version))"; \
	  "$$PY" -m venv $(VENV); fi
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The tests also need the oracle extra (PolicyEngine UK, large), the dask extra (a real cluster on
# loopback), the dashboard extra (Solara, Playwright) and the abc extra (pyabc): installed for them and the
# benchmarks, not for `make run`.
$(ORACLE): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,oracle,dask,dashboard,abc]'
	@touch $(ORACLE)

# brief.html is tested in a real browser (tests/io/test_brief.py): Debian's headless Chromium, installed
# here when neither it nor chromium is on PATH (as root, or through sudo).
BROWSER := $(VENV)/.browser
$(BROWSER): $(STAMP)
	@command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing Debian's chromium-headless-shell for the browser test of brief.html"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends chromium-headless-shell >/dev/null; }
	@touch $(BROWSER)

run: $(STAMP)
	$(VENV)/bin/healthwork run $(SCENARIO)

test: $(ORACLE) $(BROWSER)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check model tests benchmarks
	$(VENV)/bin/ruff format --check model tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff format model tests benchmarks
	$(VENV)/bin/ruff check --fix model tests benchmarks

bench: $(ORACLE)
	$(VENV)/bin/python benchmarks/engine.py
	$(VENV)/bin/python benchmarks/executors.py
	$(VENV)/bin/python benchmarks/storage.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
