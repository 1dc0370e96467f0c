"""Whole-or-nothing file writes (wea._atomic) and wea.save's use of them (issue #12)."""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest

import wea
from wea import _atomic, _file
from wea._atomic import atomic_write

TEMP_NAME = re.compile(r"^\.dest\.wea\.tmp-[0-9a-f]{16}$")


@pytest.fixture
def umask_027() -> Iterator[int]:
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- the temporary file ---------------------------------------------------------


def test_writes_a_new_file_with_the_mode_of_a_normal_create(tmp_path: Path, umask_027: int) -> None:
    dest = tmp_path / "dest.wea"
    with atomic_write(dest) as f:
        f.write(b"new")
    assert dest.read_bytes() == b"new"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o666 & ~umask_027 == 0o640
    assert names(tmp_path) == ["dest.wea"]


def test_the_temporary_name_is_random_and_not_the_pid(tmp_path: Path) -> None:
    dest = tmp_path / "dest.wea"
    seen = []
    for _ in range(2):
        with atomic_write(dest) as f:
            (temp,) = [n for n in names(tmp_path) if n != "dest.wea"]
            seen.append(temp)
            f.write(b"x")
    for temp in seen:
        assert TEMP_NAME.match(temp), temp  # 16 random hex digits, no pid
    assert seen[0] != seen[1]
    assert names(tmp_path) == ["dest.wea"]


