"""Row-major exchange (order="C"), encoding into the caller's buffer, views without a tax."""

from __future__ import annotations

import io
import mmap
import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wea
from wea import _format as F

SHAPES = [(), (0,), (5,), (3, 0, 2), (2, 3), (2, 3, 4), (1, 2, 1, 3, 1, 2, 2)]
DTYPES = [np.dtype(dt) for dt in wea.SUPPORTED_DTYPES]


def _sample(dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    n = int(np.prod(shape))
    values = np.arange(1, n + 1) % 7
    return values.astype(dtype).reshape(shape)  # C order, numpy's default


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_order_c_round_trips_through_buffers_and_files(
    dtype: np.dtype[Any], shape: tuple[int, ...], tmp_path: Path
) -> None:
    a = _sample(dtype, shape)
    block = wea.dumps(a, order="C")
    header = F.parse_header(block)
    assert header.dims == shape[::-1]  # a row-major producer writes its dims reversed
    # The same bytes as the column-major block of the transpose: what a
    # Julia, C or order="F" reader sees is the transposed array.
    assert bytes(block) == bytes(wea.dumps(a.T))
    back = wea.loads(block, order="C")
    assert back.shape == shape and back.dtype == dtype.newbyteorder("<")
    assert np.array_equal(back, a)
    assert back.flags.c_contiguous
    assert np.array_equal(wea.loads(block), a.T)
    if back.size:
        assert np.shares_memory(back, np.frombuffer(block, np.uint8))  # a view, no copy
    path = tmp_path / "a.wea"
    wea.save(path, a, order="C")
    assert path.read_bytes() == bytes(block)
    for mode in ("r", "c", None):
        loaded = wea.load(path, mmap_mode=mode, order="C")
        assert loaded.shape == shape and np.array_equal(loaded, a)
    stream = io.BytesIO(bytes(block))
    assert np.array_equal(wea.load(stream, order="C"), a)
    buffered = wea.load_buffered_array(block, order="C")
    assert buffered.shape == shape and buffered.exchange_buffer is block
    assert wea.block_size(dtype, shape, order="C") == len(block)


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: np.arange(24.0).reshape(4, 6),
        lambda: np.asfortranarray(np.arange(24.0).reshape(4, 6)),
        lambda: np.arange(48.0).reshape(4, 12)[:, ::2],
        lambda: np.arange(24, dtype=">i4").reshape(2, 3, 4),
        lambda: np.arange(600 * 300, dtype="u2").reshape(600, 300),  # blocked copy
        lambda: np.arange(2 * 300 * 400, dtype="f4").reshape(2, 300, 400).transpose(1, 0, 2),
    ],
    ids=["c", "f", "strided", "big-endian-3d", "blocked-2d", "blocked-3d"],
)
def test_every_layout_encodes_equal_in_both_orders(order: str, make: Callable[[], Any]) -> None:
    a = make()
    block = wea.dumps(a, order=order)  # type: ignore[arg-type]
    back = wea.loads(block, order=order)  # type: ignore[arg-type]
    assert back.shape == a.shape and np.array_equal(back, a)
    other = "C" if order == "F" else "F"
    assert np.array_equal(wea.loads(block, order=other), a.T)  # type: ignore[arg-type]


def test_a_bad_order_is_refused() -> None:
    for call in (
        lambda: wea.dumps(np.zeros(2), order="A"),  # type: ignore[arg-type]
        lambda: wea.loads(wea.dumps(np.zeros(2)), order="K"),  # type: ignore[arg-type]
        lambda: wea.block_size("f8", (2,), order="c"),  # type: ignore[arg-type]
        lambda: wea.create_buffered_array("f8", (2,), order=None),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match="order must be 'F'"):
            call()


# -- out= ---------------------------------------------------------------------------------


def _outs(size: int) -> list[Any]:
    anon = mmap.mmap(-1, size)
    return [bytearray(size), anon, np.zeros(size, np.uint8), memoryview(bytearray(size))]


