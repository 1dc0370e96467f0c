"""A ``.wea`` file written by Python and read by the C tool, ``weatool``.

Run it (after ``make c``, which builds ``c/build/weatool``)::

    python examples/file_to_c.py

Python writes arrays of several element types, shapes and memory orders
with :func:`wea.save`. The C reader, through ``weatool inspect --json``,
reports each file's header, the SHA-256 of its data and its first elements;
they must equal what Python wrote: the header fields from
:func:`wea.read_header`, the hash of the data bytes, and the elements in
memory (column-major) order, as :func:`wea.load` maps them.
Then two damaged files: both readers must reject each with the same error
category, as their exit status (spec §6.2).

``WEATOOL`` in the environment names the tool; the default is the
repository's ``c/build/weatool``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import wea

REPO = Path(__file__).resolve().parents[1]
WEATOOL = os.environ.get("WEATOOL", str(REPO / "c" / "build" / "weatool"))
COUNT = 12  # elements compared per file

CASES: dict[str, Any] = {
    "float64-2x3": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    "int32-c-order-big-endian": np.arange(24, dtype=">i4").reshape(2, 3, 4),
    "float32-transposed": np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5).T,
    "uint8-strided": np.arange(40, dtype=np.uint8)[::3],
    "bool": np.array([[True, False], [False, True]]),
    "float16-special": np.array([0.5, np.nan, np.inf, -np.inf, -0.0], dtype=np.float16),
    "complex128": np.array([1 + 2j, -3.5j, np.nan + 1j]),
    "int64-0d": np.array(-(2**62), dtype=np.int64),
    "uint64-empty": np.zeros((3, 0), dtype=np.uint64),
    "int16-7d": np.array([-1, 2], dtype=np.int16).reshape(1, 1, 1, 1, 1, 1, 2),
}


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a command with a timeout; return what it did."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def as_json(x: Any) -> Any:
    """Spell a value of ``ndarray.tolist()`` as weatool's JSON does.

    NaN and infinities are the strings ``"nan"``, ``"inf"``, ``"-inf"``;
    a complex number is ``[re, im]``.
    """
    if isinstance(x, list):
        return [as_json(v) for v in x]
    if isinstance(x, complex):
        return [as_json(x.real), as_json(x.imag)]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def check_valid(path: Path, arr: Any) -> list[str]:
    """Compare what weatool reports about a file with what Python wrote.

    Returns
    -------
    list of str
        The disagreements (none if the readers agree).
    """
    proc = run([WEATOOL, "inspect", "--json", "--count", str(COUNT), str(path)])
    if proc.returncode != 0:
        return [f"weatool exited {proc.returncode}: {proc.stderr.strip()}"]
    c = json.loads(proc.stdout)
    header = wea.read_header(path)
    data = path.read_bytes()[header.offset : header.block_size]
    expected = {
        "valid": True,
        "etype": header.etype,
        "etype_name": header.element_type.name,
        "ndims": header.ndims,
        "dims": list(arr.shape),
        "offset": header.offset,
        "len_data": header.len_data,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    problems = [
        f"{key}: C says {c.get(key)!r}, Python {value!r}"
        for key, value in expected.items()
        if c.get(key) != value
    ]
    mapped = wea.load(path)  # memory-mapped, in the file's (column-major) order
    values = as_json(mapped.reshape(-1, order="F")[:COUNT].tolist())
    if c["values"] != values:
        problems.append(f"values: C says {c['values']}, Python {values}")
    return problems


def check_invalid(path: Path, category: str) -> list[str]:
    """Both readers must reject a damaged file with the same category.

    Returns
    -------
    list of str
        The disagreements (none if both exit with the category's number).
    """
    code = wea.error_class(category).code
    c = run([WEATOOL, "inspect", str(path)]).returncode
    py = run([sys.executable, "-m", "wea", "info", str(path)]).returncode
    if c == py == code:
        return []
    return [f"expected exit {code} ({category}) from both; weatool {c}, wea {py}"]


def main() -> int:
    """Run the example; return the exit status."""
    if not os.access(WEATOOL, os.X_OK):
        print(f"{WEATOOL} is missing: build it with `make c`", file=sys.stderr)
        return 69
    failures = 0
    with tempfile.TemporaryDirectory(prefix="wea-example-") as tmp:
        print(f"{'file':<34} {'etype':<10} {'shape':<24} C reader")
        for name, arr in CASES.items():
            path = Path(tmp) / f"{name}.wea"
            wea.save(path, arr)
            problems = check_valid(path, arr)
            failures += bool(problems)
            header = wea.read_header(path)
            verdict = "agrees" if not problems else "DISAGREES: " + "; ".join(problems)
            etype, shape = header.element_type.name, str(tuple(header.dims))
            print(f"{path.name:<34} {etype:<10} {shape:<24} {verdict}")

        block = bytes(wea.dumps(np.arange(10.0)))
        damaged = {
            "data_truncated": block[:-1],  # one byte short of the data
            "wrong_byte_order": block[3::-1] + block[4:],  # the magic reversed
        }
        for category, raw in damaged.items():
            path = Path(tmp) / f"{category}.wea"
            path.write_bytes(raw)
            problems = check_invalid(path, category)
            failures += bool(problems)
            verdict = "both reject it" if not problems else "; ".join(problems)
            print(f"{path.name:<34} {'-':<10} {'invalid: ' + category:<24} {verdict}")
    if failures:
        print(f"FAILED: {failures} file(s) read differently by C and Python")
        return 1
    total = len(CASES) + len(damaged)
    print(f"Python wrote {total} files; the C reader agrees on every one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
