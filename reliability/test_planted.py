"""Planted temporary files: ``wea convert`` and ``wea.save`` never write through them.

A writer that goes through a temporary file beside its destination must
create it exclusively (a planted file is never reused), without following a
symbolic link, under a name nobody can predict, then rename it over DEST.
Whoever may write DEST's directory can plant, at every name a writer might
choose (``DEST.tmp-<pid>`` and ``.DEST.tmp-<pid>`` for the next pids of the
machine, ``DEST.tmp``, ``DEST~``, ``DEST.part`` ...):

* ``symlink``: a symbolic link to a victim file (mode 0600, elsewhere);
* ``hardlink``: a hard link to the victim;
* ``file``: a regular file of the attacker's (0666), which a writer that
  reuses it would fill and rename into DEST (the attacker's file then);
* ``fifo``: a FIFO, whose open for writing waits forever for a reader.

Each run must end (a run blocked opening a FIFO is killed and fails), exit
0, leave the victim as it was (bytes, mode, mtime), leave every planted
entry as it was, and make DEST a new regular file (no link, not a planted
inode) holding exactly the array, with nothing else left in the directory.
The pids are predicted from ``/proc/sys/kernel/ns_last_pid``; a run whose
pid fell outside the planted range is repeated (up to 3 times).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import conftest
import numpy as np
import pytest
import wea
from conftest import FULL, ROOT

PIDS = 2000 if FULL else 200  # planted pids per run, each under two names
TIMEOUT = 60.0  # a run that takes longer is killed as hung
FIFO_WAIT = 2.0  # a run blocked this long opening a FIFO is killed at once

SAVE = "import sys, numpy as np, wea; wea.save(sys.argv[1], np.load(sys.argv[2]))"


def record(key: str, value: object) -> None:
    conftest.record("attacks.json", key, value)


def source_array() -> np.ndarray:
    return np.asfortranarray((np.arange(40 * 25, dtype=np.int32) * 3 - 7).reshape(40, 25))


def next_pids(n: int) -> list[int]:
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    top = int(Path("/proc/sys/kernel/pid_max").read_text())
    return [(last + k - 1) % (top - 1) + 1 for k in range(1, n + 1)]


def names_for(dest: Path, pids: list[int]) -> list[Path]:
    d, base = dest.parent, dest.name
    fixed = [
        f"{base}.tmp",
        f"{base}~",
        f"{base}.part",
        f"{base}.partial",
        f"{base}.new",
        f"{base}.swp",
        f".{base}.tmp",
        f".{base}.swp",
        f"{base}.tmp-",
        f"{base}.tmp-0",
    ]
    per_pid = [f"{base}.tmp-{p}" for p in pids] + [f".{base}.tmp-{p}" for p in pids]
    return [d / n for n in fixed + per_pid]


def plant(kind: str, paths: list[Path], victim: Path) -> dict[str, tuple[int, int, bytes | str]]:
    """Make the entries; return name -> (inode, mode, what it holds) to compare later."""
    for p in paths:
        if kind == "symlink":
            os.symlink(victim, p)
        elif kind == "hardlink":
            os.link(victim, p)
        elif kind == "file":
            fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            os.write(fd, b"the attacker's file\n")
            os.fchmod(fd, 0o666)
            os.close(fd)
        else:
            os.mkfifo(p, 0o666)
    return {p.name: state(p) for p in paths}


def state(p: Path) -> tuple[int, int, bytes | str]:
    st = os.lstat(p)
    if stat.S_ISLNK(st.st_mode):
        return (st.st_ino, st.st_mode, os.readlink(p))
    if stat.S_ISREG(st.st_mode):
        return (st.st_ino, st.st_mode, p.read_bytes())
    return (st.st_ino, st.st_mode, "")


def wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text().strip()
    except OSError:
        return ""


def run(cmd: list[str]) -> tuple[subprocess.Popen[bytes], int, bytes, bytes, str]:
    """Run `cmd`; return the process, its status, output and, if killed, why."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=os.environ.copy()
    )
    deadline = time.monotonic() + TIMEOUT
    blocked_since: float | None = None
    why = ""
    while proc.poll() is None:
        now = time.monotonic()
        if wchan(proc.pid) == "wait_for_partner":  # open() of a FIFO, waiting for a reader
            blocked_since = blocked_since or now
            if now - blocked_since > FIFO_WAIT:
                why = f"blocked opening a FIFO for {FIFO_WAIT} s (wchan wait_for_partner)"
        else:
            blocked_since = None
        if now > deadline:
            why = f"still running after {TIMEOUT} s (wchan {wchan(proc.pid)!r})"
        if why:
            proc.kill()
            break
        time.sleep(0.02)
    out, err = proc.communicate(timeout=30)
    return proc, proc.returncode, out, err, why


