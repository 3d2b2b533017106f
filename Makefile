# The two commands of the README: `make run` (install + default experiment) and `make test`.
PY      := .venv/bin/python
PIP     := $(PY) -m pip
TORCH   := torch==2.14.1 torchvision==0.29.1
PYTEST_ARGS ?= -m "not slow and not gpu" -n 2

.PHONY: install run test test-all lint format clean

install: .venv/.installed

# Re-install when the package metadata changes; torch is named again on the second
# line so that no dependency can swap in a different build.
.venv/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e '.[dev]' $(TORCH)
	touch $@

run: install
	.venv/bin/nasrun

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest -n 2

lint: install
	.venv/bin/ruff check nasrun tests scripts
	.venv/bin/ruff format --check nasrun tests scripts

format: install
	.venv/bin/ruff check --fix nasrun tests scripts
	.venv/bin/ruff format nasrun tests scripts

clean:
	rm -rf .venv build *.egg-info .pytest_cache
