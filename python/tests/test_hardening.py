"""Bytes that change under the reader, hostile local users, the 0.1.3 constructors.

Each test here is the regression test of a defect that was reproduced on
wea 1.0.0.dev0 (issue "Hardening"); the long-running attack classes (real
racing writer processes, thousands of attaches) are in reliability/.
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wea
from wea import _format as F

SHM = Path("/dev/shm")


def _block_with_dims(dims: tuple[int, ...], dtype: str = "<f8") -> bytearray:
    """A block of the given dims with no check (dims may be invalid)."""
    n = len(dims)
    offset = F.canonical_offset(n)
    count = 1
    for d in dims:
        count *= max(d, 0)
    out = bytearray(offset + np.dtype(dtype).itemsize * count)
    out[0:4] = F.MAGIC_BYTES
    struct.pack_into("<HHq", out, 4, F.etype_of(dtype), n, offset)
    struct.pack_into(f"<{n}q", out, 16, *dims)
    return out


# -- 1. the header cache is keyed by exactly what was validated ---------------------


def test_a_writer_between_validation_and_caching_cannot_poison_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worst moment for a concurrent writer: just after the checks ran on
    # the buffer, before the reader remembers them. Simulated exactly: the
    # check itself flips dim 1 to -1 in the live buffer once it has returned.
    live = _block_with_dims((2, 577 + 1000))  # a unique, valid header
    bad = bytes(_block_with_dims((2, -1)))
    bad = bad + bytes(len(live) - len(bad))
    original = F.parse_header

    def parse_then_flip(*args: Any, **kwargs: Any) -> F.Header:
        header = original(*args, **kwargs)
        live[24:32] = struct.pack("<q", -1)  # a writer process, at that instant
        return header

    monkeypatch.setattr(F, "parse_header", parse_then_flip)
    for module in ("_buffer", "_shm", "_file"):
        monkeypatch.setattr(f"wea.{module}.parse_header", parse_then_flip, raising=False)
    arr = wea.loads(live)
    assert arr.shape == (2, 1577)  # what was validated
    monkeypatch.undo()
    assert bytes(live[:64]) == bad[:64]
    with pytest.raises(wea.InvalidDimensionError, match="dimension 1 is -1"):
        wea.loads(bytes(bad))  # never the cached (2, 1577)
    with pytest.raises(wea.InvalidDimensionError):
        wea.load_buffered_array(bytes(bad))


def test_the_cache_checks_the_length_of_a_header_seen_before() -> None:
    block = bytes(wea.dumps(np.arange(5, dtype="u2")))
    assert wea.loads(block).tolist() == [0, 1, 2, 3, 4]  # now cached
    for cut in (len(block) - 1, 64, 63, 16):
        with pytest.raises((wea.DataTruncatedError, wea.TruncatedError)):
            wea.loads(block[:cut])
        with pytest.raises((wea.DataTruncatedError, wea.TruncatedError)):
            wea.load_buffered_array(block[:cut])


def test_the_cache_is_not_fooled_by_dims_beyond_its_key() -> None:
    # 7 dims: the 7th lies after the first 64 bytes, which key the cache.
    block = bytearray(wea.dumps(np.zeros((1, 1, 1, 1, 1, 2, 3), dtype="i1")))
    assert wea.loads(block).shape == (1, 1, 1, 1, 1, 2, 3)
    other = bytearray(block)
    struct.pack_into("<q", other, 16 + 6 * 8, 2)
    assert wea.loads(bytes(other)).shape == (1, 1, 1, 1, 1, 2, 2)
    struct.pack_into("<q", other, 16 + 6 * 8, -3)
    with pytest.raises(wea.InvalidDimensionError, match="dimension 6 is -3"):
        wea.loads(bytes(other))


# -- 3. a shrink racing a new attach ------------------------------------------------

_SHRINK_CHILD = """
import mmap, os, sys
import numpy as np, wea
name = sys.argv[1]
real = mmap.mmap

def map_then_shrink(fd, size, *args, **kwargs):
    m = real(fd, size, *args, **kwargs)
    os.ftruncate(fd, 0)  # another process shrinks the object, right now
    return m

