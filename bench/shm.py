"""Shared memory: create and fill, attach from another process, hand-off.

Imported by run.py (main venv) and legacy.py (the wea 0.1.3 venv), and run
as a script for the child processes (``python shm.py serve|first|handoff``).
It needs only the standard library and numpy at import time; each peer's
package is imported when that peer is used.

Hygiene: every name made here starts with the run's prefix
(``wea-bench-<pid>-``); whoever creates a segment unlinks it in a
``finally``, and run.py sweeps ``/dev/shm/<prefix>*`` at the end, even after
an error or Ctrl-C. Attachers never unlink. ``multiprocessing.shared_memory``
registers every segment it attaches with its resource tracker, which would
unlink it when the attaching process exits (CPython gh-82300): the children
unregister each attach, outside the timed region.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import time_calls

SHM_DIR = "/dev/shm"
_counter = itertools.count()

#: The shared-memory peers, in table order (wea 0.1.3 is "wea013"). "wea_pure"
#: is wea attaching in a process started with ``WEA_PURE_PYTHON=1`` (no compiled
#: helper); its segments are made by the "wea" peer.
SHM_PEERS = ("wea", "wea_pure", "mpshm", "sharedarray", "wea013")
SHM_LABELS = {
    "wea": "wea",
    "wea_pure": "wea, pure Python (WEA_PURE_PYTHON=1)",
    "mpshm": "multiprocessing.shared_memory + np.ndarray",
    "sharedarray": "SharedArray",
    "wea013": "wea 0.1.3",
}


def pure_env() -> dict[str, str]:
    """The environment of a child whose wea ignores the compiled helper."""
    return {**os.environ, "WEA_PURE_PYTHON": "1"}


def check_pure() -> None:
    """Raise unless this process's wea runs without the compiled helper."""
    import types

    import wea
    from wea._base import ExchangeArrayBase

    if wea.accelerated() or not isinstance(
        vars(ExchangeArrayBase)["__array_wrap__"], types.FunctionType
    ):
        raise RuntimeError("wea_pure: wea uses its compiled helper despite WEA_PURE_PYTHON=1")


def new_name(prefix: str) -> str:
    """A fresh segment name under the run's prefix (no leading slash)."""
    return f"{prefix}{os.getpid()}-{next(_counter)}"


def sweep(prefix: str) -> list[str]:
    """Unlink every segment whose name starts with `prefix`; return them."""
    left = sorted(glob.glob(os.path.join(SHM_DIR, glob.escape(prefix) + "*")))
    for path in left:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return [os.path.basename(p) for p in left]


def _untrack(name: str) -> None:
    """Stop the resource tracker from unlinking `name` when we exit."""
    from multiprocessing import resource_tracker

    with contextlib.suppress(Exception):
        resource_tracker.unregister("/" + name.lstrip("/"), "shared_memory")


# -- create (and fill), in the creating process ------------------------------------


def create(peer: str, name: str, a: np.ndarray) -> Any:
    """Create a segment holding a copy of `a`; return a handle for destroy()."""
    if peer == "wea":
        import wea

        return wea.create_shared_array(name, a.dtype, a.shape, data=a)
    if peer == "mpshm":
        from multiprocessing.shared_memory import SharedMemory

        shm = SharedMemory(name, create=True, size=max(a.nbytes, 1))
        x = np.ndarray(a.shape, a.dtype, buffer=shm.buf)
        x[...] = a
        return (shm, x)
    if peer == "sharedarray":
        import SharedArray as sa

        x = sa.create("shm://" + name, a.shape, a.dtype)
        x[...] = a
        return (name, x)
    if peer == "wea013":
        import wea  # 0.1.3 in its own venv

        w = wea.create_shared_array(name, a.dtype, a.shape)
        w[...] = a
        return w
    raise ValueError(peer)


def destroy(peer: str, handle: Any) -> None:
    """Unmap and unlink what create() made."""
    if peer == "wea":
        handle.unlink()
        handle.close()
    elif peer == "mpshm":
        shm, x = handle
        del x
        shm.close()
        shm.unlink()
    elif peer == "sharedarray":
        import SharedArray as sa

        sa.delete("shm://" + handle[0])
    elif peer == "wea013":
        m = handle.mem
        del handle
        m.close()
        m.unlink()  # also unregisters it from the resource tracker
    else:
        raise ValueError(peer)


@contextlib.contextmanager
def segment(peer: str, name: str, a: np.ndarray) -> Iterator[Any]:
    """A segment that exists for the duration of the block, unlinked after."""
    handle = create(peer, name, a)
    try:
        yield handle
    finally:
        try:
            destroy(peer, handle)
        except Exception:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(SHM_DIR, name))
            raise


