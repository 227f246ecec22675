# interim: set-up, demo and tests on a fresh Debian machine with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# System packages, installed with apt when missing: what WeasyPrint needs (Pango, fonts),
# poppler-utils (pdftotext, read by the delivery tests) and PostgreSQL (the server test runs a
# Prefect server on it).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
                   poppler-utils postgresql
DEMO_CUTOFF ?= 2026-10-31
DEMO_SUBJECTS ?= 32
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: demo lint test system venv clean

system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(BIN)/interim: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip==25.3
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

venv: $(BIN)/interim

demo: venv
	$(BIN)/interim simulate --out data/cuts --cutoff $(DEMO_CUTOFF) --subjects $(DEMO_SUBJECTS) --seed 20261
	$(BIN)/interim run --cutoff $(DEMO_CUTOFF) --reason "demo: synthetic data cut"

# Lint and types: run first by test, so that the suite runs only on a clean tree.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two workers (the machines have 2 cores); tests that read one shared published run share a worker.
test: lint
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) .prefect data reports outbox .pytest_cache .mypy_cache .ruff_cache