CASES = {
    # case: (source name, destination name, command)
    "convert-to-wea": ("a.npy", "a.wea", [sys.executable, "-m", "wea", "convert", "-q"]),
    "convert-to-npy": ("a.wea", "b.npy", [sys.executable, "-m", "wea", "convert", "-q"]),
    "save": ("a.npy", "c.wea", [sys.executable, "-c", SAVE]),
}


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "file", "fifo"])
@pytest.mark.parametrize("case", list(CASES))
def test_planted_temporary_files(case: str, kind: str, tmp_path: Path) -> None:
    src_name, dest_name, cmd = CASES[case]
    arr = source_array()
    covered = False
    for attempt in range(1, 4):
        home = tmp_path / f"victim-{attempt}"
        home.mkdir()
        victim = home / "secret"
        victim.write_bytes(b"the victim's secret\n" * 50)
        victim.chmod(0o600)
        v0 = (victim.read_bytes(), os.stat(victim).st_mode, os.stat(victim).st_mtime_ns)
        work = tmp_path / f"work-{attempt}"
        work.mkdir()
        src, dest = work / src_name, work / dest_name
        if src_name.endswith(".npy"):
            np.save(src, arr)
        else:
            wea.save(src, arr)
        pids = next_pids(PIDS)
        planted = plant(kind, names_for(dest, pids), victim)
        args = [*cmd, str(dest), str(src)] if case == "save" else [*cmd, str(src), str(dest)]
        proc, status, _out, err, why = run(args)
        covered = proc.pid in pids
        assert not why, f"{case} with planted {kind}s: {why}"
        assert status == 0, (status, err.decode(errors="replace")[-2000:])
        # the victim and every planted entry are as they were
        v1 = (victim.read_bytes(), os.stat(victim).st_mode, os.stat(victim).st_mtime_ns)
        if v1 != v0:
            pytest.fail(f"{case} wrote through a planted {kind} into the victim: {v1[0][:16]!r}")
        changed = sorted(
            n for n, s in planted.items() if not (work / n).exists() or state(work / n) != s
        )
        assert not changed, f"{case} used planted {kind}s: {changed[:5]}"
        # DEST is a new regular file with the array, and nothing else is left
        st = os.lstat(dest)
        assert stat.S_ISREG(st.st_mode), f"DEST is not a regular file: {stat.filemode(st.st_mode)}"
        assert st.st_nlink == 1, f"DEST has {st.st_nlink} links"
        inodes = {s[0] for s in planted.values()} | {os.stat(victim).st_ino}
        assert st.st_ino not in inodes, "DEST is a planted file"
        got = np.load(dest) if dest_name.endswith(".npy") else wea.load(dest, mmap_mode=None)
        assert got.dtype == arr.dtype and got.shape == arr.shape and np.array_equal(got, arr)
        left = set(os.listdir(work)) - set(planted) - {src_name, dest_name}
        assert not left, f"left behind: {sorted(left)}"
        if covered:
            break
    record(
        f"planted_{case}_{kind}",
        {"planted": len(planted), "attempts": attempt, "pid_covered": covered},
    )
