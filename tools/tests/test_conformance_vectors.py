"""The conformance vectors: generated, complete, consistent with the spec.

Checks that the committed vectors are what tools/gen_vectors.py writes, that
the generator is deterministic and uses the standard library only, that the
manifest follows its schema, that the coverage the project promises is
there, and that the tables the tools share agree with spec/wea.md.
"""

from __future__ import annotations

import ast
import collections
import copy
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from spec_examples import load_examples

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"

gen_vectors = importlib.import_module("gen_vectors")
kaitai_participant = importlib.import_module("kaitai_participant")
run_conformance = importlib.import_module("run_conformance")

MANIFEST: dict[str, Any] = json.loads((CONFORMANCE / "manifest.json").read_text("utf-8"))
SCHEMA: dict[str, Any] = json.loads((CONFORMANCE / "manifest.schema.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = MANIFEST["vectors"]
VALID = [v for v in VECTORS if v["result"] == "valid"]
INVALID = [v for v in VECTORS if v["result"] == "invalid"]
BY_ID = {v["id"]: v for v in VECTORS}


def block_of(vector: dict[str, Any]) -> bytes:
    return (CONFORMANCE / vector["path"]).read_bytes()


# --- generation ----------------------------------------------------------------


def test_committed_vectors_are_what_the_generator_writes() -> None:
    assert gen_vectors.check(CONFORMANCE) == []


def test_generation_is_deterministic(tmp_path: Path) -> None:
    gen_vectors.generate(tmp_path / "a")
    gen_vectors.generate(tmp_path / "b")
    first = gen_vectors.generated_files(tmp_path / "a")
    assert first == gen_vectors.generated_files(tmp_path / "b")
    assert len(first) == len(VECTORS) + 1


def test_regenerating_removes_stale_vectors(tmp_path: Path) -> None:
    gen_vectors.generate(tmp_path)
    stale = tmp_path / "valid" / "v-retired.wea"
    stale.write_bytes(b"old")
    assert "extra: valid/v-retired.wea (the generator does not write it)" in gen_vectors.check(
        tmp_path
    )
    gen_vectors.generate(tmp_path)
    assert not stale.exists()


def test_check_reports_a_changed_byte(tmp_path: Path) -> None:
    gen_vectors.generate(tmp_path)
    target = tmp_path / VALID[0]["path"]
    data = bytearray(target.read_bytes())
    data[-1] ^= 1
    target.write_bytes(bytes(data))
    assert gen_vectors.check(tmp_path) == [f"differs: {VALID[0]['path']}"]
    assert gen_vectors.main(["--check", str(tmp_path)]) == 1


def test_the_generator_uses_the_standard_library_only() -> None:
    """It must never import wea (nor numpy, nor anything not always present)."""
    tree = ast.parse((ROOT / "tools" / "gen_vectors.py").read_text("utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules <= set(sys.stdlib_module_names), modules - set(sys.stdlib_module_names)
    assert "wea" not in modules


def test_the_reference_reader_agrees_with_every_committed_vector() -> None:
    for vec in VECTORS:
        status, decoded = gen_vectors.reference_read(block_of(vec))
        if vec["result"] == "invalid":
            assert status == vec["error"], vec["id"]
            continue
        assert status is None, vec["id"]
        assert decoded is not None
        assert decoded.etype == vec["etype"], vec["id"]
        assert list(decoded.dims) == vec["dims"], vec["id"]
        assert decoded.offset == vec["offset"], vec["id"]
        assert len(decoded.data) == vec["len_data"], vec["id"]


# --- the manifest and its schema ---------------------------------------------


def test_the_manifest_follows_its_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(MANIFEST)
    assert MANIFEST["number_of_vectors"] == len(VECTORS)


def mutated(index: int, **changes: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(MANIFEST)
    entry = manifest["vectors"][index]
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return manifest


INVALID_INDEX = VECTORS.index(INVALID[0])


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(mutated(0, extra="x"), id="extra-key"),
        pytest.param(mutated(0, sha256=None), id="missing-sha256"),
        pytest.param(mutated(0, etype=13), id="reserved-etype"),
        pytest.param(mutated(0, offset=96), id="offset-not-multiple-of-64"),
        pytest.param(mutated(0, flags=["not_a_flag"]), id="unknown-flag"),
        pytest.param(mutated(0, id="V-Upper"), id="bad-id"),
        pytest.param(mutated(0, error="truncated"), id="valid-with-error"),
        pytest.param(mutated(INVALID_INDEX, error="size_mismatch"), id="unknown-category"),
        pytest.param(mutated(INVALID_INDEX, clause="R5"), id="bad-clause"),
        pytest.param(mutated(INVALID_INDEX, description="two\nlines"), id="two-lines"),
        pytest.param({**MANIFEST, "comment": "x"}, id="extra-top-level-key"),
    ],
)
def test_the_schema_rejects(manifest: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(manifest)


def test_the_schema_categories_and_flags_are_the_tools() -> None:
    invalid_def = SCHEMA["$defs"]["invalidVector"]["properties"]
    assert tuple(invalid_def["error"]["enum"]) == gen_vectors.CATEGORIES
    assert tuple(SCHEMA["$defs"]["flags"]["items"]["enum"]) == gen_vectors.FLAGS
    etypes = SCHEMA["$defs"]["validVector"]["properties"]["etype"]["enum"]
    assert sorted(etypes) == sorted(gen_vectors.CODE_SIZE)


# --- agreement with spec/wea.md ----------------------------------------------


def spec_categories() -> dict[str, int]:
    text = (ROOT / "spec" / "wea.md").read_text("utf-8")
    section = text[text.index("### §6.2") : text.index("### §6.3")]
    rows = re.findall(r"^\| *(\d+) \| `([a-z_]+)` \|", section, re.MULTILINE)
    return {name: int(number) for number, name in rows}


def test_the_category_numbers_are_the_specs() -> None:
    table = spec_categories()
    assert len(table) == 10
    assert table == run_conformance.CATEGORY_NUMBER
    assert table == kaitai_participant.CATEGORY_NUMBER
    assert table == {name: i + 1 for i, name in enumerate(gen_vectors.CATEGORIES)}


def test_every_spec_example_is_a_vector_byte_for_byte() -> None:
    examples = load_examples()
    flagged = {v["id"]: block_of(v) for v in VALID if "spec_example" in v["flags"]}
    assert len(flagged) == len(examples)
    blocks = list(flagged.values())
    for example in examples:
        assert example.block in blocks, example.name
        vec = next(v for v in VALID if block_of(v) == example.block)
        assert (vec["etype"], vec["ndims"], vec["offset"], tuple(vec["dims"])) == (
            example.etype,
            example.ndims,
            example.offset,
            example.dims,
        )
        assert vec["len_data"] == example.len_data


# --- coverage -------------------------------------------------------------------


def test_there_are_at_least_150_vectors() -> None:
    assert len(VECTORS) >= 150
    assert len(VALID) >= 50
    assert len(INVALID) >= 100


def test_every_element_type_has_a_1d_a_2d_and_a_7d_shape() -> None:
    shapes = collections.defaultdict(set)
    for vec in VALID:
        shapes[vec["etype"]].add(vec["ndims"])
        if vec["ndims"] >= 7:
            assert vec["offset"] >= 128
    for code in gen_vectors.CODE_SIZE:
        assert {1, 2} <= shapes[code], code
        assert max(shapes[code]) >= 7, code


def test_every_ndims_is_valid_at_both_offsets_around_each_boundary() -> None:
    canonical = {
        v["ndims"] for v in VALID if v["offset"] == gen_vectors.canonical_offset(v["ndims"])
    }
    assert canonical == set(range(gen_vectors.MAX_NDIMS + 1)) == set(range(65))
    legacy = {v["ndims"] for v in VALID if "legacy_offset" in v["flags"]}
    last_and_first = {n for n in range(65) if n % 8 in (6, 7)}  # both sides of each C(N) step
    assert {0, 32, 33, 64} | last_and_first <= legacy


def test_the_64_dimension_limit_is_pinned() -> None:
    """Valid at 33 and 64 (canonical and legacy offsets), invalid_ndims at 65 (§5.3)."""
    for n in (33, 64):
        assert BY_ID[f"v-ndims-{n}"]["offset"] == gen_vectors.canonical_offset(n)
        assert BY_ID[f"v-legacy-ndims-{n}"]["offset"] == gen_vectors.canonical_offset(n) + 64
    assert BY_ID["v-legacy-ndims-64"]["offset"] == 640  # WEA_MAX_OFFSET
    assert gen_vectors.canonical_offset(64) == 576
    for vid in ("i-r4-ndims-65", "i-r4-ndims-65-legacy-offset", "i-r4-before-r6-ndims-65"):
        assert BY_ID[vid]["error"] == "invalid_ndims"
    assert "expected at most 64" in BY_ID["i-r4-ndims-65"]["message"]
    retired = {"i-r4-ndims-33", "i-r4-ndims-34", "i-r4-ndims-40", "i-r4-ndims-64", "i-r4-before-r5"}
    assert not retired & BY_ID.keys(), "ids whose block is valid under WA-1 1.1 are retired"


def test_every_check_and_every_category_is_exercised() -> None:
    checks = {v["clause"] for v in INVALID}
    assert checks == {f"§6.1 R{i}" for i in range(1, 10)}
    assert {v["error"] for v in INVALID} == set(gen_vectors.CATEGORIES)
    order = [int(v["clause"][-1]) for v in INVALID]
    assert order == sorted(order), "invalid vectors are listed in the order of the checks"


def test_each_adjacent_pair_of_checks_has_an_order_vector() -> None:
    pairs = {
        ("R1", "r1-before-r2"),
        ("R2", "r2-before-r3"),
        ("R3", "r3-before-r4"),
        ("R4", "r4-before-r5"),
        ("R5", "r5-before-r6"),
        ("R6", "r6-before-r7"),
        ("R7", "r7-before-r8"),
    }
    for check, prefix in pairs:
        found = [
            v for v in INVALID if v["id"].startswith(f"i-{prefix}") and "check_order" in v["flags"]
        ]
        assert found, prefix
        assert all(v["clause"] == f"§6.1 {check}" for v in found)


def test_the_promised_boundaries_are_there() -> None:
    etypes = {int(v["id"].rsplit("-", 1)[1]) for v in INVALID if v["id"].startswith("i-r3-etype-")}
    assert {0, 13, 255, 258, 65535} <= etypes
    assert {"i-r4-ndims-65", "i-r4-ndims-65535"} <= BY_ID.keys()
    offsets = {"zero", "24", "65", "minus-1", "int64-max"}
    assert {f"i-r5-offset-{o}" for o in offsets} <= BY_ID.keys()
    assert "i-r2-big-endian-block" in BY_ID
    assert any(v["error"] == "invalid_dimension" for v in INVALID)
    for prefix in ("i-r8-extent-", "i-r8-bytes-", "i-r8-end-"):
        assert any(v["id"].startswith(prefix) for v in INVALID), prefix


def test_truncation_covers_every_field_boundary_and_one_byte_short() -> None:
    """The §11.1 block (112 bytes) is cut at every field boundary."""
    cuts = {}
    for vec in INVALID:
        match = re.fullmatch(r"i-r[169]-cut(?:-2d)?-at-(\d+)", vec["id"])
        if match:
            cuts[int(match.group(1))] = vec["error"]
    for cut in (0, 4, 6, 8, 15):
        assert cuts[cut] == "truncated"
    for cut in (16, 24, 31):
        assert cuts[cut] == "truncated"
    for cut in (32, 63, 64, 111):
        assert cuts[cut] == "data_truncated"


def test_the_valid_edge_cases_are_there() -> None:
    assert any(v["ndims"] == 0 for v in VALID)
    assert any(0 in v["dims"] for v in VALID)
    sizes = {len(block_of(v)) for v in VALID if "trailing_bytes" in v["flags"]}
    assert 4096 in sizes
    julia = [v for v in VALID if "julia_unreadable" not in v["flags"]]
    assert len(julia) >= 10


def test_files_are_small() -> None:
    assert max(len(block_of(v)) for v in VECTORS) <= 4096


def spec_message_patterns() -> dict[str, list[re.Pattern[str]]]:
    """The message templates of spec §6.3, as one regular expression each, by check."""
    text = (ROOT / "spec" / "wea.md").read_text("utf-8")
    section = text[text.index("### §6.3") : text.index("## 7.")]
    rows = re.findall(r"^\| (R[1-9]) \| `([^`]+)` \|", section, re.MULTILINE)
    out: dict[str, list[re.Pattern[str]]] = collections.defaultdict(list)
    for check, template in rows:
        parts = re.split(r"\{[^}]*\}", template)
        out[check].append(re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$"))
    return out


def test_every_message_fills_a_template_of_the_spec() -> None:
    patterns = spec_message_patterns()
    assert sorted(patterns) == [f"R{i}" for i in range(1, 10)]
    assert sum(len(p) for p in patterns.values()) == 13
    for vec in INVALID:
        check = vec["clause"].split()[-1]
        assert any(p.match(vec["message"]) for p in patterns[check]), (vec["id"], vec["message"])


def test_the_spec_gives_a_filled_in_example_of_every_message() -> None:
    """§6.3's examples are messages of committed vectors, and cover every row."""
    text = (ROOT / "spec" / "wea.md").read_text("utf-8")
    section = text[text.index("### §6.3") : text.index("## 7.")]
    examples = re.findall(r"^    ([a-z_]+: .+\(WA-1 §6\.1 R[1-9]\))$", section, re.MULTILINE)
    messages = {v["message"] for v in INVALID}
    for example in examples:
        assert example in messages, example
    patterns = spec_message_patterns()
    for check, rows in patterns.items():
        for row in rows:
            assert any(row.match(e) for e in examples), (check, row.pattern)
    assert any("-" in e.split(" is ", 1)[-1] for e in examples if "R7" in e)  # a negative dim
    assert any("for 0 dimensions" in e for e in examples)
    assert any("for 1 dimensions" in e for e in examples)


def test_the_julia_flags_are_the_generators_julia_rule() -> None:
    for vec in VECTORS:
        reads = gen_vectors.julia_reads(block_of(vec))
        if vec["result"] == "valid":
            assert ("julia_unreadable" in vec["flags"]) == (not reads), vec["id"]
        else:
            assert ("julia_accepts" in vec["flags"]) == reads, vec["id"]


def test_derived_flags_match_the_bytes() -> None:
    for vec in VALID:
        canonical = gen_vectors.canonical_offset(vec["ndims"])
        legacy = vec["offset"] == canonical + 64
        assert ("legacy_offset" in vec["flags"]) == legacy, vec["id"]
        trailing = len(block_of(vec)) > vec["offset"] + vec["len_data"]
        assert ("trailing_bytes" in vec["flags"]) == trailing, vec["id"]
        julia = not legacy and vec["ndims"] > 0 and 0 not in vec["dims"] and vec["etype"] <= 12
        assert ("julia_unreadable" in vec["flags"]) == (not julia), vec["id"]
    for vec in INVALID:
        beyond = vec["error"] in ("wrong_byte_order", "unsupported_version", "overflow")
        assert ("beyond_kaitai" in vec["flags"]) == beyond, vec["id"]
