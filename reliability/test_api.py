"""Bad input at the API: each a documented exception, and nothing lost.

Wrong dtypes, shapes with negative or overflowing products, bad names, a
second create over an existing name, attaching to objects that are not
WA-1 blocks (other bytes, other programs' objects, a directory, a symbolic
link, a FIFO), writing through a read-only attach. After every refusal the
test checks that nothing was created and nothing existing was changed.
"""

from __future__ import annotations

import hashlib
import multiprocessing.shared_memory as mp_shm
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cwea
import numpy as np
import pytest
import wea
from conftest import PREFIX, ROOT, SHM, ours, remove


def snapshot() -> dict[str, tuple[int, str]]:
    """This run's objects: name -> (mode, SHA-256 of the bytes)."""
    out = {}
    for n in ours():
        p = SHM / n
        if p.is_file():
            out[n] = (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[n] = (p.lstat().st_mode, "")
    return out


@pytest.fixture
def unchanged() -> Callable[[], None]:
    """``unchanged()`` asserts that this run's objects are as at the start."""
    before = snapshot()

    def check() -> None:
        assert snapshot() == before

    return check


# -- dtypes and shapes ----------------------------------------------------------------

BAD_DTYPES = [
    object,
    "U3",
    "S2",
    "datetime64[s]",
    "timedelta64[s]",
    np.longdouble,
    [("a", "<i4"), ("b", "<f8")],
    "V8",
    np.dtype(("<i4", (2,))),
]


@pytest.mark.parametrize("dtype", BAD_DTYPES, ids=str)
def test_wrong_dtype(
    dtype: object, shm_name: Callable[[], str], unchanged: Callable[[], None]
) -> None:
    name = shm_name()
    with pytest.raises(TypeError, match="supported: int8"):
        wea.create_shared_array(name, dtype, (3,))
    with pytest.raises(TypeError, match="supported: int8"):
        wea.create_buffered_array(dtype, (3,))
    if np.dtype(dtype).kind != "O" and np.dtype(dtype).subdtype is None:
        with pytest.raises(TypeError, match="supported: int8"):
            wea.dumps(np.zeros(3, dtype))
    assert not (SHM / name[1:]).exists()
    unchanged()


BIG = 2**62
BAD_SHAPES = [
    ((-1,), wea.InvalidDimensionError),
    ((3, -2), wea.InvalidDimensionError),
    (-3, wea.InvalidDimensionError),
    ((-(2**63),), wea.InvalidDimensionError),
    ((2**63,), wea.SizeOverflowError),
    ((BIG, 2), wea.SizeOverflowError),  # extent 2^63
    ((BIG, BIG), wea.SizeOverflowError),  # wraps to 0 in 64-bit arithmetic
    ((0, BIG, 4), wea.SizeOverflowError),  # a zero does not hide the overflow (§5.6)
    ((2**60,), wea.SizeOverflowError),  # float64: S*E = 2^63
    ((2**64 + 8,), wea.SizeOverflowError),
    ((1,) * 65, wea.InvalidNdimsError),
    ((1.5,), TypeError),
    (("3",), TypeError),
    ((None,), TypeError),
    ("abc", TypeError),
]


@pytest.mark.parametrize(("shape", "error"), BAD_SHAPES, ids=lambda x: repr(x)[:40])
def test_bad_shape(
    shape: object,
    error: type[Exception],
    shm_name: Callable[[], str],
    unchanged: Callable[[], None],
) -> None:
    name = shm_name()
    with pytest.raises(error):
        wea.create_shared_array(name, np.float64, shape)
    with pytest.raises(error):
        wea.create_buffered_array(np.float64, shape)
    with pytest.raises(error):
        wea.block_size(np.float64, shape)
    assert not (SHM / name[1:]).exists()
    unchanged()


def test_bad_shape_in_c(shm_name: Callable[[], str], unchanged: Callable[[], None]) -> None:
    name = shm_name()
    for dims, status in (((-1,), "invalid_dimension"), ((BIG, 4), "overflow")):
        with pytest.raises(cwea.CError) as info:
            cwea.shm_create(name, 10, dims)
        assert info.value.name == status
    with pytest.raises(cwea.CError) as info:
        cwea.shm_create(name, 13, (1,))
    assert info.value.name == "unsupported_type"
    with pytest.raises(cwea.CError) as info:
        cwea.shm_create(name, 10, (1,), mode=0o4755)
    assert info.value.name == "invalid_argument"
    assert not (SHM / name[1:]).exists()
    unchanged()


def test_too_large_for_memory(shm_name: Callable[[], str], unchanged: Callable[[], None]) -> None:
    """Valid for WA-1 (below 2^63) but larger than /dev/shm: ENOSPC at C5."""
    name = shm_name()
    with pytest.raises(OSError) as info:
        wea.create_shared_array(name, np.float64, (2**40, 2**10))  # 8 PiB
    assert info.value.errno == 28
    assert not (SHM / name[1:]).exists()
    unchanged()


def test_data_that_does_not_fit(shm_name: Callable[[], str], unchanged: Callable[[], None]) -> None:
    """``data`` is checked at C6, after C2: the failed create unlinks its name."""
    name = shm_name()
    with pytest.raises(ValueError, match="broadcast"):
        wea.create_shared_array(name, np.float64, (3, 4), data=np.zeros(5))
    with pytest.raises((ValueError, TypeError)):
        wea.create_shared_array(name, np.float64, (3,), data=["a", "b", "c"])
    assert not (SHM / name[1:]).exists()
    unchanged()


@pytest.mark.parametrize("mode", [-1, 0o1000, 0o4755, 0o2700, 0o1777, 1.5, "0600"], ids=str)
def test_bad_mode(mode: object, shm_name: Callable[[], str], unchanged: Callable[[], None]) -> None:
    name = shm_name()
    with pytest.raises(ValueError, match="mode"):
        wea.create_shared_array(name, np.uint8, (1,), mode=mode)  # type: ignore[arg-type]
    assert not (SHM / name[1:]).exists()
    unchanged()


# -- names ---------------------------------------------------------------------------

BAD_NAMES = [
    "",
    "/",
    "//",
    "/a/b",
    "a/",
    "/.",
    "..",
    "/a\0b",
    "x" * 256,
    "/" + "é" * 128,  # 256 bytes of UTF-8
    "/\ud800",  # not encodable as UTF-8
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n)[:30])
def test_bad_name(name: str, unchanged: Callable[[], None]) -> None:
    before = set(os.listdir(SHM))
    for call in (
        lambda: wea.create_shared_array(name, np.uint8, (1,)),
        lambda: wea.attach_shared_array(name),
        lambda: wea.unlink_shared_array(name, force=True),
    ):
        with pytest.raises(ValueError, match="invalid shared-memory name"):
            call()
    if "\0" not in name and "\ud800" not in name:
        with pytest.raises(cwea.CError) as info:
            cwea.shm_create(name, 2, (1,))
        assert info.value.name == "invalid_name"
    assert not {n for n in set(os.listdir(SHM)) - before if n.startswith(PREFIX)}
    unchanged()


