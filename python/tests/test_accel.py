"""wea's compiled part (``wea._speedups``, chosen by ``wea._accel``) against the pure path.

Each hook is checked against what it replaces, on the same input: the
transposing copy against numpy's own copy, ``array_wrap`` against the
Python ``__array_wrap__``, and the C reader's attach against the Python
attach, on every conformance vector planted in shared memory. ``make test``
builds it and sets ``WEA_REQUIRE_ACCEL=1``, so these tests fail
there instead of being skipped when it is missing; the rest of the suite
runs once more with ``WEA_PURE_PYTHON=1`` (and under numpy 1, without the
helper) for the pure path.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wea
from wea import _accel, _shm
from wea import _format as F

REQUIRED = os.environ.get("WEA_REQUIRE_ACCEL", "") not in ("", "0")
ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "conformance"
SHM = Path("/dev/shm")
Names = Callable[[], str]

pytestmark = pytest.mark.skipif(
    not _accel.enabled() and not REQUIRED,
    reason=f"wea's compiled part is {_accel.status()}",
)


def test_the_helper_is_in_use() -> None:
    # Under `make test` a missing or stale helper fails here, not silently.
    assert wea.accelerated()
    assert _accel.copy_transposed is not None
    assert _accel.array_wrap is not None
    assert _accel.shm_attach is not None


def test_pure_python_turns_it_off() -> None:
    code = "import wea, wea._accel as a; print(wea.accelerated(), a.shm_attach, a.new_block)"
    env = {**os.environ, "WEA_PURE_PYTHON": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "None", "None"]
    version = subprocess.run(
        [sys.executable, "-m", "wea", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert version.stdout.splitlines()[1] == (
        "compiled part: not in use, pure Python: turned off by WEA_PURE_PYTHON=1"
    )


def test_version_names_the_module_in_use() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wea", "--version"], capture_output=True, text=True, check=True
    )
    assert _accel._MODULE is not None
    assert out.stdout.splitlines()[1] == (
        f"compiled part: in use (wea._speedups, {_accel._MODULE.__file__})"
    )


def test_a_module_of_another_interface_is_not_used(tmp_path: Path) -> None:
    # A stale build (another API) is refused at import, and said why.
    fake = tmp_path / "wea"
    fake.mkdir()
    for f in Path(wea.__file__).parent.glob("*.py"):
        (fake / f.name).write_bytes(f.read_bytes())
    (fake / "_speedups.py").write_text("API = -1\n")
    code = "import wea, wea._accel as a; print(wea.accelerated()); print(a.status())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        cwd=tmp_path,
    )
    assert out.stdout.splitlines() == [
        "False",
        f"not in use, pure Python: wea._speedups has interface -1, this wea needs {_accel.API}: "
        "reinstall wea",
    ]


# -- new_block -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 100, (4 << 20) - 1, 4 << 20, (9 << 20) + 3])
def test_new_block_is_a_bytearray_of_that_size(size: int) -> None:
    assert _accel.new_block is not None
    block = _accel.new_block(size)
    assert type(block) is bytearray and len(block) == size
    block[:] = b"\x5a" * size  # all of it is writable memory
    assert block.count(0x5A) == size
    with pytest.raises(ValueError, match="size must be >= 0"):
        _accel.new_block(-1)
    with pytest.raises((MemoryError, OverflowError)):
        _accel.new_block(1 << 62)


@pytest.mark.parametrize("order", ["C", "F"])
def test_a_new_block_is_the_same_with_and_without_it(order: str) -> None:
    a = np.arange(3 * (1 << 17), dtype="f8").reshape(3, -1)
    if order == "F":
        a = np.asfortranarray(a)
    block = wea.dumps(a)
    with _accel.pure_python():
        pure = wea.dumps(a)
    assert type(block) is bytearray and block == pure
    assert np.array_equal(wea.loads(block), a)


# -- copy_transposed ---------------------------------------------------------------------

ITEM_DTYPES = ["u1", "i2", "f2", "f4", "i8", "f8", "c8", "c16"]
BASES = [(2, 3), (63, 65), (64, 256), (65, 257), (3, 130, 7), (5, 1, 70), (2, 3, 4, 5), (9, 1)]


def _sources(dtype: str, shape: tuple[int, ...]) -> Iterator[np.ndarray[Any, Any]]:
    n = int(np.prod(shape))
    base = (np.arange(n) % 251 + 1).astype(dtype).reshape(shape)
    yield base.T  # the full reversal: what dumps(a) of a C-order array copies
    if base.ndim > 2:
        yield base.transpose(1, 0, *range(2, base.ndim))
        yield np.moveaxis(base, -1, 0)
    yield base.T[::-1]  # negative strides
    if shape[-1] > 2:
        yield base[..., ::2].T  # a stride of two elements along the source's fastest axis


@pytest.mark.parametrize("dtype", ITEM_DTYPES)
@pytest.mark.parametrize("shape", BASES, ids=str)
def test_copy_transposed_equals_numpys_copy(dtype: str, shape: tuple[int, ...]) -> None:
    assert _accel.copy_transposed is not None
    for src in _sources(dtype, shape):
        dst = np.full(src.shape, 99, dtype=dtype)
        if _accel.copy_transposed(dst, src):
            assert np.array_equal(dst, src), (src.shape, src.strides)
        else:
            # declined only where there is no transposition to do: the
            # destination's last axis is already the source's fastest (or
            # has one element)
            longer = [i for i in range(src.ndim) if src.shape[i] > 1]
            fastest = min(longer, key=lambda i: (abs(src.strides[i]), -i))
            assert fastest == src.ndim - 1 or src.shape[-1] == 1, (src.shape, src.strides)


@pytest.mark.parametrize("dtype", ["f4", "f8", "c16", "i2"])
@pytest.mark.parametrize("misalign", [0, 16, 48])
def test_the_streaming_pass_equals_numpys_copy(dtype: str, misalign: int) -> None:
    # Above STREAM_MIN bytes with rows of whole cache lines, 4-, 8- and
    # 16-byte items are written with non-temporal stores, after a head of
    # plain stores up to the first line of each row; a row that is not
    # whole lines, or a 2-byte item, takes the plain pass.
    assert _accel._MODULE is not None
    itemsize = np.dtype(dtype).itemsize
    rows = _accel._MODULE.STREAM_MIN // (768 * itemsize) + 3
    for cols in (768, 771):  # 768 items: whole lines for every item size
        base = (np.arange(rows * cols) % 1009).astype(dtype).reshape(rows, cols)
        raw = np.zeros(rows * cols * itemsize + 128, np.uint8)
        start = -raw.ctypes.data % 64 + misalign
        dst = raw[start : start + rows * cols * itemsize].view(dtype).reshape(cols, rows)
        assert _accel.copy_transposed is not None and _accel.copy_transposed(dst, base.T)
        assert np.array_equal(dst, base.T)


def _at(dtype: str, shape: tuple[int, ...], offset: int) -> np.ndarray[Any, Any]:
    """A C-contiguous array of `shape` whose data is `offset` bytes past a cache line."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = np.zeros(nbytes + 128, np.uint8)
    start = -raw.ctypes.data % 64 + offset
    return raw[start : start + nbytes].view(dtype).reshape(shape)


