# mk/conformance.mk: the WA-1 conformance vectors and their runner
# (conformance/README.md). Included by the top Makefile. The participants
# kaitai (Python), kaitai-js (node, the JavaScript parser generated from
# spec/wea.ksy) and julia-model (tools/julia_model.py) are required here.
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
CONFORMANCE_REQUIRE += kaitai kaitai-js julia-model
CONFORMANCE_TOOLS   := tools/gen_vectors.py tools/run_conformance.py \
                       tools/kaitai_participant.py tools/kaitai_participant.js \
                       tools/julia_model.py
KAITAI_JS_DIR       := $(BUILD)/kaitai-js
KAITAI_JS_PARSER    := $(KAITAI_JS_DIR)/WeaBlock.js
# V=1 (or CONFORMANCE_FLAGS=-v) lists every disagreement and exempt vector.
CONFORMANCE_FLAGS   ?= $(if $(filter 1,$(V)),-v)

.PHONY: vectors vectors-check conformance

$(KAITAI_JS_PARSER): spec/wea.ksy tools/ksc.js $(TOOLS_STAMP)
	node tools/ksc.js spec/wea.ksy $(KAITAI_JS_DIR) javascript

vectors: ## regenerate conformance/valid, conformance/invalid and conformance/manifest.json
	$(PYTHON) tools/gen_vectors.py --out $(CONFORMANCE_DIR)

vectors-check: ## regenerate the vectors in a temporary directory; fail if any byte differs from the committed ones
	$(PYTHON) tools/gen_vectors.py --check $(CONFORMANCE_DIR)

conformance: $(VENV_STAMP) $(KAITAI_PARSER) $(KAITAI_JS_PARSER) ## check the vectors regenerate identically, validate the manifest, run every participant (V=1: list everything)
	$(PY) tools/gen_vectors.py --check $(CONFORMANCE_DIR)
	$(PY) tools/run_conformance.py run --dir $(CONFORMANCE_DIR) $(CONFORMANCE_FLAGS) \
	  $(addprefix --require ,$(sort $(CONFORMANCE_REQUIRE)))

TEST_TARGETS += conformance

# tools/tests (make spec) runs the JavaScript parser too.
spec: $(KAITAI_JS_PARSER)