@pytest.mark.parametrize("name", [b"/x", None, 3, Path("/x")], ids=repr)
def test_name_not_a_str(name: object) -> None:
    with pytest.raises(TypeError, match="str"):
        wea.create_shared_array(name, np.uint8, (1,))  # type: ignore[arg-type]


def test_longest_name(unchanged: Callable[[], None]) -> None:
    name = "/" + PREFIX + "l" * (255 - len(PREFIX))
    a = wea.create_shared_array(name, np.uint8, (1,))
    try:
        assert wea.attach_shared_array(name).shape == (1,)
    finally:
        a.unlink()
    unchanged()


# -- a second create -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["wa1", "foreign", "empty"])
def test_second_create(
    kind: str, shm_name: Callable[[], str], unchanged: Callable[[], None]
) -> None:
    name = shm_name()
    path = SHM / name[1:]
    if kind == "wa1":
        wea.create_shared_array(name, np.int32, (100,), data=np.arange(100)).close()
    else:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o640)
        os.write(fd, b"" if kind == "empty" else os.urandom(5000))
        os.close(fd)
    try:
        before = snapshot()
        with pytest.raises(FileExistsError):
            wea.create_shared_array(name, np.float64, (7,), mode=0o666)
        with pytest.raises(cwea.CError) as info:
            cwea.shm_create(name, 10, (7,), mode=0o666)
        assert info.value.name == "exists"
        assert snapshot() == before  # same bytes, same mode
        if kind == "wa1":
            assert (wea.attach_shared_array(name) == np.arange(100)).all()
    finally:
        remove(name)
    unchanged()


