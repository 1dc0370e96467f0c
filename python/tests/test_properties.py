"""Property-based tests (hypothesis).

* Random dtypes, shapes, memory orders and byte orders round-trip through a
  buffer, a file and shared memory, bit for bit.
* The Python header reader and the parser that Kaitai Struct generates from
  spec/wea.ksy agree on every generated block, valid or not. The parser is
  build/kaitai/wea_block.py (``make build/kaitai/wea_block.py``); if it is
  missing these tests fail, they do not skip.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from blocks import MAGIC, ROOT, c_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import wea
from wea import _format as F

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dtypes = st.sampled_from(F.SUPPORTED_DTYPES).flatmap(
    lambda dt: st.sampled_from([dt, dt.newbyteorder(">"), dt.newbyteorder("<")])
)
shapes = hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=5)


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray[Any, Any]:
    """Any supported array, in any memory layout (C, F, strided, reversed)."""
    dt = draw(dtypes)
    base = draw(hnp.arrays(dt, draw(shapes)))
    layout = draw(st.sampled_from(["C", "F", "T", "step", "rev"]))
    if layout == "F":
        base = np.asfortranarray(base)
    elif layout == "T":
        base = base.T
    elif layout == "step" and base.ndim:
        base = base[..., ::2]
    elif layout == "rev" and base.ndim:
        base = base[::-1]
    return base


def stored(arr: np.ndarray[Any, Any]) -> bytes:
    """The bytes a block must hold for an array: Fortran order, little-endian."""
    le = arr.dtype.newbyteorder("<")
    return np.asarray(arr, dtype=le).tobytes(order="F")


def check_same(back: np.ndarray[Any, Any], arr: np.ndarray[Any, Any]) -> None:
    assert back.shape == arr.shape
    assert back.dtype == arr.dtype.newbyteorder("<")
    assert back.tobytes(order="F") == stored(arr)  # bit for bit: NaN payloads, -0.0


@SETTINGS
@given(arrays())
def test_round_trip_through_a_buffer(arr: np.ndarray[Any, Any]) -> None:
    block = wea.dumps(arr)
    h = F.parse_header(block)
    assert len(block) == h.block_size
    assert h.offset == c_of(arr.ndim)
    assert bytes(block[h.offset :]) == stored(arr)
    back = wea.loads(block)
    check_same(back, arr)
    check_same(wea.load_buffered_array(bytes(block)), arr)
    assert back.flags.f_contiguous and back.flags.writeable


@SETTINGS
@given(arr=arrays())
def test_round_trip_through_a_file(
    arr: np.ndarray[Any, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("prop") / "a.wea"
    wea.save(path, arr)
    assert path.read_bytes() == bytes(wea.dumps(arr))
    check_same(wea.load(path), arr)
    check_same(wea.load(path, mmap_mode=None), arr)


_names = itertools.count()


@settings(max_examples=60, deadline=None)
@given(arrays())
def test_round_trip_through_shared_memory(arr: np.ndarray[Any, Any]) -> None:
    name = f"/wea-pytest-{os.getpid()}-prop-{next(_names)}"
    wa = wea.create_shared_array(name, arr.dtype, arr.shape, data=arr)
    try:
        check_same(wa, arr)
        check_same(wea.attach_shared_array(name), arr)
        check_same(wea.attach_shared_array(name, readonly=True), arr)
    finally:
        wa.unlink()


# -- the Kaitai parser agrees with the Python reader ----------------------------------


def _kaitai() -> tuple[ModuleType, ModuleType, ModuleType]:
    import kaitai_participant  # tools/kaitai_participant.py (pytest's pythonpath)

    runtime, parser = kaitai_participant.load_parser(ROOT / "build" / "kaitai")
    return kaitai_participant, runtime, parser


def kaitai_result(raw: bytes) -> dict[str, Any]:
    adapter, runtime, parser = _kaitai()
    result: dict[str, Any] = adapter.examine(raw, runtime, parser)
    return result


def python_result(raw: bytes) -> dict[str, Any]:
    try:
        h = F.parse_header(raw)
    except wea.WeaError as e:
        return {"valid": False, "error": e.category}
    return {
        "valid": True,
        "etype": h.etype,
        "ndims": h.ndims,
        "dims": list(h.dims),
        "offset": h.offset,
        "len_data": h.len_data,
        "sha256": hashlib.sha256(raw[h.offset : h.block_size]).hexdigest(),
    }


# What the .ksy cannot state (its doc says so; the vectors flag it
# beyond_kaitai): R2 tells three magics apart, R8 needs 2^63-1.
BEYOND_KAITAI = {"wrong_byte_order": "bad_magic", "unsupported_version": "bad_magic"}


def assert_agree(raw: bytes) -> None:
    py = python_result(raw)
    kt = kaitai_result(raw)
    if not py["valid"] and py["error"] == "overflow":
        return  # beyond Kaitai: it sees a data read past the end, or K = 0
    if py["valid"]:
        assert kt == py, raw[:64].hex()
    else:
        assert not kt["valid"], (py, raw[:64].hex())
        assert kt["error"] == BEYOND_KAITAI.get(py["error"], py["error"]), (py, kt, raw[:64].hex())


def test_the_kaitai_parser_is_built() -> None:
    _, _, parser = _kaitai()
    assert hasattr(parser, "WeaBlock")


@SETTINGS
@given(arrays(), st.binary(max_size=40))
def test_kaitai_agrees_on_valid_blocks(arr: np.ndarray[Any, Any], tail: bytes) -> None:
    raw = bytes(wea.dumps(arr)) + tail
    assert python_result(raw)["valid"]
    assert_agree(raw)


@st.composite
def blocks(draw: st.DrawFn) -> bytes:
    """Blocks with arbitrary, often wrong, field values, cut anywhere."""
    magic = draw(
        st.sampled_from([MAGIC, MAGIC, MAGIC, b"WA-1", b"2-AW", b"\0\0\0\0"])
        | st.binary(min_size=4, max_size=4)
    )
    etype = draw(st.sampled_from([*F.ELEMENT_TYPES, 0, 13, 255, 258]) | st.integers(0, 65535))
    ndims = draw(st.integers(0, 34) | st.integers(0, 65535))
    dim = (
        st.integers(0, 6)
        | st.integers(-(2**63), 2**63 - 1)
        | st.sampled_from([2**31, 2**62, 2**63 - 1, -1])
    )
    dims = draw(st.lists(dim, min_size=min(ndims, 34), max_size=min(ndims, 34)))
    c = c_of(ndims)
    offset = draw(
        st.sampled_from([c, c, c + 64, c - 64, c + 8, 0, 1, -64]) | st.integers(-(2**63), 2**63 - 1)
    )
    head = magic + struct.pack("<HHq", etype, ndims, offset) + struct.pack(f"<{len(dims)}q", *dims)
    pad = max(0, min(offset, 512) - len(head))
    body = head + bytes(pad) + draw(st.binary(max_size=300))
    cut = draw(st.none() | st.integers(0, len(body)))
    return body if cut is None else body[:cut]


@settings(max_examples=1500, deadline=None)
@given(blocks())
def test_kaitai_agrees_on_arbitrary_blocks(raw: bytes) -> None:
    assert_agree(raw)


@SETTINGS
@given(arrays(), st.data())
def test_kaitai_agrees_on_every_cut_of_a_valid_block(
    arr: np.ndarray[Any, Any], data: st.DataObject
) -> None:
    raw = bytes(wea.dumps(arr))
    cut = data.draw(st.integers(0, len(raw)))
    assert_agree(raw[:cut])


def test_kaitai_agrees_on_the_spec_examples_and_their_prefixes() -> None:
    from blocks import spec_examples

    for ex in spec_examples():
        for n in range(len(ex.block) + 1):
            assert_agree(ex.block[:n])


def test_kaitai_parser_path() -> None:
    assert (ROOT / "build" / "kaitai" / "wea_block.py").is_file(), (
        "run `make build/kaitai/wea_block.py`"
    )
    assert Path(os.fspath(ROOT / "spec" / "wea.ksy")).is_file()
