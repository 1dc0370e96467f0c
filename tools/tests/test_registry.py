"""Every copy of WA-1's tables agrees with spec/registry.json.

The generated copies (the spec's tables, spec/wea.ksy's enum, the Python
tables, the manifest schema's enums, the C enums and tables) must be what
tools/gen_tables.py writes: `make tables` regenerates them. The
deliberately independent copies stay hand-written and are compared here:
the vector generator and its reference reader (tools/gen_vectors.py, also
the differential oracle of reliability/), the model of Julia's reader, the
reliability suite's status names and the compiled Kaitai parser. The
participants read the category numbers at run time; weatool lists the
types from the library's table.
"""

from __future__ import annotations

import ast
import json
import re
import struct
import subprocess
from pathlib import Path
from typing import Any

import gen_tables
import jsonschema
import pytest
from conftest import KAITAI_DIR, ROOT

REG: dict[str, Any] = gen_tables.load_registry(ROOT)
TYPES: list[dict[str, Any]] = REG["element_types"]
LAST_CODE = TYPES[-1]["code"]
CATEGORY_NAMES = [c["name"] for c in REG["categories"]]
CONSTANTS = {c["name"]: c["value"] for c in REG["constants"]}
R3_TEMPLATE: str = next(
    m["template"] for c in REG["categories"] for m in c["messages"] if m["check"] == "R3"
)


def r3_message(etype: int) -> str:
    """The R3 message of spec §6.3 for ``etype``, from the registry."""
    return R3_TEMPLATE.replace("<etype_codes>", gen_tables.etype_codes_text(REG)).replace(
        "{etype}", str(etype)
    )


