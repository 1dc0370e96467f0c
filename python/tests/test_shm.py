"""Shared memory: the 0.1.3 API, the creation protocol, lifetimes, pickling."""

from __future__ import annotations

import errno
import gc
import mmap
import multiprocessing as mp
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import workers
from blocks import block

import wea
from wea import _format as F
from wea import _shm

SHM = Path("/dev/shm")
pytestmark = pytest.mark.skipif(not SHM.is_dir(), reason="needs /dev/shm (Linux)")

Names = Callable[[], str]


def shm_path(name: str) -> Path:
    return SHM / name.lstrip("/")


def raw_segment(name: str, content: bytes) -> None:
    """A shared-memory object holding exactly `content` (not made by wea)."""
    shm_path(name).write_bytes(content)


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def spawn() -> Any:
    return mp.get_context("spawn")


# -- the seed example ------------------------------------------------------------------

SEED = """
import numpy as np, wea
wa = wea.shared_memory.create_shared_array('/awesome-1', np.dtype('float64'), (10, 2))  # FileExistsError if taken
wa[:] = np.random.randn(10, 2)
wb = wea.shared_memory.attach_shared_array('/awesome-1')                                  # FileNotFoundError if absent
wc = wea.buffered_memory.create_buffered_array(np.dtype('float64'), (10, 2))
buf = wc.exchange_buffer
wd = wea.buffered_memory.load_buffered_array(buf)
"""


def test_seed_example_runs_as_it_is() -> None:
    if shm_path("/awesome-1").exists():
        pytest.skip("/awesome-1 exists on this machine; not ours to touch")
    scope: dict[str, Any] = {}
    try:
        exec(SEED, scope)
        wa, wb = scope["wa"], scope["wb"]
        assert type(wa) is type(wb) is wea.SharedExchangeArray
        assert np.array_equal(wa, wb) and np.shares_memory(wa, wa)
        wa[0, 0] = 123.0
        assert wb[0, 0] == 123.0
        with pytest.raises(FileExistsError):
            wea.shared_memory.create_shared_array("/awesome-1", np.dtype("float64"), (10, 2))
    finally:
        if shm_path("/awesome-1").exists():
            wea.unlink_shared_array("/awesome-1")
    with pytest.raises(FileNotFoundError):
        wea.shared_memory.attach_shared_array("/awesome-1")


def test_top_level_names_are_the_module_names() -> None:
    assert wea.create_shared_array is wea.shared_memory.create_shared_array
    assert wea.attach_shared_array is wea.shared_memory.attach_shared_array
    assert wea.SharedExchangeArray is wea.shared_memory.SharedExchangeArray
    assert issubclass(wea.SharedExchangeArray, np.ndarray)
    assert issubclass(wea.BufferedExchangeArray, np.ndarray)


# -- create and attach ----------------------------------------------------------------


def test_create_attach_basics(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, np.float32, (3, 4))
    try:
        assert wa.shape == (3, 4) and wa.dtype == np.float32 and wa.flags.f_contiguous
        assert not wa.any()
        assert wa.name == name
        assert wa.header == F.make_header("f4", (3, 4))
        st = shm_path(name).stat()
        assert st.st_size == 64 + 48
        assert st.st_blocks * 512 >= st.st_size  # reserved (C5), not sparse
        assert shm_path(name).read_bytes()[:4] == F.MAGIC_BYTES
        wb = wea.attach_shared_array(name)
        wa[:] = np.arange(12).reshape(3, 4)
        assert wb.tolist() == wa.tolist()
        wb[2, 3] = -1
        assert wa[2, 3] == -1
        assert wa.mem is not None and wa.mem.owner and wb.mem is not None and not wb.mem.owner
        assert wa.mem.size == wb.mem.size == 112
        assert bytes(wb.mem.buf[:4]) == F.MAGIC_BYTES
        assert "read-write" in repr(wb.mem)
        assert type(wa + 1) is np.ndarray
        assert type(wa[1:]) is wea.SharedExchangeArray
        assert wa[1:].name == name
    finally:
        wa.unlink()
    assert not shm_path(name).exists()


