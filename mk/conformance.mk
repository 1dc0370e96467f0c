# mk/conformance.mk: the WA-1 conformance vectors and their runner
# (conformance/README.md). Included by the top Makefile.
#
# A fragment that adds a participant which must run in `make test` appends
# its name here and makes `conformance` depend on its build, e.g. in c.mk:
#
#   CONFORMANCE_REQUIRE += c
#   conformance: c/build/weatool
#
# (The recipe below expands CONFORMANCE_REQUIRE late, so fragments included
# before or after this one can append to it.)

CONFORMANCE_DIR     := conformance
CONFORMANCE_REQUIRE += kaitai
CONFORMANCE_TOOLS   := tools/gen_vectors.py tools/run_conformance.py \
                       tools/kaitai_participant.py

.PHONY: vectors vectors-check conformance

vectors: ## regenerate conformance/valid, conformance/invalid and conformance/manifest.json
	$(PYTHON) tools/gen_vectors.py --out $(CONFORMANCE_DIR)

vectors-check: ## regenerate the vectors in a temporary directory; fail if any byte differs from the committed ones
	$(PYTHON) tools/gen_vectors.py --check $(CONFORMANCE_DIR)

conformance: $(VENV_STAMP) $(KAITAI_PARSER) ## validate the manifest (schema, inventory), check the vectors regenerate identically, run every participant
	$(PY) tools/run_conformance.py check --dir $(CONFORMANCE_DIR)
	$(PY) tools/gen_vectors.py --check $(CONFORMANCE_DIR)
	$(PY) tools/run_conformance.py run --dir $(CONFORMANCE_DIR) \
	  $(addprefix --require ,$(sort $(CONFORMANCE_REQUIRE)))

TEST_TARGETS += conformance
