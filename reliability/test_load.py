"""Load: many processes attach, read and detach one object while its creator writes.

8 worker processes (shm_child.py ``load-worker``) each attach, check the
header, read every element and detach, ITERATIONS times: through the Python
package read-write and read-only, and every fourth time through the C
library. The creator meanwhile raises every element, generation after
generation, so a reader must never see a value go back. Afterwards: no
worker holds more descriptors or mappings than before its loop, its memory
stayed bounded, the creator's own descriptors and mappings are back where
they were, and /dev/shm holds nothing of the run.

The creator's side is loaded too: create, attach, unlink, many times.

The figures (RELIABILITY_SCALE=full) are in docs/reliability.md; every run
writes them to build/reliability/load.json.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import wea
from conftest import FULL, ROOT, Child

WORKERS = 8
ITERATIONS = 100000 if FULL else 5000
CREATES = 20000 if FULL else 1000
RSS_GROWTH_KIB = 16 * 1024  # a worker may grow by at most 16 MiB over its loop
OUT = ROOT / "build" / "reliability"


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def maps_of(name: str) -> int:
    path = "/dev/shm/" + name.lstrip("/")
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if path in line)


def shm_maps() -> int:
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if " /dev/shm/" in line)


def record(key: str, value: object) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "load.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def test_many_readers_one_writer(shm_name: Callable[[], str], child: Callable[..., Child]) -> None:
    gc.collect()
    fds0, maps0 = fds(), shm_maps()
    name = shm_name()
    a = wea.create_shared_array(name, np.int64, (256, 64))
    t0 = time.monotonic()
    try:
        workers = [child("load-worker", name, str(ITERATIONS)) for _ in range(WORKERS)]
        generations = 0
        deadline = time.monotonic() + (1200 if FULL else 240)
        while any(w.proc.poll() is None for w in workers):
            generations += 1
            a[:] = generations  # raise every element, in memory order
            time.sleep(0.001)
            assert time.monotonic() < deadline, "the load test ran out of time"
        reports = [json.loads(w.line()) for w in workers]
        for w in workers:
            assert w.proc.wait(timeout=30) == 0
            w.close()  # its pipes: descriptors of this process
    finally:
        a.unlink()
        del a
    seconds = time.monotonic() - t0
    gc.collect()
    for r in reports:
        assert r["iterations"] == ITERATIONS
        assert r["fds_after"] == r["fds_before"], r
        assert r["maps_before"] == 0 and r["maps_after"] == 0, r
        assert r["rss_kib_after"] - r["rss_kib_before"] < RSS_GROWTH_KIB, r
    assert fds() == fds0
    assert shm_maps() == maps0
    assert not (Path("/dev/shm") / name.lstrip("/")).exists()
    attaches = {k: sum(r["attaches"][k] for r in reports) for k in ("py", "py-ro", "c")}
    record(
        "many_readers_one_writer",
        {
            "workers": WORKERS,
            "iterations_per_worker": ITERATIONS,
            "attaches": attaches,
            "attaches_total": sum(attaches.values()),
            "writer_generations": generations,
            "seconds": round(seconds, 1),
            "worker_rss_growth_kib_max": max(
                r["rss_kib_after"] - r["rss_kib_before"] for r in reports
            ),
            "worker_fd_delta_max": max(r["fds_after"] - r["fds_before"] for r in reports),
            "worker_maps_after_max": max(r["maps_after"] for r in reports),
        },
    )


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("how", ["python", "c"])
def test_create_attach_unlink_cycles(how: str, shm_name: Callable[[], str]) -> None:
    import cwea

    name = shm_name()
    warm = 50
    for i in range(CREATES + warm):
        if i == warm:
            gc.collect()
            fds0, maps0, rss0 = fds(), shm_maps(), rss_kib()
        if how == "python":
            a = wea.create_shared_array(name, np.float32, (64, 64), data=float(i))
            b = wea.attach_shared_array(name, readonly=True)
            assert b[63, 63] == float(i)
            a.unlink()
            del a, b
        else:
            m = cwea.shm_create(name, 9, (64, 64))
            r = cwea.shm_attach(name)
            assert r.header.len_data == 64 * 64 * 4
            cwea.unmap(r)
            cwea.unmap(m)
            cwea.shm_unlink(name)
    gc.collect()
    assert fds() == fds0
    assert shm_maps() == maps0
    growth = rss_kib() - rss0
    assert growth < RSS_GROWTH_KIB, growth
    assert not (Path("/dev/shm") / name.lstrip("/")).exists()
    record(f"create_attach_unlink_{how}", {"cycles": CREATES, "rss_growth_kib": growth})