def test_name_with_and_without_slash_is_one_object(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name.lstrip("/"), "u1", 4)
    try:
        assert wa.name == name
        assert shm_path(name).exists()
        wb = wea.attach_shared_array(name)
        wc = wea.attach_shared_array(name.lstrip("/"))
        wa[0] = 5
        assert wb[0] == wc[0] == 5
        with pytest.raises(FileExistsError):
            wea.create_shared_array(name, "u1", 4)
    finally:
        wea.unlink_shared_array(name.lstrip("/"))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "/",
        "//x",
        "a/b",
        "/a/b",
        "x\0y",
        ".",
        "..",
        "/.",
        "/..",
        "a" * 256,
        "/" + "é" * 128,
        "\udc80",
    ],
)
def test_invalid_names_are_refused_before_touching_the_system(bad: str) -> None:
    before = set(os.listdir(SHM))
    with pytest.raises(ValueError, match=r"invalid shared-memory name .*WA-1 §8.2.1"):
        wea.create_shared_array(bad, "u1", 1)
    with pytest.raises(ValueError, match="invalid shared-memory name"):
        wea.attach_shared_array(bad)
    with pytest.raises(ValueError, match="invalid shared-memory name"):
        wea.unlink_shared_array(bad)
    assert set(os.listdir(SHM)) == before


def test_name_type_and_limits(shm_name: Names) -> None:
    with pytest.raises(TypeError):
        wea.create_shared_array(b"/x", "u1", 1)  # type: ignore[arg-type]
    assert _shm.normalize_name("a" * 255) == "/" + "a" * 255
    assert _shm.normalize_name("/" + "é" * 127) == "/" + "é" * 127
    name = shm_name() + "-ünï.code"
    wa = wea.create_shared_array(name, "u1", 1)
    assert shm_path(name).exists()
    wa.unlink()


def test_permissions_default_0600_and_explicit(shm_name: Names) -> None:
    old = os.umask(0o077)  # the umask must not change the mode
    try:
        a, b = shm_name(), shm_name()
        wa = wea.create_shared_array(a, "u1", 1)
        wb = wea.create_shared_array(b, "u1", 1, mode=0o644)
        assert shm_path(a).stat().st_mode & 0o777 == 0o600
        assert shm_path(b).stat().st_mode & 0o777 == 0o644
        wa.unlink()
        wb.unlink()
    finally:
        os.umask(old)
    for bad in (-1, 0o1000, "600", 1.5):
        with pytest.raises(ValueError, match="mode must be"):
            wea.create_shared_array(shm_name(), "u1", 1, mode=bad)  # type: ignore[arg-type]


def test_data_is_written_before_publishing(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, ">i2", (2, 3), data=[[1, 2, 3], [4, 5, 6]])
    try:
        assert wa.dtype == np.dtype("<i2")
        assert wea.attach_shared_array(name).tolist() == [[1, 2, 3], [4, 5, 6]]
    finally:
        wa.unlink()


def test_zero_d_empty_and_extension_types(shm_name: Names) -> None:
    names = [shm_name() for _ in range(4)]
    made = [
        wea.create_shared_array(names[0], "f8", (), data=2.5),
        wea.create_shared_array(names[1], "f8", (0, 3)),
        wea.create_shared_array(names[2], bool, (3,), data=[True, False, True]),
        wea.create_shared_array(names[3], "f2", (2,), data=[0.5, -1]),
    ]
    try:
        got = [wea.attach_shared_array(n) for n in names]
        assert got[0][()] == 2.5 and got[0].shape == ()
        assert got[1].shape == (0, 3)
        assert got[2].tolist() == [True, False, True]
        assert got[3].tolist() == [0.5, -1.0]
    finally:
        for m in made:
            m.unlink()


# -- exclusive create, failed creates --------------------------------------------------


