# mk/bench.mk: the benchmark against the peers (bench/README.md).
# Included by the top Makefile, which defines PY, PYTHON, VENV, VENV_STAMP,
# BUILD and TEST_TARGETS.
#
#   make bench        the full run (several minutes, arrays up to 512 MiB):
#                     bench/results/results.md, .png, .json
#   make bench-smoke  the same harness at tiny sizes (< 1 minute), written
#                     under build/bench-smoke; part of `make test`. It checks
#                     that every peer runs and nothing is left in /dev/shm;
#                     it judges no timing.
#
# The peers are the `bench` extra of python/pyproject.toml, installed into
# the main venv; wea 0.1.3 has the same import name as wea, so it lives in
# a venv of its own (build/venv-wea013) that bench/legacy.py runs in. The C
# figures come from bench/c/bench_c.c, linked with the library target's
# static libwea (c/build/libwea.a, `make -C c lib`: the library's one
# recipe, its flags and warnings).

BENCH_STAMP   := $(VENV)/.bench-installed
WEA013_VENV   := $(BUILD)/venv-wea013
WEA013_PY     := $(abspath $(WEA013_VENV))/bin/python
WEA013_STAMP  := $(WEA013_VENV)/.installed
BENCH_C       := $(BUILD)/bench/bench_c
BENCH_CC      ?= $(CC)
BENCH_CFLAGS  ?= -O2
BENCH_OUT     ?= bench/results
BENCH_LDLIBS  := $(if $(filter Linux,$(shell uname -s)),-lrt,)
BENCH_C_LIB   := c/build/libwea.a

.PHONY: bench bench-smoke

$(BENCH_STAMP): $(VENV_STAMP) python/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e './python[bench]'
	touch $@

$(WEA013_STAMP):
	test -x $(WEA013_PY) || $(PYTHON) -m venv $(WEA013_VENV)
	$(WEA013_PY) -m pip install --quiet --disable-pip-version-check 'wea==0.1.3'
	touch $@

$(BENCH_C): bench/c/bench_c.c c/include/wea.h $(BENCH_C_LIB)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -std=c99 $(BENCH_CFLAGS) -Ic/include -o $@ bench/c/bench_c.c $(BENCH_C_LIB) $(BENCH_LDLIBS)

BENCH_DEPS := $(BENCH_STAMP) $(WEA013_STAMP) $(BENCH_C)
BENCH_ARGS := --legacy-python $(WEA013_PY) --c-bench $(abspath $(BENCH_C))

bench: $(BENCH_DEPS) ## benchmark wea against its peers (several minutes; arrays up to 512 MiB): bench/results/
	$(PY) bench/run.py $(BENCH_ARGS) --out $(BENCH_OUT)

bench-smoke: $(BENCH_DEPS) ## run the benchmark harness at tiny sizes (< 1 minute; no timing is judged)
	$(PY) bench/run.py --smoke --fail-on-leftovers $(BENCH_ARGS) --out $(BUILD)/bench-smoke
	test -s $(BUILD)/bench-smoke/results.md
	test -s $(BUILD)/bench-smoke/results.png

TEST_TARGETS += bench-smoke