@pytest.mark.parametrize("order", ["F", "C"])
def test_dumps_into_the_callers_buffer(order: str) -> None:
    a = np.arange(12, dtype="i8").reshape(3, 4)
    expected = bytes(wea.dumps(a, order=order))  # type: ignore[arg-type]
    for out in _outs(len(expected) + 10):
        memoryview(out)[len(expected) :] = b"\xaa" * 10
        got = wea.dumps(a, order=order, out=out)  # type: ignore[arg-type]
        assert isinstance(got, memoryview) and len(got) == len(expected)
        assert bytes(got) == expected
        assert bytes(memoryview(out)[len(expected) :]) == b"\xaa" * 10  # untouched
        assert np.array_equal(wea.loads(got, order=order), a)  # type: ignore[arg-type]
        if isinstance(out, mmap.mmap):
            del got
            out.close()


def test_dumps_into_shared_memory(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = np.arange(6.0).reshape(2, 3)
    size = wea.block_size(a.dtype, a.shape)
    seg = wea.create_shared_array(name, "u1", (size + 64,))
    try:
        wea.dumps(a, out=seg[64:])
        assert np.array_equal(wea.loads(seg[64:]), a)
    finally:
        seg.unlink()


def test_out_errors_name_the_sizes_and_write_nothing() -> None:
    a = np.arange(10.0)
    need = wea.block_size(a.dtype, a.shape)
    small = bytearray(b"\x01" * (need - 1))
    with pytest.raises(ValueError, match=f"out has {need - 1} bytes, the block needs {need}"):
        wea.dumps(a, out=small)
    assert small == bytearray(b"\x01" * (need - 1))
    with pytest.raises(ValueError, match="read-only"):
        wea.dumps(a, out=bytes(need))
    strided = np.zeros(2 * need, np.uint8)[::2]
    with pytest.raises(ValueError, match="not contiguous"):
        wea.dumps(a, out=strided)
    assert not strided.any()
    with pytest.raises(TypeError, match="writable buffer"):
        wea.dumps(a, out=[0] * need)
    with pytest.raises(TypeError, match="no WA-1 element type"):
        wea.dumps(np.array(["x"]), out=bytearray(1000))


@pytest.mark.parametrize("big", [False, True], ids=["small", "transposing"])
def test_out_that_overlaps_the_array_is_refused_and_nothing_is_written(big: bool) -> None:
    # Encoding an array into its own memory would write the block over its
    # source (the header first, then a transposing copy that reads what it
    # already overwrote).
    shape = (300, 400) if big else (3, 4)
    need = wea.block_size(np.float64, shape)
    buf = np.zeros(3 * need, np.uint8)
    a = np.frombuffer(buf.data, np.float64, int(np.prod(shape)), 16).reshape(shape)
    a[...] = np.arange(a.size).reshape(shape)
    before = buf.copy()
    with pytest.raises(ValueError, match="overlaps the array"):
        wea.dumps(a, out=buf)  # the array lies inside the block's bytes
    with pytest.raises(ValueError, match="overlaps the array"):
        wea.dumps(a.T, out=buf[need // 2 :])  # the block starts inside the array
    assert np.array_equal(buf, before)
    assert bytes(wea.dumps(a, out=buf[need + 64 :])) == bytes(wea.dumps(a))  # beside it
    assert bytes(wea.dumps(a, out=np.zeros(need, np.uint8))) == bytes(wea.dumps(a))


# -- shared memory, across processes -----------------------------------------------------

_CHILD = """
import sys, numpy as np, wea
name = sys.argv[1]
c = wea.attach_shared_array(name, order="C", readonly=True)
f = wea.attach_shared_array(name, readonly=True)
print(c.shape, c.flags.c_contiguous, c.sum(), f.shape, bool((f == c.T).all()), c[1, 2, 3])
"""


def test_order_c_shared_memory_across_processes(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = np.arange(2 * 3 * 4, dtype="f4").reshape(2, 3, 4)
    s = wea.create_shared_array(name, a.dtype, a.shape, data=a, order="C")
    try:
        assert s.shape == (2, 3, 4) and s.flags.c_contiguous and np.array_equal(s, a)
        assert s.header is not None and s.header.dims == (4, 3, 2)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, name], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [
            "(2,",
            "3,",
            "4)",
            "True",
            "276.0",
            "(4,",
            "3,",
            "2)",
            "True",
            "23.0",
        ]
    finally:
        s.unlink()


# -- views and results of shared and buffered arrays --------------------------------------


def test_views_reach_the_object_and_results_do_not_pretend(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "f8", (8, 16))
    try:
        for view in (a[1:3], a.T, a[0], a.reshape(16, 8, order="F"), a[::2, ::-1]):
            assert isinstance(view, wea.SharedExchangeArray)
            assert view.mem is a.mem and view.name == name
            assert view.header == a.header
        result = a + 1
        assert not isinstance(result, wea.SharedExchangeArray) or result.mem is None
        if isinstance(result, wea.SharedExchangeArray):  # numpy 1
            with pytest.raises(ValueError, match="does not lie in shared memory"):
                result.unlink()
        copied: Any = a.copy()
        assert copied.mem is None and copied.name is None
        with pytest.raises(ValueError, match="does not lie in shared memory"):
            copied.unlink()
        part: Any = a[1:3]
        part.unlink()  # a view may remove the object, as the array may
        assert not Path("/dev/shm", name[1:]).exists()
        a[0, 0] = 1.0  # the mapping lives on
    finally:
        if Path("/dev/shm", name[1:]).exists():
            a.unlink()


def test_buffered_views_in_c_order() -> None:
    wc = wea.create_buffered_array("i2", (3, 4), order="C")
    assert wc.flags.c_contiguous and wc.shape == (3, 4)
    block = wc.exchange_buffer
    assert F.parse_header(block).dims == (4, 3)
    whole: Any = wc[:]
    transposed: Any = wc.T
    assert whole.exchange_buffer is block
    with pytest.raises(ValueError, match="is a view of a block"):
        transposed.exchange_buffer  # noqa: B018
    wc[2, 3] = 9
    assert wea.loads(block)[3, 2] == 9


def test_exchange_buffer_stays_protected_against_in_place_changes() -> None:
    wc = wea.create_buffered_array("f8", (4, 3))
    assert wc.exchange_buffer is not None
    change: Callable[[Any], None]
    for change in (
        lambda a: setattr(a, "shape", (4, 3, 1)),
        lambda a: setattr(a, "shape", (1, 4, 3)),
    ):
        x = wea.create_buffered_array("f8", (4, 3))
        change(x)
        with pytest.raises(ValueError, match="no exchange buffer"):
            x.exchange_buffer  # noqa: B018
    # The same size and strides, another dtype: still caught.
    y = wea.create_buffered_array("f8", (4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        setattr(y, "dtype", np.dtype("i8"))  # noqa: B010 - numpy stubs say read-only
    with pytest.raises(ValueError, match="no exchange buffer"):
        y.exchange_buffer  # noqa: B018
    # An empty block has no fast path: the full check decides.
    z = wea.create_buffered_array("f8", (0, 3))
    assert z.exchange_buffer is not None
    z.shape = (0, 5)
    with pytest.raises(ValueError, match="no exchange buffer"):
        z.exchange_buffer  # noqa: B018


def test_a_fork_child_sees_the_same_views(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "i4", (4,), data=[1, 2, 3, 4])
    code = textwrap.dedent(
        """
        import pickle, sys, wea
        v = pickle.loads(sys.stdin.buffer.read())
        print(v.tolist(), v.mem.name)
        """
    )
    try:
        import pickle

        out = subprocess.run(
            [sys.executable, "-c", code],
            input=pickle.dumps(a[1:3]),
            capture_output=True,
            timeout=60,
            env=dict(os.environ),
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.decode().split() == ["[2,", "3]", name]
    finally:
        a.unlink()


@pytest.mark.parametrize("order", ["F", "C"])
def test_data_broadcasts_as_assignment_does(order: str, shm_name: Callable[[], str]) -> None:
    # create_shared_array(data=) broadcasts like `arr[...] = data`, in the
    # shape the caller holds, whatever the block's order.
    row = np.arange(4.0)
    name = shm_name()
    s = wea.create_shared_array(name, "f8", (3, 4), data=row, order=order)  # type: ignore[arg-type]
    try:
        assert s.shape == (3, 4)
        assert np.array_equal(s, np.broadcast_to(row, (3, 4)))
        with pytest.raises(ValueError, match="broadcast"):
            wea.create_shared_array(name + "x", "f8", (3, 4), data=np.arange(3.0))
    finally:
        s.unlink()
