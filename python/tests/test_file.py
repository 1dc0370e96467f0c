"""Files: save, load (memory-mapped), read_header, streams."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
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
    # This process's CPU time, not the wall clock (a loaded machine may not
    # run this process for a while): reading 8 GiB, even of holes, takes it
    # seconds of CPU.
    t0 = time.process_time()
    arr = wea.load(path)
    h = wea.read_header(path)
    elapsed = time.process_time() - t0
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


# -- a file of another format: the error says what it is -----------------------------

ROOT = Path(__file__).resolve().parents[2]


def _safetensors(path: Path, arr: np.ndarray[Any, Any], by_hand: bool = False) -> None:
    """Write a safetensors file: with the package if installed, else by hand."""
    try:
        from safetensors.numpy import save_file
    except ImportError:
        by_hand = True
    if by_hand:  # an 8-byte little-endian length, a JSON header, the data
        meta = json.dumps(
            {"a": {"dtype": "F64", "shape": [arr.size], "data_offsets": [0, arr.nbytes]}}
        ).encode()
        meta += b" " * (-len(meta) % 8)
        path.write_bytes(len(meta).to_bytes(8, "little") + meta + arr.astype("<f8").tobytes())
    else:
        save_file({"a": arr}, os.fspath(path))


def _write_foreign(path: Path, kind: str) -> None:
    arr = np.arange(4.0)
    if kind == "npy":
        with open(path, "wb") as f:  # np.save would add .npy to any other name
            np.save(f, arr)
    elif kind == "npz":
        with open(path, "wb") as f:
            np.savez(f, a=arr)
    else:
        _safetensors(path, arr, by_hand=kind == "safetensors-by-hand")


def hint_of(e: wea.WeaError) -> str:
    """The hint: a note on Python 3.11+, after the message before."""
    notes = getattr(e, "__notes__", [])
    return "\n".join(notes) if notes else str(e)[len(e.message) :].removeprefix("; ")


FOREIGN = [
    (
        "npy",
        "a.npy",
        "'{path}' is a .npy file (numpy's format), not a WA-1 block: read it with "
        "numpy.load(), or convert it with `wea convert {path} {stem}.wea`",
    ),
    (
        "npz",
        "a.npz",
        "'{path}' is a .npz archive (a zip of .npy files), not a WA-1 block: open it "
        "with numpy.load() and wea.save() each of its arrays",
    ),
    (
        "safetensors",
        "a.safetensors",
        "'{path}' is a safetensors file, not a WA-1 block: read it with "
        "safetensors.numpy.load_file() and wea.save() each of its arrays",
    ),
    (
        "safetensors-by-hand",
        "b.safetensors",
        "'{path}' is a safetensors file, not a WA-1 block: read it with "
        "safetensors.numpy.load_file() and wea.save() each of its arrays",
    ),
]


def _load_opened(path: Path) -> Any:
    with open(path, "rb") as f:
        return wea.load(f)


LOADERS: dict[str, Callable[[Path], Any]] = {
    "mapped": wea.load,
    "copy": lambda path: wea.load(path, mmap_mode=None),
    "read_header": wea.read_header,
    "file-object": _load_opened,
}


@pytest.mark.parametrize(("kind", "name", "hint"), FOREIGN, ids=[k for k, *_ in FOREIGN])
@pytest.mark.parametrize("how", LOADERS)
def test_a_file_of_another_format_gets_a_hint(
    tmp_path: Path, kind: str, name: str, hint: str, how: str
) -> None:
    path = tmp_path / name
    _write_foreign(path, kind)
    assert F.sniff_format(path.read_bytes()[:16]) == kind.removesuffix("-by-hand")
    with pytest.raises(wea.BadMagicError) as info:
        LOADERS[how](path)
    e = info.value
    assert type(e) is wea.BadMagicError and e.category == "bad_magic" and e.code == 2
    assert e.message.startswith("bad_magic: magic bytes ") and e.message.endswith("(WA-1 §6.1 R2)")
    assert hint_of(e) == hint.format(path=path, stem=os.fspath(path)[:-4])


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("npy", "holds a .npy file (numpy's format), not a WA-1 block: read it with numpy.load("),
        ("npz", "holds a .npz archive (a zip of .npy files), not a WA-1 block: open it with"),
        ("safetensors", "holds a safetensors file, not a WA-1 block: read it with safetensors"),
    ],
    ids=["npy", "npz", "safetensors"],
)
def test_bytes_and_streams_of_another_format_get_a_hint(
    tmp_path: Path, kind: str, hint: str
) -> None:
    path = tmp_path / "x"
    _write_foreign(path, kind)
    raw = path.read_bytes()
    with pytest.raises(wea.BadMagicError) as info:
        wea.read_header(raw)
    assert hint_of(info.value).startswith(f"the buffer {hint}")
    with pytest.raises(wea.BadMagicError) as info:
        wea.load(io.BytesIO(raw))
    assert hint_of(info.value).startswith(f"the stream {hint}")


def test_a_hint_names_a_file_as_a_shell_would(tmp_path: Path) -> None:
    path = tmp_path / "my data.bin"  # a .npy under another name, with a space
    _write_foreign(path, "npy")
    with pytest.raises(wea.BadMagicError) as info:
        wea.load(path)
    assert hint_of(info.value).endswith(f"`wea convert --from npy '{path}' OUT.wea`")


def test_a_short_prefix_of_another_format_is_truncated_with_a_hint(tmp_path: Path) -> None:
    # Fewer than 16 bytes fail R1 before R2: the category stays truncated.
    path = tmp_path / "short.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00v\x00")
    for load in (wea.load, wea.read_header):
        with pytest.raises(wea.TruncatedError) as info:
            load(path)
        assert info.value.category == "truncated"
        assert hint_of(info.value).startswith(f"'{path}' is a .npy file (numpy's format)")


@pytest.mark.parametrize(
    "raw",
    [
        block(magic=b"nope"),
        b"\0" * 100,
        b"PK\x01\x02" + bytes(60),  # a zip's central directory, not its start
        (1 << 41).to_bytes(8, "little") + b"{}" + bytes(54),  # a length no header has
        block(cut=10),
    ],
    ids=["nope", "zeros", "zip-middle", "huge-length", "wa-truncated"],
)
def test_no_hint_for_anything_else(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "x.wea"
    path.write_bytes(raw)
    sources: list[tuple[Callable[[Any], Any], Any]] = [(load, path) for load in LOADERS.values()]
    sources += [(wea.read_header, raw), (wea.load, io.BytesIO(raw))]
    for load, source in sources:
        with pytest.raises(wea.WeaError) as info:
            load(source)
        assert not hasattr(info.value, "__notes__")
        assert str(info.value) == info.value.message


def test_no_conformance_vector_looks_like_another_format() -> None:
    # The hint is a note, so a message never changes; and no vector gets one.
    kinds = {
        F.sniff_format(p.read_bytes()[:16])
        for p in (ROOT / "conformance").glob("*/*")
        if p.is_file()
    }
    assert kinds <= {"wea", None}


def test_before_python_3_11_the_hint_extends_the_message() -> None:
    # Python 3.10 has no add_note: the same class, with the hint after the message.
    e = wea.BadMagicError("bad_magic: magic bytes 93 4E 55 4D, expected 31 2D 41 57")
    hinted = F._extend_message(e, "'a.npy' is a .npy file")
    assert type(hinted) is wea.BadMagicError and hinted.category == "bad_magic"
    assert hinted.message == e.message
    assert str(hinted) == f"{e.message}; 'a.npy' is a .npy file"
    assert hint_of(hinted) == "'a.npy' is a .npy file"
