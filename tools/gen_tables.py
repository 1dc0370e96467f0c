#!/usr/bin/env python3
"""Generate WA-1's tables from spec/registry.json, or check them.

spec/registry.json is the one machine-readable source of the format's
tables: the element types (spec §4), the error categories and their
messages (§6.2, §6.3) and the named constants (§12). This script writes the
copies that are generated from it, each between a ``BEGIN GENERATED <region>``
and an ``END GENERATED <region>`` marker:

* spec/wea.md: the tables of §4.1, §4.2, §6.2, §6.3 (and its filled-in
  examples, taken from conformance/manifest.json), §12 and Annex A.1;
* spec/wea.ksy: the enum ``element_type`` and the instance ``len_elem``;
* python/src/wea/_format.py: the §12 constants, the element types and the
  list of codes that the R3 message spells out;
* conformance/manifest.schema.json: the enums of ``etype`` and ``error``
  (JSON has no comments: the two arrays are replaced in place);
* c/include/wea.h: ``enum wea_etype`` and the format statuses 1 to 10 of
  ``enum wea_status``;
* c/src/wea_tables.h: the element-type table (rows, ``WEA__CORE_LAST``,
  ``WEA__EXT_FIRST``, ``WEA__EXT_LAST``, the codes and names texts) and the
  names of statuses 1 to 10.

Usage::

    gen_tables.py write   # rewrite the generated regions (make tables)
    gen_tables.py check   # exit 1 and name every region that differs

Uses only the standard library. The deliberately independent copies (the
vector generator and oracle tools/gen_vectors.py, the Julia model,
reliability/cwea.py) are not generated: tools/tests/test_registry.py
compares them with the registry. weatool and the conformance participants
read the lists at run time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Path("spec/registry.json")
SPEC = Path("spec/wea.md")
KSY = Path("spec/wea.ksy")
PY_FORMAT = Path("python/src/wea/_format.py")
MANIFEST_SCHEMA = Path("conformance/manifest.schema.json")
MANIFEST = Path("conformance/manifest.json")
C_HEADER = Path("c/include/wea.h")
C_TABLES = Path("c/src/wea_tables.h")

SOURCE_NOTE = "from spec/registry.json by `make tables`; do not edit"
C_SOURCE_NOTE = "from spec/registry.json, `make tables`"

# The vectors whose messages §6.3 shows filled in, one per row of its table.
MESSAGE_EXAMPLES: tuple[str, ...] = (
    "i-r1-cut-at-0",
    "i-r2-magic-ascii-wa-1",
    "i-r2-magic-wa-2",
    "i-r2-magic-numpy",
    "i-r3-etype-0",
    "i-r4-ndims-65",
    "i-r5-ndims-00-offset-0",
    "i-r5-ndims-01-offset-minus-128",
    "i-r6-cut-1d-at-16",
    "i-r7-dim-int64-min",
    "i-r8-extent-2-pow-63",
    "i-r8-bytes-float64-2-pow-60",
    "i-r8-end-uint8",
    "i-r9-cut-2d-at-111",
)


class RegistryError(ValueError):
    """The registry breaks a rule that its JSON Schema cannot state."""


# ---------------------------------------------------------------------------
# The registry and what is derived from it.
# ---------------------------------------------------------------------------


def load_registry(root: Path = ROOT) -> dict[str, Any]:
    """Load spec/registry.json and check the rules its schema cannot state."""
    reg: dict[str, Any] = json.loads((root / REGISTRY).read_text(encoding="utf-8"))
    check_registry(reg)
    return reg


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise RegistryError(f"spec/registry.json: {what}")


def check_registry(reg: dict[str, Any]) -> None:
    """Raise :class:`RegistryError` if the registry is not self-consistent."""
    types = reg["element_types"]
    codes = [t["code"] for t in types]
    _require(codes == sorted(set(codes)), "element type codes must be unique and ascending")
    _require(0 not in codes, "code 0 is never assigned (spec §4.4)")
    names = [t["name"] for t in types]
    _require(len(set(names)) == len(names), "element type names must be unique")
    julia = [t["julia"] for t in types]
    _require(julia == sorted(julia, reverse=True), "the Julia codes come first (spec §4.1)")
    for t in types:
        _require(
            t["julia"] == (t["code"] <= 255),
            f"{t['name']}: codes 1 to 255 mirror Julia, WA-1's own start at 256 (spec §4.4)",
        )
        _require(t["size"] % t["alignment"] == 0, f"{t['name']}: alignment must divide size")
    kinds = [(t["numpy"][1], t["numpy"][2:]) for t in types]
    _require(
        len(set(kinds)) == len(kinds),
        "two element types share a numpy kind and size: the writer could not tell them apart",
    )
    numbers = [c["number"] for c in reg["categories"]]
    _require(numbers == list(range(1, len(numbers) + 1)), "categories are numbered 1, 2, ...")
    for c in reg["categories"]:
        for m in c["messages"]:
            _require(
                m["template"].startswith(c["name"] + ": "),
                f"{c['name']}: a message starts with its category",
            )
    cnames = [c["name"] for c in reg["constants"]]
    _require(len(set(cnames)) == len(cnames), "constant names must be unique")


def codes_text(codes: Iterable[int]) -> str:
    """Spell out a set of codes as the R3 message does: ``1 to 12, 256 or 257``.

    Runs of three or more consecutive codes are written ``a to b``, shorter
    runs code by code; the last item follows ``or``.
    """
    items: list[str] = []
    run: list[int] = []
    for code in [*sorted(codes), None]:
        if run and (code is None or code != run[-1] + 1):
            if len(run) >= 3:
                items.append(f"{run[0]} to {run[-1]}")
            else:
                items.extend(str(c) for c in run)
            run = []
        if code is not None:
            run.append(code)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def etype_codes_text(reg: dict[str, Any]) -> str:
    """The list of valid codes of the R3 message (``1 to 12, 256 or 257``)."""
    return codes_text(t["code"] for t in reg["element_types"])


def etype_names_text(reg: dict[str, Any]) -> str:
    """The list of names, the last after ``or`` (the C library's messages)."""
    names = [str(t["name"]) for t in reg["element_types"]]
    return ", ".join(names[:-1]) + " or " + names[-1]


def message_templates(reg: dict[str, Any]) -> list[tuple[str, str]]:
    """``(check, template)`` in check order, ``<etype_codes>`` filled in."""
    rows = [
        (m["check"], m["template"].replace("<etype_codes>", etype_codes_text(reg)))
        for c in reg["categories"]
        for m in c["messages"]
    ]
    # §6.3 lists R2's categories in the order R2 decides them.
    r2_order = {"wrong_byte_order": 0, "unsupported_version": 1, "bad_magic": 2}
    return sorted(
        rows, key=lambda r: (int(r[0][1:]), r2_order.get(r[1].split(":")[0], 0) * (r[0] == "R2"))
    )


def constant_literal(c: dict[str, Any], lang: str) -> str:
    """The value of a §12 constant as ``lang`` (md, py) writes it."""
    value, fmt = c["value"], c["format"]
    if fmt == "hex":
        return f"0x{value:X}"
    if fmt == "octal":
        return f"0{value:o}" if lang == "md" else f"0o{value:o}"
    if fmt == "power":
        exp = value.bit_length()
        if value != 2**exp - 1:
            raise RegistryError(f"{c['name']}: format power needs a value 2^n-1")
        return f"2^{exp}-1" if lang == "md" else f"2**{exp} - 1"
    return str(value)


# ---------------------------------------------------------------------------
# Renderers: the text of each generated region.
# ---------------------------------------------------------------------------


def _md_types(reg: dict[str, Any], julia: bool) -> str:
    lines = [
        "| code | name | size `S` | numpy | C | Julia |",
        "|-----:|------|---------:|-------|---|-------|",
    ]
    for t in reg["element_types"]:
        if t["julia"] != julia:
            continue
        jl = f"`{t['julia_type']}`" + ("" if julia else " (not readable by `WrappedArray`)")
        numpy_name = t["name"]
        lines.append(
            f"| {t['code']} | {t['name']} | {t['size']} | `{numpy_name}` | "
            f"`{t['c_type']}`{t.get('c_note', '')} | {jl} |"
        )
    return "\n".join(lines)


def md_types_core(reg: dict[str, Any], root: Path) -> str:
    return _md_types(reg, True)


def md_types_ext(reg: dict[str, Any], root: Path) -> str:
    return _md_types(reg, False)


def md_categories(reg: dict[str, Any], root: Path) -> str:
    lines = ["| # | category | kind | meaning |", "|--:|----------|------|---------|"]
    lines += [
        f"| {c['number']} | `{c['name']}` | {c['kind']} | {c['meaning']} |"
        for c in reg["categories"]
    ]
    return "\n".join(lines)


def md_messages(reg: dict[str, Any], root: Path) -> str:
    lines = ["| check | message |", "|-------|---------|"]
    lines += [f"| {check} | `{text}` |" for check, text in message_templates(reg)]
    return "\n".join(lines)


def md_message_examples(reg: dict[str, Any], root: Path) -> str:
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    by_id = {v["id"]: v for v in manifest["vectors"]}
    missing = [vid for vid in MESSAGE_EXAMPLES if vid not in by_id]
    if missing:
        raise RegistryError(f"conformance/manifest.json lacks {', '.join(missing)}")
    return "\n".join("    " + by_id[vid]["message"] for vid in MESSAGE_EXAMPLES)


def _md_value(c: dict[str, Any]) -> str:
    literal = constant_literal(c, "md")
    return literal if c["format"] == "decimal" else f"`{literal}`"


def md_constants(reg: dict[str, Any], root: Path) -> str:
    lines = ["| name | value | clause |", "|------|-------|--------|"]
    lines += [
        f"| `{c['name']}` | {_md_value(c)}{c.get('note', '')} | {c['clause']} |"
        for c in reg["constants"]
    ]
    return "\n".join(lines)


def md_python_classes(reg: dict[str, Any], root: Path) -> str:
    lines = [
        "| # | category | class | kind | meaning |",
        "|--:|----------|-------|------|---------|",
    ]
    lines += [
        f"| {c['number']} | `{c['name']}` | `{c['python_class']}` | {c['kind']} | {c['meaning']} |"
        for c in reg["categories"]
    ]
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ksy_len_elem(reg: dict[str, Any], root: Path) -> str:
    types = reg["element_types"]
    arms = [f"header.etype == element_type::{t['name']} ? {t['size']}" for t in types[:-1]]
    expr = ["      " + arms[0]] + [f"      : {a}" for a in arms[1:]]
    expr.append(f"      : {types[-1]['size']}")
    return "\n".join(
        [
            "  len_elem:",
            "    value: |",
            *expr,
            "    doc: Element size `S` in bytes (§4.1, §4.2).",
            "    doc-ref: spec/wea.md §4",
        ]
    )


def ksy_enum(reg: dict[str, Any], root: Path) -> str:
    lines = ["  element_type:"]
    for t in reg["element_types"]:
        where = "Julia " + t["julia_type"]
        if not t["julia"]:
            where += ", not readable by Julia's WrappedArray (§4.2)"
        doc = (
            f"{t['description']}; numpy {t['name']}, C {t['c_type']}, {where}; "
            f"{_plural(t['size'], 'byte')}"
        )
        lines += [
            f"    {t['code']}:",
            f"      id: {t['name']}",
            f"      doc: {json.dumps(doc, ensure_ascii=False)}",  # a YAML double-quoted string
        ]
    return "\n".join(lines)


def _py_constant_lines(c: dict[str, Any]) -> list[str]:
    name = c["name"].removeprefix("WEA_")
    lines = [f"#: {c['doc']}", f"{name}: Final = {constant_literal(c, 'py')}"]
    if name == "MAGIC":
        raw = "".join(f"\\x{b:02x}" for b in c["value"].to_bytes(4, "little"))
        lines += ["#: The magic as it lies in memory (§3.3).", f'MAGIC_BYTES: Final = b"{raw}"']
    return lines


def py_constants(reg: dict[str, Any], root: Path) -> str:
    return "\n".join(line for c in reg["constants"] for line in _py_constant_lines(c))


def py_element_types(reg: dict[str, Any], root: Path) -> str:
    return "\n".join(
        f'            _et({t["code"]}, "{t["name"]}", "{t["numpy"]}", {t["julia"]}),'
        for t in reg["element_types"]
    )


def py_etype_codes(reg: dict[str, Any], root: Path) -> str:
    return (
        "#: The valid codes as the R3 message spells them out (spec §6.3).\n"
        f'_ETYPE_CODES: Final = "{etype_codes_text(reg)}"'
    )


# --- C: c/include/wea.h and c/src/wea_tables.h --------------------------------

C_WIDTH = 79  # the C sources' longest line


def _c_comment_lines(lhs: str, column: int, text: str) -> list[str]:
    """``lhs`` then a Doxygen ``/**< text */`` at ``column``, wrapped below itself."""
    first = lhs.ljust(column - 1) + " /**< "
    words = text.split()
    lines: list[str] = []
    line = first
    for word in words:
        if line not in (first, " " * len(first)) and len(line) + len(word) + 3 > C_WIDTH:
            lines.append(line.rstrip())
            line = " " * len(first)
        line += word + " "
    lines.append(line + "*/")
    return lines


def _c_etype_comment(t: dict[str, Any]) -> str:
    text = f"{t['c_type']}: {t['description']}"
    if "byte" not in t["description"]:
        text += ", " + _plural(t["size"], "byte")
    return text if t["julia"] else text + " (extension, §4.2)"


def c_enum_etype(reg: dict[str, Any], root: Path) -> str:
    types = reg["element_types"]
    core = [t["code"] for t in types if t["julia"]]
    ext = [t["code"] for t in types if not t["julia"]]
    _c_contiguous(core, "core")
    _c_contiguous(ext, "extension")
    lhs = [
        f"    {t['c_enum']} = {t['code']}" + ("," if i < len(types) - 1 else "")
        for i, t in enumerate(types)
    ]
    column = max(len(s) for s in lhs) + 1
    body = [
        line
        for s, t in zip(lhs, types, strict=True)
        for line in _c_comment_lines(s, column, _c_etype_comment(t))
    ]
    return "\n".join(
        [
            f"/** The element type codes: {core[0]} to {core[-1]}, the core of spec §4.1, and",
            f" *  {ext[0]} to {ext[-1]}, WA-1's extensions of §4.2. Every other code is",
            " *  reserved (§4.3). */",
            "enum wea_etype {",
            *body,
            "};",
        ]
    )


def _c_status_name(c: dict[str, Any]) -> str:
    return "WEA_ERR_" + str(c["name"]).upper()


def _checks(c: dict[str, Any]) -> str:
    return ", ".join(dict.fromkeys(m["check"] for m in c["messages"]))


def c_enum_statuses(reg: dict[str, Any], root: Path) -> str:
    lines: list[str] = []
    for c in reg["categories"]:
        lhs = f"    {_c_status_name(c)} = {c['number']},"
        lines += _c_comment_lines(lhs, 36, f"`{c['name']}` ({_checks(c)})")
    return "\n".join(lines)


def _c_contiguous(codes: list[int], what: str) -> None:
    if not codes or codes != list(range(codes[0], codes[0] + len(codes))):
        raise RegistryError(
            f"the {what} codes must be consecutive: the C library indexes its table "
            "(c/src/wea.c, find_etype)"
        )


def _c_string_macro(name: str, text: str) -> list[str]:
    """``#define name "text"``, split into adjacent literals after commas if too long."""
    one = f'#define {name} "{text}"'
    if len(one) <= C_WIDTH:
        return [one]
    width = C_WIDTH - 4 - 2 - 2  # the indent, the quotes, " \"
    pieces: list[str] = []
    for word in text.split(" "):
        if pieces and len(pieces[-1]) + 1 + len(word) <= width:
            pieces[-1] += " " + word
        else:
            pieces.append(word)
    pieces = [p + " " for p in pieces[:-1]] + pieces[-1:]
    lines = [f"#define {name}", *(f'    "{p}"' for p in pieces)]
    return [s.ljust(C_WIDTH - 2) + " \\" for s in lines[:-1]] + lines[-1:]


def c_tables_etypes(reg: dict[str, Any], root: Path) -> str:
    types = reg["element_types"]
    core = [t["code"] for t in types if t["julia"]]
    ext = [t["code"] for t in types if not t["julia"]]
    _c_contiguous(core, "core")
    _c_contiguous(ext, "extension")
    if core[0] != 1:
        raise RegistryError("the core codes must start at 1 (c/src/wea.c, find_etype)")
    rows = [f'    {{{t["c_enum"]}, {t["size"]}, "{t["name"]}"}},' for t in types]
    return "\n".join(
        [
            "/* The core codes 1 to WEA__CORE_LAST (§4.1), then the extension codes",
            " * WEA__EXT_FIRST to WEA__EXT_LAST (§4.2). */",
            f"#define WEA__CORE_LAST {core[-1]}u",
            f"#define WEA__EXT_FIRST {ext[0]}u",
            f"#define WEA__EXT_LAST {ext[-1]}u",
            "",
            "/* Every element type, in code order: code, size S, name (§4). */",
            "static const struct wea__etype_info WEA__ETYPES[] = {",
            *rows,
            "};",
            "",
            "/* The valid codes, as the R3 and §7.1 messages list them, and the",
            " * valid names, as the §4 message lists them. */",
            *_c_string_macro("WEA__ETYPE_CODES_TEXT", etype_codes_text(reg)),
            *_c_string_macro("WEA__ETYPE_NAMES_TEXT", etype_names_text(reg)),
        ]
    )


def c_tables_status_names(reg: dict[str, Any], root: Path) -> str:
    return "\n".join(f'    "{c["name"]}",' for c in reg["categories"])


# ---------------------------------------------------------------------------
# Regions: where each rendering goes.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A generated region of a file, between a BEGIN and an END marker line."""

    path: Path
    name: str
    render: Callable[[dict[str, Any], Path], str]
    comment: str  # "md", "#" (YAML, Python), "c"

    def markers(self) -> tuple[str, str]:
        if self.comment == "md":
            return (
                f"<!-- BEGIN GENERATED {self.name}: {SOURCE_NOTE} -->",
                f"<!-- END GENERATED {self.name} -->",
            )
        if self.comment == "c":  # shorter: the C sources keep to 79 columns
            return (
                f"/* BEGIN GENERATED {self.name}: {C_SOURCE_NOTE} */",
                f"/* END GENERATED {self.name} */",
            )
        return (f"# BEGIN GENERATED {self.name}: {SOURCE_NOTE}", f"# END GENERATED {self.name}")


REGIONS: tuple[Region, ...] = (
    Region(SPEC, "etypes-core", md_types_core, "md"),
    Region(SPEC, "etypes-extension", md_types_ext, "md"),
    Region(SPEC, "categories", md_categories, "md"),
    Region(SPEC, "messages", md_messages, "md"),
    Region(SPEC, "message-examples", md_message_examples, "md"),
    Region(SPEC, "constants", md_constants, "md"),
    Region(SPEC, "python-classes", md_python_classes, "md"),
    Region(KSY, "len_elem", ksy_len_elem, "#"),
    Region(KSY, "element_type", ksy_enum, "#"),
    Region(PY_FORMAT, "constants", py_constants, "#"),
    Region(PY_FORMAT, "element-types", py_element_types, "#"),
    Region(PY_FORMAT, "etype-codes", py_etype_codes, "#"),
    Region(C_HEADER, "etypes", c_enum_etype, "c"),
    Region(C_HEADER, "statuses", c_enum_statuses, "c"),
    Region(C_TABLES, "etypes", c_tables_etypes, "c"),
    Region(C_TABLES, "status-names", c_tables_status_names, "c"),
)


def replace_region(text: str, region: Region, body: str) -> str:
    """Return ``text`` with the region's body replaced; the markers keep their indent."""
    begin, end = region.markers()
    pattern = re.compile(
        rf"^([ \t]*){re.escape(begin)}\n.*?^[ \t]*{re.escape(end)}$", re.DOTALL | re.MULTILINE
    )
    found = pattern.findall(text)
    if len(found) != 1:
        raise RegistryError(f"{region.path}: expected one region {region.name}, found {len(found)}")

    def sub(m: re.Match[str]) -> str:
        indent = m.group(1)
        return f"{indent}{begin}\n{body}\n{indent}{end}"

    return pattern.sub(sub, text)


def render_schema(text: str, reg: dict[str, Any]) -> str:
    """Replace the ``etype`` and ``error`` enums of the manifest schema in place."""
    codes = ", ".join(str(t["code"]) for t in reg["element_types"])
    new, n1 = re.subn(
        r'("etype": \{\n(?:\s*"[$a-z]+": "[^"\n]*",\n)*\s*"enum": )\[[^\]]*\]',
        lambda m: f"{m.group(1)}[{codes}]",
        text,
    )
    names = ",\n".join(f'            "{c["name"]}"' for c in reg["categories"])
    new, n2 = re.subn(
        r'("error": \{\n(?:\s*"[$a-z]+": "[^"\n]*",\n)*\s*"enum": )\[[^\]]*\]',
        lambda m: f"{m.group(1)}[\n{names}\n          ]",
        new,
    )
    if (n1, n2) != (1, 1):
        raise RegistryError(f"{MANIFEST_SCHEMA}: the etype or error enum was not found")
    return new


def render_all(root: Path = ROOT) -> dict[Path, tuple[str, str]]:
    """Return ``{path: (current text, generated text)}`` for every generated file."""
    reg = load_registry(root)
    out: dict[Path, tuple[str, str]] = {}
    for region in REGIONS:
        if region.path not in out:
            text = (root / region.path).read_text(encoding="utf-8")
            out[region.path] = (text, text)
        old, new = out[region.path]
        out[region.path] = (old, replace_region(new, region, region.render(reg, root)))
    text = (root / MANIFEST_SCHEMA).read_text(encoding="utf-8")
    out[MANIFEST_SCHEMA] = (text, render_schema(text, reg))
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files that differ from what the registry generates."""
    return [path for path, (old, new) in render_all(root).items() if old != new]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository (default: this one)"
    )
    args = parser.parse_args(argv)
    try:
        rendered = render_all(args.root)
    except RegistryError as exc:
        print(f"gen_tables: {exc}", file=sys.stderr)
        return 1
    changed = [path for path, (old, new) in rendered.items() if old != new]
    if args.action == "check":
        for path in changed:
            print(f"gen_tables: {path} differs from spec/registry.json: run `make tables`")
        return 1 if changed else 0
    for path in changed:
        (args.root / path).write_text(rendered[path][1], encoding="utf-8")
        print(f"gen_tables: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
