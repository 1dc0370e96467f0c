# mk/lint.mk: ruff over the repository's scripts: tools/ (the vector
# generator, the conformance runner, the Kaitai participant and their tests),
# bench/ (the benchmark harness) and reliability/ (fuzz, fault and load
# tests). Included by the top Makefile, which defines PY, VENV_STAMP,
# LINT_TARGETS and TEST_TARGETS.
#
#   make lint-scripts  ruff check and ruff format --check, with the rules of
#                      tools/ruff.toml (line length 100, Python 3.10;
#                      E, F, W, I, B, UP, SIM, RUF); rewrites nothing
#
# The Python package (lint-python, mk/python.mk) and the examples
# (lint-examples, mk/examples.mk) have their own targets and rules.
# tools/node_modules and build directories are excluded (tools/ruff.toml).

SCRIPT_DIRS   := tools bench reliability python/setup.py
SCRIPTS_RUFF  := tools/ruff.toml

.PHONY: lint-scripts

lint-scripts: $(VENV_STAMP) ## check tools/, bench/ and reliability/: ruff check, ruff format --check (tools/ruff.toml)
	$(PY) -m ruff check --no-cache --config $(SCRIPTS_RUFF) $(SCRIPT_DIRS)
	$(PY) -m ruff format --no-cache --check --config $(SCRIPTS_RUFF) $(SCRIPT_DIRS)

LINT_TARGETS += lint-scripts
TEST_TARGETS += lint-scripts