# -- attaching to what is not a WA-1 block ----------------------------------------------


def _foreign(path: Path, content: bytes) -> None:
    path.write_bytes(content)


FOREIGN = [
    (b"", wea.TruncatedError),
    (b"WA-1" + bytes(100), wea.WrongByteOrderError),  # ASCII: the magic most significant byte first
    (b"wea!" + bytes(100), wea.BadMagicError),
    (bytes(4096), wea.BadMagicError),
    (os.urandom(8) + b"\xff" * 8 + bytes(4080), wea.WeaError),
    (b"\x57\x41\x2d\x31" + bytes(60), wea.WrongByteOrderError),
    (b"\x32\x2d\x41\x57" + bytes(60), wea.UnsupportedVersionError),
    (
        b"\x31\x2d\x41\x57"
        + b"\x0a\x00\x02\x00"
        + (64).to_bytes(8, "little")
        + (3).to_bytes(8, "little")
        + (2**40).to_bytes(8, "little"),
        wea.DataTruncatedError,
    ),
]


@pytest.mark.parametrize(("content", "error"), FOREIGN, ids=lambda x: repr(x)[:24])
def test_attach_foreign_bytes(
    content: bytes, error: type[Exception], shm_name: Callable[[], str]
) -> None:
    name = shm_name()
    path = SHM / name[1:]
    _foreign(path, content)
    try:
        for readonly in (True, False):
            with pytest.raises(error):
                wea.attach_shared_array(name, readonly=readonly)
        with pytest.raises(cwea.CError) as info:
            cwea.shm_attach(name)
        assert 1 <= info.value.status <= 10
        if error is not wea.WeaError:
            assert info.value.name == error.category
        assert path.read_bytes() == content  # never written
        listed = {i.name: i for i in wea.list_shared_arrays()}
        if content[:4] == b"\x31\x2d\x41\x57":
            # Listed as a WA-1 object with its error; a plain unlink removes it.
            assert listed[name].header is None and listed[name].error
            wea.unlink_shared_array(name)
            assert not path.exists()
        else:
            assert name not in listed
            with pytest.raises(wea.WeaError, match="force=True"):
                wea.unlink_shared_array(name)
            assert path.read_bytes() == content
    finally:
        remove(name)


def test_attach_multiprocessing_object() -> None:
    """An object of another program: multiprocessing.shared_memory's."""
    m = mp_shm.SharedMemory(name=PREFIX + "mp", create=True, size=256)
    try:
        m.buf[:5] = b"hello"
        with pytest.raises(wea.BadMagicError):
            wea.attach_shared_array(PREFIX + "mp")
        assert bytes(m.buf[:5]) == b"hello"
    finally:
        m.close()
        m.unlink()


