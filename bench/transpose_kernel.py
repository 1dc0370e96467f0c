"""Time the transposing copy of wea's compiled part against a memcpy, in one run.

For C-order arrays (2-D and 3-D; items of 1, 2, 4, 8 and 16 bytes; 1 MiB,
64 MiB and 512 MiB) it times, interleaved round by round (in a new
order each round):

* ``dumps(c, out=buf)``: the transposing copy into a reused bytearray of
  ``block_size`` bytes (a bytearray, as users pass: its data is 16 bytes
  past a page, the block's data at 16 mod 64, on 4 KiB pages where
  transparent huge pages are "madvise");
* ``np.copyto(dst, f)``: a memcpy of the same bytes into a reused, warm
  array (numpy's: on huge pages where it can), the floor of the first;
* ``dumps(c)``: a new block (grown, advised for huge pages, then filled);
* ``c.copy()``: a fresh copy, the floor of any new block;

and prints the minimum and the median of each, the ratios out/copyto and
new/copy, and ``copy_strategy()``. A ratio is the median over the rounds of
the two times measured side by side in one round (which cancels most of the
load of a shared machine), then the ratio of the two minimums.
``--accel PATH`` (repeatable) adds the same two dumps with another build of
``wea._speedups`` (say the one before a change), timed in the same rounds.

    .venv/bin/python bench/transpose_kernel.py
    .venv/bin/python bench/transpose_kernel.py --sizes 64 --itemsizes 8 --ndims 2
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import wea
from layout import shape_for  # bench/, the script's folder
from wea import _accel

MiB = 1 << 20
DTYPES = {1: np.uint8, 2: np.uint16, 4: np.float32, 8: np.float64, 16: np.complex128}
MIN_BATCH = 0.002  # seconds: a timed call of a small array is repeated to last this long


def load_build(path: str) -> Any:
    """Another build of ``wea._speedups`` (a .so file), loaded beside the installed one."""
    spec = importlib.util.spec_from_file_location("_speedups", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def strategy(mod: Any) -> str:
    fn = getattr(mod, "copy_strategy", None)
    return fn() if fn is not None else "(no copy_strategy: an older build)"


def batch_of(fn: Callable[[], Any]) -> int:
    """How many calls make one timed batch of at least MIN_BATCH seconds."""
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    return max(1, int(MIN_BATCH / max(one, 1e-7)) + 1)


def run_case(
    ndim: int, itemsize: int, nbytes: int, reps: int, builds: list[tuple[str, Any]]
) -> None:
    shape = shape_for(nbytes, ndim, itemsize)
    n = int(np.prod(shape))
    c = (np.arange(n, dtype=np.int64) % 251).astype(DTYPES[itemsize]).reshape(shape)
    f = np.asfortranarray(c)
    dst = np.empty_like(f)
    buf = bytearray(wea.block_size(c.dtype, shape))
    want = bytes(wea.dumps(f))

    ops: list[tuple[str, Any, Callable[[], Any]]] = []
    for tag, mod in builds:
        ops.append((f"out {tag}", mod, lambda: wea.dumps(c, out=buf)))
        ops.append((f"new {tag}", mod, lambda: wea.dumps(c)))
    ops.append(("copyto", None, lambda: np.copyto(dst, f)))
    ops.append(("copy", None, lambda: c.copy()))

    for name, mod, fn in ops:  # each build writes the right block, and is warm
        if mod is not None:
            _accel.copy_transposed = mod.copy_transposed
            if bytes(fn()) != want:
                raise SystemExit(f"{name}: a wrong block for {shape} {c.dtype}")
    batches = {name: batch_of(fn) for name, _, fn in ops}
    times: dict[str, list[float]] = {name: [] for name, _, _ in ops}
    order = random.Random(len(ops) * reps)  # a fixed seed: the same orders run after run
    for _ in range(reps):
        # a new order each round: no op always follows the same one (and the
        # state of the caches it leaves)
        for name, mod, fn in order.sample(ops, len(ops)):
            if mod is not None:
                _accel.copy_transposed = mod.copy_transposed
            k = batches[name]
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(k):
                r = fn()
                del r
            times[name].append((time.perf_counter() - t0) / k)

    def med(name: str) -> float:
        return statistics.median(times[name])

    def low(name: str) -> float:
        return min(times[name])

    dims = " x ".join(map(str, shape))
    print(f"\n{ndim}-D {c.dtype} ({itemsize} B), {nbytes // MiB} MiB: {dims}")
    for name, _, _ in ops:
        print(f"  {name:14s} min {low(name) * 1e3:9.3f} ms   median {med(name) * 1e3:9.3f} ms")

    def paired(name: str, ref: str) -> float:
        return statistics.median(a / b for a, b in zip(times[name], times[ref], strict=True))

    for tag, _ in builds:
        print(
            f"  {tag + ':':11s} out/copyto {paired(f'out {tag}', 'copyto'):5.2f}"
            f" (min/min {low(f'out {tag}') / low('copyto'):5.2f})"
            f"   new/copy {paired(f'new {tag}', 'copy'):5.2f}"
            f" (min/min {low(f'new {tag}') / low('copy'):5.2f})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,64,512", help="MiB, comma-separated")
    ap.add_argument("--itemsizes", default="1,2,4,8,16")
    ap.add_argument("--ndims", default="2,3")
    ap.add_argument("--reps", type=int, default=9, help="rounds (every op once each)")
    ap.add_argument(
        "--accel", action="append", default=[], help="another wea._speedups build (.so)"
    )
    args = ap.parse_args()

    if _accel.copy_transposed is None:
        raise SystemExit(f"wea's compiled part is {_accel.status()}")
    builds: list[tuple[str, Any]] = [("installed", _accel._MODULE)]
    builds += [(os.path.basename(os.path.dirname(p)) or p, load_build(p)) for p in args.accel]
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for tag, mod in builds:
        print(f"copy_strategy() {tag}: {strategy(mod)}")
    saved = _accel.copy_transposed
    try:
        for ndim in map(int, args.ndims.split(",")):
            for itemsize in map(int, args.itemsizes.split(",")):
                for size in map(int, args.sizes.split(",")):
                    reps = args.reps if size >= 64 else max(args.reps, 15)
                    run_case(ndim, itemsize, size * MiB, reps, builds)
    finally:
        _accel.copy_transposed = saved
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
