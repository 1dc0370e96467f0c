"""Byte buffers: dumps/loads, BufferedExchangeArray, zero copy both ways."""

from __future__ import annotations

import copy
import io
import mmap
import pickle
import time
from typing import Any

import numpy as np
import pytest
from blocks import block

import wea
from wea import _format as F


def u8(buf: Any) -> np.ndarray[Any, Any]:
    return np.frombuffer(buf, dtype=np.uint8)


# -- the seed example -------------------------------------------------------------


def test_seed_example_buffered_part_runs_as_it_is() -> None:
    wc = wea.buffered_memory.create_buffered_array(np.dtype("float64"), (10, 2))
    buf = wc.exchange_buffer
    wd = wea.buffered_memory.load_buffered_array(buf)
    assert isinstance(wc, wea.BufferedExchangeArray)
    assert isinstance(wc, np.ndarray)
    assert isinstance(buf, bytearray)
    assert len(buf) == 64 + 160
    assert wd.shape == (10, 2) and wd.dtype == np.float64
    assert wc.flags.f_contiguous
    assert not wc.any()
    # no copy anywhere: a write on either side shows on the other
    wc[3, 1] = 7.0
    assert wd[3, 1] == 7.0
    wd[0, 0] = -1.0
    assert wc[0, 0] == -1.0
    assert np.shares_memory(wc, wd)
    assert np.shares_memory(wc, u8(buf))
    assert wea.create_buffered_array is wea.buffered_memory.create_buffered_array
    assert wea.load_buffered_array is wea.buffered_memory.load_buffered_array


def test_exchange_buffer_is_the_memory_not_a_copy() -> None:
    wc = wea.create_buffered_array("int32", (3, 4))
    buf = wc.exchange_buffer
    assert isinstance(buf, bytearray)
    assert buf is wc.exchange_buffer
    wc[:] = np.arange(12).reshape(3, 4)
    assert bytes(buf) == bytes(wea.dumps(np.arange(12, dtype="i4").reshape(3, 4)))
    buf[64:68] = (99).to_bytes(4, "little")
    assert wc[0, 0] == 99
    with pytest.raises(BufferError):
        buf.extend(b"x")  # it cannot be resized under the array


# -- load: any buffer, no copy, read-only when the buffer is ---------------------------


@pytest.mark.parametrize(
    "kind", ["bytes", "bytearray", "memoryview", "mmap", "numpy", "ro-memoryview", "mmap-ro"]
)
def test_load_views_every_kind_of_buffer(kind: str) -> None:
    raw = bytes(wea.dumps(np.arange(6.0).reshape(2, 3)))
    obj: Any
    if kind == "bytes":
        obj, writeable = raw, False
    elif kind == "bytearray":
        obj, writeable = bytearray(raw), True
    elif kind == "memoryview":
        obj, writeable = memoryview(bytearray(raw)), True
    elif kind == "ro-memoryview":
        obj, writeable = memoryview(bytearray(raw)).toreadonly(), False
    elif kind == "numpy":
        obj, writeable = np.frombuffer(bytearray(raw), np.uint8), True
    elif kind == "mmap":
        obj = mmap.mmap(-1, len(raw))
        obj[:] = raw
        writeable = True
    else:
        m = mmap.mmap(-1, len(raw))
        m[:] = raw
        obj, writeable = memoryview(m).toreadonly(), False
    for load in (wea.loads, wea.load_buffered_array):
        arr = load(obj)
        assert arr.tolist() == [[0, 1, 2], [3, 4, 5]]
        assert np.shares_memory(arr, u8(obj))
        assert arr.flags.writeable == writeable
        if not writeable:
            with pytest.raises(ValueError, match="read-only"):
                arr[0, 0] = 1


def test_loads_returns_a_plain_ndarray_and_load_buffered_array_the_class() -> None:
    raw = wea.dumps(np.ones(3))
    assert type(wea.loads(raw)) is np.ndarray
    assert type(wea.load_buffered_array(raw)) is wea.BufferedExchangeArray


def test_load_is_zero_copy_at_any_size() -> None:
    # a 1 GiB anonymous mapping, of which only the header page is touched
    size = 1 << 30
    m = mmap.mmap(-1, 64 + size)
    F.write_header(m, F.make_header("u1", (size,)))
    # This process's CPU time, not the wall clock: a busy machine that
    # schedules other work in between does not count, and reading or
    # copying the GiB takes this process far more than 0.05 s of CPU.
    t0 = time.process_time()
    arr = wea.load_buffered_array(m)
    elapsed = time.process_time() - t0
    assert arr.nbytes == size
    assert np.shares_memory(arr, u8(m))
    assert elapsed < 0.05
    view = arr.exchange_buffer
    assert isinstance(view, memoryview) and len(view) == 64 + size
    del arr, view