@pytest.fixture
def predictable(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the random part of temporary names come from a list, in order."""
    tokens = ["planted", "planted2", "fresh"]
    monkeypatch.setattr(_atomic, "_token", lambda: tokens.pop(0))
    return tokens


def test_a_file_planted_at_the_temporary_name_is_never_opened(
    tmp_path: Path, predictable: list[str]
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    link = tmp_path / ".dest.wea.tmp-planted"
    link.symlink_to(victim)
    dangling = tmp_path / ".dest.wea.tmp-planted2"
    dangling.symlink_to(tmp_path / "would-be-created")
    dest = tmp_path / "dest.wea"
    with atomic_write(dest) as f:
        f.write(b"new")
    assert dest.read_bytes() == b"new"
    assert victim.read_bytes() == b"precious"
    assert link.is_symlink() and os.readlink(link) == str(victim)
    assert dangling.is_symlink() and not (tmp_path / "would-be-created").exists()
    assert predictable == []  # the third name was used


def test_a_planted_fifo_is_not_waited_on(tmp_path: Path) -> None:
    # A FIFO at the temporary name: O_EXCL refuses it at once, a new name is
    # tried. Run in a child with a timeout, so that a regression fails
    # instead of hanging the suite.
    code = (
        "import os, sys\n"
        "from wea import _atomic\n"
        "tokens = ['planted', 'fresh']\n"
        "_atomic._token = lambda: tokens.pop(0)\n"
        "os.mkfifo(os.path.join(sys.argv[1], '.dest.wea.tmp-planted'))\n"
        "with _atomic.atomic_write(os.path.join(sys.argv[1], 'dest.wea')) as f:\n"
        "    f.write(b'new')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "dest.wea").read_bytes() == b"new"
    assert stat.S_ISFIFO((tmp_path / ".dest.wea.tmp-planted").lstat().st_mode)


def test_a_long_name_still_gets_a_temporary_name(tmp_path: Path) -> None:
    dest = tmp_path / ("n" * 250)
    with atomic_write(dest) as f:
        f.write(b"x")
    assert dest.read_bytes() == b"x"
    assert names(tmp_path) == [dest.name]


# -- failures -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
    ids=["no-space", "interrupt"],
)
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, error: BaseException
) -> None:
    dest = tmp_path / "dest.wea"
    dest.write_bytes(b"old content")

    def write_half() -> None:
        with atomic_write(dest) as f:
            f.write(b"half of the new")
            f.flush()
            raise error

    with pytest.raises(type(error)):
        write_half()
    assert dest.read_bytes() == b"old content"
    assert names(tmp_path) == ["dest.wea"]


def test_a_failed_rename_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "Input/output error", src, None, dst)

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="Input/output"), atomic_write(tmp_path / "dest.wea") as f:
        f.write(b"x")
    assert names(tmp_path) == []


def test_a_missing_directory_is_said_with_the_destination(tmp_path: Path) -> None:
    dest = tmp_path / "no" / "dest.wea"
    with pytest.raises(FileNotFoundError) as info, atomic_write(dest):
        pytest.fail("not reached")  # pragma: no cover
    assert info.value.filename == str(dest)


# -- what is at the destination -------------------------------------------------


def test_a_symbolic_link_at_the_destination_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    dest = tmp_path / "dest.wea"
    dest.symlink_to(victim)
    with atomic_write(dest) as f:
        f.write(b"new")
    assert not dest.is_symlink()
    assert dest.read_bytes() == b"new"
    assert victim.read_bytes() == b"precious"


def test_a_fifo_or_a_directory_at_the_destination_is_refused_before_writing(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo.wea"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file") as info, atomic_write(fifo):
        pytest.fail("not reached")  # pragma: no cover
    assert info.value.errno == errno.EINVAL
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    with pytest.raises(IsADirectoryError), atomic_write(tmp_path):
        pytest.fail("not reached")  # pragma: no cover
    assert names(tmp_path) == ["fifo.wea"]


# -- overwrite=False ------------------------------------------------------------


def test_no_overwrite_refuses_an_existing_destination_before_writing(tmp_path: Path) -> None:
    dest = tmp_path / "dest.wea"
    dest.write_bytes(b"keep")
    with pytest.raises(FileExistsError), atomic_write(dest, overwrite=False):
        pytest.fail("not reached")  # pragma: no cover
    assert dest.read_bytes() == b"keep"
    dest.unlink()
    dest.symlink_to(tmp_path / "dangling")
    with pytest.raises(FileExistsError), atomic_write(dest, overwrite=False):
        pytest.fail("not reached")  # pragma: no cover
    assert dest.is_symlink()


@pytest.mark.parametrize("hard_links", [True, False], ids=["link", "no-hard-links"])
def test_no_overwrite_is_kept_when_the_destination_appears_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:

        def no_link(*args: Any, **kwargs: Any) -> None:
            raise PermissionError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    dest = tmp_path / "dest.wea"
    with atomic_write(dest, overwrite=False) as f:
        f.write(b"ours")
    assert dest.read_bytes() == b"ours"
    dest.unlink()

    def race() -> None:
        with atomic_write(dest, overwrite=False) as f:
            f.write(b"ours")
            dest.write_bytes(b"someone else's")  # created after the first check

    with pytest.raises(FileExistsError) as info:
        race()
    assert info.value.filename == str(dest)
    assert dest.read_bytes() == b"someone else's"
    assert names(tmp_path) == ["dest.wea"]


# -- fsync ----------------------------------------------------------------------


@pytest.mark.parametrize("fsync", [False, True])
def test_fsync_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool) -> None:
    calls: list[int] = []
    real = os.fsync

    def record(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    with atomic_write(tmp_path / "dest.wea", fsync=fsync) as f:
        f.write(b"x")
    assert len(calls) == (2 if fsync else 0)  # the file, then its directory


# -- wea.save(path, arr) --------------------------------------------------------


def test_save_is_whole_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "a.wea"
    old = np.arange(1000.0)
    wea.save(dest, old)
    real_write = _file._write

    def write_half(f: IO[bytes], a: Any, header: Any, *rest: Any) -> None:
        f.write(wea.dumps(a)[:100])  # header and some elements, then no space
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_file, "_write", write_half)
    with pytest.raises(OSError, match="No space"):
        wea.save(dest, np.ones(1000))
    monkeypatch.setattr(_file, "_write", real_write)
    np.testing.assert_array_equal(wea.load(dest), old)
    assert names(tmp_path) == ["a.wea"]


def test_save_does_not_write_through_a_symbolic_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    dest = tmp_path / "a.wea"
    dest.symlink_to(victim)
    wea.save(dest, np.arange(3))
    assert victim.read_bytes() == b"precious"
    assert not dest.is_symlink()
    np.testing.assert_array_equal(wea.load(dest), np.arange(3))


def test_save_new_file_mode(tmp_path: Path, umask_027: int) -> None:
    wea.save(tmp_path / "a.wea", np.arange(3))
    assert stat.S_IMODE((tmp_path / "a.wea").stat().st_mode) == 0o640


def test_save_to_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "a.wea"
    os.mkfifo(fifo)
    code = (
        "import errno, sys, numpy as np, wea\n"
        "try:\n"
        "    wea.save(sys.argv[1], np.arange(3))\n"
        "except OSError as e:\n"
        "    sys.exit(0 if e.errno == errno.EINVAL else 1)\n"
        "sys.exit(2)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