def test_attach_missing(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    with pytest.raises(FileNotFoundError):
        wea.attach_shared_array(name)
    with pytest.raises(FileNotFoundError):
        wea.unlink_shared_array(name)
    with pytest.raises(cwea.CError) as info:
        cwea.shm_attach(name)
    assert info.value.name == "not_found"
    assert not (SHM / name[1:]).exists()


def test_attach_directory_and_symlink(shm_name: Callable[[], str]) -> None:
    d, link = shm_name(), shm_name()
    os.mkdir(SHM / d[1:])
    os.symlink("/etc/hostname", SHM / link[1:])
    try:
        for name in (d, link):
            with pytest.raises(OSError) as info:
                wea.attach_shared_array(name, readonly=True)
            assert not isinstance(info.value, wea.WeaError)
            with pytest.raises(cwea.CError) as cinfo:
                cwea.shm_attach(name)
            assert cinfo.value.name == "system"
        assert (SHM / d[1:]).is_dir() and (SHM / link[1:]).is_symlink()
    finally:
        os.rmdir(SHM / d[1:])
        os.unlink(SHM / link[1:])


# A FIFO in /dev/shm (any local user can make one there): opening it for
# reading blocks until a writer comes. Attach, unlink and the listing must
# refuse it at once, not hang. Each call runs in a child with a timeout.
FIFO_CALLS = {
    "attach-ro": "wea.attach_shared_array(NAME, readonly=True)",
    "attach-rw": "wea.attach_shared_array(NAME)",
    "unlink": "wea.unlink_shared_array(NAME)",
    "list": "wea.list_shared_arrays(); raise OSError('listed')",
    "c-attach": "cwea.shm_attach(NAME)",
    "c-attach-rw": "cwea.shm_attach(NAME, writable=True)",
    # the name of an unlinked array, taken by a FIFO: unlink() through the old handle
    "segment-unlink": (
        "import os; p = '/dev/shm' + NAME; os.unlink(p)\n"
        "    a = wea.create_shared_array(NAME, 'u1', (1,)); a.unlink(); os.mkfifo(p)\n"
        "    a.unlink()"
    ),
}


def _with_here(path: str | None) -> str:
    """A ``PYTHONPATH`` that finds this directory's modules (cwea) first."""
    return os.pathsep.join([str(ROOT / "reliability"), *([path] if path else [])])


@pytest.mark.parametrize("call", sorted(FIFO_CALLS))
def test_attach_fifo_does_not_hang(call: str, shm_name: Callable[[], str]) -> None:
    name = shm_name()
    path = SHM / name[1:]
    os.mkfifo(path, 0o600)
    code = (
        "import wea, cwea\n"
        f"NAME = {name!r}\n"
        f"try:\n    {FIFO_CALLS[call]}\n"
        "except (OSError, cwea.CError, wea.WeaError) as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    try:
        r = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": _with_here(os.environ.get("PYTHONPATH"))},
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{call} on a FIFO hangs")
    finally:
        os.unlink(path)
    assert r.returncode == 0, r.stderr
    if call == "list":
        assert r.stdout.startswith("OSError listed")
    elif call == "segment-unlink":
        assert r.stdout.startswith("FileNotFoundError"), r.stdout
    elif call.startswith("c-"):
        assert r.stdout.startswith("CError system"), r.stdout
    else:
        assert "regular file" in r.stdout, r.stdout


# -- writing through a read-only attach ---------------------------------------------


def test_write_through_readonly_attach(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.float64, (8, 8), data=1.0)
    try:
        raw0 = (SHM / name[1:]).read_bytes()
        r = wea.attach_shared_array(name, readonly=True)
        assert not r.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            r[0, 0] = 5.0
        with pytest.raises(ValueError):
            r.flags.writeable = True
        with pytest.raises(TypeError):
            r.mem.buf[0] = 0
        with pytest.raises(ValueError):
            np.add(r, 1, out=r)
        # A write below numpy, straight into the read-only mapping, faults
        # (SIGSEGV) and kills the writer, not the data.
        code = (
            "import ctypes, wea\n"
            f"r = wea.attach_shared_array({name!r}, readonly=True)\n"
            "ctypes.memset(r.__array_interface__['data'][0], 0xFF, 8)\n"
        )
        p = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, timeout=60, check=False
        )
        assert p.returncode == -11, p
        assert (SHM / name[1:]).read_bytes() == raw0
        assert (r == 1.0).all() and (a == 1.0).all()
        # The header cannot be reached for writing through any array.
        w = wea.attach_shared_array(name)
        assert w.mem.buf[0:4] == b"\x31\x2d\x41\x57"
    finally:
        a.unlink()


def test_mode_is_exact(shm_name: Callable[[], str]) -> None:
    name = shm_name()
    old = os.umask(0o077)
    try:
        a = wea.create_shared_array(name, np.uint8, (1,), mode=0o644)
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(os.stat(SHM / name[1:]).st_mode) == 0o644
    finally:
        a.unlink()