def test_unaligned_buffers_are_read_correctly() -> None:
    raw = bytes(wea.dumps(np.array([1.5, -2.25, 3.0])))
    for shift in range(1, 8):
        holder = bytearray(shift) + raw
        arr = wea.loads(memoryview(holder)[shift:])
        assert arr.tolist() == [1.5, -2.25, 3.0]
        assert np.shares_memory(arr, u8(holder))


def test_trailing_bytes_and_exchange_buffer_of_a_longer_buffer() -> None:
    raw = bytearray(wea.dumps(np.arange(4, dtype="u2"))) + b"\xff" * 100
    arr = wea.load_buffered_array(raw)
    assert arr.tolist() == [0, 1, 2, 3]
    buf = arr.exchange_buffer
    assert isinstance(buf, memoryview) and len(buf) == 72
    assert np.shares_memory(u8(buf), u8(raw))
    exact = bytes(wea.dumps(np.arange(4, dtype="u2")))
    assert wea.load_buffered_array(exact).exchange_buffer is exact


def test_load_errors() -> None:
    with pytest.raises(wea.BadMagicError):
        wea.load_buffered_array(b"\0" * 100)
    with pytest.raises(wea.TruncatedError):
        wea.loads(b"")
    with pytest.raises(wea.DataTruncatedError):
        wea.loads(block(cut=100))
    with pytest.raises(TypeError):
        wea.loads("not a buffer")
    with pytest.raises(ValueError, match="not contiguous"):
        wea.loads(np.zeros(300, np.uint8)[::2])


def _npy_bytes() -> bytes:
    f = io.BytesIO()
    np.save(f, np.arange(4.0))
    return f.getvalue()


def _npz_bytes() -> bytes:
    f = io.BytesIO()
    np.savez(f, a=np.arange(4.0))
    return f.getvalue()


def _safetensors_bytes() -> bytes:
    try:
        from safetensors.numpy import save
    except ImportError:  # an 8-byte little-endian length, a JSON header, the data
        meta = b'{"a":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}'
        meta += b" " * (-len(meta) % 8)
        return len(meta).to_bytes(8, "little") + meta + np.arange(4.0).tobytes()
    return save({"a": np.arange(4.0)})


def _hint(e: wea.WeaError) -> str:
    """The hint: a note on Python 3.11+, after the message before."""
    notes = getattr(e, "__notes__", [])
    return "\n".join(notes) if notes else str(e)[len(e.message) :].removeprefix("; ")


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (
            _npy_bytes,
            "the buffer holds a .npy file (numpy's format), not a WA-1 block: read it with "
            "numpy.load(io.BytesIO(...))",
        ),
        (
            _npz_bytes,
            "the buffer holds a .npz archive (a zip of .npy files), not a WA-1 block: open it "
            "with numpy.load(io.BytesIO(...)) and wea.dumps() each of its arrays",
        ),
        (
            _safetensors_bytes,
            "the buffer holds a safetensors file, not a WA-1 block: read it with "
            "safetensors.numpy.load() and wea.dumps() each of its arrays",
        ),
    ],
    ids=["npy", "npz", "safetensors"],
)
@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, u8], ids=lambda w: w.__name__)
def test_loads_of_another_format_says_what_it_is(make: Any, hint: str, wrap: Any) -> None:
    raw = make()
    with pytest.raises(wea.BadMagicError) as info:
        wea.loads(wrap(raw))
    e = info.value
    assert type(e) is wea.BadMagicError and e.category == "bad_magic"
    assert e.message.startswith("bad_magic: magic bytes ")
    assert _hint(e) == hint
    # the same bytes fail the same way again: one note each time, never two
    with pytest.raises(wea.BadMagicError) as info:
        wea.loads(wrap(raw))
    assert _hint(info.value) == hint


@pytest.mark.parametrize(
    "raw",
    [b"\0" * 100, block(magic=b"nope"), b"", block(cut=100)],
    ids=["zeros", "nope", "empty", "cut"],
)
def test_loads_of_anything_else_has_no_hint(raw: bytes) -> None:
    with pytest.raises(wea.WeaError) as info:
        wea.loads(raw)
    assert not hasattr(info.value, "__notes__")
    assert str(info.value) == info.value.message


