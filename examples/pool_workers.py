"""multiprocessing Pool workers that get shared arrays by handle and write in place.

Run it::

    python examples/pool_workers.py

The parent creates two WA-1 arrays in POSIX shared memory, an input and an
output, and hands slices of them to ``multiprocessing.Pool`` workers as
ordinary arguments. A :class:`wea.SharedExchangeArray` (and any slice of it)
pickles as a *handle*: the object's name and the view's offset, shape and
strides, a few hundred bytes, never the data. Each worker attaches to the
same memory when it unpickles its arguments, reads its rows of the input and
writes its results straight into the output. The parent sees the results in
place; nothing was copied, and nothing was sent back but a checksum.

The workers never unlink anything (an attacher never does, spec §8.2.4);
the parent, the owner, unlinks both objects at the end, even on failure.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import sys
import time

import numpy as np

import wea

ROWS, COLS = 2048, 512  # 8 MiB of float64 per array
TASKS = 8


def work(x: wea.SharedExchangeArray, y: wea.SharedExchangeArray) -> tuple[int, float]:
    """Compute ``y = sqrt(x) * 2`` on one slab, in place; return pid and checksum.

    Parameters
    ----------
    x, y : wea.SharedExchangeArray
        Views of the shared input and output, attached in this process when
        the arguments were unpickled.

    Returns
    -------
    tuple of (int, float)
        This worker's process id and the sum of what it wrote.
    """
    assert isinstance(y, wea.SharedExchangeArray)  # a view of the shared object
    np.multiply(np.sqrt(x), 2.0, out=y)  # written into the shared memory
    return os.getpid(), float(y.sum())


def main() -> int:
    """Run the example; return the exit status."""
    tag = f"wea-example-pool-{os.getpid()}"
    rng = np.random.default_rng(7)
    x = wea.create_shared_array(f"/{tag}-x", np.float64, (ROWS, COLS))
    try:
        y = wea.create_shared_array(f"/{tag}-y", np.float64, (ROWS, COLS))
    except BaseException:
        x.unlink()
        raise
    try:
        x[...] = rng.random((ROWS, COLS))
        step = ROWS // TASKS
        tasks = [(x[i : i + step], y[i : i + step]) for i in range(0, ROWS, step)]
        handle = len(pickle.dumps(tasks[0]))
        print(
            f"created {x.name} and {y.name}: float64 {x.shape}, {x.nbytes} bytes each; "
            f"one task's arguments pickle to {handle} bytes (a handle, not the "
            f"{tasks[0][0].nbytes} bytes of its slab)"
        )
        # "spawn": each worker is a fresh interpreter, as on macOS and Windows,
        # so the arrays really travel by handle and are attached there.
        start = time.perf_counter()
        with mp.get_context("spawn").Pool(processes=2) as pool:
            results = pool.starmap(work, tasks, chunksize=1)
        elapsed = time.perf_counter() - start
        pids = sorted({pid for pid, _ in results})
        print(f"{len(tasks)} tasks ran in worker processes {pids} in {elapsed:.2f} s")
        expected = np.sqrt(x) * 2.0
        if not np.array_equal(y, expected):
            print("FAILED: the output differs from sqrt(x) * 2", file=sys.stderr)
            return 1
        total = sum(s for _, s in results)
        if not np.isclose(total, float(expected.sum())):
            print("FAILED: the workers' checksums do not add up", file=sys.stderr)
            return 1
        print(
            f"the parent reads the workers' results in place: y == sqrt(x) * 2 "
            f"everywhere, sum {total:.3f}"
        )
    finally:
        x.unlink()
        y.unlink()
    print(f"unlinked {x.name} and {y.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
