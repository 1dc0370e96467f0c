# wea: the front door. `make` lists the targets; `make test` is what CI runs.
# Every target installs what it needs (venv, Python packages, the pinned
# Kaitai compiler, the C build) by itself, from a fresh clone.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV   ?= .venv
PY     := $(abspath $(VENV))/bin/python
BUILD  := build
NPM    ?= npm
FUZZ_SECONDS ?= 60
KAITAI_DIR := $(BUILD)/kaitai
KAITAI_PARSER := $(KAITAI_DIR)/wea_block.py

# Each area's fragment (mk/*.mk) adds its targets and appends to these.
TEST_TARGETS :=
LINT_TARGETS :=
FUZZ_TARGETS :=
CLEAN_PATHS  := $(BUILD) $(VENV) tools/node_modules

VENV_STAMP := $(VENV)/.installed
TOOLS_STAMP := tools/node_modules/.installed

.PHONY: help venv tools spec test lint fuzz clean

help: ## list the targets
	@echo "wea: the Wrapped Exchange Array (format WA-1). Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV_STAMP): tools/requirements.txt $(wildcard python/pyproject.toml)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	if [ -f python/pyproject.toml ]; then \
	  $(PY) -m pip install --quiet --disable-pip-version-check -e './python[test]'; fi
	touch $@

venv: $(VENV_STAMP) ## create .venv with the wea package and the tools

$(TOOLS_STAMP): tools/package.json tools/package-lock.json
	cd tools && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

tools: $(TOOLS_STAMP) ## install the pinned Kaitai Struct compiler (npm ci)

$(KAITAI_PARSER): spec/wea.ksy tools/ksc.js $(TOOLS_STAMP)
	node tools/ksc.js spec/wea.ksy $(KAITAI_DIR)

spec: $(KAITAI_PARSER) $(VENV_STAMP) ## compile spec/wea.ksy with the pinned compiler and test it against the spec's examples
	$(PY) -m pytest -q tools/tests

TEST_TARGETS += spec

-include mk/*.mk

test: $(TEST_TARGETS) ## run every test: spec, lint, Python, C, conformance
	@echo "make test: all passed"

lint: $(LINT_TARGETS) ## check code style and types (no rewrite)

fuzz: $(FUZZ_TARGETS) ## fuzz every reader for a bounded time (FUZZ_SECONDS, default 60 each)

clean: ## remove everything built or installed here
	rm -rf $(CLEAN_PATHS)
