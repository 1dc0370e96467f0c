# mk/registry.mk: spec/registry.json, the one machine-readable source of
# WA-1's tables (element types, error categories and messages, named
# constants). Included by the top Makefile, which defines PYTHON.
#
#   make tables   regenerate every table generated from the registry (the
#                 marked regions of spec/wea.md, spec/wea.ksy,
#                 python/src/wea/_format.py, c/include/wea.h,
#                 c/src/wea_tables.h, the enums of
#                 conformance/manifest.schema.json), then the vectors, then
#                 the spec's filled-in §6.3 examples, which quote the vectors
#
# The drift test (tools/tests/test_registry.py, run by `make spec`) fails if
# a generated region is stale or an independent copy disagrees with the
# registry (tools/gen_vectors.py, tools/julia_model.py, reliability/cwea.py).
# docs/porting.md "Adding an element type" is the checklist that ends here.
# `make test-add-type` runs the dry run that follows that checklist with a
# fictitious type in a temporary copy of the repository.

.PHONY: tables test-add-type

tables: ## regenerate the tables generated from spec/registry.json, then the vectors
	$(PYTHON) tools/gen_tables.py write
	$(PYTHON) tools/gen_vectors.py --out $(CONFORMANCE_DIR)
	$(PYTHON) tools/gen_tables.py write

test-add-type: $(VENV_STAMP) $(KAITAI_PARSER) ## dry run of docs/porting.md "Adding an element type" in a temporary copy
	$(PY) -m pytest -q tools/tests/test_add_element_type.py