def time_create(peer: str, prefix: str, a: np.ndarray, budget_s: float) -> dict[str, Any]:
    """Median time to create a segment and fill it with `a`."""
    names: list[str] = []

    def setup() -> None:
        names.append(new_name(prefix))

    def fn() -> Any:
        return create(peer, names[-1], a)

    def teardown(handle: Any) -> None:
        destroy(peer, handle)

    try:
        return time_calls(fn, budget_s, setup=setup, teardown=teardown, max_samples=500)
    finally:
        for n in names:  # a failure mid-way leaves nothing behind
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(SHM_DIR, n))


# -- attach (and release), in the attaching process --------------------------------


def attacher(
    peer: str, shape: tuple[int, ...], dtype: str
) -> tuple[Callable[[str], Any], Callable[[Any], None]]:
    """Return (attach, release) for a peer, with its imports done."""
    if peer == "wea_pure":
        check_pure()
    if peer in ("wea", "wea_pure"):
        from wea import attach_shared_array

        def attach(name: str) -> Any:
            return attach_shared_array(name)

        def release(x: Any) -> None:
            x.close()

        return attach, release
    if peer == "mpshm":
        from multiprocessing.shared_memory import SharedMemory

        dt = np.dtype(dtype)
        ndarray = np.ndarray

        def attach(name: str) -> Any:
            shm = SharedMemory(name)
            return (shm, ndarray(shape, dt, buffer=shm.buf))

        def release(h: Any) -> None:
            shm, x = h
            _untrack(shm._name)
            del x, h
            shm.close()

        return attach, release
    if peer == "sharedarray":
        import SharedArray as sa

        def attach(name: str) -> Any:
            return sa.attach("shm://" + name)

        def release(x: Any) -> None:
            pass

        return attach, release
    if peer == "wea013":
        from wea import attach_shared_array

        def attach(name: str) -> Any:
            return attach_shared_array(name)

        def release(x: Any) -> None:
            m = x.mem
            _untrack(m._name)
            del x
            m.close()

        return attach, release
    raise ValueError(peer)