def literal_assignment(path: Path, name: str) -> Any:
    """The literal value assigned to ``name`` at the top of a Python file (not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if value is not None and any(isinstance(x, ast.Name) and x.id == name for x in targets):
            return ast.literal_eval(value)
    raise AssertionError(f"{path}: no literal {name}")


# --- the registry itself -----------------------------------------------------


def test_the_registry_is_valid_against_its_schema() -> None:
    schema = json.loads((ROOT / "spec" / "registry.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    raw = json.loads((ROOT / gen_tables.REGISTRY).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(raw)


def test_the_registry_rules_the_schema_cannot_state_are_checked() -> None:
    bad = json.loads(json.dumps(REG))
    bad["element_types"].append(
        dict(bad["element_types"][3], code=LAST_CODE + 1, name="u16", julia=False)
    )
    with pytest.raises(gen_tables.RegistryError, match="numpy kind and size"):
        gen_tables.check_registry(bad)
    bad = json.loads(json.dumps(REG))
    bad["element_types"][0]["code"] = 0
    with pytest.raises(gen_tables.RegistryError, match=r"unique and ascending|code 0"):
        gen_tables.check_registry(bad)


def test_the_codes_are_spelled_out_as_the_r3_message_does() -> None:
    assert gen_tables.codes_text([*range(1, 13), 256, 257]) == "1 to 12, 256 or 257"
    assert gen_tables.codes_text([1, 2, 3, 256, 257, 258]) == "1 to 3 or 256 to 258"
    assert gen_tables.codes_text([1, 2, 3, 256]) == "1 to 3 or 256"
    assert gen_tables.codes_text([5]) == "5"
    assert gen_tables.codes_text([4, 9]) == "4 or 9"


# --- the generated copies ------------------------------------------------------


def test_every_generated_region_is_what_the_registry_generates() -> None:
    stale = gen_tables.stale(ROOT)
    assert not stale, f"{', '.join(map(str, stale))} differ from spec/registry.json: make tables"


def test_the_manifest_schema_enums_are_the_registry_s() -> None:
    schema = json.loads((ROOT / gen_tables.MANIFEST_SCHEMA).read_text(encoding="utf-8"))
    defs = schema["$defs"]
    assert defs["validVector"]["properties"]["etype"]["enum"] == [t["code"] for t in TYPES]
    assert defs["invalidVector"]["properties"]["error"]["enum"] == CATEGORY_NAMES


def test_the_python_tables_are_the_registry_s() -> None:
    import numpy as np
    from wea import _errors, _format

    assert [
        (et.code, et.name, et.dtype, et.itemsize, et.julia) for et in _format.ELEMENT_TYPES.values()
    ] == [(t["code"], t["name"], np.dtype(t["numpy"]), t["size"], t["julia"]) for t in TYPES]
    for name, value in CONSTANTS.items():
        assert getattr(_format, name.removeprefix("WEA_")) == value, name
    assert CONSTANTS["WEA_MAGIC"].to_bytes(4, "little") == _format.MAGIC_BYTES
    assert [
        (cls.code, cls.category, cls.kind, cls.__name__) for cls in _errors.CATEGORIES.values()
    ] == [(c["number"], c["name"], c["kind"], c["python_class"]) for c in REG["categories"]]
    assert len(_errors.WeaError.__subclasses__()) == len(REG["categories"])


@pytest.mark.parametrize("etype", [0, 13, 255, LAST_CODE + 1, 65535])
def test_the_r3_message_of_each_reader_is_the_registry_s(etype: int) -> None:
    import gen_vectors
    from wea import WeaError
    from wea._format import parse_header

    block = struct.pack("<IHHq", CONSTANTS["WEA_MAGIC"], etype, 0, 64) + bytes(8)
    with pytest.raises(WeaError) as info:
        parse_header(block)
    assert info.value.message == r3_message(etype)
    assert gen_vectors.reference_check(block) == ("unsupported_type", r3_message(etype))


def test_the_compiled_kaitai_parser_has_the_registry_s_types() -> None:
    if not (KAITAI_DIR / "wea_block.py").exists():  # pragma: no cover
        raise RuntimeError(f"{KAITAI_DIR}/wea_block.py is missing: run `make spec`")
    from wea_block import WeaBlock

    assert [(e.value, e.name) for e in WeaBlock.ElementType] == [
        (t["code"], t["name"]) for t in TYPES
    ]


# --- the deliberately independent copies --------------------------------------


def test_the_vector_generator_and_oracle_tables_are_the_registry_s() -> None:
    """tools/gen_vectors.py stays hand-written; reliability/readers.oracle uses it."""
    import gen_vectors as g

    assert {t["name"]: (t["code"], t["size"]) for t in TYPES} == g.ETYPES
    assert set(g._STRUCT) == {t["name"] for t in TYPES}
    for name, fmt in g._STRUCT.items():
        assert struct.calcsize("<" + fmt) == g.ETYPES[name][1], name
    assert list(g.JULIA_CODES) == [t["code"] for t in TYPES if t["julia"]]
    assert list(g.CATEGORIES) == CATEGORY_NAMES
    assert int.from_bytes(g.MAGIC, "little") == CONSTANTS["WEA_MAGIC"]
    assert CONSTANTS["WEA_MAX_NDIMS"] == g.MAX_NDIMS
    assert CONSTANTS["WEA_MAX_SIZE"] == g.INT64_MAX
    assert REG["spec_version"] == g.SPEC_VERSION


def test_the_julia_model_is_the_registry_s_julia_profile() -> None:
    model = literal_assignment(ROOT / "tools" / "julia_model.py", "_WA_TYPES")
    assert model == {
        t["code"]: (t["julia_type"], t["size"], t["alignment"]) for t in TYPES if t["julia"]
    }


def test_the_participants_category_numbers_are_the_registry_s() -> None:
    """The runner reads them from the manifest schema, the Kaitai participants from the registry."""
    import kaitai_participant
    import run_conformance

    numbers = {c["name"]: c["number"] for c in REG["categories"]}
    assert numbers == run_conformance.CATEGORY_NUMBER
    assert numbers == kaitai_participant.CATEGORY_NUMBER
    for path in ("tools/run_conformance.py", "tools/kaitai_participant.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"data_truncated\W*: 10\b", text), f"{path}: a copy of its own"


def test_the_javascript_participant_s_category_numbers_are_the_registry_s() -> None:
    script = "console.log(JSON.stringify(require(process.argv[1]).CATEGORY_NUMBER))"
    out = subprocess.run(
        ["node", "-e", script, str(ROOT / "tools" / "kaitai_participant.js")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert list(json.loads(out).items()) == [(c["name"], c["number"]) for c in REG["categories"]]
    text = (ROOT / "tools" / "kaitai_participant.js").read_text(encoding="utf-8")
    assert not re.search(r"data_truncated\W*: 10\b", text), "a copy of its own"


def test_the_reliability_suite_s_status_names_are_the_registry_s() -> None:
    path = ROOT / "reliability" / "cwea.py"
    assert literal_assignment(path, "CATEGORIES") == {
        c["number"]: c["name"] for c in REG["categories"]
    }
    assert literal_assignment(path, "MAX_NDIMS") == CONSTANTS["WEA_MAX_NDIMS"]


# --- C: generated; read back from its sources as a check of the generator -----


def c_tables_source() -> str:
    """The C library's tables, c/src/wea_tables.h."""
    return (ROOT / "c" / "src" / "wea_tables.h").read_text(encoding="utf-8")