def test_file_exists_leaves_the_existing_object_untouched(shm_name: Names) -> None:
    name = shm_name()
    content = bytes(range(256)) * 3
    raw_segment(name, content)
    try:
        os.chmod(shm_path(name), 0o640)
        with pytest.raises(FileExistsError):
            wea.create_shared_array(name, "f8", (1000, 1000))
        assert shm_path(name).read_bytes() == content
        assert shm_path(name).stat().st_mode & 0o777 == 0o640
    finally:
        shm_path(name).unlink()
    wa = wea.create_shared_array(name, "f8", 3, data=[1, 2, 3])
    try:
        with pytest.raises(FileExistsError):
            wea.create_shared_array(name, "u1", 1)
        assert wea.attach_shared_array(name).tolist() == [1, 2, 3]
    finally:
        wa.unlink()


def test_a_failed_create_leaves_nothing(shm_name: Names, monkeypatch: pytest.MonkeyPatch) -> None:
    name = shm_name()
    with pytest.raises(ValueError, match="broadcast"):
        wea.create_shared_array(name, "f8", (2, 3), data=np.zeros(7))
    assert not shm_path(name).exists()

    def boom(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_shm, "publish", boom)
    with pytest.raises(KeyboardInterrupt):
        wea.create_shared_array(name, "f8", (2, 3))
    assert not shm_path(name).exists()
    monkeypatch.undo()

    def no_room(fd: int, offset: int, size: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", no_room)
    with pytest.raises(OSError, match="no room to create shared array") as info:
        wea.create_shared_array(name, "f8", (2, 3))
    assert info.value.errno == errno.ENOSPC
    assert not shm_path(name).exists()

    def io_error(fd: int, offset: int, size: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "posix_fallocate", io_error)
    with pytest.raises(OSError, match="I/O error"):
        wea.create_shared_array(name, "f8", (2, 3))
    assert not shm_path(name).exists()


def test_a_create_larger_than_dev_shm_fails_at_create(shm_name: Names) -> None:
    # Larger than the whole file system, not than what is free now: tmpfs
    # refuses that at once, whatever /dev/shm holds, where a size between
    # the free and the total room would first take all that is free (and
    # another process freeing room meanwhile could let it through).
    vfs = os.statvfs(SHM)
    if vfs.f_blocks == 0:
        pytest.skip("/dev/shm has no size limit to exceed")
    total = vfs.f_blocks * vfs.f_frsize
    name = shm_name()
    with pytest.raises(
        OSError, match=r"no room to create shared array .*\(WA-1 §8.2.2 C5\)"
    ) as info:
        wea.create_shared_array(name, "u1", (total + (1 << 30),))
    assert info.value.errno == errno.ENOSPC
    assert not shm_path(name).exists()


# -- the creation protocol: a half-written header is never accepted ---------------------


def test_attach_during_creation_sees_bad_magic(
    shm_name: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = shm_name()
    paused, resume = threading.Event(), threading.Event()
    real_publish = F.publish

    def slow_publish(buf: Any) -> None:
        paused.set()
        resume.wait(30)
        real_publish(buf)

    monkeypatch.setattr(_shm, "publish", slow_publish)
    made: list[Any] = []
    creator = threading.Thread(
        target=lambda: made.append(wea.create_shared_array(name, "f8", (4, 4), data=7.0))
    )
    creator.start()
    try:
        assert paused.wait(30)
        # the header, dims and data are all there; only the magic is missing
        assert shm_path(name).read_bytes()[4:8] == b"\x0a\x00\x02\x00"
        with pytest.raises(
            wea.BadMagicError, match=r"00 00 00 00, .* may still be being created"
        ) as info:
            wea.attach_shared_array(name)
        assert info.value.category == "bad_magic"
        out = run_python(
            f"""
            import wea, sys
            try:
                wea.attach_shared_array({name!r})
            except wea.BadMagicError as e:
                print(e.category); sys.exit(0)
            sys.exit(1)
            """
        )
        assert out.returncode == 0 and out.stdout.strip() == "bad_magic", out.stderr
    finally:
        resume.set()
        creator.join()
    assert wea.attach_shared_array(name).tolist() == [[7.0] * 4] * 4
    made[0].unlink()


def test_concurrent_attacher_never_accepts_a_half_written_block(
    shm_name: Names, spawn: Any
) -> None:
    name = shm_name()
    with spawn.Pool(1) as pool:
        result = pool.apply_async(workers.attach_loop, (name, 3000))
        rounds = 0
        while not result.ready() and rounds < 2000:
            wa = wea.create_shared_array(name, "f8", (64, 64), data=7.0)
            wa.unlink()
            rounds += 1
        seen = result.get(timeout=120)
    assert set(seen) <= {"absent", "truncated", "bad_magic", "valid"}, seen
    assert sum(seen.values()) == 3000


# -- lifetimes ----------------------------------------------------------------------------


def test_an_attacher_that_exits_does_not_unlink_nor_warn(
    shm_name: Names, spawn: Any, capfd: Any
) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "f8", (100, 10), data=1.0)
    try:
        out = run_python(
            f"""
            import wea
            wb = wea.attach_shared_array({name!r})
            wb[0, 0] = 5.0
            ro = wea.attach_shared_array({name!r}, readonly=True)
            print(float(wb.sum()))
            """
        )
        assert out.returncode == 0
        assert out.stderr == ""
        assert float(out.stdout) == 1004.0
        # a multiprocessing child too (it has a resource tracker)
        with spawn.Pool(2) as pool:
            sums = pool.map(workers.attach_and_sum, [name] * 4)
        assert sums == [1004.0] * 4
        assert shm_path(name).exists()
        assert wa.sum() == 1004.0  # the creator keeps reading
        wa[:] = 2.0
        assert wea.attach_shared_array(name).sum() == 2000.0
    finally:
        wa.unlink()
    captured = capfd.readouterr()
    assert "resource_tracker" not in captured.err and "leaked" not in captured.err


def test_the_seed_snippet_runs_twice_in_fresh_processes() -> None:
    # Under 1.0.0.dev0 the second run failed with FileExistsError: the first
    # run's object outlived it. As in 0.1.3 and Julia, the creator's exit
    # now removes it.
    if shm_path("/awesome-1").exists():
        pytest.skip("/awesome-1 exists on this machine; not ours to touch")
    for _ in range(2):
        out = run_python(SEED + "\nprint(wb.shape)")
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "(10, 2)"
        assert not shm_path("/awesome-1").exists()


def test_lifetimes(shm_name: Names, cleanup: list[str]) -> None:
    kept, persisted, killed, forked = (shm_name() for _ in range(4))
    cleanup.extend([kept, persisted, killed, forked])
    gone = shm_name()
    out = run_python(
        f"""
        import os, signal, sys, wea
        wea.create_shared_array({gone!r}, "i4", 3)                    # removed at exit
        wea.create_shared_array({kept!r}, "i4", 3, persistent=True)   # stays
        wea.create_shared_array({persisted!r}, "i4", 3).mem.persist()  # handed over
        f = wea.create_shared_array({forked!r}, "i4", 3)
        pid = os.fork()
        if pid == 0:
            sys.exit(0)  # a forked child runs the exit hooks: it must not remove it
        os.waitpid(pid, 0)
        assert os.path.exists("/dev/shm/" + {forked[1:]!r})
        f.unlink()  # an explicit unlink, then nothing left to remove at exit
        """
    )
    assert out.returncode == 0, out.stderr
    assert not shm_path(gone).exists() and not shm_path(forked).exists()
    for name in (kept, persisted):
        assert wea.attach_shared_array(name).mem is not None
        wea.unlink_shared_array(name)
    # Killed by a signal: no exit hook runs, the object stays for `wea rm`.
    out = run_python(
        f"""
        import os, signal, wea
        wea.create_shared_array({killed!r}, "i4", 3, data=[1, 2, 3])
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    assert out.returncode == -9
    assert wea.attach_shared_array(killed).tolist() == [1, 2, 3]
    wea.unlink_shared_array(killed)


def test_an_attacher_never_removes_and_a_new_object_under_the_name_is_left_alone(
    shm_name: Names, cleanup: list[str]
) -> None:
    name = shm_name()
    cleanup.append(name)
    a = wea.create_shared_array(name, "i4", 3, persistent=True)
    out = run_python(f"import wea; print(wea.attach_shared_array({name!r}).tolist())")
    assert out.returncode == 0 and out.stdout.strip() == "[0, 0, 0]"
    assert shm_path(name).exists()
    # The creator's object was replaced by another: its exit leaves that one.
    out = run_python(
        f"""
        import os, wea
        a = wea.create_shared_array({name + "-2"!r}, "i4", 3)
        os.rename("/dev/shm/" + {name[1:] + "-2"!r}, "/dev/shm/" + {name[1:] + "-3"!r})
        b = wea.create_shared_array({name + "-2"!r}, "i4", 5, persistent=True)
        a.mem._ident  # a's name now denotes b
        """
    )
    cleanup.extend([name + "-2", name + "-3"])
    assert out.returncode == 0, out.stderr
    assert wea.attach_shared_array(name + "-2").shape == (5,)  # b, left alone
    a.unlink()


def test_error_messages_say_what_to_do(shm_name: Names) -> None:
    name = shm_name()
    with pytest.raises(FileNotFoundError, match=r"check the name .`wea ls` lists them"):
        wea.attach_shared_array(name)
    a = wea.create_shared_array(name, "f8", 2)
    try:
        with pytest.raises(
            FileExistsError, match=f"attach it with .*remove it with `wea rm {name}`"
        ):
            wea.create_shared_array(name, "f8", 2)
    finally:
        a.unlink()


def test_touch_after_close_and_after_with_never_crashes(shm_name: Names) -> None:
    name = shm_name()
    out = run_python(
        f"""
        import gc, numpy as np, wea
        wa = wea.create_shared_array({name!r}, 'f8', (1000, 100), data=1.0)
        with wea.attach_shared_array({name!r}) as wb:
            view = wb[10:20]
        wb[0, 0] = 3.0            # after the with block
        wa.close()
        wa[1, 1] = 4.0            # after close
        total = float(wa.sum())
        del wb
        gc.collect()
        view[:] = 0.0             # a view outlives its array
        wa.unlink()
        wa[2, 2] = 5.0            # after unlink: the mapping is still there
        print(total, float(view.sum()), float(wa[2, 2]))
        """
    )
    assert out.returncode == 0, (out.returncode, out.stderr)
    assert out.stdout.split() == ["100005.0", "0.0", "5.0"]


def test_close_keeps_the_data_and_the_mapping_cannot_be_closed_under_it(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "u2", (5,), data=[1, 2, 3, 4, 5])
    wb = wea.attach_shared_array(name)
    mem = wb.mem
    assert mem is not None
    wb.close()
    wb.close()  # twice is fine
    assert "closed" in repr(mem)
    with pytest.raises(ValueError, match="is closed"):
        mem.buf  # noqa: B018
    assert wb.tolist() == [1, 2, 3, 4, 5]
    # walk the base chain to the mapping: nothing may unmap it under the
    # array (an mmap refuses close(); the compiled helper's has none)
    base: Any = wb
    while not isinstance(base, memoryview):
        base = base.base
    if isinstance(base.obj, mmap.mmap):
        with pytest.raises(BufferError):
            base.obj.close()
    else:
        assert type(base.obj).__name__ == "Mapping"
        assert not hasattr(base.obj, "close")
    wb.reopen()
    assert not mem.closed and bytes(mem.buf[:4]) == F.MAGIC_BYTES
    wa.unlink()
    wb.close()
    with pytest.raises(FileNotFoundError):
        wb.reopen()
    del base
    gc.collect()


def test_unlink_semantics(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "i8", 3, data=[1, 2, 3])
    wb = wea.attach_shared_array(name)
    wb.unlink()  # anyone may unlink explicitly
    assert not shm_path(name).exists()
    assert wa.tolist() == wb.tolist() == [1, 2, 3]
    with pytest.raises(FileNotFoundError):
        wa.unlink()
    # the name is free at once; the old handles never unlink the new object
    wn = wea.create_shared_array(name, "u1", 2)
    with pytest.raises(FileNotFoundError, match="another object"):
        wa.unlink()
    assert shm_path(name).exists()
    wa.close()
    wn.close()
    wn.unlink()  # after close: allowed
    with pytest.raises(ValueError, match="does not lie in shared memory"):
        np.zeros(2).view(wea.SharedExchangeArray).unlink()


# -- read-only --------------------------------------------------------------------------


def test_read_only_attach(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "f8", (4,), data=[1, 2, 3, 4])
    try:
        ro = wea.attach_shared_array(name, readonly=True)
        assert not ro.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            ro[0] = 0
        with pytest.raises(ValueError, match="WRITEABLE"):
            ro.flags.writeable = True
        assert ro.mem is not None and ro.mem.readonly and ro.mem.buf.readonly
        # a write through the mapping faults (the mapping is PROT_READ)
        out = run_python(
            f"""
            import ctypes, resource, wea
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file
            ro = wea.attach_shared_array({name!r}, readonly=True)
            ctypes.c_double.from_address(ro.ctypes.data).value = 9.0
            """
        )
        assert out.returncode == -11  # SIGSEGV: the write did not happen
        assert wa[0] == 1.0
    finally:
        wa.unlink()


# -- what is not a WA-1 block -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "cls", "text"),
    [
        (b"", wea.TruncatedError, "the block has 0 bytes"),
        (b"hello", wea.TruncatedError, "the block has 5 bytes"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), wea.BadMagicError, "89 50 4E 47"),
        (bytes(4096), wea.BadMagicError, "may still be being created"),
        (block(dims=(2, 3), cut=100), wea.DataTruncatedError, "the block has 100 bytes"),
        (block(offset=32, data=b""), wea.InvalidOffsetError, "data offset is 32"),
        (block(magic=b"WA-1"), wea.WrongByteOrderError, "big-endian"),
        (block(etype=300), wea.UnsupportedTypeError, "code 300"),
    ],
)
def test_objects_that_hold_no_valid_block(
    shm_name: Names, content: bytes, cls: type[wea.WeaError], text: str
) -> None:
    name = shm_name()
    raw_segment(name, content)
    try:
        with pytest.raises(cls, match=text):
            wea.attach_shared_array(name)
        with pytest.raises(cls, match=text):
            wea.attach_shared_array(name, readonly=True)
    finally:
        shm_path(name).unlink()


def test_a_0_1_3_block_with_the_legacy_offset_is_read(shm_name: Names) -> None:
    name = shm_name()
    raw_segment(
        name,
        block(etype=9, dims=(2,), offset=128, data=np.array([1.5, -2], "<f4").tobytes())
        + bytes(4000),
    )
    try:
        arr = wea.attach_shared_array(name)
        assert arr.tolist() == [1.5, -2.0]
        assert arr.header is not None and arr.header.legacy_offset
        assert arr.mem is not None and arr.mem.size == 4136
    finally:
        shm_path(name).unlink()


# -- pickling to other processes --------------------------------------------------------


def test_pickled_shared_array_arrives_attached_not_copied(shm_name: Names, spawn: Any) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "i4", (4, 3), data=np.arange(12).reshape(4, 3))
    try:
        with spawn.Pool(1) as pool:
            kind, got_name, writeable, values = pool.apply(workers.describe, (wa,))
            assert (kind, got_name, writeable, values) == (
                "SharedExchangeArray",
                name,
                True,
                wa.tolist(),
            )
            pid = pool.apply(workers.add_one, (wa,))
            assert pid != os.getpid()
            assert wa.tolist() == (np.arange(12).reshape(4, 3) + 1).tolist()
            # a view arrives as the same view of the same object
            pool.apply(workers.add_one, (wa[1:3, ::2],))
            assert wa[:, 0].tolist() == [1, 5, 8, 10]
            assert wa[:, 2].tolist() == [3, 7, 10, 12]
            pool.apply(workers.add_one, (wa.T[::-1],))
            assert wa[0, 0] == 2
            ro = wea.attach_shared_array(name, readonly=True)
            assert pool.apply(workers.describe, (ro[0],))[:3] == (
                "SharedExchangeArray",
                name,
                False,
            )
            # not in shared memory: a plain copy
            assert pool.apply(workers.describe, (wa + 1,))[:2] == ("ndarray", None)
    finally:
        wa.unlink()


def test_unpickling_after_unlink_or_reuse(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "f8", 3)
    data = pickle.dumps(wa[1:])
    back = pickle.loads(data)
    assert type(back) is wea.SharedExchangeArray and back.shape == (2,)
    back[0] = 8.0
    assert wa[1] == 8.0
    wa.unlink()
    with pytest.raises(FileNotFoundError):
        pickle.loads(data)
    wn = wea.create_shared_array(name, "f8", 3)
    try:
        with pytest.raises(FileNotFoundError, match="another object"):
            pickle.loads(data)
    finally:
        wn.unlink()


def test_pickled_view_outside_the_data_is_refused(shm_name: Names) -> None:
    name = shm_name()
    wa = wea.create_shared_array(name, "f8", 3)
    try:
        rebuild, args = wa.__reduce_ex__(4)
        bad = list(args)
        bad[3] = 0  # the header
        with pytest.raises(ValueError, match="outside the data"):
            rebuild(*bad)
        assert rebuild(*args).tolist() == [0.0, 0.0, 0.0]
        assert np.zeros(2).view(wea.SharedExchangeArray).__reduce__()[0] is not rebuild
    finally:
        wa.unlink()


# -- the machine's objects ---------------------------------------------------------------


def test_list_and_unlink_shared_arrays(shm_name: Names) -> None:
    good, bad, other = shm_name(), shm_name(), shm_name()
    wa = wea.create_shared_array(good, "c8", (2, 2))
    raw_segment(bad, block(offset=8, data=b""))
    raw_segment(other, b"not a block at all")
    try:
        found = {info.name: info for info in wea.list_shared_arrays()}
        assert found[good].header == F.make_header("c8", (2, 2))
        assert found[good].error is None
        assert (
            found[good].size == 96 and found[good].mode == 0o600 and found[good].uid == os.getuid()
        )
        assert found[bad].header is None
        error = found[bad].error
        assert error is not None and error.startswith("invalid_offset: ")
        assert other not in found
        with pytest.raises(wea.BadMagicError, match="pass force=True"):
            wea.unlink_shared_array(other)
        assert shm_path(other).exists()
        wea.unlink_shared_array(other, force=True)
        assert not shm_path(other).exists()
        wea.unlink_shared_array(bad)
        wea.unlink_shared_array(good)
        assert good not in {info.name for info in wea.list_shared_arrays()}
        with pytest.raises(FileNotFoundError):
            wea.unlink_shared_array(good)
        assert wa.sum() == 0
    finally:
        for n in (good, bad, other):
            if shm_path(n).exists():
                shm_path(n).unlink()


def test_list_shared_arrays_unpublished(shm_name: Names) -> None:
    # What a creator killed before publishing leaves (spec §8.2.2): an empty
    # object (after C2/C3), or zero magic bytes (after C4..C6).
    empty, zeroed, short, other, good = (shm_name() for _ in range(5))
    made: list[str] = []
    try:
        for name, size in ((empty, 0), (zeroed, 4096), (short, 8)):
            fd = _shm._shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            made.append(name)
            try:
                os.ftruncate(fd, size)
            finally:
                os.close(fd)
        raw_segment(other, b"\x00\x00\x00\x01" + bytes(60))
        made.append(other)
        wa = wea.create_shared_array(good, "i4", (3,))
        made.append(good)

        plain = {info.name: info for info in wea.list_shared_arrays()}
        assert {empty, zeroed, short, other}.isdisjoint(plain)
        assert plain[good].category is None and plain[good].error is None
        assert plain[good].mtime == pytest.approx(shm_path(good).stat().st_mtime)

        found = {info.name: info for info in wea.list_shared_arrays(unpublished=True)}
        assert other not in found
        assert found[good] == plain[good]
        assert found[empty].header is None and found[empty].size == 0
        assert found[empty].category == "truncated"
        assert found[empty].error == reader_message(b"")
        assert found[zeroed].header is None and found[zeroed].size == 4096
        assert found[zeroed].category == "bad_magic"
        assert found[zeroed].error == reader_message(bytes(4096))
        assert found[short].category == "truncated"
        for name in (empty, zeroed, short):
            info = found[name]
            assert info.uid == os.getuid() and info.mode == 0o600
            assert info.mtime == shm_path(name).stat().st_mtime
        assert wa.sum() == 0
    finally:
        for n in made:
            if shm_path(n).exists():
                shm_path(n).unlink()


def reader_message(content: bytes) -> str:
    """The reader's message for a block of exactly `content`."""
    with pytest.raises(wea.WeaError) as info:
        F.parse_header(content)
    return info.value.message


def test_a_foreign_creator_caught_before_its_dims_is_not_yet_published(shm_name: Names) -> None:
    # Julia and wea 0.1.3 write the whole 16-byte header, magic included,
    # then the dims, with no barrier (spec §8.2.3 A1): in between, the
    # object holds the magic with the dims still zero.
    name = shm_name()
    dims = (2, 3)
    size = 64 + 8 * 2 * 3
    fd = os.open(SHM / name[1:], os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, size)
        os.pwrite(fd, F.MAGIC_BYTES + struct.pack("<HHq", 10, 2, 64), 0)  # the header first
        with pytest.raises(wea.TruncatedError) as caught:
            wea.attach_shared_array(name)
        assert caught.value.message.startswith(
            f"truncated: the data length is 0 but the object has {size} bytes, more than "
            "the data offset 64: not yet published (WA-1 §8.2.3 A1); "
        )
        assert "may still be being created" in caught.value.message
        os.pwrite(fd, struct.pack("<2q", *dims), 16)  # then the dims
        a = wea.attach_shared_array(name)
        assert a.shape == dims
    finally:
        os.close(fd)
        os.unlink(SHM / name[1:])
    # A genuine empty array, made by the WA-1 protocol, is sized to its offset.
    empty = wea.create_shared_array(name, "f8", (0, 3))
    try:
        assert wea.attach_shared_array(name).shape == (0, 3)
    finally:
        empty.unlink()


@pytest.mark.usefixtures("pure_python")
def test_a_magic_read_mid_store_is_read_again(
    shm_name: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel may copy a short pread byte by byte: a read racing the
    # creator's one store of the magic (C7) can see it half written.
    name = shm_name()
    a = wea.create_shared_array(name, "f8", (3,))
    real = os.pread
    torn = [True]

    def pread_torn_once(fd: int, n: int, offset: int) -> bytes:
        out = real(fd, n, offset)
        if offset == 0 and torn and out[:4] == F.MAGIC_BYTES:
            torn.clear()
            return b"\0" + out[1:]  # 00 2D 41 57: would be unsupported_version
        return out

    monkeypatch.setattr(os, "pread", pread_torn_once)
    try:
        assert wea.attach_shared_array(name).shape == (3,)
        assert not torn
    finally:
        monkeypatch.undo()
        a.unlink()
    assert not _shm._torn(b"\x31\x2d\x41\x57") and not _shm._torn(bytes(4))
    assert _shm._torn(b"\x00\x00\x41\x57") and not _shm._torn(b"\x00\x2d\x41\x58")
