"""The wea 0.1.3 peer, run by run.py in a venv of its own.

wea 0.1.3 has the same import name as the package under test, so it cannot
be imported next to it: run.py starts this script with the 0.1.3 venv's
Python and reads one JSON document from its stdout. The statements are the
ones of peers.py (LEGACY_*), timed with the same helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import shm  # noqa: E402
from peers import LEGACY_DECODE, LEGACY_ENCODE  # noqa: E402
from timing import time_stmt  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", required=True, help="comma-separated byte counts")
    ap.add_argument("--budget", type=float, required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--first-reps", type=int, required=True)
    ap.add_argument("--first-size", type=int, required=True)
    args = ap.parse_args()

    import wea
    from wea import create_buffered_array, load_buffered_array

    records: list[dict[str, Any]] = []
    version = getattr(wea, "__version__", "?")
    if version != "0.1.3":
        raise SystemExit(f"legacy.py: expected wea 0.1.3, found {version}")

    def rec(group: str, size: int, res: dict[str, Any], **extra: Any) -> None:
        records.append({"group": group, "peer": "wea013", "size": size, **res, **extra})

    sizes = [int(s) for s in args.sizes.split(",")]
    child = shm.Child(sys.executable)
    try:
        for size in sizes:
            a = np.arange(size // 8, dtype=np.float64)
            ns: dict[str, Any] = {
                "a": a,
                "create": create_buffered_array,
                "load": load_buffered_array,
            }
            # encode: a new buffered array, the values copied in, its exchange buffer
            rec("encode", size, time_stmt(LEGACY_ENCODE, ns, args.budget))
            exec(LEGACY_ENCODE, ns)
            ns["b"] = ns.pop("_r")
            ns.pop("_w", None)
            rec("decode", size, time_stmt(LEGACY_DECODE, ns, args.budget))
            exec(LEGACY_DECODE, ns)
            if not np.array_equal(np.asarray(ns["_r"]), a):
                raise SystemExit("legacy.py: wea 0.1.3 round trip differs")
            ns.pop("_r")
            ns["w"] = load_buffered_array(ns["b"])
            rec("exchange_buffer", size, time_stmt("_r = w.exchange_buffer", ns, args.budget))
            del ns
            # shared memory: create and fill, then attach from the child
            rec("shm_create", size, shm.time_create("wea013", args.prefix, a, args.budget))
            name = shm.new_name(args.prefix)
            with shm.segment("wea013", name, a):
                res = child.ask(
                    peer="wea013",
                    name=name,
                    shape=list(a.shape),
                    dtype=a.dtype.str,
                    budget=args.budget,
                )
                rec("shm_attach", size, res)
                if size == args.first_size:
                    vals = [
                        shm.first_attach(sys.executable, "wea013", name, a)
                        for _ in range(args.first_reps)
                    ]
                    rec(
                        "shm_first_attach",
                        size,
                        {
                            "median_ns": float(np.median(vals)),
                            "min_ns": min(vals),
                            "samples": len(vals),
                            "number": 1,
                        },
                    )
            del a
    finally:
        child.close()
        shm.sweep(args.prefix + str(os.getpid()) + "-")
    json.dump({"version": f"wea {version}, numpy {np.__version__}", "records": records}, sys.stdout)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