mmap.mmap = map_then_shrink
try:
    a = wea.attach_shared_array(name)
except wea.WeaError as e:
    print("refused", e.category)
else:
    print("attached", a.shape)
"""


def test_a_shrink_between_mapping_and_reading_is_data_truncated_not_sigbus(
    shm_name: Callable[[], str],
) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "f8", (64, 64))
    try:
        out = subprocess.run(
            [sys.executable, "-c", _SHRINK_CHILD, name],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "WEA_PURE_PYTHON": "1"},  # the path mmap.mmap is in
        )
        assert out.returncode == 0, f"the attaching process died: {out.returncode} {out.stderr}"
        assert out.stdout.strip() == "refused data_truncated"
    finally:
        a.unlink()


@pytest.mark.usefixtures("pure_python")
def test_an_object_shrunk_after_fstat_is_refused(
    shm_name: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wea import _mapping

    name = shm_name()
    a = wea.create_shared_array(name, "u1", (10000,))
    real = _mapping.read_plan

    def plan_then_shrink(fd: int, size: int, head: bytes | None = None) -> F.Plan:
        plan = real(fd, size, head)
        os.ftruncate(fd, 100)  # shorter than the block, longer than the header
        return plan

    monkeypatch.setattr("wea._shm.read_plan", plan_then_shrink)
    try:
        with pytest.raises(wea.DataTruncatedError, match="the block has 100 bytes"):
            wea.attach_shared_array(name)
    finally:
        a.unlink()


# -- 5, 6, 7. files whose size lies, and listing that survives anything -----------------


def test_a_file_whose_size_reads_zero_is_truncated_everywhere() -> None:
    path = "/proc/self/cmdline"  # size 0, content nonzero
    with pytest.raises(wea.TruncatedError):
        wea.read_header(path)
    for mode in ("r", "c", None):
        with pytest.raises(wea.TruncatedError):
            wea.load(path, mmap_mode=mode)


def test_a_file_shrunk_between_fstat_and_mapping_is_data_truncated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wea import _mapping

    path = tmp_path / "a.wea"
    wea.save(path, np.arange(4096, dtype="f8"))
    real = _mapping.read_plan

    def plan_then_shrink(fd: int, size: int, head: bytes | None = None) -> F.Plan:
        plan = real(fd, size, head)
        os.truncate(path, 1000)  # a concurrent save, or an attacker
        return plan

    monkeypatch.setattr("wea._file.read_plan", plan_then_shrink)
    with pytest.raises(wea.DataTruncatedError, match="the block has 1000 bytes"):
        wea.load(path)
    monkeypatch.undo()
    with pytest.raises(wea.DataTruncatedError):
        wea.load(path)


def test_listing_skips_symbolic_links(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    link = shm_name()
    a = wea.create_shared_array(name, "f4", (3,))
    try:
        os.symlink(SHM / name[1:], SHM / link[1:])
        names = [info.name for info in wea.list_shared_arrays()]
        assert name in names
        assert link not in names
    finally:
        a.unlink()
        os.unlink(SHM / link[1:])


def test_listing_survives_odd_names_and_sizes(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    odd = os.fsencode(shm_name()[1:]) + b"-\xff\x1b[2J\n"
    path = b"/dev/shm/" + odd
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, bytes(wea.dumps(np.arange(3.0)))[:80])  # valid header, data cut
        os.close(fd)
        a = wea.create_shared_array(name, "f4", (3,))
        try:
            infos = {info.name: info for info in wea.list_shared_arrays()}
            assert name in infos
            strange = infos["/" + os.fsdecode(odd)]
            assert strange.header is None and strange.category == "data_truncated"
        finally:
            a.unlink()
    finally:
        os.unlink(path)


def test_a_fifo_is_refused_at_once_by_every_file_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.wea"
    os.mkfifo(fifo)
    code = textwrap.dedent(
        f"""
        import wea
        for call in (lambda: wea.read_header({str(fifo)!r}),
                     lambda: wea.load({str(fifo)!r}),
                     lambda: wea.load({str(fifo)!r}, mmap_mode=None)):
            try:
                call()
            except OSError as e:
                print(e.errno)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == [str(22)] * 3, out.stderr


