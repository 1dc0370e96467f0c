# mk/c.mk: the C99 reference library of WA-1, its tool, its tests and its
# fuzz target (c/, which has its own Makefile). Included by the top
# Makefile, which defines PY, VENV_STAMP, TEST_TARGETS and FUZZ_TARGETS
# (`make fuzz` runs every fuzz target, this one included).
#
# clang (for the clang build and libFuzzer) comes from Debian's packages:
# c/tools/ensure_clang.sh installs clang and libclang-rt-N-dev when they are
# missing and this is root with apt-get. Without them `make test` still
# runs everything else and says that it skipped the clang build.

C_MAKE       := $(MAKE) --no-print-directory -C c CONFORMANCE_DIR=$(abspath conformance)
FUZZ_SECONDS ?= 60

.PHONY: c c-lib C_LIB_FORCE test-c fuzz-c c/build/weatool

c: ## build the C library and tool: c/build/libwea.a, c/build/libwea.so, c/build/weatool (gcc, -std=c99, all warnings as errors)
	$(C_MAKE) all

c-lib: ## build the C library alone: c/build/libwea.a and c/build/libwea.so
	$(C_MAKE) lib

# The library target's files, which the benchmark (mk/bench.mk) and the
# reliability suite (mk/reliability.mk) link instead of compiling libwea's
# sources themselves. c/Makefile knows when they are out of date, so they
# are always asked for (C_LIB_FORCE); what links them relinks only when
# they changed.
c/build/libwea.a c/build/libwea.so: C_LIB_FORCE
	$(C_MAKE) lib

# The conformance runner drives c/build/weatool (conformance/participants.json).
c/build/weatool: c
CONFORMANCE_REQUIRE += c
conformance: c/build/weatool

test-c: c $(VENV_STAMP) ## C tests: unit and tool tests under ASan+UBSan, libwea.so's exports (public API only), the clang build, pkg-config install, Python<->C across processes
	$(C_MAKE) test
	if sh c/tools/ensure_clang.sh; then \
	  $(C_MAKE) test-clang; \
	else \
	  echo "test-c: clang is not available here: the clang build was SKIPPED"; \
	fi
	$(C_MAKE) test-install
	WEATOOL=$(abspath c/build/asan/weatool) ASAN_OPTIONS=detect_leaks=1 \
	  $(PY) -m pytest -q -p no:cacheprovider c/tests/test_cross_process.py

fuzz-c: c ## fuzz the C header parser with libFuzzer for FUZZ_SECONDS (default 60); findings in c/build/fuzz/artifacts
	sh c/tools/ensure_clang.sh
	$(C_MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

FUZZ_TARGETS += fuzz-c

TEST_TARGETS += test-c
