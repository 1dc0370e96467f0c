"""Files: save, load (memory-mapped), read_header, streams."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from blocks import block

import wea
from wea import _format as F


def test_save_load_round_trip(tmp_path: Path) -> None:
    arr = np.arange(12, dtype=">i4").reshape(3, 4)  # C order, big-endian
    path = tmp_path / "a.wea"
    wea.save(path, arr)
    assert path.stat().st_size == 64 + 48
    assert path.read_bytes() == bytes(wea.dumps(arr))
    back = wea.load(path)
    np.testing.assert_array_equal(back, arr)
    assert back.flags.f_contiguous
    assert not back.flags.writeable
    assert type(back) is np.ndarray
    back2 = wea.load(str(path))
    np.testing.assert_array_equal(back2, arr)


def test_load_is_a_mapping_not_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "m.wea"
    wea.save(path, np.zeros(4, dtype="f8"))
    arr = wea.load(path)
    with open(path, "r+b") as f:  # change the file under the mapping
        f.seek(64)
        f.write(np.float64(9.5).tobytes())
    assert arr[0] == 9.5


def test_load_modes(tmp_path: Path) -> None:
    path = tmp_path / "m.wea"
    wea.save(path, np.arange(4, dtype="f4"))
    rw = wea.load(path, mmap_mode="r+")
    assert rw.flags.writeable
    rw[1] = 100.0
    del rw  # the mapping goes with the last view
    assert wea.load(path)[1] == 100.0
    cow = wea.load(path, mmap_mode="c")
    cow[2] = -5.0
    assert wea.load(path)[2] == 2.0
    mem = wea.load(path, mmap_mode=None)
    assert mem.flags.writeable
    mem[3] = 0.0
    assert wea.load(path)[3] == 3.0
    with pytest.raises(ValueError, match="mmap_mode must be"):
        wea.load(path, mmap_mode="w")  # type: ignore[arg-type]


def test_load_takes_constant_time_in_the_size(tmp_path: Path) -> None:
    size = 8 << 30  # 8 GiB, sparse: nothing is read or allocated
    path = tmp_path / "big.wea"
    with open(path, "wb") as f:
        f.write(F.header_bytes(F.make_header("u1", (size,))))
        f.truncate(64 + size)
    t0 = time.perf_counter()
    arr = wea.load(path)
    h = wea.read_header(path)
    elapsed = time.perf_counter() - t0
    assert arr.shape == (size,) and h.len_data == size
    assert elapsed < 0.1
    assert arr[size - 1] == 0


def test_load_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wea"
    empty.write_bytes(b"")
    for mode in ("r", "r+", "c", None):
        with pytest.raises(wea.TruncatedError, match="has 0 bytes"):
            wea.load(empty, mmap_mode=mode)
    short = tmp_path / "short.wea"
    short.write_bytes(block(cut=100))
    with pytest.raises(wea.DataTruncatedError):
        wea.load(short)
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(wea.BadMagicError, match="93 4E 55 4D"):
        wea.load(npy)
    with pytest.raises(FileNotFoundError):
        wea.load(tmp_path / "missing.wea")


@pytest.mark.parametrize("mode", ["r", "r+", "c"])
def test_load_refuses_a_fifo_at_once(tmp_path: Path, mode: str) -> None:
    """A FIFO cannot be mapped: refused with EINVAL, never waited on (§8.3)."""
    fifo = tmp_path / "pipe.wea"
    os.mkfifo(fifo, 0o600)
    code = (
        "import errno, sys, wea\n"
        "try:\n"
        f"    wea.load(sys.argv[1], mmap_mode={mode!r})\n"
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno], e)\n"
    )
    try:
        r = subprocess.run(
            [sys.executable, "-c", code, str(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"wea.load(fifo, mmap_mode={mode!r}) waits for a writer")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("EINVAL"), r.stdout
    assert "not a regular file" in r.stdout


def test_trailing_bytes_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "t.wea"
    path.write_bytes(bytes(wea.dumps(np.arange(3.0))) + b"\xff" * 10)
    assert wea.load(path).tolist() == [0.0, 1.0, 2.0]


# -- streams ---------------------------------------------------------------------------


def test_save_and_load_file_objects_as_a_stream() -> None:
    f = io.BytesIO()
    a, b = np.arange(6.0).reshape(2, 3), np.array([True, False])
    f.write(b"prefix")
    wea.save(f, a)
    wea.save(f, b)
    f.seek(6)
    got_a = wea.load(f)
    assert f.tell() == 6 + 112
    got_b = wea.load(f)
    assert f.tell() == 6 + 112 + 66
    np.testing.assert_array_equal(got_a, a)
    np.testing.assert_array_equal(got_b, b)
    assert got_a.flags.writeable


class Trickle(io.RawIOBase):
    """A stream that returns at most 3 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 3 if n < 0 else min(n, 3)
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