class Child:
    """A warm child process that attaches on request (``shm.py serve``)."""

    def __init__(self, python: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [python, os.path.abspath(__file__), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the attach child died (exit {self.proc.wait()})")
        out: dict[str, Any] = json.loads(line)
        if "error" in out:
            raise RuntimeError(out["error"])
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def first_attach(
    python: str, peer: str, name: str, a: np.ndarray, env: dict[str, str] | None = None
) -> float:
    """Time the first attach in a fresh process (imports done before)."""
    out = subprocess.run(
        [
            python,
            os.path.abspath(__file__),
            "first",
            peer,
            name,
            json.dumps(list(a.shape)),
            a.dtype.str,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"first-attach child failed: {out.stderr.strip()[-500:]}")
    return float(json.loads(out.stdout)["ns"])


def _serve() -> None:
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            attach, release = attacher(cmd["peer"], tuple(cmd["shape"]), cmd["dtype"])
            name = cmd["name"]
            res = time_calls(
                lambda a=attach, n=name: a(n), cmd["budget"], teardown=release, max_samples=5000
            )
        except Exception as e:  # reported to the parent, which raises
            res = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(res), flush=True)


def _first(peer: str, name: str, shape: str, dtype: str) -> None:
    attach, release = attacher(peer, tuple(json.loads(shape)), dtype)
    t0 = time.perf_counter_ns()
    x = attach(name)
    t1 = time.perf_counter_ns()
    release(x)
    print(json.dumps({"ns": t1 - t0}))


# -- hand-off latency ------------------------------------------------------------------
#
# A 1 KiB int64 block in shared memory: [0] the producer's sequence number,
# [1] the consumer's acknowledgement, [2:] the payload. The producer writes
# the payload, then the sequence number; the consumer spins until it sees
# it, checks the payload, and acknowledges. One hand-off = round trip / 2.

HANDOFF_ELEMS = 128
SPIN_LIMIT_NS = 20_000_000_000


def _spin_until(x: np.ndarray, i: int, value: int) -> None:
    t0 = time.perf_counter_ns()
    n = 0
    while x[i] != value:
        n += 1
        if n & 0xFFFFF == 0 and time.perf_counter_ns() - t0 > SPIN_LIMIT_NS:
            raise TimeoutError("hand-off partner did not answer")


def _handoff_view(peer: str, name: str) -> tuple[Any, np.ndarray]:
    if peer == "wea":
        import wea

        x = wea.attach_shared_array(name)
        return x, x
    if peer == "mpshm":
        from multiprocessing.shared_memory import SharedMemory

        shm = SharedMemory(name)
        _untrack(shm._name)
        return shm, np.ndarray((HANDOFF_ELEMS,), np.int64, buffer=shm.buf)
    raise ValueError(peer)


def _consume_shm(peer: str, name: str, rounds: int) -> None:
    keep, x = _handoff_view(peer, name)
    for i in range(1, rounds + 1):
        _spin_until(x, 0, i)
        if x[HANDOFF_ELEMS - 1] != i:
            raise AssertionError("payload not visible after the sequence number")
        x[1] = i
    del x, keep


def _consume_pipe(kind: str, rfd: int, wfd: int, nbytes: int, rounds: int) -> None:
    import pickle

    if kind == "wea-pipe":
        import wea

        decode = wea.loads
    else:
        decode = pickle.loads
    for i in range(1, rounds + 1):
        buf = bytearray()
        while len(buf) < nbytes:
            chunk = os.read(rfd, nbytes - len(buf))
            if not chunk:
                raise EOFError("producer closed the pipe")
            buf += chunk
        arr = decode(buf)
        if arr[-1] != i:
            raise AssertionError("wrong payload")
        os.write(wfd, b"k")


def handoff_shm(python: str, peer: str, prefix: str, rounds: int) -> dict[str, Any]:
    """Round trips producer -> consumer -> producer through shared memory."""
    import wea

    name = new_name(prefix)
    a = np.zeros(HANDOFF_ELEMS, np.int64)
    if peer == "wea":
        handle: Any = wea.create_shared_array(name, np.int64, (HANDOFF_ELEMS,))
        x = handle
    else:
        from multiprocessing.shared_memory import SharedMemory

        handle = SharedMemory(name, create=True, size=a.nbytes)
        x = np.ndarray(a.shape, a.dtype, buffer=handle.buf)
        x[...] = 0
    try:
        child = subprocess.Popen(
            [python, os.path.abspath(__file__), "handoff", peer, name, str(rounds)]
        )
        try:
            rtt = []
            payload = x[2:]
            for i in range(1, rounds + 1):
                t0 = time.perf_counter_ns()
                payload[...] = i
                x[0] = i
                _spin_until(x, 1, i)
                rtt.append(time.perf_counter_ns() - t0)
            if child.wait(timeout=60) != 0:
                raise RuntimeError("hand-off consumer failed")
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    finally:
        if peer == "wea":
            handle.unlink()
            del x, payload
        else:
            del x, payload
            handle.close()
            handle.unlink()
    return _rtt_summary(rtt)


def handoff_pipe(python: str, kind: str, rounds: int) -> dict[str, Any]:
    """Round trips through a pipe: the array encoded, sent, decoded, acked."""
    import pickle

    import wea

    a = np.zeros(HANDOFF_ELEMS - 2, np.int64)
    encode: Callable[[np.ndarray], Any]
    if kind == "wea-pipe":
        encode = wea.dumps
    else:

        def encode(arr: np.ndarray) -> bytes:
            return pickle.dumps(arr, protocol=5)

    nbytes = len(encode(a))
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    child = subprocess.Popen(
        [
            python,
            os.path.abspath(__file__),
            "handoff-pipe",
            kind,
            str(r1),
            str(w2),
            str(nbytes),
            str(rounds),
        ],
        pass_fds=(r1, w2),
    )
    os.close(r1)
    os.close(w2)
    rtt = []
    try:
        for i in range(1, rounds + 1):
            t0 = time.perf_counter_ns()
            a[...] = i
            os.write(w1, encode(a))
            if os.read(r2, 1) != b"k":
                raise EOFError("consumer closed the pipe")
            rtt.append(time.perf_counter_ns() - t0)
    finally:
        os.close(w1)
        os.close(r2)
        if child.wait(timeout=60) != 0:
            raise RuntimeError("pipe consumer failed")
    return _rtt_summary(rtt)


def _rtt_summary(rtt: list[int]) -> dict[str, Any]:
    import statistics

    rtt = rtt[len(rtt) // 10 :]  # drop the warm-up tenth
    return {
        "median_ns": statistics.median(rtt) / 2,
        "min_ns": min(rtt) / 2,
        "samples": len(rtt),
        "number": 1,
    }


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "serve":
        _serve()
    elif mode == "first":
        _first(*sys.argv[2:6])
    elif mode == "handoff":
        _consume_shm(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "handoff-pipe":
        k, rfd, wfd, nb, rounds = sys.argv[2:7]
        _consume_pipe(k, int(rfd), int(wfd), int(nb), int(rounds))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
