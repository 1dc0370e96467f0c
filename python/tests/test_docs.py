"""The docs: docstring examples run, and what the pages state is the repository's.

The examples in the public docstrings run and print what they say. The
README, python/README.md and docs/ state counts and limits (vectors, valid
and invalid ones, dimensions, type codes, error categories, checks,
participants), constants and signatures: each is checked against the file
it comes from (conformance/manifest.json, conformance/participants.json,
spec/registry.json) or the package itself.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

import wea

MODULES = ["wea._buffer", "wea._file", "wea._shm", "wea.buffered_memory", "wea.shared_memory"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
    assert result.attempted > 0


def test_public_api_is_documented() -> None:
    for name in wea.__all__:
        obj = getattr(wea, name)
        if name.startswith("__") or isinstance(obj, (str, tuple)):
            continue
        assert obj.__doc__, name
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__
            assert "Parameters" in doc or "Returns" in doc, name


# -- the documentation's pages ------------------------------------------------------
#
# What the README and the docs state about the repository is checked against the
# repository: counts and limits against conformance/manifest.json,
# conformance/participants.json and spec/registry.json, signatures against the
# package, and the pages against what shows as an error box once built.

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The pages that describe the present. CHANGELOG.md and spec/wea.md are left
# out: they also tell what earlier versions said (333 vectors, 32 dimensions).
PAGES = [
    ROOT / "README.md",
    ROOT / "python" / "README.md",
    *sorted(DOCS.glob("*.md")),
    *sorted(DOCS.glob("*.rst")),
    *(
        ROOT / d / "README.md"
        for d in ("conformance", "c", "bench", "reliability", "examples")
        if (ROOT / d / "README.md").is_file()
    ),
]
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
WORDS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def _json(relpath: str) -> Any:
    return json.loads((ROOT / relpath).read_text(encoding="utf-8"))


def _number(text: str) -> int | None:
    """An integer written in digits (``47,033``) or as a word, else None."""
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


def _text(page: Path) -> str:
    """The page with every run of white space as one space (claims span lines)."""
    return re.sub(r"\s+", " ", page.read_text(encoding="utf-8"))


def _facts() -> dict[str, Any]:
    manifest = _json("conformance/manifest.json")
    vectors = manifest["vectors"]
    assert manifest["number_of_vectors"] == len(vectors)
    registry = _json("spec/registry.json")
    julia = sorted(t["code"] for t in registry["element_types"] if t["julia"])
    assert julia == list(range(julia[0], julia[-1] + 1)), "Julia's codes are not one range"
    constants = {c["name"]: c["value"] for c in registry["constants"]}
    checks = {m["check"] for c in registry["categories"] for m in c["messages"]}
    return {
        "vectors": (len(vectors),),
        "valid_invalid": (
            sum(v["result"] == "valid" for v in vectors),
            sum(v["result"] == "invalid" for v in vectors),
        ),
        "max_ndims": (constants["WEA_MAX_NDIMS"],),
        "julia_codes": (julia[0], julia[-1]),
        "extension_codes": {t["name"]: t["code"] for t in registry["element_types"]},
        "categories": (len(registry["categories"]),),
        "checks": (len(checks),),
    }


# (what, pattern, fact): every match of the pattern in every page must give
# the fact's numbers, in the order of its groups; each pattern must match at
# least once, so that a rewording cannot switch its check off unnoticed.
CLAIMS = [
    (
        "conformance vectors",
        r"(?<![\w-])(\d[\d,]*) (?:shared |conformance |generated )?vectors\b",
        "vectors",
    ),
    ("valid and invalid vectors", r"\((\d+) valid, (\d+) invalid\)", "valid_invalid"),
    ("dimensions at most", r"\bndims\W{1,8}0 to (\d+)\b", "max_ndims"),
    ("dimensions at most", r"\b(?:up to|at most|more than) (\d+) dimensions\b", "max_ndims"),
    ("dimensions at most", r"\bthe (\d+)-dimension limit\b", "max_ndims"),
    ("Julia's type codes", r"\b(\d+)(?:-| to )(\d+),? as Julia\b", "julia_codes"),
    ("Julia's type codes", r"\bJulia's codes (\d+) to (\d+)\b", "julia_codes"),
    ("Julia's type codes", r"\bcodes:? (\d+) to (\d+) \(Julia's\)", "julia_codes"),
    ("error categories", r"\b(\w+) (?:named errors|error categories|error names)\b", "categories"),
    ("reader checks", r"\b(\w+) checks(?= in\b| and\b|,)", "checks"),
]


@pytest.mark.parametrize(
    ("what", "pattern", "fact"), CLAIMS, ids=[f"{c[2]}-{i}" for i, c in enumerate(CLAIMS)]
)
def test_counts_and_limits_match_the_repository(what: str, pattern: str, fact: str) -> None:
    expected = _facts()[fact]
    seen, wrong = 0, []
    for page in PAGES:
        text = _text(page)
        for m in re.finditer(pattern, text):
            got = tuple(_number(g) for g in m.groups())
            if None in got:
                continue  # "the error categories": not a count
            seen += 1
            if got != expected:
                where = text[max(0, m.start() - 60) : m.end() + 20]
                wrong.append(f"{page.relative_to(ROOT)}: {got} for {expected}: ...{where}...")
    assert seen, f"no page states the {what} any more ({pattern!r}): drop or fix the claim"
    assert not wrong, f"the {what}, stated wrong:\n" + "\n".join(wrong)


def test_extension_type_codes_match_the_registry() -> None:
    codes = _facts()["extension_codes"]
    patterns = [
        (r"\b(\d{3}) (bool|float16)\b", 1, 2),
        (r"``(bool|float16)`` \((\d+)\)", 2, 1),
    ]
    seen, wrong = 0, []
    for page in PAGES:
        text = _text(page)
        for pattern, code_at, name_at in patterns:
            for m in re.finditer(pattern, text):
                seen += 1
                if int(m.group(code_at)) != codes[m.group(name_at)]:
                    wrong.append(f"{page.relative_to(ROOT)}: {m.group(0)!r}")
        for m in re.finditer(r"\bbool and float16 \(codes (\d+) and (\d+)", text):
            seen += 1
            if (int(m.group(1)), int(m.group(2))) != (codes["bool"], codes["float16"]):
                wrong.append(f"{page.relative_to(ROOT)}: {m.group(0)!r}")
    assert seen >= 3
    assert not wrong, "type codes that spec/registry.json does not give:\n" + "\n".join(wrong)


def test_readme_names_every_conformance_participant() -> None:
    participants = set(_json("conformance/participants.json")["participants"])
    (row,) = [
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `make conformance` |")
    ]
    named = set(re.findall(r"`([^`]+)`", row))
    assert participants <= named, f"README's make conformance row misses {participants - named}"


def _constant(text: str) -> int:
    """The value an api.rst entry opens with: ``64``, ``0x57412D31``, ````2**63 - 1````."""

    def value(node: ast.expr) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.Sub, ast.Add)):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Pow):
                return int(left**right)
            return left - right if isinstance(node.op, ast.Sub) else left + right
        raise ValueError(ast.dump(node))

    return value(ast.parse(text.strip("`"), mode="eval").body)


def test_api_reference_constants_are_the_package_values() -> None:
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    entries = re.findall(r"^\.\. py:data:: wea\.(\w+)\n\n\s+(``[^`]+``|\w+),", text, flags=re.M)
    assert len(entries) >= 10
    for name, shown in entries:
        assert _constant(shown) == getattr(wea, name), f"api.rst: wea.{name} is not {shown}"


def _params(source: str) -> list[tuple[str, str, Any]]:
    """(name, kind, default) of each parameter of a signature written ``f(a, *, b=1)``."""
    (function,) = ast.parse(f"def f({source}): pass").body
    assert isinstance(function, ast.FunctionDef)
    args = function.args
    out: list[tuple[str, str, Any]] = []
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    for kind, names, values in (
        ("POSITIONAL_OR_KEYWORD", positional, defaults),
        ("KEYWORD_ONLY", args.kwonlyargs, args.kw_defaults),
    ):
        for a, d in zip(names, values, strict=True):
            out.append((a.arg, kind, inspect.Parameter.empty if d is None else ast.literal_eval(d)))
    return out


def test_python_readme_signatures_are_the_real_ones() -> None:
    text = (ROOT / "python" / "README.md").read_text(encoding="utf-8")
    api = text[text.index("## API") :]
    api = api[: api.index("\n#", 1)]
    checked = 0
    for name, source in re.findall(r"`(\w+)\(([^`]*)\)`", api):
        if name not in wea.__all__:
            continue  # a method of a class row: close(), unlink()
        real = [
            (p.name, p.kind.name, p.default)
            for p in inspect.signature(getattr(wea, name)).parameters.values()
        ]
        assert _params(source) == real, f"python/README.md: {name}({source})"
        checked += 1
    assert checked >= 10


def _without_fences(text: str) -> str:
    """Markdown without its fenced blocks (where wrong commands show their errors)."""
    return re.sub(r"^(```|:::).*?^\1", "", text, flags=re.M | re.S)


def test_wea_rm_is_always_given_a_shared_memory_name() -> None:
    wrong = []
    for page in PAGES:
        for m in re.finditer(r"`wea rm ([^`]+)`", _without_fences(page.read_text("utf-8"))):
            names = [a.strip("[]") for a in m.group(1).split() if not a.startswith(("-", "..."))]
            if not all(a.startswith("/") for a in names):
                wrong.append(f"{page.relative_to(ROOT)}: {m.group(0)}")
    assert not wrong, "wea rm takes /NAME (python/src/wea/_cli.py):\n" + "\n".join(wrong)


def test_no_table_of_contents_directive() -> None:
    # Furo covers a contents directive with a red "ERROR" box (its sidebar
    # lists the sections already); make docs-check also looks for it in the
    # built HTML, with any docutils system message (docs/conf.py).
    for page in [*DOCS.glob("*.rst"), *DOCS.glob("*.md")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"^\s*\.\. contents::|\{contents\}", text, flags=re.M), page.name


def _docs_conf() -> Any:
    spec = importlib.util.spec_from_file_location("wea_docs_conf", DOCS / "conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_check_finds_error_boxes_in_html() -> None:
    problems = _docs_conf().html_problems
    assert problems('<p class="topic-title">x</p><section id="contents">') == []
    escape = "contents this-will-duplicate-information-and-it-is-still-useful-here"
    assert problems(f'<nav class="{escape}">') == []
    assert len(problems('<nav class="contents local" id="on-this-page">')) == 1
    assert len(problems('<div class="system-message">\n<p class="system-message-title">')) == 1
    assert len(problems('<a class="problematic" href="#id1">')) == 1
