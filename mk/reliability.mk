# mk/reliability.mk: fuzzing, differential tests, shared-memory faults and
# load (reliability/, docs/reliability.md). Included by the top Makefile,
# which defines PY, VENV_STAMP, BUILD, KAITAI_PARSER, FUZZ_SECONDS,
# TEST_TARGETS and FUZZ_TARGETS; mk/c.mk defines C_MAKE and the `c` target.
#
#   make fuzz-python       the Python reader under atheris for FUZZ_SECONDS
#                          (default 60), seeded with the conformance vectors;
#                          findings in build/fuzz-python/artifacts
#   make test-reliability  a short fuzz run of both readers (C: libFuzzer
#                          with ASan+UBSan; Python: atheris), then
#                          reliability/'s tests: the three readers against
#                          each other, shared memory under kill -9, ENOSPC
#                          and shrinking, 8 processes of load, bad input at
#                          the API, and the attacks: processes racing the
#                          readers (a flipped dimension, a shrink, a save),
#                          planted temporary files, hostile object names
#                          (~2-3 minutes); part of `make test`
#
# RELIABILITY_SMOKE_SECONDS (default 5) is the fuzz time of each reader in
# test-reliability; RELIABILITY_SCALE=full runs the tests at the sizes
# docs/reliability.md reports (minutes).

RELIABILITY_STAMP := $(VENV)/.reliability-installed
# libwea as a shared library, for the ctypes binding (reliability/cwea.py,
# through WEA_CLIB): the library target's c/build/libwea.so (`make -C c
# lib`), the one recipe that builds libwea.
RELIABILITY_LIB   := c/build/libwea.so
RELIABILITY_SMOKE_SECONDS ?= 5
RELIABILITY_SCALE ?= smoke

.PHONY: fuzz-python fuzz-python-smoke fuzz-c-smoke test-reliability

$(RELIABILITY_STAMP): $(VENV_STAMP) reliability/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r reliability/requirements.txt
	touch $@

# cwea.py's default path (without WEA_CLIB), kept as a link to the library
# target's libwea.so; nothing compiles libwea here.
$(BUILD)/reliability/libwea.so: $(RELIABILITY_LIB)
	@mkdir -p $(dir $@)
	ln -sf $(abspath $(RELIABILITY_LIB)) $@

# A test-only LD_PRELOAD library that stops the C creator after each step of
# the creation protocol (reliability/stop_shim.c); -fno-builtin and no loop
# idioms, so that its memcpy cannot call itself.
RELIABILITY_SHIM := $(BUILD)/reliability/stop_shim.so
$(RELIABILITY_SHIM): reliability/stop_shim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -O1 -fno-builtin -fno-tree-loop-distribute-patterns -fPIC -shared \
	  -Wall -Wextra -Werror -o $@ $< -ldl

RELIABILITY_ENV := WEA_CLIB=$(abspath $(RELIABILITY_LIB)) \
                   WEA_STOP_SHIM=$(abspath $(RELIABILITY_SHIM)) \
                   WEATOOL=$(abspath c/build/weatool) \
                   WEA_KAITAI_DIR=$(abspath $(KAITAI_DIR)) \
                   RELIABILITY_SCALE=$(RELIABILITY_SCALE)

fuzz-python: $(RELIABILITY_STAMP) $(RELIABILITY_LIB) $(BUILD)/reliability/libwea.so ## fuzz the Python reader with atheris for FUZZ_SECONDS (default 60); findings in build/fuzz-python/artifacts
	$(RELIABILITY_ENV) $(PY) reliability/run_fuzz_python.py --seconds $(FUZZ_SECONDS) \
	  --out $(BUILD)/fuzz-python

FUZZ_TARGETS += fuzz-python

fuzz-python-smoke: $(RELIABILITY_STAMP) $(RELIABILITY_LIB) $(BUILD)/reliability/libwea.so
	$(RELIABILITY_ENV) $(PY) reliability/run_fuzz_python.py \
	  --seconds $(RELIABILITY_SMOKE_SECONDS) --out $(BUILD)/fuzz-python

# The C fuzz target needs clang's libFuzzer (c/tools/ensure_clang.sh); where
# it cannot be had, the smoke run says it was skipped.
fuzz-c-smoke: c
	if sh c/tools/ensure_clang.sh; then \
	  $(C_MAKE) fuzz FUZZ_SECONDS=$(RELIABILITY_SMOKE_SECONDS); \
	else \
	  echo "test-reliability: clang with libFuzzer is not available: the C fuzz smoke run was SKIPPED"; \
	fi

test-reliability: fuzz-c-smoke fuzz-python-smoke $(KAITAI_PARSER) $(RELIABILITY_LIB) $(BUILD)/reliability/libwea.so $(RELIABILITY_SHIM) c ## short fuzz of both readers, then differential, shared-memory fault, load, bad-input and attack tests (~2-3 min)
	$(RELIABILITY_ENV) $(PY) -m pytest -q -p no:cacheprovider reliability

TEST_TARGETS += test-reliability
