"""Run every example in examples/ as a user would, and check what it leaves.

``make test-examples`` runs this file with ``WEA_EXAMPLES_REQUIRE_ALL=1``:
then a missing requirement (pyzmq, mpi4py, ``mpirun``, the C tool) fails
the run instead of skipping an example, since the Makefile installs them
all. Each example runs in its own process group with a time limit, which
kills the whole group (``mpirun`` and its ranks included) when it is
exceeded, and must leave no shared-memory object behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REQUIRE_ALL = os.environ.get("WEA_EXAMPLES_REQUIRE_ALL") == "1"
WEATOOL = os.environ.get("WEATOOL", str(REPO / "c" / "build" / "weatool"))
SHM_DIR = "/dev/shm"
OURS = ("wea-example-", "wea-demo-cross-")
TIME_LIMIT = 150  # seconds, per example

# Open MPI: allow root (CI runs as root), and do not rely on cross-memory
# attach (ptrace), which containers often forbid; shared memory still carries
# the messages between the two ranks.
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
}


def need(ok: bool, what: str) -> None:
    """Skip (or, under ``make``, fail) when a requirement is missing."""
    if ok:
        return
    message = f"{what} is missing; `make transports` / `make c` install it"
    if REQUIRE_ALL:
        pytest.fail(message)
    pytest.skip(message)


def need_module(name: str) -> None:
    """Require an importable module."""
    need(importlib.util.find_spec(name) is not None, f"the Python module {name}")


def _ours() -> set[str]:
    if not os.path.isdir(SHM_DIR):
        return set()
    return {n for n in os.listdir(SHM_DIR) if n.startswith(OURS)}


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """Fail an example that leaves a shared-memory object; remove it anyway."""
    before = _ours()
    yield
    left = _ours() - before
    for name in left:
        os.unlink(os.path.join(SHM_DIR, name))
    assert not left, f"the example left shared-memory objects behind: {sorted(left)}"


def run(argv: list[str], env: dict[str, str] | None = None) -> str:
    """Run an example in its own process group; return its output.

    Parameters
    ----------
    argv : list of str
        The command.
    env : dict, optional
        Variables to add to the environment.

    Returns
    -------
    str
        Its standard output.
    """
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env={**os.environ, "WEATOOL": WEATOOL, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(argv)} ran longer than {TIME_LIMIT} s\n{out}\n{err}")
    assert proc.returncode == 0, f"exit {proc.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"
    return out


def example(name: str) -> list[str]:
    """Return the command that runs one example with this interpreter."""
    return [sys.executable, str(HERE / name)]


def test_pool_workers() -> None:
    out = run(example("pool_workers.py"))
    assert "y == sqrt(x) * 2 everywhere" in out
    assert "pickle to" in out


def test_zmq_loopback() -> None:
    need_module("zmq")
    out = run(example("zmq_loopback.py"))
    assert "decoded (1000, 300) in place in the received frame: True" in out
    assert "reply == 2 * sent: True" in out


def test_tcp_socket() -> None:
    out = run(example("tcp_socket.py"))
    assert "doubled in place by the far side: True" in out
    assert "column sums: True" in out


def test_mpi_sendrecv() -> None:
    need_module("mpi4py")
    mpirun = shutil.which("mpirun")
    need(mpirun is not None, "mpirun (Open MPI)")
    assert mpirun is not None
    argv = [mpirun, "-n", "2", "--timeout", str(TIME_LIMIT - 30)]
    out = run([*argv, *example("mpi_sendrecv.py")], env=MPI_ENV)
    assert "in place in the receive buffer: True" in out
    assert "MPI Send/Recv of a WA-1 block: done" in out


@pytest.mark.parametrize(
    ("name", "module", "extra"),
    [
        ("zmq_loopback.py", "zmq", "pip install './python[transports]'"),
        ("mpi_sendrecv.py", "mpi4py", "pip install './python[transports]'"),
        ("demo_cross_language.py", "zmq", "pip install './python[zmq]'"),
    ],
)
def test_a_missing_extra_is_named(name: str, module: str, extra: str) -> None:
    # `python examples/zmq_loopback.py` in a plain install said only
    # "No module named 'zmq'": the example names the extra to install.
    path = str(HERE / name)
    code = (
        "import runpy, sys\n"
        f"sys.modules[{module!r}] = None  # as if it were not installed\n"
        f"sys.argv = [{path!r}]\n"
        f"runpy.run_path({path!r}, run_name='__main__')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert extra in proc.stderr
    assert f"needs {module.replace('zmq', 'pyzmq')}" in proc.stderr


def test_file_to_c() -> None:
    need(os.access(WEATOOL, os.X_OK), f"the C tool {WEATOOL}")
    out = run(example("file_to_c.py"))
    assert "the C reader agrees on every one" in out


def test_demo_cross_language() -> None:
    need_module("zmq")
    need(os.access(WEATOOL, os.X_OK), f"the C tool {WEATOOL}")
    out = run(example("demo_cross_language.py"))
    assert "demo: all done" in out
    assert "objects of this demo left on the machine: none" in out