# -- exchange_buffer of views ---------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a[1:],
        lambda a: a[:, 0],
        lambda a: a[0],
        lambda a: a.T,
        lambda a: a.reshape(-1, order="F"),
        lambda a: a.view(np.int64),
        lambda a: a[::2],
    ],
    ids=["slice", "column", "row", "transpose", "reshape", "dtype-view", "stride"],
)
def test_exchange_buffer_of_a_view_is_a_clear_error(make: Any) -> None:
    wc = wea.create_buffered_array("float64", (4, 3))
    view = make(wc)
    assert isinstance(view, wea.BufferedExchangeArray)
    with pytest.raises(
        ValueError, match=r"is a view of a block whose header describes shape \(4, 3\)"
    ):
        view.exchange_buffer  # noqa: B018
    # the way out the message gives
    own = wea.load_buffered_array(wea.dumps(view))
    assert np.array_equal(own, view)
    assert F.parse_header(own.exchange_buffer).dims == view.shape


def test_exchange_buffer_of_the_whole_array_through_a_view() -> None:
    wc = wea.create_buffered_array("float32", (4, 3))
    assert wc[:].exchange_buffer is wc.exchange_buffer
    assert wc.T.T.exchange_buffer is wc.exchange_buffer
    assert wc[...].exchange_buffer is wc.exchange_buffer


def test_shape_changed_in_place_has_no_exchange_buffer() -> None:
    wc = wea.create_buffered_array("float32", (4, 3))
    wc.shape = (4, 3, 1)
    with pytest.raises(ValueError, match="no exchange buffer"):
        wc.exchange_buffer  # noqa: B018


def test_results_of_arithmetic_are_plain_arrays_or_hold_no_block() -> None:
    wc = wea.create_buffered_array("float64", (4, 3))
    wc += 1  # in place: still the block
    assert wc.exchange_buffer is not None
    assert np.add(wc, 1, out=wc) is wc  # out= keeps the very array
    assert wc.exchange_buffer is not None
    for result in (wc + 1, np.sqrt(wc), wc @ wc.T):
        assert type(result) is np.ndarray
    wc[:3] += np.eye(3)  # invertible
    for result in (wc + 1, np.sqrt(wc), wc[[0, 2]], wc[wc > 0], wc.copy(), np.linalg.inv(wc[:3])):
        assert not isinstance(result, wea.BufferedExchangeArray) or result.header is None
        assert not np.shares_memory(result, wc)
    assert isinstance(wc.sum(), np.floating)
    assert isinstance(wc[0, 0], np.floating)
    assert type(wc.copy()) is wea.BufferedExchangeArray
    with pytest.raises(ValueError, match="does not lie in a WA-1 block"):
        wc.copy().exchange_buffer  # noqa: B018
    with pytest.raises(ValueError, match="does not lie in a WA-1 block"):
        np.zeros(3).view(wea.BufferedExchangeArray).exchange_buffer  # noqa: B018


def test_copy_and_deepcopy_make_a_new_block() -> None:
    wc = wea.create_buffered_array("int8", (5,))
    wc[:] = [1, 2, 3, 4, 5]
    for other in (copy.copy(wc), copy.deepcopy(wc)):
        assert other.tolist() == [1, 2, 3, 4, 5]
        assert not np.shares_memory(other, wc)
        assert bytes(other.exchange_buffer) == bytes(wc.exchange_buffer)


def test_header_property() -> None:
    wc = wea.create_buffered_array("complex64", (2, 2))
    assert wc.header == F.make_header("complex64", (2, 2))
    assert np.zeros(2).view(wea.BufferedExchangeArray).header is None


# -- dumps ------------------------------------------------------------------------------


def _arrays() -> list[np.ndarray[Any, Any]]:
    rng = np.random.default_rng(0)
    c = rng.standard_normal((3, 4, 5))
    return [
        c,
        np.asfortranarray(c),
        c[:, ::2, 1:],
        c.transpose(2, 0, 1),
        c.astype(">f8"),
        np.asfortranarray(c).astype(">f4"),
        np.array(3.5),
        np.zeros((0, 4)),
        np.zeros((3, 0, 2), dtype="c16"),
        rng.integers(0, 2, (6, 7)).astype(bool),
        rng.standard_normal(9).astype("f2"),
        (rng.standard_normal((2, 3)) + 1j).astype("c8"),
        np.arange(24, dtype="u8").reshape(2, 3, 4)[:, ::-1],
        np.arange(10, dtype=">i2"),
    ]


