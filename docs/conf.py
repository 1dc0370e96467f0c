"""Sphinx configuration of the wea documentation (``make docs``).

The pages are Markdown (MyST). The API reference (``api.rst``) is generated
from the package's docstrings, which are numpydoc with Sphinx roles, by
autodoc and napoleon. ``make docs-check`` builds with ``-W``: any warning
fails, including the one this file emits when a name of ``wea.__all__`` is
missing from the API reference, and those it emits for a page that
shows an error box (a docutils system message, a ``.. contents::``).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "python" / "src"))  # the package, even uninstalled

import wea  # noqa: E402

project = "wea"
author = "the wea developers"
copyright = "the wea developers, MIT licence"
# The project's one version label, which the package and the C build read too.
release = (REPO / "VERSION").read_text(encoding="utf-8").strip()
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "requirements.txt"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# numpydoc docstrings, read by napoleon.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True  # "Attributes" as fields: no duplicate descriptions
napoleon_use_rtype = False
autodoc_typehints = "none"  # the docstrings give every type, in numpy's words
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True  # show mode=DEFAULT_MODE, not mode=384
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "furo"
html_title = f"wea {release}"
html_static_path: list[str] = []
html_show_sourcelink = False


def _check_api_reference(app: Any) -> None:
    """Warn (an error under ``-W``) when a public name has no entry in api.rst."""
    from sphinx.util import logging

    text = (HERE / "api.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. (?:auto\w+|py:\w+):: wea\.(\w+)", text, flags=re.M))
    documented |= set(re.findall(r"^\.\. automodule:: wea\.(\w+)", text, flags=re.M))
    missing = sorted(set(wea.__all__) - documented - {"__version__"})
    if missing:
        logging.getLogger(__name__).warning(
            "api.rst does not document these names of wea.__all__: %s", ", ".join(missing)
        )


# WEA_BENCH_RESULTS: another results folder (to try a report before it lands).
BENCH_RESULTS = Path(os.environ.get("WEA_BENCH_RESULTS", REPO / "bench" / "results"))
BENCH_MARKER = "<!-- bench-results -->"
BENCH_PENDING = """
:::{admonition} Benchmark figures: pending
:class: warning

`bench/results/results.md` is not in this checkout yet, so this page has no
figures. Run `make bench` to produce them (`bench/results/results.md`,
`results.json`, `results.png`), then `make docs`: they appear here.
:::
"""


def bench_section() -> str:
    """Return the benchmark's results, made fit for this page, or a notice.

    The report's headings move two levels down (into this page's section),
    its plot is linked where it lies, and its links to other files of the
    repository become plain text (they are not pages of this site).
    """
    report = BENCH_RESULTS / "results.md"
    if not report.is_file():
        return BENCH_PENDING
    text = report.read_text(encoding="utf-8")
    text = re.sub(r"^(#{1,4}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", text, flags=re.M)

    def image(m: re.Match[str]) -> str:
        target = BENCH_RESULTS / m.group(2)
        if not target.is_file():
            return f"(plot `{m.group(2)}` not present)"
        return f"![{m.group(1)}]({os.path.relpath(target, HERE)})"

    text = re.sub(r"!\[([^\]]*)\]\((?!https?:)([^)\s]+)\)", image, text)
    text = re.sub(r"(?<!!)\[([^\]]+)\]\((?!https?:)[^)]+\)", r"\1", text)
    return "\n" + text + "\n"


def _embed_bench(app: Any, docname: str, source: list[str]) -> None:
    if docname == "comparison":
        # rebuild the page when the report appears or changes
        app.env.note_dependency(str(BENCH_RESULTS / "results.md"))
        source[0] = source[0].replace(BENCH_MARKER, bench_section())


# What must never reach a page: a docutils system message (an error or a
# warning printed into the HTML, class "system-message" or "problematic"),
# and a table of contents (``.. contents::``, class "contents"), which Furo
# covers with a red "ERROR: Adding a table of contents ..." box: its right
# sidebar already lists the page's sections.
FURO_TOC_ESCAPE = "this-will-duplicate-information-and-it-is-still-useful-here"
_CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')


def html_problems(html: str) -> list[str]:
    """Return what in one built page shows as an error box, or nothing."""
    found = []
    for m in _CLASS_ATTR.finditer(html):
        classes = m.group(1).split()
        line = html.count("\n", 0, m.start()) + 1
        if "system-message" in classes or "problematic" in classes:
            found.append(f"line {line}: a docutils system message (class {m.group(1)!r})")
        elif "contents" in classes and FURO_TOC_ESCAPE not in classes:
            found.append(
                f"line {line}: a table of contents (class {m.group(1)!r}), which Furo "
                "shows as a red ERROR box; remove the contents directive"
            )
    return found


def _check_html(app: Any, exception: Exception | None) -> None:
    """Warn (an error under ``-W``) for every error box in the built pages."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    out = Path(app.outdir)
    for page in sorted(out.rglob("*.html")):
        for problem in html_problems(page.read_text(encoding="utf-8")):
            log.warning("%s: %s", page.relative_to(out), problem)


def setup(app: Any) -> None:
    """Register the API reference check, the HTML check and the benchmark's results."""
    app.connect("builder-inited", _check_api_reference)
    app.connect("source-read", _embed_bench)
    app.connect("build-finished", _check_html)