def c_string(text: str, macro: str) -> str:
    """The value of ``#define macro "..." "..."`` (adjacent literals joined)."""
    lines = text.split("\n")
    start = next((i for i, s in enumerate(lines) if s.startswith(f"#define {macro} ")), None)
    assert start is not None, macro
    end = start
    while lines[end].endswith("\\"):
        end += 1
    return "".join(re.findall(r'"([^"]*)"', "\n".join(lines[start : end + 1])))


def test_the_c_header_s_enum_and_constants_are_the_registry_s() -> None:
    header = (ROOT / "c" / "include" / "wea.h").read_text(encoding="utf-8")
    enum = re.search(r"enum wea_etype \{(.*?)\};", header, re.DOTALL)
    assert enum is not None
    found = [(n, int(v)) for n, v in re.findall(r"(WEA_[A-Z0-9_]+) = (\d+)", enum.group(1))]
    assert found == [(t["c_enum"], t["code"]) for t in TYPES]
    statuses = dict(re.findall(r"WEA_ERR_[A-Z_]+ = (\d+),?\s*/\*\*< `([a-z_]+)`", header))
    assert statuses == {str(c["number"]): c["name"] for c in REG["categories"]}
    c_values = {"INT64_MAX": 2**63 - 1}
    for c in REG["constants"]:
        m = re.search(rf"#define {c['name']} (\S+)", header)
        assert m is not None, c["name"]
        raw = m.group(1).rstrip("uU")
        value = c_values.get(raw)
        if value is None:
            value = int(raw, 8) if re.fullmatch(r"0[0-7]+", raw) else int(raw, 0)
        assert value == c["value"], c["name"]


def test_the_c_library_s_tables_are_the_registry_s() -> None:
    text = c_tables_source()
    rows = re.findall(r"\{(WEA_[A-Z0-9_]+), (\d+), \"([a-z0-9_]+)\"\}", text)
    assert [(e, int(s), n) for e, s, n in rows] == [
        (t["c_enum"], t["size"], t["name"]) for t in TYPES
    ]
    assert c_string(text, "WEA__ETYPE_CODES_TEXT") == gen_tables.etype_codes_text(REG)
    assert c_string(text, "WEA__ETYPE_NAMES_TEXT") == gen_tables.etype_names_text(REG)
    names = re.search(r"WEA__STATUS_NAMES\[[^\]]*\] = \{(.*?)\};", text, re.DOTALL)
    assert names is not None
    listed = re.findall(r'"([a-z_]+)"', names.group(1))
    assert listed[: len(CATEGORY_NAMES) + 1] == ["ok", *CATEGORY_NAMES]
    codes = [t["code"] for t in TYPES]
    core = [c for c in codes if c <= 255]
    ext = [c for c in codes if c > 255]
    for macro, value in (
        ("WEA__CORE_LAST", core[-1]),
        ("WEA__EXT_FIRST", ext[0]),
        ("WEA__EXT_LAST", ext[-1]),
    ):
        m = re.search(rf"#define {macro} (\d+)u?", text)
        assert m is not None and int(m.group(1)) == value, macro


def test_weatool_s_usage_lists_the_types_from_the_library_s_table() -> None:
    """No hand-written list: print_usage() writes wea_etype_name() of every code."""
    text = (ROOT / "c" / "apps" / "weatool.c").read_text(encoding="utf-8")
    m = re.search(r'\n    "  --type TYPE (.*?)\n    "  --shape', text, re.DOTALL)
    assert m is not None, "c/apps/weatool.c: no --type TYPE line in the usage"
    assert m.group(1) == '   " TYPE_NAMES "\\n"', "a hand-written list of types"
    assert "wea_etype_name(code)" in text


def test_the_c_tables_need_consecutive_codes() -> None:
    """wea.c indexes its table: a gap in the codes must stop `make tables`."""
    bad = json.loads(json.dumps(REG))
    bad["element_types"].append(
        dict(TYPES[-1], code=LAST_CODE + 2, name="gap", numpy="|V8", size=8, alignment=8)
    )
    gen_tables.check_registry(bad)  # the registry's own rules allow it
    with pytest.raises(gen_tables.RegistryError, match="consecutive"):
        gen_tables.c_tables_etypes(bad, ROOT)


def test_the_generated_c_keeps_to_79_columns() -> None:
    """The generated C looks hand-written: here, no line longer than the sources'."""
    reg = json.loads(json.dumps(REG))
    reg["element_types"].append(
        dict(TYPES[-1], code=LAST_CODE + 1, name="bfloat16", numpy="|V2", c_enum="WEA_BFLOAT16")
    )
    for region in gen_tables.REGIONS:
        if region.comment == "c":
            for line in [*region.markers(), *region.render(reg, ROOT).split("\n")]:
                assert len(line) <= 79, f"{region.path} {region.name}: {line!r}"
