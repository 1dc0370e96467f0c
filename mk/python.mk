# The Python package (python/): install, lint, test, demo, format.
# Included by the top Makefile, which defines PY, PYTHON, BUILD, VENV_STAMP,
# DEMO_STAMP and KAITAI_PARSER.
#
#   make test-python  the package's tests in .venv (numpy 2)
#   make test-numpy1  the same tests, and the package's conformance
#                     participant, in build/venv-numpy1 with the oldest numpy
#                     the package supports (numpy>=1.24: 1.24.4); part of
#                     `make test`
#   make demo         the README's first command; installs only the venv,
#                     the package, pyzmq and the C build (DEMO_STAMP)

PY_DIRS := src tests

.PHONY: python test-python test-numpy1 lint-python demo demo-python format format-python

python: $(VENV_STAMP) ## install the wea Python package (editable) into .venv

test-python: $(VENV_STAMP) $(KAITAI_PARSER) ## run the Python package's tests (pytest)
	cd python && $(PY) -m pytest -q -p no:cacheprovider tests

lint-python: $(VENV_STAMP) ## check the Python package: ruff check, ruff format --check, mypy --strict
	cd python && $(PY) -m ruff check --no-cache $(PY_DIRS)
	cd python && $(PY) -m ruff format --no-cache --check $(PY_DIRS)
	cd python && $(PY) -m mypy --no-incremental $(PY_DIRS)

demo: demo-python demo-cross ## the README's first command: shared memory across processes and languages, buffers over ZeroMQ (installs only the venv, the package, pyzmq and the C build)

demo-python: $(DEMO_STAMP) ## the seed README's flow: an array shared between processes, then a buffer exchanged
	$(PY) -m wea._demo

format: format-python ## rewrite code into its canonical format

format-python: $(VENV_STAMP)
	cd python && $(PY) -m ruff check --no-cache --fix-only --quiet $(PY_DIRS)
	cd python && $(PY) -m ruff format --no-cache $(PY_DIRS)

# The oldest supported numpy, in a venv of its own. numpy 1.24.4 has wheels
# for CPython 3.8 to 3.11 only: with a newer $(PYTHON), name a 3.10 or 3.11
# interpreter with NUMPY1_PYTHON (the recipe says so rather than build numpy
# from source). The package is installed editable, so the tests run on the
# working tree, as in .venv. The conformance runner (run by .venv's Python)
# gets the numpy-1 interpreter as a participant of its own, python-numpy1.
NUMPY1_PYTHON ?= $(PYTHON)
NUMPY1_PIN    ?= numpy==1.24.4
NUMPY1_VENV   := $(BUILD)/venv-numpy1
NUMPY1_PY     := $(abspath $(NUMPY1_VENV))/bin/python
NUMPY1_STAMP  := $(NUMPY1_VENV)/.installed
NUMPY1_PARTICIPANTS := $(BUILD)/conformance/participants-numpy1.json

$(NUMPY1_STAMP): python/pyproject.toml VERSION
	@minor=$$($(NUMPY1_PYTHON) -c 'import sys; print(sys.version_info[1])'); \
	if [ "$$minor" -gt 11 ]; then \
	  echo "test-numpy1: $(NUMPY1_PIN) has no wheel for Python 3.$$minor ($(NUMPY1_PYTHON));" \
	    "set NUMPY1_PYTHON to a Python 3.10 or 3.11" >&2; exit 1; fi
	test -x $(NUMPY1_PY) || $(NUMPY1_PYTHON) -m venv $(NUMPY1_VENV)
	$(NUMPY1_PY) -m pip install --quiet --disable-pip-version-check \
	  '$(NUMPY1_PIN)' -e './python[test]'
	$(NUMPY1_PY) -c 'import numpy; assert numpy.__version__.startswith("1."), numpy.__version__'
	touch $@

$(NUMPY1_PARTICIPANTS): $(NUMPY1_STAMP)
	@mkdir -p $(dir $@)
	$(PY) -c 'import json, sys; json.dump({"participants": {"python-numpy1": { \
	  "description": "the wea Python package under $(NUMPY1_PIN) ($(NUMPY1_VENV))", \
	  "argv": [sys.argv[1], "-m", "wea._conformance", "{file}"]}}}, \
	  open(sys.argv[2], "w"), indent=2)' $(NUMPY1_PY) $@

test-numpy1: $(NUMPY1_STAMP) $(NUMPY1_PARTICIPANTS) $(VENV_STAMP) $(KAITAI_PARSER) ## the Python tests and the conformance participant under the oldest supported numpy (1.24.4)
	@$(NUMPY1_PY) -c 'import numpy, sys; print(f"test-numpy1: numpy {numpy.__version__}, Python {sys.version.split()[0]}")'
	cd python && $(NUMPY1_PY) -m pytest -q -p no:cacheprovider tests
	$(PY) tools/run_conformance.py run --dir $(CONFORMANCE_DIR) \
	  --participants $(NUMPY1_PARTICIPANTS) --require python-numpy1

TEST_TARGETS += lint-python test-python test-numpy1
LINT_TARGETS += lint-python

# The Python reader must take part in make conformance (mk/conformance.mk).
CONFORMANCE_REQUIRE += python