# -- 8. bool is written as 0 and 1 only (spec §4.2) -------------------------------------


def _odd_bools() -> np.ndarray[Any, Any]:
    raw = np.array([0, 1, 2, 255, 0, 7], dtype=np.uint8)
    return raw.view(np.bool_).reshape(2, 3)


@pytest.mark.parametrize("order", ["F", "C"])
def test_bool_writers_write_only_0_and_1(
    order: str, tmp_path: Path, shm_name: Callable[[], str]
) -> None:
    arr = _odd_bools()
    expected = np.array([[0, 1, 1], [1, 0, 1]], dtype=np.uint8)
    blocks = [bytes(wea.dumps(arr))]
    wea.save(tmp_path / "plain.wea", arr)
    blocks.append((tmp_path / "plain.wea").read_bytes())
    for block in blocks:
        assert set(np.frombuffer(block, np.uint8, 6, 64).tolist()) <= {0, 1}
        assert np.array_equal(wea.loads(block).view(np.uint8), expected)
    blocks = [bytes(wea.dumps(arr, order=order))]  # type: ignore[arg-type]
    out = bytearray(200)
    blocks.append(bytes(wea.dumps(arr, order=order, out=out)))  # type: ignore[arg-type]
    blocks.append(bytes(wea.dumps(np.asfortranarray(arr), order=order)))  # type: ignore[arg-type]
    wea.save(tmp_path / "b.wea", arr, order=order)  # type: ignore[arg-type]
    blocks.append((tmp_path / "b.wea").read_bytes())
    name = shm_name()
    s = wea.create_shared_array(name, bool, arr.shape, data=arr, order=order)  # type: ignore[arg-type]
    try:
        blocks.append(bytes(s.mem.buf[: s.header.block_size]))  # type: ignore[union-attr]
    finally:
        s.unlink()
    for block in blocks:
        data = np.frombuffer(block, np.uint8, 6, 64)
        assert set(data.tolist()) <= {0, 1}
        back = wea.loads(block, order=order)  # type: ignore[arg-type]
        assert np.array_equal(back.view(np.uint8), expected)


# -- 9. the 0.1.3 class constructors -----------------------------------------------------


def test_the_0_1_3_buffered_constructors() -> None:
    wc = wea.BufferedExchangeArray(dtype=np.dtype("float64"), shape=(10, 2))
    assert isinstance(wc, wea.BufferedExchangeArray)
    assert wc.shape == (10, 2) and wc.flags.f_contiguous and not wc.any()
    buf = wc.exchange_buffer
    assert isinstance(buf, bytearray) and len(buf) == 64 + 160
    wd = wea.BufferedExchangeArray(exchange_buffer=buf)
    wc[3, 1] = 5.0
    assert wd[3, 1] == 5.0
    with pytest.raises(TypeError, match="missing shape"):
        wea.BufferedExchangeArray(dtype="f8")
    with pytest.raises(TypeError, match="missing dtype"):
        wea.BufferedExchangeArray(shape=(2,))
    with pytest.raises(TypeError, match="takes the dtype"):
        wea.BufferedExchangeArray(exchange_buffer=buf, dtype="f8")