def test_stream_with_short_reads() -> None:
    raw = bytes(wea.dumps(np.arange(50, dtype="u2").reshape(5, 10)))
    arr = wea.load(Trickle(raw))  # type: ignore[arg-type]
    assert arr.tolist() == np.arange(50).reshape(5, 10).tolist()


@pytest.mark.parametrize(
    ("raw", "cls", "text"),
    [
        (b"", wea.TruncatedError, "the block has 0 bytes"),
        (block(cut=10), wea.TruncatedError, "has 10 bytes, the fixed header"),
        (block(cut=20), wea.TruncatedError, "the header with 2 dimensions needs 32"),
        (block(cut=40), wea.DataTruncatedError, "the block has 40 bytes"),
        (block(cut=100), wea.DataTruncatedError, "the block has 100 bytes, expected at least 112"),
        (block(magic=b"nope"), wea.BadMagicError, "6E 6F 70 65"),
        (block(dims=(-1, 2), cut=64), wea.InvalidDimensionError, "dimension 0 is -1"),
        (block(dims=(2**40, 2**40), cut=64), wea.SizeOverflowError, "product"),
        (block(dims=(2**40,), cut=64), wea.DataTruncatedError, "the block has 64 bytes"),
    ],
)
def test_stream_errors(raw: bytes, cls: type[wea.WeaError], text: str) -> None:
    with pytest.raises(cls, match=text):
        wea.load(io.BytesIO(raw))


def test_stream_with_huge_claim_reads_only_what_arrives() -> None:
    # claims 2^40 bytes; the reader grows with what arrives, then R9 fails
    raw = block(etype=2, dims=(2**40,), data=b"\x01" * 1000)
    with pytest.raises(wea.DataTruncatedError, match="has 1064 bytes"):
        wea.load(io.BytesIO(raw))


# -- read_header ---------------------------------------------------------------------


def test_read_header(tmp_path: Path) -> None:
    path = tmp_path / "h.wea"
    wea.save(path, np.zeros((1,) * 20, dtype="c8"))
    h = wea.read_header(path)
    assert (h.etype, h.ndims, h.offset, h.len_data) == (11, 20, 192, 8)
    assert wea.read_header(os.fspath(path)) == h
    assert wea.read_header(path.read_bytes()) == h
    path.write_bytes(path.read_bytes()[:199])
    with pytest.raises(wea.DataTruncatedError, match="has 199 bytes"):
        wea.read_header(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(wea.TruncatedError, match="has 100 bytes, the header with 20"):
        wea.read_header(path)
    path.write_bytes(b"")
    with pytest.raises(wea.TruncatedError):
        wea.read_header(path)


def test_save_refuses_unsupported(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="supported"):
        wea.save(tmp_path / "x.wea", np.array(["text"]))
    assert not (tmp_path / "x.wea").exists()


def test_save_writes_through_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wea import _buffer

    monkeypatch.setattr(_buffer, "CHUNK_BYTES", 64)
    arr: Any = np.arange(300, dtype=">f8").reshape(3, 10, 10).transpose(1, 2, 0)
    wea.save(tmp_path / "p.wea", arr)
    np.testing.assert_array_equal(wea.load(tmp_path / "p.wea"), arr)
