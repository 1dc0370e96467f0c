# The Python package (python/): install, lint, test, demo, format.
# Included by the top Makefile, which defines PY, PYTHON, BUILD, VENV_STAMP,
# DEMO_STAMP and KAITAI_PARSER.
#
#   make test-python  the package's tests in .venv (numpy 2), with its
#                     compiled part (wea._speedups) and without it
#   make test-numpy1  the same tests, and the package's conformance
#                     participant, in build/venv-numpy1 with the oldest numpy
#                     the package supports (numpy>=1.24: 1.24.4); part of
#                     `make test`
#   make demo         the README's first command; installs only the venv,
#                     the package, pyzmq and the C build (DEMO_STAMP)

PY_DIRS := src tests

.PHONY: python test-python test-numpy1 test-accel lint-python demo demo-python format format-python

python: $(VENV_STAMP) ## install the wea Python package (editable) into .venv

# Twice: with the compiled part (wea._speedups; WEA_REQUIRE_ACCEL makes a
# missing one fail test_accel.py), then on the pure-Python path it replaces.
test-python: $(VENV_STAMP) $(KAITAI_PARSER) ## run the Python package's tests (pytest), with the compiled helper and without
	cd python && WEA_REQUIRE_ACCEL=1 $(PY) -m pytest -q -p no:cacheprovider tests
	cd python && WEA_PURE_PYTHON=1 $(PY) -m pytest -q -p no:cacheprovider tests

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
# from source). wea is installed as users get it, from what `make dist`
# built (the wheel, or the sdist compiled for another Python), its compiled
# part included, so the tests run on the installed package. The conformance
# runner (run by .venv's Python) gets the numpy-1 interpreter as a
# participant of its own, python-numpy1.
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
	rm -rf $(NUMPY1_VENV)
	$(NUMPY1_PYTHON) -m venv $(NUMPY1_VENV)
	$(NUMPY1_PY) -m pip install --quiet --disable-pip-version-check '$(NUMPY1_PIN)'
	touch $@

$(NUMPY1_PARTICIPANTS): $(NUMPY1_STAMP)
	@mkdir -p $(dir $@)
	$(PY) -c 'import json, sys; json.dump({"participants": {"python-numpy1": { \
	  "description": "the wea Python package under $(NUMPY1_PIN) ($(NUMPY1_VENV))", \
	  "argv": [sys.argv[1], "-m", "wea._conformance", "{file}"]}}}, \
	  open(sys.argv[2], "w"), indent=2)' $(NUMPY1_PY) $@

test-numpy1: dist $(NUMPY1_STAMP) $(NUMPY1_PARTICIPANTS) $(VENV_STAMP) $(KAITAI_PARSER) ## the Python tests and the conformance participant under the oldest supported numpy (1.24.4), wea installed from dist/
	v=$$(cat VERSION); pip="$(NUMPY1_PY) -m pip install --quiet --disable-pip-version-check --find-links $(DIST_DIR)"; \
	$$pip --force-reinstall --no-deps "wea==$$v" && $$pip '$(NUMPY1_PIN)' "wea[test]==$$v"
	@$(NUMPY1_PY) -c 'import numpy, sys, wea; print(f"test-numpy1: numpy {numpy.__version__}, Python {sys.version.split()[0]}, wea compiled part: {wea._accel.status()}")'
	cd python && WEA_TEST_INSTALLED=$(abspath $(NUMPY1_VENV)) WEA_REQUIRE_ACCEL=1 \
	  $(NUMPY1_PY) -m pytest -q -p no:cacheprovider tests
	$(PY) tools/run_conformance.py run --dir $(CONFORMANCE_DIR) \
	  --participants $(NUMPY1_PARTICIPANTS) --require python-numpy1

# The package's compiled part (wea._speedups, python/csrc) by the C rules of
# the project: C99 with every warning an error, then built again with ASan
# and UBSan (with the C reader's sources it compiles in) into a copy of the
# package, build/speedups-asan/wea, and its tests and those of what it does
# run there (the sanitizers preloaded into Python; SIGSEGV and SIGBUS left
# to the tests that expect them).
SPEEDUPS_ASAN   := $(BUILD)/speedups-asan
SPEEDUPS_CFILES := python/csrc/_speedups.c c/src/wea.c c/src/wea_posix.c c/src/wea_shm.c
SPEEDUPS_CFLAGS := -std=c99 -Wall -Wextra -Wpedantic -Werror -Ic/include -Ic/src -DWEA_VERSION='"python"'
SANITIZERS_PRELOAD = $$($(CC) -print-file-name=libasan.so):$$($(CC) -print-file-name=libubsan.so)

test-accel: $(VENV_STAMP) $(KAITAI_PARSER) ## wea's compiled part (wea._speedups): strict C99, then its tests under ASan and UBSan
	rm -rf $(SPEEDUPS_ASAN) && mkdir -p $(SPEEDUPS_ASAN)
	cp -R python/src/wea $(SPEEDUPS_ASAN)/wea
	rm -f $(SPEEDUPS_ASAN)/wea/*.so $(SPEEDUPS_ASAN)/wea/_speedups.missing
	inc=$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])'); \
	ext=$$($(PY) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'); \
	$(CC) $(SPEEDUPS_CFLAGS) -I"$$inc" -fsyntax-only python/csrc/_speedups.c && \
	$(CC) $(SPEEDUPS_CFLAGS) -I"$$inc" -shared -fPIC -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  $(SPEEDUPS_CFILES) -lrt -o $(SPEEDUPS_ASAN)/wea/_speedups$$ext
	cd python && \
	  LD_PRELOAD="$(SANITIZERS_PRELOAD)" ASAN_OPTIONS=detect_leaks=0:handle_segv=0:handle_sigbus=0:allocator_may_return_null=1 \
	  PYTHONPATH=$(abspath $(SPEEDUPS_ASAN)) WEA_REQUIRE_ACCEL=1 \
	  $(PY) -c 'import wea._speedups as s, sys; print("test-accel:", s.__file__); sys.exit("speedups-asan" not in s.__file__)' && \
	  LD_PRELOAD="$(SANITIZERS_PRELOAD)" ASAN_OPTIONS=detect_leaks=0:handle_segv=0:handle_sigbus=0:allocator_may_return_null=1 \
	  PYTHONPATH=$(abspath $(SPEEDUPS_ASAN)) WEA_REQUIRE_ACCEL=1 \
	  $(PY) -m pytest -q -p no:cacheprovider --capture=sys \
	  tests/test_accel.py tests/test_order.py tests/test_shm.py tests/test_hardening.py

TEST_TARGETS += lint-python test-python test-numpy1 test-accel
LINT_TARGETS += lint-python

# The Python reader must take part in make conformance (mk/conformance.mk).
CONFORMANCE_REQUIRE += python
