"""Shared fixtures of the reliability tests.

Every shared-memory object these tests make is named ``wea-rel-<pid>-<n>``
(``shm_name``), child processes included (the parent gives them the name).
After each test, ``_no_leftovers`` fails the test that left such an object
in /dev/shm, after removing it: a fault test must clean up even when it
fails. Objects of other runs or programs are never touched.

``RELIABILITY_SCALE=full`` runs the tests at the sizes reported in
docs/reliability.md; the default (``smoke``) fits in ``make test``.

The helper modules beside this file (cwea, readers, shm_child, race_child)
are imported by name: pytest puts this directory, the one of this
conftest.py, on ``sys.path`` (its default ``prepend`` import mode, for a
directory without ``__init__.py``), and a child script run as ``python
reliability/X.py`` has its own directory as ``sys.path[0]``. No file
inserts a path itself.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHM = Path("/dev/shm")
PREFIX = f"wea-rel-{os.getpid()}-"
FULL = os.environ.get("RELIABILITY_SCALE", "smoke") == "full"
CHILD = [sys.executable, str(HERE / "shm_child.py")]
RACE_CHILD = [sys.executable, str(HERE / "race_child.py")]

_counter = itertools.count()


def record(file: str, key: str, value: object) -> None:
    """Store a figure under `key` in ``build/reliability/FILE`` (JSON)."""
    out = ROOT / "build" / "reliability"
    out.mkdir(parents=True, exist_ok=True)
    path = out / file
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def ours() -> set[str]:
    """Names (without '/') of this run's objects in /dev/shm."""
    return {n for n in os.listdir(SHM) if n.startswith(PREFIX)}


def remove(name: str) -> None:
    """Remove an object by name, whatever it holds; no error if absent."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(SHM / name.lstrip("/"))


@pytest.fixture(autouse=True)
def _no_leftovers() -> Iterator[None]:
    yield
    left = sorted(ours())
    for n in left:
        remove(n)
    assert not left, f"the test left shared-memory objects behind: {left}"


@pytest.fixture
def shm_name() -> Callable[[], str]:
    """Return a factory of fresh names ``/wea-rel-<pid>-<n>``."""
    return lambda: f"/{PREFIX}{next(_counter)}"


class Child:
    """A child process of shm_child.py (or `script`), killed and reaped at the end."""

    def __init__(self, *args: str, stdin: bool = False, script: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*(script or CHILD), *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def line(self, timeout: float = 60.0) -> str:
        """The next line of the child's stdout (fails on EOF or timeout)."""
        import selectors

        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            self.kill()
            raise AssertionError(f"child {self.proc.args} said nothing in {timeout} s")
        out = self.proc.stdout.readline()
        if not out:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"child ended (exit {self.proc.wait()}): {err[-2000:]}")
        return out.strip()

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def kill(self, sig: int = 9) -> int:
        """Send `sig` (SIGKILL by default) and reap; return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()


@pytest.fixture
def child() -> Iterator[Callable[..., Child]]:
    """Start children with ``child(*args)``; all are killed at the end.

    ``child(*args, script=RACE_CHILD)`` starts race_child.py instead of
    shm_child.py.
    """
    made: list[Child] = []

    def start(*args: str, stdin: bool = False, script: list[str] | None = None) -> Child:
        c = Child(*args, stdin=stdin, script=script)
        made.append(c)
        return c

    yield start
    for c in made:
        c.close()
