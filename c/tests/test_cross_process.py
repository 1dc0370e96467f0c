"""Python <-> C across real processes, through POSIX shared memory.

Python (the ``wea`` package) creates and fills a shared array, and the C
tool attaches to it by name in another process and reports its header,
values and SHA-256; the C tool creates one, and Python attaches and reads
it; the C tool writes into an array that Python created, and Python sees
the change in place.

Run by ``make test-c`` with the project's venv::

    .venv/bin/python -m pytest c/tests/test_cross_process.py

``WEATOOL`` names the tool (default ``c/build/weatool``). Every test removes
every shared-memory object it creates, whether it passes or fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
try:
    import wea
except ImportError as exc:  # pragma: no cover - only before python/ exists
    pytest.skip(
        f"the wea Python package cannot be imported ({exc}); run `make venv`",
        allow_module_level=True,
    )

REPO = Path(__file__).resolve().parents[2]
TOOL = Path(os.environ.get("WEATOOL") or REPO / "c" / "build" / "weatool")

# spec §4: numpy dtype -> (element type code, weatool's type name)
TYPES: dict[str, tuple[int, str]] = {
    "int8": (1, "int8"),
    "uint8": (2, "uint8"),
    "int16": (3, "int16"),
    "uint16": (4, "uint16"),
    "int32": (5, "int32"),
    "uint32": (6, "uint32"),
    "int64": (7, "int64"),
    "uint64": (8, "uint64"),
    "float32": (9, "float32"),
    "float64": (10, "float64"),
    "complex64": (11, "complex64"),
    "complex128": (12, "complex128"),
    "bool": (256, "bool"),
    "float16": (257, "float16"),
}

SHAPES: list[tuple[int, ...]] = [
    (3, 4),
    (5,),
    (),
    (2, 0, 3),
    (1, 1, 1, 1, 1, 1, 2),
    (2, 3, 4),
]

_counter = itertools.count()


@pytest.fixture
def shm_name() -> Iterator[str]:
    """A fresh name; whatever holds it at the end of the test is removed."""
    name = f"/wea-pytest-{os.getpid()}-{next(_counter)}"
    yield name
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"/dev/shm{name}")


def tool(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run weatool in a new process."""
    if not TOOL.exists():
        pytest.fail(f"{TOOL} does not exist: build it with `make c` (or set WEATOOL)")
    proc = subprocess.run(
        [str(TOOL), *args], capture_output=True, text=True, timeout=60, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"weatool {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


def decode_value(v: Any) -> Any:
    """A JSON element value of `weatool inspect --json` as a Python number."""
    if isinstance(v, list):
        return complex(decode_value(v[0]), decode_value(v[1]))
    if isinstance(v, str):
        return float(v)  # "nan", "inf", "-inf"
    return v


def sample_values(dtype: Any, shape: tuple[int, ...], seed: int) -> Any:
    """Deterministic values that use the whole range of the type, with the
    special values of the float types."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dt.kind == "b":
        flat = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        flat = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
        flat[: min(n, 2)] = [info.min, info.max][: min(n, 2)]
    else:
        real = np.float64 if dt.kind == "c" else dt
        flat = (rng.standard_normal(n) * 1000).astype(real)
        special = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-30], dtype=real)
        flat[: min(n, 5)] = special[: min(n, 5)]
        if dt.kind == "c":
            flat = (flat + 1j * rng.standard_normal(n)).astype(dt)
    return flat.reshape(shape, order="F")


def iota(dtype: Any, shape: tuple[int, ...]) -> Any:
    """What `weatool create --fill iota` writes: element k (memory order)
    is k (integers modulo 2^bits, complex k-kj, bool k%2)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    k = np.arange(n, dtype=np.uint64)
    if dt.kind == "b":
        flat = (k % 2).astype(bool)
    elif dt.kind in "iu":
        flat = k.astype(dt)  # wraps modulo 2^bits
    elif dt.kind == "c":
        flat = np.empty(n, dtype=dt)
        flat.real = k
        flat.imag = -k.astype(np.float64)  # -0.0 for k = 0, as the tool writes
    else:
        flat = k.astype(np.float64).astype(dt)
    return flat.reshape(shape, order="F")


def data_sha256(arr: Any) -> str:
    return hashlib.sha256(np.asarray(arr).tobytes(order="F")).hexdigest()


CASES = [
    pytest.param(
        dt,
        SHAPES[i % len(SHAPES)],
        id=f"{dt}-{'x'.join(map(str, SHAPES[i % len(SHAPES)])) or '0d'}",
    )
    for i, dt in enumerate(TYPES)
]


@pytest.mark.parametrize(("dtype", "shape"), CASES)
def test_python_creates_c_reads(
    dtype: str, shape: tuple[int, ...], shm_name: str
) -> None:
    values = sample_values(dtype, shape, seed=len(shape) * 100 + TYPES[dtype][0])
    arr = wea.create_shared_array(shm_name, dtype, shape)
    try:
        arr[...] = values
        out = tool("inspect", "--shm", shm_name, "--json", "--count", str(values.size))
        report = json.loads(out.stdout)
        assert report["valid"] is True
        assert report["etype"] == TYPES[dtype][0]
        assert report["etype_name"] == TYPES[dtype][1]
        assert report["ndims"] == len(shape)
        assert report["dims"] == list(shape)
        assert report["offset"] == wea.block_size(dtype, shape) - values.nbytes
        assert report["len_data"] == values.nbytes
        assert report["count"] == values.size
        assert report["sha256"] == data_sha256(values)
        got = np.array([decode_value(v) for v in report["values"]], dtype=dtype)
        np.testing.assert_array_equal(got, values.ravel(order="F"))
    finally:
        arr.close()
        arr.unlink()
    assert not Path(f"/dev/shm{shm_name}").exists()


@pytest.mark.parametrize(("dtype", "shape"), CASES)
def test_c_creates_python_reads(
    dtype: str, shape: tuple[int, ...], shm_name: str
) -> None:
    tool(
        "create", "--shm", shm_name, "--type", TYPES[dtype][1],
        "--shape", ",".join(map(str, shape)), "--fill", "iota",
    )  # fmt: skip
    # The tool has exited and handed the name to this test, which removes it.
    expected = iota(dtype, shape)
    arr = wea.attach_shared_array(shm_name, readonly=True)
    try:
        assert arr.dtype == np.dtype(dtype)
        assert arr.shape == shape
        assert arr.flags.f_contiguous
        assert not arr.flags.writeable
        np.testing.assert_array_equal(arr, expected)
        assert data_sha256(arr) == data_sha256(expected)
        # and the C tool, in a third process, agrees on the checksum
        report = json.loads(tool("inspect", "--shm", shm_name, "--json").stdout)
        assert report["sha256"] == data_sha256(expected)
    finally:
        arr.close()
    wea.unlink_shared_array(shm_name)
    assert not Path(f"/dev/shm{shm_name}").exists()


def test_c_int8_iota_wraps(shm_name: str) -> None:
    tool(
        "create",
        "--shm",
        shm_name,
        "--type",
        "int8",
        "--shape",
        "300",
        "--fill",
        "iota",
    )
    arr = wea.attach_shared_array(shm_name, readonly=True)
    try:
        np.testing.assert_array_equal(arr, np.arange(300).astype(np.int8))
        assert int(arr[128]) == -128
    finally:
        arr.close()
    wea.unlink_shared_array(shm_name)


def test_c_writes_in_place_python_sees(shm_name: str) -> None:
    arr = wea.create_shared_array(shm_name, np.float64, (4, 3))
    try:
        tool("fill", "--shm", shm_name, "--fill", "iota")
        np.testing.assert_array_equal(arr, iota(np.float64, (4, 3)))
        tool("fill", "--shm", shm_name, "--fill", "-2.5")
        assert (arr == -2.5).all()
    finally:
        arr.close()
        arr.unlink()


def test_python_writes_c_sees(shm_name: str) -> None:
    tool("create", "--shm", shm_name, "--type", "uint16", "--shape", "2,2")
    arr = wea.attach_shared_array(shm_name)
    try:
        arr[1, 0] = 65535
        report = json.loads(tool("inspect", "--shm", shm_name, "--json").stdout)
        assert report["values"] == [0, 65535, 0, 0]
    finally:
        arr.close()
    wea.unlink_shared_array(shm_name)


def test_names_taken_across_languages(shm_name: str) -> None:
    """Exclusive creation (§8.2.2 C2) holds across the two implementations."""
    arr = wea.create_shared_array(shm_name, np.int32, (2,))
    try:
        proc = tool(
            "create", "--shm", shm_name, "--type", "int8", "--shape", "1", check=False
        )
        assert proc.returncode == 73, proc.stderr
        assert "exists" in proc.stderr
        assert arr.shape == (2,)
    finally:
        arr.close()
        arr.unlink()
    tool("create", "--shm", shm_name.lstrip("/"), "--type", "int8", "--shape", "1")
    with pytest.raises(FileExistsError):
        wea.create_shared_array(shm_name, np.int8, (1,))
    tool("unlink", "--shm", shm_name)


def test_python_attach_after_c_unlink(shm_name: str) -> None:
    tool(
        "create",
        "--shm",
        shm_name,
        "--type",
        "float32",
        "--shape",
        "3",
        "--fill",
        "1.5",
    )
    arr = wea.attach_shared_array(shm_name)
    try:
        tool("unlink", "--shm", shm_name)  # the mapping stays valid (§8.2.4)
        np.testing.assert_array_equal(arr, np.full(3, 1.5, dtype=np.float32))
        with pytest.raises(FileNotFoundError):
            wea.attach_shared_array(shm_name)
        proc = tool("inspect", "--shm", shm_name, check=False)
        assert proc.returncode == 66
    finally:
        arr.close()