def test_the_0_1_3_shared_constructors(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    wa = wea.SharedExchangeArray(name, True, dtype=np.dtype("float64"), shape=(10, 2))
    try:
        assert isinstance(wa, wea.SharedExchangeArray) and wa.mem is not None
        assert wa.mem.name == name  # 0.1.3's had no leading slash
        wb = wea.SharedExchangeArray(name, False)
        wa[1, 1] = 3.0
        assert wb[1, 1] == 3.0 and wb.shape == (10, 2)
        with pytest.raises(TypeError, match="do not pass them"):
            wea.SharedExchangeArray(name, False, dtype="f8")
        with pytest.raises(TypeError, match="missing shape"):
            wea.SharedExchangeArray(name + "x", True, dtype="f8")
        assert not (SHM / (name[1:] + "x")).exists()
        with pytest.raises(FileExistsError):
            wea.SharedExchangeArray(name, True, dtype="f8", shape=(1,))
    finally:
        wa.unlink()


# -- test gaps found by mutation testing ------------------------------------------------


def test_a_pickled_view_crossing_the_end_of_the_block_is_refused(
    shm_name: Callable[[], str],
) -> None:
    from wea._shm import _rebuild_shared

    name = shm_name()
    a = wea.create_shared_array(name, "f8", (8,))
    try:
        # The object is longer than its block: room that is not the block's.
        fd = os.open(SHM / name[1:], os.O_RDWR)
        os.ftruncate(fd, 4096)
        os.close(fd)
        assert a.mem is not None
        ident = a.mem._ident
        ok = _rebuild_shared(name, False, ident, 64 + 7 * 8, (1,), (8,), "<f8", True)
        assert ok.shape == (1,)
        for start, shape, strides in (
            (64 + 7 * 8 + 1, (1,), (8,)),  # the last element crosses the end
            (64 + 8 * 8, (1,), (8,)),  # wholly after the block
            (64 - 8, (1,), (8,)),  # in the header
            (64, (9,), (8,)),  # one too many
            (64 + 7 * 8, (8,), (-8,)),  # backwards, fine
        ):
            if strides == (-8,):
                assert (
                    _rebuild_shared(name, False, ident, start, shape, strides, "<f8", True)[0]
                    == a[7]
                )
                continue
            with pytest.raises(ValueError, match="outside the data"):
                _rebuild_shared(name, False, ident, start, shape, strides, "<f8", True)
    finally:
        a.unlink()


def _as_nobody(fn: Callable[[], str]) -> str:
    """Run `fn` in a forked child, as user and group 65534 when this is root (else
    as this user); return what it returned."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(r)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            os.write(w, fn().encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        said = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return said


@pytest.mark.parametrize("mode", [0o644, 0o444])
def test_another_user_attaches_a_readable_object_read_only(
    mode: int, shm_name: Callable[[], str]
) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "i4", (3,), mode=mode, data=[1, 2, 3])

    def attach() -> str:
        said = [str(wea.attach_shared_array(name, readonly=True).tolist())]
        try:
            wea.attach_shared_array(name)
        except PermissionError:
            said.append("rw refused")
        return "|".join(said)

    # As root (CI) the child is another user, refused read-write of both
    # modes. As another user the child stays the owner (it cannot change
    # user), whom 0o644 lets write and 0o444 refuses all the same.
    refused = os.geteuid() == 0 or mode == 0o444
    try:
        assert _as_nobody(attach) == ("[1, 2, 3]|rw refused" if refused else "[1, 2, 3]")
    finally:
        a.unlink()


def test_reopen_validates_again(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "f8", (4, 4))
    try:
        a.close()
        fd = os.open(SHM / name[1:], os.O_RDWR)
        m = mmap.mmap(fd, 64)
        os.close(fd)
        m[24:32] = struct.pack("<q", -4)  # dim 1, now invalid
        m.close()
        with pytest.raises(wea.InvalidDimensionError, match="dimension 1 is -4"):
            a.reopen()
        assert a.mem is not None and a.mem.closed
    finally:
        a.unlink()


def test_views_and_results_of_a_shared_array_pickle_as_documented(
    shm_name: Callable[[], str],
) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, "f8", (4, 5))
    a[...] = np.arange(20.0).reshape(4, 5)
    try:
        view = a[1:3, ::2]
        back = pickle.loads(pickle.dumps(view))
        assert isinstance(back, wea.SharedExchangeArray)
        assert back.mem is not None and back.mem.name == name
        assert np.array_equal(back, view)
        back[0, 0] = -1.0
        assert a[1, 0] == -1.0  # the same memory, through a new mapping
        assert pickle.loads(pickle.dumps(back[:, 1:])).mem is not None  # a view of it too
        result = a + 1
        again = pickle.loads(pickle.dumps(result))
        assert not isinstance(again, wea.SharedExchangeArray) or again.mem is None
        assert np.array_equal(again, a + 1)
    finally:
        a.unlink()
