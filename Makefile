# wea: the front door. `make` lists the targets; `make test` is what CI runs.
# Every target installs what it needs (venv, Python packages, the pinned
# Kaitai compiler, the C build) by itself, from a fresh clone. `make demo`
# installs only what the demo runs (the venv with the package and pyzmq,
# the C build) and no system package; Open MPI is installed (and said so
# first) only by the targets that run MPI (mk/examples.mk).

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

# `make help`: every target with a `## text`, in these groups and this
# order (group:target target ...;); a target of no group is listed under
# "other", so none is ever hidden. mk/help.awk aligns and wraps the text.
HELP_GROUPS := start here:demo test;\
  conformance and the spec:conformance vectors vectors-check spec tables test-add-type;\
  benchmark:bench bench-smoke;\
  fuzzing and reliability:fuzz fuzz-c fuzz-python test-reliability;\
  documentation:docs docs-check;\
  parts of make test:test-python test-numpy1 test-accel test-dist test-c test-cli \
    test-examples test-user lint lint-python lint-examples lint-scripts;\
  build and install:venv python dist c tools transports mpi demo-python demo-cross;\
  housekeeping:format clean help

help: ## list the targets, grouped
	@echo "wea: the Wrapped Exchange Array (format WA-1), version $$(cat VERSION)"
	@awk -v groups='$(strip $(HELP_GROUPS))' -f mk/help.awk $(MAKEFILE_LIST)

# The package's compiled part (wea._speedups, python/setup.py) is built
# from python/csrc and the C reader's sources (c/src, c/include): a change
# to any of them installs the package again.
SPEEDUPS_SRCS := $(wildcard python/setup.py python/MANIFEST.in python/csrc/*.c \
  c/src/*.c c/src/*.h c/include/*.h)

$(VENV_STAMP): tools/requirements.txt python/pyproject.toml VERSION $(SPEEDUPS_SRCS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -e './python[test]'
	env -u WEA_PURE_PYTHON $(PY) -c 'import wea, sys; wea.accelerated() or sys.exit("venv: " + wea._accel.status())'
	touch $@

venv: $(VENV_STAMP) ## create .venv with the wea package and the tools

# What `make demo` runs and nothing more: the venv, the package, pyzmq
# (examples/requirements-demo.txt). No system package, no question asked.
DEMO_STAMP := $(VENV)/.demo-installed

$(DEMO_STAMP): examples/requirements-demo.txt $(wildcard python/pyproject.toml) VERSION
	@echo "demo: installing into $(VENV): the wea package (editable) and pyzmq; no system package"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ./python \
	  -r examples/requirements-demo.txt
	touch $@

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
