"""Helpers for the tests: build WA-1 blocks by hand, read the spec's examples."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

# The worked examples of spec §11 are read by the one extractor the spec's own
# tests use (tools/tests/spec_examples.py, on the path by pyproject.toml's
# pytest pythonpath), so both suites see the same bytes.
from spec_examples import Example as Example  # (re-exported)
from spec_examples import load_examples as spec_examples

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "wea.md"
MAGIC = b"\x31\x2d\x41\x57"

# The format's tables (spec/registry.json): the element types' sizes come
# from there, so that a new type needs no edit here.
REGISTRY: dict[str, Any] = json.loads((ROOT / "spec" / "registry.json").read_text("utf-8"))
SIZES = {int(t["code"]): int(t["size"]) for t in REGISTRY["element_types"]}


def c_of(ndims: int) -> int:
    return (16 + 8 * ndims + 63) // 64 * 64


def block(
    etype: int = 10,
    dims: tuple[int, ...] = (2, 3),
    *,
    ndims: int | None = None,
    offset: int | None = None,
    magic: bytes = MAGIC,
    data: bytes | None = None,
    cut: int | None = None,
    trailing: bytes = b"",
) -> bytes:
    """A block from raw field values, none of them checked.

    ``ndims`` defaults to ``len(dims)``, ``offset`` to the canonical one,
    ``data`` to ``L`` bytes 0, 1, 2 ... (for valid sizes) and ``cut`` cuts
    the result to that many bytes.
    """
    n = len(dims) if ndims is None else ndims
    off = c_of(n) if offset is None else offset
    head = magic + struct.pack("<HHq", etype, n, off) + struct.pack(f"<{len(dims)}q", *dims)
    if data is None:
        count = 1
        for d in dims:
            count *= d
        size = SIZES.get(etype, 1) * count if 0 <= count < 1 << 24 else 0
        data = bytes(i % 251 for i in range(size))
    pad = max(0, off - len(head)) if off < 4096 else 0
    out = head + bytes(pad) + data + trailing
    return out if cut is None else out[:cut]


__all__ = [
    "MAGIC",
    "REGISTRY",
    "ROOT",
    "SIZES",
    "Example",
    "block",
    "c_of",
    "spec_examples",
    "spec_table",
]


def spec_table(heading: str) -> list[list[str]]:
    """The rows of the first table after a heading of spec/wea.md, cells stripped."""
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = []
    started = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif started:
            break
    return rows[1:]  # without the header row
