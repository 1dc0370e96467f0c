# mk/docs.mk: the documentation (docs/), built with Sphinx. Included by the
# top Makefile, which defines PY, VENV, VENV_STAMP and BUILD.
#
#   make docs        build the HTML site into build/docs/html
#   make docs-check  the same, failing on any warning (part of `make test`),
#                    including docs/conf.py's check of the built pages: no
#                    docutils system message and no `.. contents::` (which
#                    Furo covers with a red ERROR box) in any page
#
# The pages are Markdown (MyST); the API reference is generated from the
# package's numpydoc docstrings by autodoc + napoleon (docs/conf.py).

DOCS_STAMP := $(VENV)/.docs-installed
DOCS_OUT   := $(BUILD)/docs
DOCS_BUILD := $(abspath $(VENV))/bin/sphinx-build

.PHONY: docs docs-check

$(DOCS_STAMP): $(VENV_STAMP) docs/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r docs/requirements.txt
	touch $@

docs: $(DOCS_STAMP) ## build the documentation (user guide, CLI, transports, API reference, porting, comparison) into build/docs/html
	$(DOCS_BUILD) -q -b html -d $(DOCS_OUT)/doctrees docs $(DOCS_OUT)/html
	@echo "docs: open $(DOCS_OUT)/html/index.html"

# -W: every warning is an error; --keep-going: report all of them; -E: read
# every page again, so that a warning is never hidden by the cache.
docs-check: $(DOCS_STAMP) ## build the documentation from scratch; fail on any warning
	$(DOCS_BUILD) -q -W --keep-going -E -b html -d $(DOCS_OUT)/check-doctrees \
	  docs $(DOCS_OUT)/check-html
