"""Child processes of the shared-memory fault and load tests.

Run as ``python reliability/shm_child.py COMMAND ARGS...``; each command
prints what the parent needs on stdout, one line at a time, flushed:

``create-stop STEP NAME``
    Creates ``NAME`` (uint16, 512x1024, filled with a known ramp) with
    ``wea.create_shared_array``, whose steps are wrapped here (monkeypatched
    in this process only, never in the package): right after STEP (or right
    before it, for ``before-C2``) it prints ``at STEP`` and waits to be
    killed. Steps: before-C2, after-C2, after-C3, after-C4, after-C5,
    after-C6-map, after-C6-header, after-C6-data, after-C7.
``read-loop NAME IMPL``
    Attaches (IMPL ``py``, ``py-ro`` or ``c``), prints ``ready SHA256`` and
    reads the data in a loop until it is killed.
``attach-loop NAME``
    Attaches and detaches in a loop, printing ``ready`` after the first.
``hold NAME``
    Attaches read-only and answers each line of stdin: ``sha`` prints the
    SHA-256 of the data, ``read-all`` touches every page and prints ``ok``,
    ``exit`` ends.
``load-worker NAME ITERATIONS``
    The load test's reader: attach, check, read, detach ITERATIONS times
    (every fourth attach through the C library), then print one JSON line
    with the counts and the fd, mapping and memory figures.
``enospc``
    Run inside a private mount namespace whose /dev/shm is a 1 MiB tmpfs:
    creates that do not fit, through Python and C; prints one JSON line.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import mmap as mmap_module
import os
import sys
import time
from pathlib import Path
from typing import Any

# cwea: run as a script, this file's directory is sys.path[0]; imported by
# the tests, conftest.py's directory (this one) is on the path.
import cwea
import numpy as np
import wea
from wea import _shm

SHAPE = (512, 1024)
DTYPE = np.uint16
WAIT_SECONDS = 120  # a stopped child never outlives this, even if nobody kills it


def ramp() -> np.ndarray[Any, Any]:
    """The values create-stop writes: element k is k mod 65521."""
    return (
        (np.arange(SHAPE[0] * SHAPE[1], dtype=np.uint32) % 65521)
        .astype(DTYPE)
        .reshape(SHAPE, order="F")
    )


def say(*words: object) -> None:
    print(*words, flush=True)


def stop(step: str) -> None:
    say("at", step)
    time.sleep(WAIT_SECONDS)
    sys.exit(3)


def wrap(obj: Any, attr: str, step: str, before: bool = False) -> None:
    real = getattr(obj, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            stop(step)
        out = real(*args, **kwargs)
        stop(step)
        return out

    setattr(obj, attr, wrapper)


def create_stop(step: str, name: str) -> None:
    # Each step of spec §8.2.2 is a call in wea._shm.create_shared_array.
    targets = {
        "before-C2": (_shm, "_shm_open", True),
        "after-C2": (_shm, "_shm_open", False),
        "after-C3": (os, "fchmod", False),
        "after-C4": (os, "ftruncate", False),
        "after-C5": (_shm, "_reserve", False),
        "after-C6-map": (mmap_module, "mmap", False),
        "after-C6-header": (_shm, "write_header", False),
        "after-C6-data": (_shm, "fill_data", False),
        "after-C7": (_shm, "publish", False),
    }
    obj, attr, before = targets[step]
    wrap(obj, attr, step, before)
    wea.create_shared_array(name, DTYPE, SHAPE, data=ramp())
    say("returned")  # not reached: every step stops
    sys.exit(4)


def attach(name: str, impl: str) -> tuple[Any, Any]:
    """Return (numpy view of the data, handle to release)."""
    if impl == "c":
        m = cwea.shm_attach(name)
        h = m.header
        et = wea._format.ELEMENT_TYPES[h.etype]
        count = h.len_data // et.itemsize
        if h.len_data:
            raw = (ctypes.c_uint8 * h.len_data).from_address(m.addr + h.offset)
            buf = np.ctypeslib.as_array(raw)
        else:
            buf = np.zeros(0, np.uint8)
        arr = buf.view(et.dtype)[:count].reshape(tuple(h.dims[: h.ndims]), order="F")
        return arr, m
    arr = wea.attach_shared_array(name, readonly=(impl == "py-ro"))
    return arr, None


def release(arr: Any, handle: Any) -> None:
    if handle is not None:
        cwea.unmap(handle)
    elif arr is not None:
        arr.close()


def sha(arr: Any) -> str:
    return hashlib.sha256(np.asfortranarray(arr).tobytes(order="F")).hexdigest()


def read_loop(name: str, impl: str) -> None:
    arr, handle = attach(name, impl)
    say("ready", sha(arr))
    deadline = time.monotonic() + WAIT_SECONDS
    total = 0
    while time.monotonic() < deadline:
        total += int(arr.sum(dtype=np.uint64))  # reads every element
    release(arr, handle)
    sys.exit(3)


def attach_loop(name: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    first = True
    while time.monotonic() < deadline:
        for impl in ("py", "py-ro", "c"):
            arr, handle = attach(name, impl)
            int(arr.sum(dtype=np.uint64))
            release(arr, handle)
            del arr
        if first:
            say("ready")
            first = False
    sys.exit(3)


def hold(name: str) -> None:
    arr = wea.attach_shared_array(name, readonly=True)
    say("ready", sha(arr))
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "sha":
            say(sha(arr))
        elif cmd == "read-all":
            int(arr.sum(dtype=np.uint64))
            say("ok")
        elif cmd == "exit":
            break
    sys.exit(0)


# -- load --------------------------------------------------------------------------


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def maps_of(name: str) -> int:
    """Mappings of /dev/shm/NAME in this process (/proc/self/maps)."""
    path = "/dev/shm/" + name.lstrip("/")
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if line.rstrip().endswith(path) or (path + " (deleted)") in line)


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def load_worker(name: str, iterations: int) -> None:
    warm = 20  # interpreter caches, numpy's first calls: measured after these
    low = 0  # the smallest value seen: the creator only ever increases them
    attaches = {"py": 0, "py-ro": 0, "c": 0}
    fds0 = maps0 = rss0 = -1
    t0 = time.monotonic()
    for i in range(iterations + warm):
        if i == warm:
            gc.collect()
            fds0, maps0, rss0 = fd_count(), maps_of(name), rss_kib()
            t0 = time.monotonic()
        impl = "c" if i % 4 == 3 else ("py-ro" if i % 2 else "py")
        arr, handle = attach(name, impl)
        if arr.shape != (256, 64) or arr.dtype != np.int64:
            raise AssertionError(f"wrong header through {impl}: {arr.shape} {arr.dtype}")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < low or hi < lo:
            raise AssertionError(f"values went back: min {lo} after {low}, max {hi}")
        low = lo
        release(arr, handle)
        del arr
        if i >= warm:
            attaches[impl] += 1
    seconds = time.monotonic() - t0
    gc.collect()
    report = {
        "iterations": iterations,
        "attaches": attaches,
        "seconds": round(seconds, 3),
        "fds_before": fds0,
        "fds_after": fd_count(),
        "maps_before": maps0,
        "maps_after": maps_of(name),
        "rss_kib_before": rss0,
        "rss_kib_after": rss_kib(),
        "last_min": low,
    }
    say(json.dumps(report))


# -- ENOSPC ------------------------------------------------------------------------


def enospc() -> None:
    """Creates that do not fit a 1 MiB /dev/shm, in a private mount namespace."""
    out: dict[str, Any] = {}
    shm = Path("/dev/shm")
    st = os.statvfs(shm)
    out["shm_bytes"] = st.f_blocks * st.f_frsize
    if out["shm_bytes"] > 8 << 20:
        raise SystemExit("enospc: /dev/shm is not the test's small tmpfs; refusing to run")

    def left() -> list[str]:
        return sorted(os.listdir(shm))

    def py_create(name: str, nbytes: int) -> str:
        try:
            a = wea.create_shared_array(name, np.uint8, (nbytes,))
        except OSError as e:
            return f"{type(e).__name__}:{e.errno}:{e.strerror or e}"
        a.close()
        return "created"

    # 1. Larger than the whole file system: refused by C5's check of the free space.
    out["py_2mib"] = py_create("/big", 2 << 20)
    out["py_2mib_left"] = left()
    # 2. The same with that check blind: posix_fallocate itself fails (C5).
    real = os.fstatvfs
    os.fstatvfs = lambda fd: (_ for _ in ()).throw(OSError(38, "blind"))  # type: ignore[assignment]
    try:
        out["py_2mib_fallocate"] = py_create("/big", 2 << 20)
    finally:
        os.fstatvfs = real  # type: ignore[assignment]
    out["py_2mib_fallocate_left"] = left()
    # 3. Two that fit alone but not together: the second fails, the first stays.
    out["py_600k_first"] = py_create("/first", 600 << 10)
    out["py_600k_second"] = py_create("/second", 600 << 10)
    out["py_600k_left"] = left()
    # the first is intact and valid
    a = wea.attach_shared_array("/first")
    out["first_valid"] = a.shape == (600 << 10,) and int(a.max()) == 0
    del a
    # 4. The C library, the same two ways.
    for label, size in (("c_2mib", 2 << 20), ("c_600k_second", 600 << 10)):
        try:
            m = cwea.shm_create("/c-" + label, 2, (size,))
            cwea.unmap(m)
            out[label] = "created"
        except cwea.CError as e:
            out[label] = f"{e.name}:{e.sys_errno}"
        out[label + "_left"] = left()
    wea.unlink_shared_array("/first")
    out["final_left"] = left()
    say(json.dumps(out))


def main(argv: list[str]) -> None:
    cmd, args = argv[0], argv[1:]
    if cmd == "create-stop":
        create_stop(args[0], args[1])
    elif cmd == "read-loop":
        read_loop(args[0], args[1])
    elif cmd == "attach-loop":
        attach_loop(args[0])
    elif cmd == "hold":
        hold(args[0])
    elif cmd == "load-worker":
        load_worker(args[0], int(args[1]))
    elif cmd == "enospc":
        enospc()
    else:
        raise SystemExit(f"unknown command {cmd!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