@pytest.mark.parametrize("arr", _arrays(), ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_dumps_loads_round_trip(arr: np.ndarray[Any, Any]) -> None:
    raw = wea.dumps(arr)
    assert isinstance(raw, bytearray)
    h = F.parse_header(raw)
    assert h.offset == F.canonical_offset(arr.ndim)
    assert len(raw) == h.block_size
    assert h.dims == arr.shape
    back = wea.loads(raw)
    assert back.dtype == arr.dtype.newbyteorder("<")
    assert back.dtype.byteorder in "=<|"
    np.testing.assert_array_equal(back, arr)
    assert back.flags.f_contiguous
    assert bytes(raw[h.offset :]) == np.asarray(arr, dtype=h.dtype).tobytes(order="F")


def test_dumps_large_array_uses_chunks_and_is_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    from wea import _buffer

    monkeypatch.setattr(_buffer, "CHUNK_BYTES", 1000)
    arr = np.arange(7 * 11 * 13, dtype=">i4").reshape(7, 11, 13)
    pieces = list(_buffer.iter_data(arr, F.make_header(arr.dtype, arr.shape)))
    assert len(pieces) > 1
    assert b"".join(pieces) == arr.astype("<i4").tobytes(order="F")
    np.testing.assert_array_equal(wea.loads(wea.dumps(arr)), arr)


def test_dumps_accepts_array_likes_and_refuses_unsupported_dtypes() -> None:
    assert wea.loads(wea.dumps([[1, 2], [3, 4]])).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="supported: int8"):
        wea.dumps(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="supported"):
        wea.dumps(np.zeros(3, dtype=[("a", "i4")]))
    with pytest.raises(TypeError, match="supported"):
        wea.create_buffered_array(object, (3,))
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # numpy 1 stops at 32 itself
        block = wea.dumps(np.zeros((1,) * 64))  # numpy 2's limit, WA-1 1.1's too
        assert wea.loads(block).shape == (1,) * 64
        assert len(block) == 576 + 8  # C(64) = roundup(16 + 8 * 64, 64), then one float64
    else:  # pragma: no cover - numpy 1
        block = bytearray(wea.dumps(np.zeros((1,) * 32)))
        assert wea.read_header(block).ndims == 32


def test_dumps_of_exchange_arrays() -> None:
    wc = wea.create_buffered_array("uint16", (3, 2))
    wc[:] = [[1, 2], [3, 4], [5, 6]]
    assert wea.dumps(wc) == wc.exchange_buffer
    assert wea.loads(wea.dumps(wc[1:])).tolist() == [[3, 4], [5, 6]]


def test_block_size() -> None:
    assert wea.block_size("float64", (10, 2)) == 224
    assert wea.block_size("u1", ()) == 65
    assert wea.block_size("c16", (1,) * 7) == 144


# -- pickling ---------------------------------------------------------------------------


def test_pickle_protocol_5_out_of_band_is_zero_copy() -> None:
    wc = wea.create_buffered_array("float64", (1000, 3))
    wc[:] = 1.25
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(wc, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1
    assert len(data) < 200  # the 24 kB block went out of band
    back = pickle.loads(data, buffers=buffers)
    assert type(back) is wea.BufferedExchangeArray
    assert np.shares_memory(back, wc)
    assert np.array_equal(back, wc)
    # received as raw bytes on the other side: a view of them
    received = bytearray(buffers[0].raw())
    back2 = pickle.loads(data, buffers=[received])
    assert np.shares_memory(back2, u8(received))
    assert back2.exchange_buffer is received


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_in_band(protocol: int) -> None:
    wc = wea.create_buffered_array("int16", (3, 5))
    wc[:] = np.arange(15).reshape(3, 5)
    back = pickle.loads(pickle.dumps(wc, protocol=protocol))
    assert type(back) is wea.BufferedExchangeArray
    assert np.array_equal(back, wc)
    assert not np.shares_memory(back, wc)
    assert bytes(back.exchange_buffer) == bytes(wc.exchange_buffer)
    assert back.flags.writeable


@pytest.mark.parametrize("protocol", [2, 5])
def test_pickle_of_a_view_or_a_loaded_memoryview(protocol: int) -> None:
    wc = wea.create_buffered_array("int16", (3, 5))
    wc[:] = np.arange(15).reshape(3, 5)
    back = pickle.loads(pickle.dumps(wc[1:, ::2], protocol=protocol))
    assert back.tolist() == [[5, 7, 9], [10, 12, 14]]
    assert F.parse_header(back.exchange_buffer).dims == (2, 3)
    loaded = wea.load_buffered_array(memoryview(bytearray(wc.exchange_buffer) + b"tail"))
    back = pickle.loads(pickle.dumps(loaded, protocol=protocol))
    assert np.array_equal(back, wc)
    assert back.flags.writeable
    readonly = wea.load_buffered_array(memoryview(bytes(wc.exchange_buffer) + b"tail"))
    back = pickle.loads(pickle.dumps(readonly, protocol=protocol))
    assert np.array_equal(back, wc)
