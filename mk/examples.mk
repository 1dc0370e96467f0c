# mk/examples.mk: the `wea` command line, the transport examples (examples/)
# and the cross-language demo. Included by the top Makefile, which defines
# PY, VENV, VENV_STAMP, TEST_TARGETS and LINT_TARGETS.
#
#   make transports     install Open MPI (Debian), pyzmq and mpi4py
#   make mpi            install Open MPI from Debian's packages when mpirun
#                       or mpicc is missing, saying so first: only the
#                       targets that run MPI need it (transports,
#                       test-examples); `make demo` never installs it
#   make test-cli       the `wea` command line's tests
#   make test-examples  run every example in examples/ (pool, ZeroMQ, TCP,
#                       MPI, file read by the C tool, cross-language demo)
#   make lint-examples  ruff and mypy --strict on examples/
#   make demo-cross     Python writes shared memory, the C tool reads it,
#                       a buffer round-trips over ZeroMQ
#   make test-user      test-cli, test-examples, lint-examples and
#                       docs-check (mk/docs.mk): part of `make test`
#
# The C tool is built by mk/c.mk's `c` target (c/build/weatool).

WEATOOL        ?= c/build/weatool
EXAMPLES_STAMP := $(VENV)/.examples-installed
# Open MPI refuses to run as root (as CI does) unless both variables are
# set; examples/test_examples.py sets them for mpirun too.
MPI_ENV := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
MPI_PACKAGES := openmpi-bin libopenmpi-dev

.PHONY: transports mpi test-cli test-examples lint-examples demo-cross test-user

# pyzmq and mpi4py (pip only). mpi4py's wheel loads the system's libmpi at
# run time (checked with Debian 12's Open MPI 4.1.4), so installing it and
# type-checking against it needs no MPI; where no wheel fits, pip builds it
# from source with mpicc: run `make mpi` first.
$(EXAMPLES_STAMP): $(VENV_STAMP) examples/requirements.txt examples/requirements-demo.txt
	$(PY) -m pip install --quiet --disable-pip-version-check \
	  -r examples/requirements.txt
	touch $@

# Open MPI from Debian's packages when mpirun or mpicc is missing: about 40
# packages with their dependencies, said before anything is installed.
mpi: ## install Open MPI for the MPI example (Debian's openmpi-bin, libopenmpi-dev) when mpirun or mpicc is missing; says so first
	@if command -v mpirun >/dev/null && command -v mpicc >/dev/null; then \
	  echo "mpi: Open MPI is installed: $$(command -v mpirun)"; \
	else \
	  echo "mpi: installing Open MPI from Debian's packages for the MPI example:" \
	    "$(MPI_PACKAGES) and their dependencies (about 40 packages)$(if $(SUDO), with sudo)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $(MPI_PACKAGES) >/dev/null; \
	fi

transports: mpi $(EXAMPLES_STAMP) ## install what the transport examples need: Open MPI (apt), pyzmq, mpi4py

test-cli: $(VENV_STAMP) ## test the `wea` command line (python/tests/test_cli.py)
	cd python && $(PY) -m pytest -q -p no:cacheprovider tests/test_cli.py

test-examples: mpi $(EXAMPLES_STAMP) c ## run every example in examples/ (multiprocessing, ZeroMQ, TCP, MPI, C tool)
	$(MPI_ENV) WEATOOL=$(abspath $(WEATOOL)) WEA_EXAMPLES_REQUIRE_ALL=1 \
	  $(PY) -m pytest -q -p no:cacheprovider examples/test_examples.py

lint-examples: $(EXAMPLES_STAMP) ## check examples/: ruff and mypy --strict, with the Python package's rules
	$(PY) -m ruff check --no-cache examples
	$(PY) -m ruff format --no-cache --check examples
	$(PY) -m mypy --no-incremental --config-file python/pyproject.toml examples

demo-cross: $(DEMO_STAMP) c ## the cross-language show: Python writes shared memory, C reads it, ZeroMQ round trip
	WEATOOL=$(abspath $(WEATOOL)) $(PY) examples/demo_cross_language.py

# The command line, the examples (run and linted) and the documentation,
# built strictly: what `make test` runs for them.
test-user: test-cli test-examples lint-examples docs-check ## test the `wea` command, run and lint the examples, build the docs with warnings as errors

TEST_TARGETS += test-user
LINT_TARGETS += lint-examples
