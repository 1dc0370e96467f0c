# The Python package (python/): install, lint, test, demo, format.
# Included by the top Makefile, which defines PY, VENV_STAMP, KAITAI_PARSER.

PY_DIRS := src tests

.PHONY: python test-python lint-python demo demo-python format format-python

python: $(VENV_STAMP) ## install the wea Python package (editable) into .venv

test-python: $(VENV_STAMP) $(KAITAI_PARSER) ## run the Python package's tests (pytest)
	cd python && $(PY) -m pytest -q -p no:cacheprovider tests

lint-python: $(VENV_STAMP) ## check the Python package: ruff check, ruff format --check, mypy --strict
	cd python && $(PY) -m ruff check --no-cache $(PY_DIRS)
	cd python && $(PY) -m ruff format --no-cache --check $(PY_DIRS)
	cd python && $(PY) -m mypy --no-incremental $(PY_DIRS)

demo: demo-python demo-cross ## the README's first command: shared memory across processes and languages, buffers over ZeroMQ

demo-python: $(VENV_STAMP) ## the seed README's flow: an array shared between processes, then a buffer exchanged
	$(PY) -m wea._demo

format: format-python ## rewrite code into its canonical format

format-python: $(VENV_STAMP)
	cd python && $(PY) -m ruff check --no-cache --fix-only --quiet $(PY_DIRS)
	cd python && $(PY) -m ruff format --no-cache $(PY_DIRS)

TEST_TARGETS += lint-python test-python
LINT_TARGETS += lint-python

# The Python reader must take part in make conformance (mk/conformance.mk).
CONFORMANCE_REQUIRE += python
