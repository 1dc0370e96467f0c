"""Shared fixtures: unique shared-memory names, segment hygiene, the pure path.

Every test runs under ``_no_leaked_segments``: it snapshots the WA-1
objects in /dev/shm (those whose first bytes are the magic 31 2D 41 57)
before the test and fails the test that leaves a new one behind (removing
it first when it carries this run's prefix, see ``shm_name``).

Nothing tells which process created an object. Under CI (``CI`` set), where
nothing else runs beside the suite, every new WA-1 object fails the test.
On a developer's machine, where a benchmark or another test run may create
objects at the same moment, a new object without this run's prefix is
reported as a warning instead; tests name their objects with ``shm_name``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SHM = Path("/dev/shm")
MAGIC = b"\x31\x2d\x41\x57"
PREFIX = f"wea-pytest-{os.getpid()}-"
ROOT = Path(__file__).resolve().parents[2]

_counter = itertools.count()


def wa1_segments() -> set[str]:
    """The names (without '/') of the WA-1 objects in /dev/shm."""
    found: set[str] = set()
    if not SHM.is_dir():
        return found
    for entry in os.scandir(SHM):
        try:
            with open(entry.path, "rb") as f:
                if f.read(4) == MAGIC:
                    found.add(entry.name)
        except OSError:
            continue
    return found


STRICT = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")

# Tests must pass in any order: they run shuffled, with a seed that is
# printed and can be given back (WEA_TEST_SEED=N) to repeat an order;
# WEA_TEST_SEED=0 keeps the file order.
SEED = int(os.environ.get("WEA_TEST_SEED") or random.SystemRandom().randrange(1, 2**31))


def pytest_report_header() -> list[str]:
    import wea

    return [
        f"wea: tests shuffled with WEA_TEST_SEED={SEED}",
        f"wea: {wea.__file__}; compiled part: {wea._accel.status()}",
    ]


# `make test-dist` runs the suite against an installed wea (tools/dist.py):
# WEA_TEST_INSTALLED names the venv it must come from, never the source tree.
INSTALLED = os.environ.get("WEA_TEST_INSTALLED", "")


def pytest_configure(config: pytest.Config) -> None:
    if INSTALLED:
        import wea

        where = Path(wea.__file__).resolve()
        if not where.is_relative_to(Path(INSTALLED).resolve()):
            raise pytest.UsageError(
                f"WEA_TEST_INSTALLED={INSTALLED}, but wea was imported from {where}"
            )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SEED:
        random.Random(SEED).shuffle(items)


@pytest.fixture(autouse=True)
def _no_leaked_segments() -> Iterator[None]:
    before = wa1_segments()
    yield
    new = sorted(wa1_segments() - before)
    ours = [n for n in new if n.startswith(PREFIX)]
    for n in ours:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(SHM / n)
    others = [n for n in new if not n.startswith(PREFIX)]
    leaked = new if STRICT else ours
    if leaked:
        pytest.fail(f"the test left WA-1 shared-memory objects in /dev/shm: {leaked}")
    if others:
        warnings.warn(
            f"new WA-1 shared-memory objects appeared during the test, not named "
            f"by it (another program's?): {others}",
            stacklevel=1,
        )


@pytest.fixture
def shm_name() -> Callable[[], str]:
    """Return a factory of unique names '/wea-pytest-PID-N' (never created)."""

    def make() -> str:
        name = f"/{PREFIX}{next(_counter)}"
        leftover = SHM / name[1:]
        if leftover.exists():  # pragma: no cover - a reused pid
            leftover.unlink()
        return name

    return make


@pytest.fixture
def pure_python() -> Iterator[None]:
    """Run wea's pure-Python path even where the compiled helper is installed.

    For tests that plant a fault inside that path (a patched ``os.pread``,
    ``mmap.mmap`` ...); the compiled path has tests of its own
    (test_accel.py, and the C reader's in ``make test-c``). A child process
    gets the same with ``WEA_PURE_PYTHON=1`` in its environment.
    """
    from wea import _accel

    with _accel.pure_python():
        yield


@pytest.fixture
def cleanup() -> Iterator[list[str]]:
    """Names appended here are unlinked after the test, if still there."""
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(SHM / name.lstrip("/"))