def _big_shapes(itemsize: int) -> list[tuple[int, int]]:
    """2-D source shapes of at least STREAM_MIN bytes: rows and columns of whole
    lines, and both ragged (the last strips, micro blocks and lines part-filled)."""
    assert _accel._MODULE is not None
    items = _accel._MODULE.STREAM_MIN // itemsize
    return [(1024, items // 1024 + 64), (1027, items // 1027 + 37), (131, items // 131 + 3)]


@pytest.mark.parametrize("dtype", ["u1", "i2", "f4", "f8", "c16"])
@pytest.mark.parametrize("dst_off", [0, 8, 16, 48])
@pytest.mark.parametrize("src_off", [0, 16, 40])
def test_the_simd_pass_equals_numpys_copy(dtype: str, dst_off: int, src_off: int) -> None:
    # Large planes of 4-, 8- and 16-byte items take the simd pass where the CPU
    # has one (copy_strategy()): heads of plain stores up to a line of dst's
    # rows and of src's rows, micro blocks of whole lines, ragged edges by the
    # plain pass; every offset of dst and src within a line, every item size.
    itemsize = np.dtype(dtype).itemsize
    for shape in _big_shapes(itemsize):
        base = _at(dtype, shape, src_off)
        base[...] = (np.arange(base.size) % 1009).astype(dtype).reshape(shape)
        for src in (base.T, base[::-1].T):  # and rows in reverse: a negative stride along p
            dst = _at(dtype, src.shape, dst_off)
            assert _accel.copy_transposed is not None and _accel.copy_transposed(dst, src)
            assert np.array_equal(dst, src), (dtype, shape, dst_off, src_off)


@pytest.mark.parametrize("dtype", ["f4", "f8", "c16"])
@pytest.mark.parametrize("pad", [0, 1])
def test_the_simd_pass_on_the_planes_of_a_3d_array(dtype: str, pad: int) -> None:
    # Planes of STREAM_MIN bytes or more, one pass each; with `pad`, the planes
    # of the source are not a whole number of lines apart, so that each plane's
    # rows start elsewhere in a line.
    itemsize = np.dtype(dtype).itemsize
    rows, cols = _big_shapes(itemsize)[1]
    full = (np.arange(3 * rows * (cols + pad)) % 1013).astype(dtype).reshape(3, rows, cols + pad)
    base = full[:, :, :cols] if pad else full
    for src in (base.T, np.moveaxis(base, -1, 0), base.transpose(2, 0, 1)):
        dst = _at(dtype, src.shape, 16)
        assert _accel.copy_transposed is not None and _accel.copy_transposed(dst, src)
        assert np.array_equal(dst, src), (dtype, src.shape, src.strides)


@pytest.mark.parametrize("simd", ["none", "avx2"])
def test_the_other_passes_a_cpu_may_take(simd: str) -> None:
    # WEA_SIMD picks a pass below the best one this CPU has (AVX2 where
    # it has AVX2; "none": the scalar tiles); they must copy the same.
    code = textwrap.dedent(
        """
        import numpy as np, wea._speedups as m
        print(m.copy_strategy())
        for dtype in ("f4", "f8", "c16"):
            for shape in ((1024, 4096 * 8 // np.dtype(dtype).itemsize), (1027, 1100)):
                for off in (0, 16):
                    raw = np.zeros(int(np.prod(shape)) * np.dtype(dtype).itemsize + 128, np.uint8)
                    start = -raw.ctypes.data % 64 + off
                    c = raw[start : start + raw.size - 128].view(dtype).reshape(shape)
                    c[...] = (np.arange(c.size) % 1009).reshape(shape)
                    dst = np.zeros(shape[::-1], dtype)
                    assert m.copy_transposed(dst, c.T) and np.array_equal(dst, c.T), (dtype, shape)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "WEA_SIMD": simd},
    )
    assert out.returncode == 0, out.stderr
    if simd == "none":
        assert out.stdout.startswith("scalar tiles")


_LANE_CHECK = textwrap.dedent(
    """
    import numpy as np, wea._speedups as m

    def at(dtype, shape, offset):
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        raw = np.zeros(nbytes + 128, np.uint8)
        start = -raw.ctypes.data % 64 + offset
        return raw[start : start + nbytes].view(dtype).reshape(shape)

    def check(dtype, shape, dst_off, src_off):
        base = at(dtype, shape, src_off)
        base[...] = (np.arange(base.size) % 1009 + 1).astype(dtype).reshape(shape)
        srcs = [base.T, base[::-1].T, base[:, ::-1].T]
        if base.ndim == 2:
            srcs = srcs[:2]
        for src in srcs:
            dst = at(dtype, src.shape, dst_off)
            dst[...] = 0
            assert m.copy_transposed(dst, src), (dtype, shape)
            assert np.array_equal(dst, src), (dtype, shape, src.strides, dst_off, src_off)

    small = [(37, 19, 70), (70, 3, 33), (5, 65, 17), (3, 17, 5, 40), (130, 67), (16, 64)]
    for dtype in ("u1", "i2", "f4", "f8", "c16"):
        isz = np.dtype(dtype).itemsize
        items = m.STREAM_MIN // isz
        big = [(64, 16, items // 1024 + 64), (131, 7, items // 917 + 3), (1027, items // 1027 + 37)]
        for shape in small:
            check(dtype, shape, 16, 40)
        for shape in big:
            for dst_off, src_off in ((0, 0), (16, 40), (8, 16)):
                check(dtype, shape, dst_off, src_off)
    print("ok")
    """
)


@pytest.mark.parametrize("simd", ["", "avx2", "none"])
def test_the_lane_pass_equals_numpys_copy(simd: str) -> None:
    # The lane pass (a source contiguous along dst's first axis: 3-D and more
    # with the planes fused into dst rows, and 2-D of 1- and 2-byte items):
    # every item size, odd extents (micro blocks across two planes, ragged last
    # rows and columns), small (ordinary stores) and of STREAM_MIN bytes or
    # more (streamed after a head), dst and src off a line, negative strides
    # along p and along a middle axis; at each level WEA_SIMD may pick.
    out = subprocess.run(
        [sys.executable, "-c", _LANE_CHECK],
        capture_output=True,
        text=True,
        env={**os.environ, "WEA_SIMD": simd},
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_dumps_into_a_bytearray_takes_the_simd_pass_and_is_right() -> None:
    # What the benchmark times: a C-order array into a reused bytearray (its
    # data 16 bytes past a page, so the block's data is not on a line).
    assert _accel._MODULE is not None
    assert isinstance(_accel._MODULE.copy_strategy(), str)
    c = (np.arange(1030 * 1100) % 977).astype("f8").reshape(1030, 1100)
    buf = bytearray(wea.block_size(c.dtype, c.shape) + 8)
    for view in (buf, memoryview(buf)[8:]):
        block = wea.dumps(c, out=view)
        assert np.array_equal(wea.loads(block), c)
    assert bytes(wea.dumps(c)) == bytes(wea.dumps(np.asfortranarray(c)))


def test_copy_transposed_declines_what_it_does_not_handle() -> None:
    copy = _accel.copy_transposed
    assert copy is not None
    a = np.arange(24.0).reshape(4, 6)
    assert copy(np.empty((4, 6)), a) is False  # already in order: nothing to transpose
    assert copy(np.empty(6), np.arange(6.0)) is False  # 1-D
    assert copy(np.empty((6, 4), "f4"), a.T) is False  # another item size
    assert copy(np.empty((6, 4)), a.T[:, :3]) is False  # another shape
    three = np.zeros((4, 6), "S3")  # an item size no pass has
    assert copy(np.empty((6, 4), "S3"), three.T) is False
    raw = np.zeros(24 * 8 + 1, np.uint8)
    odd = np.frombuffer(raw.data, np.float64, 24, offset=1).reshape(4, 6)  # misaligned
    assert copy(np.empty((6, 4)), odd.T) is False
    empty = np.zeros((0, 5))
    assert copy(np.empty((5, 0)), empty.T) is True  # nothing to copy
    mem = np.arange(48.0)  # a source that overlaps the destination
    assert copy(mem[:24].reshape(6, 4), mem[20:44].reshape(4, 6).T) is False
    assert copy(mem[24:].reshape(6, 4), mem[::-2].reshape(4, 6).T) is False
    assert copy(mem[:24].reshape(6, 4), mem[24:].reshape(4, 6).T) is True  # side by side
    assert np.array_equal(mem[:24].reshape(6, 4), np.arange(24.0, 48.0).reshape(4, 6).T)


def test_copy_transposed_refuses_a_read_only_or_strided_destination() -> None:
    copy = _accel.copy_transposed
    assert copy is not None
    a = np.arange(24.0).reshape(4, 6)
    ro = np.empty((6, 4))
    ro.flags.writeable = False
    with pytest.raises((BufferError, ValueError)):
        copy(ro, a.T)
    with pytest.raises((BufferError, ValueError)):
        copy(np.empty((4, 6)).T, a.T)
    assert np.array_equal(a, np.arange(24.0).reshape(4, 6))


@pytest.mark.parametrize("dtype", ["u1", "f4", "f8", "c16", "bool"])
def test_dumps_of_a_c_order_array_is_the_same_with_and_without_the_helper(
    dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = (np.arange(300 * 257 * 2) % 3).astype(dtype).reshape(2, 300, 257)  # above _BLOCKED_MIN
    fast = bytes(wea.dumps(a))
    monkeypatch.setattr(_accel, "copy_transposed", None)
    assert fast == bytes(wea.dumps(a)) == bytes(wea.dumps(np.asfortranarray(a)))


def test_a_converting_fill_takes_the_pure_path(shm_name: Names) -> None:
    src = np.arange(400 * 300, dtype=np.int32).reshape(400, 300)
    a = wea.create_shared_array(shm_name(), np.float64, (400, 300), data=src)
    try:
        assert np.array_equal(a, src.astype(np.float64))
    finally:
        a.unlink()


# -- array_wrap ----------------------------------------------------------------------------


def test_array_wrap_is_the_python_hook_in_c() -> None:
    wrap = _accel.array_wrap
    assert wrap is not None
    x = np.arange(3.0)
    assert wrap(x) is x
    assert wrap(x, None, False) is x
    zero = np.array(2.5)
    assert type(wrap(zero, None, True)) is np.float64 and wrap(zero, None, True) == 2.5
    assert type(wrap(zero, return_scalar=True)) is np.float64
    assert wrap(zero, context=None) is zero
    with pytest.raises(TypeError):
        wrap()
    with pytest.raises(TypeError):
        wrap(x, None, False, 1)
    with pytest.raises(TypeError):
        wrap(x, what=1)


@pytest.mark.skipif(wea._base._NUMPY1, reason="numpy 1 keeps the Python hook")
def test_results_of_shared_arrays_through_the_c_hook(shm_name: Names) -> None:
    assert isinstance(wea._base.ExchangeArrayBase.__dict__["__array_wrap__"], staticmethod)
    a = wea.create_shared_array(shm_name(), np.float64, (2, 2), data=[[1, 0], [0, 2]])
    try:
        assert type(a + 1) is np.ndarray and (a + 1).tolist() == [[2, 1], [1, 3]]
        assert type(np.sqrt(a)) is np.ndarray
        assert type(a.sum()) is np.float64 and a.sum() == 3
        assert np.linalg.inv(a).tolist() == [[1, 0], [0, 0.5]]
        assert np.add(a, 1, out=a) is a and a.mem is not None
        view = a[0]
        assert type(view) is wea.SharedExchangeArray and view.mem is a.mem
    finally:
        a.unlink()


# -- shm_attach ----------------------------------------------------------------------------


def _plant(name: str, data: bytes) -> None:
    fd = os.open(SHM / name.lstrip("/"), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _outcome(name: str) -> tuple[str, str, Any]:
    try:
        a = wea.attach_shared_array(name, readonly=True)
    except Exception as e:
        notes = getattr(e, "__notes__", [])
        return type(e).__name__, "\n".join([str(e), *notes]), None
    return "ok", repr((a.dtype, a.shape)), a.copy()


def _vectors() -> list[dict[str, Any]]:
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    vectors: list[dict[str, Any]] = manifest["vectors"]
    return vectors


def test_the_c_attach_and_the_python_attach_agree_on_every_vector(
    shm_name: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _accel.shm_attach is not None
    real = _accel.shm_attach
    planted = {
        "empty object": b"",
        "A1: magic with L = 0 and room for data": F.header_bytes(F.make_header("f8", (0,)))
        + bytes(64),
    }
    for v in _vectors():
        planted[v["id"]] = (VECTORS / v["path"]).read_bytes()
    accepted = 0
    for what, data in planted.items():
        name = shm_name()
        _plant(name, data)
        try:
            fast = _outcome(name)
            c_said = real(name, False)
            monkeypatch.setattr(_accel, "shm_attach", None)
            pure = _outcome(name)
            monkeypatch.setattr(_accel, "shm_attach", real)
        finally:
            os.unlink(SHM / name.lstrip("/"))
        assert fast[:2] == pure[:2], what  # the class, the message and the notes
        # the C reader accepts exactly the valid blocks; numpy 1 cannot hold
        # more than 32 dims, which both paths then say the same way
        valid = pure[0] == "ok" or "holds at most" in pure[1]
        assert (len(c_said) == 5) == valid, what
        accepted += len(c_said) == 5
        if fast[0] == "ok":
            assert fast[2].tobytes() == pure[2].tobytes(), what
    assert accepted > 150  # the valid vectors did take the C path


def test_the_c_attach_returns_the_validated_fields_and_the_identity(shm_name: Names) -> None:
    shm_attach = _accel.shm_attach
    assert shm_attach is not None
    name = shm_name()
    a = wea.create_shared_array(name, np.int16, (3, 4), data=np.arange(12).reshape(3, 4))
    try:
        got = shm_attach(name, False)
        assert len(got) == 5
        view, fields, size, dev, ino = got
        st = os.stat(SHM / name.lstrip("/"))
        assert (dev, ino) == (st.st_dev, st.st_ino) and size == st.st_size == len(view)
        want = F.make_header(np.int16, (3, 4))
        assert fields == (want.etype, want.offset, want.dims, want.len_data)
        assert F.plan_of_fields(fields) == F.validate_snapshot(bytes(view), size)
        b = wea.attach_shared_array(name, readonly=True)
        assert not b.flags.writeable and np.array_equal(a, b)
        c = wea.attach_shared_array(name)
        c[1, 2] = -7
        assert a[1, 2] == -7  # the same object, mapped shared
        assert c.mem is not None and c.mem._ident == (dev, ino)
    finally:
        a.unlink()


def _mapped(name: str) -> bool:
    return f"/dev/shm/{name.lstrip('/')}" in Path("/proc/self/maps").read_text()


def test_the_c_mapping_lives_until_its_last_view_is_gone(shm_name: Names) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.float64, (1000,), data=1.5)
    try:
        a.mem.close() if a.mem is not None else None
        del a
        b = wea.attach_shared_array(name)
        view = b[10:20]
        del b
        assert view.sum() == 15.0 and _mapped(name)
        del view
        assert not _mapped(name)
    finally:
        wea.unlink_shared_array(name)


def _refusal(got: object) -> tuple[str, int, str]:
    assert isinstance(got, tuple) and len(got) == 3, got
    category, err, message = got
    assert isinstance(category, str) and isinstance(err, int) and isinstance(message, str)
    return category, err, message


def test_refusals_of_the_c_attach_are_the_python_errors(
    shm_name: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    shm_attach = _accel.shm_attach
    assert shm_attach is not None

    # The compiled attach reports its own refusal: the Python path, which
    # would open the object again, is never entered.
    def second_attach(*args: object) -> None:
        raise AssertionError("the Python path attached again")

    monkeypatch.setattr(_shm, "open_regular", second_attach)
    missing = shm_name()
    assert shm_attach(missing, False)[:2] == ("not_found", errno.ENOENT)
    with pytest.raises(FileNotFoundError, match="no shared-memory object named") as caught:
        wea.attach_shared_array(missing)
    assert caught.value.errno == errno.ENOENT and caught.value.filename == missing
    fifo = shm_name()
    os.mkfifo(SHM / fifo.lstrip("/"))
    try:
        status, err, message = _refusal(shm_attach(fifo, False))  # and it did not block
        assert (status, err) == ("system", errno.EINVAL) and "not a regular file" in message
        with pytest.raises(OSError, match="not a regular file") as not_regular:
            wea.attach_shared_array(fifo)
        assert not_regular.value.errno == errno.EINVAL and not_regular.value.filename == fifo
    finally:
        os.unlink(SHM / fifo.lstrip("/"))
    empty = shm_name()
    _plant(empty, b"")
    try:
        status, err, message = _refusal(shm_attach(empty, False))
        assert (status, err) == (wea.TruncatedError.category, 0)
        with pytest.raises(wea.TruncatedError) as trunc:
            wea.attach_shared_array(empty)
        assert trunc.value.message == message
        assert message.endswith(_shm.BEING_CREATED)
        notes = getattr(trunc.value, "__notes__", None)  # Python 3.11+
        assert notes in (None, [f"while attaching shared array {empty!r}"])
    finally:
        os.unlink(SHM / empty.lstrip("/"))
    for bad in ("", "/", "/a/b"):  # the C reader's own name check (§8.2.1)
        assert shm_attach(bad, False)[0] == "invalid_name", bad
    for worse in ("/a\0b", "/" + "n" * 300, "/\udcff\ud800"):  # never a normalized name
        with pytest.raises(ValueError, match=r"normalized name|surrogates not allowed"):
            shm_attach(worse, False)
    with pytest.raises(TypeError):
        shm_attach(b"/bytes", False)  # type: ignore[arg-type]


_SHRINKER = textwrap.dedent(
    """
    import os, sys
    path, size = sys.argv[1], int(sys.argv[2])
    fd = os.open(path, os.O_RDWR)
    sys.stdout.write("go\\n"); sys.stdout.flush()
    while True:
        os.ftruncate(fd, 100)
        os.ftruncate(fd, size)
    """
)


def test_the_c_attach_survives_an_object_that_shrinks_and_grows(shm_name: Names) -> None:
    # A real race: another process truncates the object over and over.
    # Every attach gives the whole array or a spec error, never SIGBUS.
    name = shm_name()
    a = wea.create_shared_array(name, np.uint8, (1 << 16,), persistent=True)
    size = a.mem.size if a.mem is not None else 0
    path = str(SHM / name.lstrip("/"))
    child = subprocess.Popen(
        [sys.executable, "-c", _SHRINKER, path, str(size)], stdout=subprocess.PIPE, text=True
    )
    seen: dict[str, int] = {}
    try:
        assert child.stdout is not None and child.stdout.readline() == "go\n"
        for _ in range(3000):
            try:
                b = _shm.attach_shared_array(name, readonly=True)
            except (wea.TruncatedError, wea.DataTruncatedError) as e:
                seen[type(e).__name__] = seen.get(type(e).__name__, 0) + 1
            else:
                assert b.shape == (1 << 16,)
                seen["ok"] = seen.get("ok", 0) + 1
    finally:
        child.kill()
        child.wait()
        wea.unlink_shared_array(name)
    assert sum(seen.values()) == 3000, seen
