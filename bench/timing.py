"""Timing helpers shared by every part of the benchmark (stdlib only).

Every figure is a median of ``time.perf_counter_ns`` samples. A statement
is timed with :class:`timeit.Timer` using ``perf_counter_ns`` as its clock,
so that the statement is inlined in the timing loop (no function-call
overhead of the harness) and the garbage collector is off while it runs.
Short statements are repeated ``number`` times per sample, so that one
sample lasts at least :data:`MIN_SAMPLE_NS`; the figure is the median over
samples of (sample time / number).

This module is imported by the main benchmark and by the workers that run
in other interpreters (the wea 0.1.3 venv, the shared-memory children): it
must not import wea or anything outside the standard library.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

#: A sample of a short statement lasts at least this long (0.2 ms).
MIN_SAMPLE_NS = 200_000
#: At least this many samples, whatever the budget.
MIN_SAMPLES = 5
#: At most this many samples.
MAX_SAMPLES = 2_000

KiB = 1024
MiB = 1024 * KiB

#: The array sizes of the full run and of the smoke run, in bytes.
FULL_SIZES = (1 * KiB, 1 * MiB, 64 * MiB, 512 * MiB)
SMOKE_SIZES = (1 * KiB, 64 * KiB)


def size_label(nbytes: int) -> str:
    """Return ``"1 KiB"``, ``"64 MiB"`` ..."""
    if nbytes >= MiB and nbytes % MiB == 0:
        return f"{nbytes // MiB} MiB"
    if nbytes >= KiB and nbytes % KiB == 0:
        return f"{nbytes // KiB} KiB"
    return f"{nbytes} B"


def time_stmt(
    stmt: str, namespace: dict[str, Any], budget_s: float, setup: str = "pass"
) -> dict[str, Any]:
    """Time a statement; return its median in ns and how it was sampled.

    Parameters
    ----------
    stmt : str
        The statement, inlined in the loop (``"_r = f(x)"``: assigning the
        result keeps its deallocation out of a single-shot sample).
    namespace : dict
        The globals the statement sees.
    budget_s : float
        About how long to spend on this statement, calibration included.
    """
    timer = timeit.Timer(stmt, setup=setup, timer=time.perf_counter_ns, globals=namespace)
    number = 1
    first = timer.timeit(1)  # warm-up (also a calibration point)
    if first < MIN_SAMPLE_NS:
        # Grow the inner loop until one sample lasts MIN_SAMPLE_NS.
        while True:
            t = timer.timeit(number)
            if t >= MIN_SAMPLE_NS or number >= 1 << 22:
                break
            number *= max(2, min(10, int(MIN_SAMPLE_NS / max(t, 1)) + 1))
        per_sample = t
    else:
        # The first call may pay one-time costs (page faults of fresh
        # memory, caches): calibrate on a second one.
        per_sample = timer.timeit(1)
    samples = int(budget_s * 1e9 / max(per_sample, 1))
    samples = max(MIN_SAMPLES, min(MAX_SAMPLES, samples))
    values = [timer.timeit(number) / number for _ in range(samples)]
    return _summary(values, number)


def time_calls(
    fn: Callable[[], Any],
    budget_s: float,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[[Any], None] | None = None,
    max_samples: int = MAX_SAMPLES,
) -> dict[str, Any]:
    """Time single calls of `fn` that need a setup or teardown around each.

    ``setup()`` runs before each timed call, untimed; ``teardown(result)``
    after it, untimed (for example: unlink the segment just created).
    """
    values: list[float] = []
    start = time.perf_counter_ns()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while True:
            if setup is not None:
                setup()
            t0 = time.perf_counter_ns()
            r = fn()
            t1 = time.perf_counter_ns()
            values.append(t1 - t0)
            if teardown is not None:
                teardown(r)
            del r
            n = len(values)
            spent = time.perf_counter_ns() - start
            if n >= max_samples:
                break
            if n >= MIN_SAMPLES and spent >= budget_s * 1e9:
                break
    finally:
        if gc_was:
            gc.enable()
    return _summary(values, 1)


def _summary(values: list[float], number: int) -> dict[str, Any]:
    return {
        "median_ns": statistics.median(values),
        "min_ns": min(values),
        "samples": len(values),
        "number": number,
    }


def machine() -> dict[str, Any]:
    """Describe this machine: CPU, cores, memory, kernel, Python, load."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    thp = None
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            thp = f.read().strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": mem,
        "kernel": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "transparent_hugepage": thp,
    }
