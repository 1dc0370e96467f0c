# mk/dist.mk: the Python package's release artifacts, and the test suite
# against them as users install them. Included by the top Makefile, which
# defines PYTHON, BUILD, KAITAI_PARSER and TEST_TARGETS.
#
#   make dist       the sdist and the wheel of wea into dist/ (tools/dist.py
#                   build: from a clean export of the tree, the wheel built
#                   from the sdist and given a manylinux tag by auditwheel),
#                   then twine check and tools/dist.py's own checks (LICENSE,
#                   metadata, no links, the compiled part, the tag)
#   make test-dist  part of `make test`: the suite against the wheel, the
#                   sdist compiled, and the sdist with CC=false (pure
#                   Python), each in a fresh venv (tools/dist.py test)

DIST_DIR    ?= dist
DIST_VENV   := $(BUILD)/venv-dist
DIST_PY     := $(abspath $(DIST_VENV))/bin/python
DIST_STAMP  := $(DIST_VENV)/.installed

.PHONY: dist test-dist

$(DIST_STAMP): tools/requirements-dist.txt
	test -x $(DIST_PY) || $(PYTHON) -m venv $(DIST_VENV)
	$(DIST_PY) -m pip install --quiet --disable-pip-version-check -r tools/requirements-dist.txt
	touch $@

dist: $(DIST_STAMP) ## build the sdist and the (manylinux) wheel of wea into dist/, and check them
	$(DIST_PY) tools/dist.py build $(DIST_DIR)
	$(DIST_PY) -m twine check --strict $(DIST_DIR)/*

test-dist: dist $(KAITAI_PARSER) ## the Python tests against the installed wheel, sdist, and sdist without a compiler
	$(DIST_PY) tools/dist.py test $(DIST_DIR)

TEST_TARGETS += test-dist
CLEAN_PATHS  += $(DIST_DIR)
