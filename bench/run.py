"""The wea benchmark: wea against its peers, in one run (``make bench``).

    python bench/run.py [--smoke] [--out DIR] [--legacy-python PY] [--c-bench EXE]

Measures, for float64 arrays of 1 KiB, 1 MiB, 64 MiB and 512 MiB (the smoke
run: 1 KiB and 64 KiB, the layouts also 1 MiB; short budgets): encode and decode against the peers
of peers.py; ``exchange_buffer``; opening a ``.wea`` file memory-mapped
against ``np.load(mmap_mode='r')``; shared memory (create and fill, attach
from another process, the first attach in a fresh process) against
``multiprocessing.shared_memory``, SharedArray and wea 0.1.3; the hand-off
latency of a small array across processes; the C reader (parse, attach);
the import time of wea. The layouts numpy users hold (layout.py): C-order
2-D and 3-D arrays encoded (``dumps(a)``, ``dumps(a, order="C")``) and
decoded (``loads(b, order="C")``), encoding into a reused buffer
(``dumps(a, out=buf)``), and the per-operation tax of wea's array classes
on a 128-element array. wea is measured as installed (peer "wea", with its
compiled part wea._speedups when the install built it: the machine section
records ``wea.accelerated()`` and ``wea --version``'s line about it) and,
where the compiled part changes the figure (the transposing encode,
``a + 1``, attach, first attach), without it (peer "wea_pure":
``WEA_PURE_PYTHON=1`` in a child process, or its hook turned off around the
timed statement). Then writes ``results.json``,
``results.md`` (the tables and the targets' summary) and ``results.png``
under ``--out`` and prints the summary.

Exit status: 0 when the run completed (targets missed or not: the summary
says which, and why); 1 when the harness itself failed; with ``--strict``,
also 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import layout  # noqa: E402
import report  # noqa: E402
import shm  # noqa: E402
from peers import CODECS  # noqa: E402
from timing import (  # noqa: E402
    FULL_SIZES,
    SMOKE_SIZES,
    MiB,
    machine,
    size_label,
    time_calls,
    time_stmt,
)

VERIFY_UP_TO = 1 * MiB  # round trips are checked up to this size


class Run:
    """Collects records, caps and notes while the groups run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.smoke: bool = args.smoke
        self.sizes: tuple[int, ...] = (
            tuple(int(s) for s in args.sizes.split(","))
            if args.sizes
            else SMOKE_SIZES
            if self.smoke
            else FULL_SIZES
        )
        self.budget: float = args.budget if args.budget else (0.02 if self.smoke else 1.0)
        self.prefix = f"wea-bench-{os.getpid()}-"
        self.records: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.versions: dict[str, str] = {}

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def add(self, group: str, peer: str, size: int, res: dict[str, Any], **extra: Any) -> None:
        rec = {"group": group, "peer": peer, "size": size, **res, **extra}
        self.records.append(rec)
        if "median_ns" in res:
            self.log(
                f"  {group:16s} {peer:12s} "
                f"{size_label(size) if group != 'c_parse' else str(size) + '-D':>8s}"
                f"  {res['median_ns'] / 1e3:12.3f} us  ({res['samples']} samples x {res['number']})"
            )
        else:
            self.log(
                f"  {group:16s} {peer:12s} {size_label(size):>8s}  "
                f"{res.get('status')}: {res.get('reason')}"
            )

    def skip(self, group: str, peer: str, size: int, status: str, reason: str) -> None:
        self.add(group, peer, size, {"status": status, "reason": reason})


# -- encode / decode -------------------------------------------------------------------


def run_codecs(run: Run) -> None:
    run.log("encode / decode")
    capped: dict[str, str] = {}
    for size in run.sizes:
        a = np.arange(size // 8, dtype=np.float64)
        for codec in CODECS:
            ver = codec.version()
            run.versions[codec.key] = ver
            if ver == "not installed":
                for g in ("encode", "decode"):
                    run.skip(g, codec.key, size, "missing", f"{codec.package} is not installed")
                continue
            if codec.key in capped:
                for g in ("encode", "decode"):
                    run.skip(g, codec.key, size, "capped", capped[codec.key])
                continue
            try:
                _run_codec(run, codec, a, size)
            except (MemoryError, OverflowError, ValueError, RuntimeError, OSError) as e:
                why = f"fails at {size_label(size)}: {type(e).__name__}: {str(e)[:160]}"
                capped[codec.key] = f"capped: {why}"
                run.notes.append(f"{codec.label}: {why}; not run at larger sizes")
                run.skip("encode", codec.key, size, "failed", why)
        del a


def _run_codec(run: Run, codec: Any, a: np.ndarray, size: int) -> None:
    ns = codec.namespace()
    ns["a"] = a
    if codec.key == "memcpy":
        ns["dst"] = np.empty_like(a)
        ns["dst"][...] = 0  # touch every page: the bound is a warm copy
    if codec.encode is not None:
        run.add("encode", codec.key, size, time_stmt(codec.encode, ns, run.budget))
        exec(codec.encode, ns)
        ns["b"] = codec.received(ns.pop("_r", None))
    elif codec.key == "frombuffer":
        ns["b"] = bytearray(a.tobytes())
    for junk in ("_f", "_s", "_bufs", "_p"):
        ns.pop(junk, None)
    if codec.decode is not None:
        run.add("decode", codec.key, size, time_stmt(codec.decode, ns, run.budget))
        if size <= VERIFY_UP_TO and codec.key != "memcpy":
            exec(codec.decode, ns)
            out = ns.pop("_r")
            if not np.array_equal(np.asarray(out).reshape(a.shape), a):
                raise RuntimeError(f"{codec.label}: the round trip differs")
            del out
        if codec.key == "wea":  # the 0.1.3 class over the same block
            ns["_r"] = None
            run.add("decode", "wea_lba", size, time_stmt("_r = lba(b)", ns, run.budget))
    ns.clear()


# -- exchange_buffer ----------------------------------------------------------------


def run_exchange_buffer(run: Run) -> None:
    import wea

    run.log("exchange_buffer")
    for size in run.sizes:
        w = wea.create_buffered_array(np.float64, (size // 8,))
        ns = {"w": w, "blk": w.exchange_buffer}
        run.add("exchange_buffer", "wea", size, time_stmt("_r = w.exchange_buffer", ns, run.budget))
        run.add(
            "exchange_buffer", "memoryview", size, time_stmt("_r = memoryview(blk)", ns, run.budget)
        )
        ns.clear()
        del w


# -- .wea files ---------------------------------------------------------------------


def run_files(run: Run) -> None:
    import wea

    run.log("file open (memory-mapped)")
    tmp = tempfile.mkdtemp(prefix="wea-bench-")
    try:
        for size in run.sizes:
            a = np.arange(size // 8, dtype=np.float64)
            pw = os.path.join(tmp, "a.wea")
            pn = os.path.join(tmp, "a.npy")
            wea.save(pw, a)
            np.save(pn, a)
            del a
            # Call by call: closing the previous mapping (munmap, which grows
            # with the mapping's size) stays out of the time of opening.
            run.add(
                "file_open",
                "wea",
                size,
                time_calls(lambda p=pw: wea.load(p), run.budget, max_samples=20_000),
            )
            run.add(
                "file_open",
                "npy_mmap",
                size,
                time_calls(lambda p=pn: np.load(p, mmap_mode="r"), run.budget, max_samples=20_000),
            )
            os.unlink(pw)
            os.unlink(pn)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


# -- shared memory --------------------------------------------------------------------


def _shm_available(run: Run, peer: str) -> bool:
    if peer == "sharedarray":
        try:
            run.versions["sharedarray"] = "SharedArray " + version("SharedArray")
        except PackageNotFoundError:
            run.versions["sharedarray"] = "not installed"
            return False
    if peer == "mpshm":
        run.versions["mpshm"] = "stdlib (Python " + sys.version.split()[0] + ")"
    return True


def run_shm(run: Run) -> None:
    run.log("shared memory")
    first_size = 1 * MiB if 1 * MiB in run.sizes else run.sizes[-1]
    pure_env = shm.pure_env()
    # The segments of "wea" are attached by two warm children: one as users
    # get wea (with its compiled part, if built) and one started with
    # WEA_PURE_PYTHON=1 (peer "wea_pure"), each attach from the same segment.
    warm = shm.Child(sys.executable)
    warm_pure = shm.Child(sys.executable, pure_env)
    run.versions["wea_pure"] = f"wea {version('wea')} with WEA_PURE_PYTHON=1 (no compiled part)"
    try:
        for peer in ("wea", "mpshm", "sharedarray"):
            if not _shm_available(run, peer):
                for g in ("shm_create", "shm_attach", "shm_first_attach"):
                    run.skip(g, peer, first_size, "missing", "not installed")
                continue
            attachers = ("wea", "wea_pure") if peer == "wea" else (peer,)
            for size in run.sizes:
                a = np.arange(size // 8, dtype=np.float64)
                run.add("shm_create", peer, size, shm.time_create(peer, run.prefix, a, run.budget))
                name = shm.new_name(run.prefix)
                with shm.segment(peer, name, a):
                    for who in attachers:
                        pure = who == "wea_pure"
                        child, env = (warm_pure, pure_env) if pure else (warm, None)
                        res = child.ask(
                            peer=who,
                            name=name,
                            shape=list(a.shape),
                            dtype=a.dtype.str,
                            budget=run.budget,
                        )
                        run.add("shm_attach", who, size, res)
                        if size == first_size:
                            reps = 3 if run.smoke else 11
                            vals = [
                                shm.first_attach(sys.executable, who, name, a, env)
                                for _ in range(reps)
                            ]
                            run.add(
                                "shm_first_attach",
                                who,
                                size,
                                {
                                    "median_ns": float(np.median(vals)),
                                    "min_ns": float(min(vals)),
                                    "samples": reps,
                                    "number": 1,
                                },
                            )
                del a
    finally:
        warm.close()
        warm_pure.close()


def run_handoff(run: Run) -> None:
    run.log("hand-off latency (1 KiB)")
    rounds = 300 if run.smoke else 5000
    for peer in ("wea", "mpshm"):
        run.add(
            "handoff",
            peer + "_spin",
            shm.HANDOFF_ELEMS * 8,
            shm.handoff_shm(sys.executable, peer, run.prefix, rounds),
        )
    for kind in ("wea-pipe", "pickle-pipe"):
        run.add(
            "handoff",
            kind.replace("-", "_"),
            shm.HANDOFF_ELEMS * 8,
            shm.handoff_pipe(sys.executable, kind, rounds // 2),
        )


# -- wea 0.1.3, in its own venv ---------------------------------------------------------


def run_legacy(run: Run) -> None:
    py = run.args.legacy_python
    groups = ("encode", "decode", "exchange_buffer", "shm_create", "shm_attach", "shm_first_attach")
    if not py or not os.path.exists(py):
        run.versions["wea013"] = "not installed"
        run.notes.append("wea 0.1.3: no venv given (--legacy-python); not measured")
        for g in groups:
            run.skip(g, "wea013", run.sizes[0], "missing", "no wea 0.1.3 venv")
        return
    run.log("wea 0.1.3 (own venv)")
    first_size = 1 * MiB if 1 * MiB in run.sizes else run.sizes[-1]
    cmd = [
        py,
        os.path.join(HERE, "legacy.py"),
        "--sizes",
        ",".join(map(str, run.sizes)),
        "--budget",
        str(run.budget),
        "--prefix",
        run.prefix,
        "--first-reps",
        "3" if run.smoke else "11",
        "--first-size",
        str(first_size),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"legacy.py failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    doc = json.loads(out.stdout)
    run.versions["wea013"] = doc["version"]
    for rec in doc["records"]:
        g, p, s = rec.pop("group"), rec.pop("peer"), rec.pop("size")
        run.add(g, p, s, rec)


# -- the C reader ---------------------------------------------------------------------


def run_c(run: Run) -> None:
    exe = run.args.c_bench
    if not exe or not os.path.exists(exe):
        run.notes.append("C reader: no benchmark program given (--c-bench); not measured")
        run.skip("c_parse", "c", 2, "missing", "no C benchmark program")
        return
    run.log("C reader")
    iters = 200 if run.smoke else 2000
    sizes = [str(s) for s in run.sizes]
    out = subprocess.run(
        [exe, run.prefix + "c-", str(iters), *sizes],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"C benchmark failed: {out.stderr.strip()[-1000:]}")
    doc = json.loads(out.stdout)
    for r in doc["parse"]:
        run.add(
            "c_parse",
            "c_err" if r["with_error"] else "c",
            r["ndims"],
            {
                "median_ns": r["median_ns"],
                "min_ns": r["p10_ns"],
                "p10_ns": r["p10_ns"],
                "samples": doc["reps"],
                "number": doc["iters"],
            },
        )
    for r in doc["attach"]:
        run.add(
            "c_attach",
            "c",
            r["size"],
            {
                "median_ns": r["median_ns"],
                "min_ns": r["median_ns"],
                "samples": r["samples"],
                "number": 1,
            },
        )
    run.versions["c"] = "libwea sources (c/src), cc -O2"


# -- import time ---------------------------------------------------------------------


_IMPORT_PROBE = (
    "import time, json\n"
    "t0 = time.perf_counter_ns()\n"
    "import numpy\n"
    "t1 = time.perf_counter_ns()\n"
    "import wea\n"
    "t2 = time.perf_counter_ns()\n"
    "print(json.dumps([t1 - t0, t2 - t1]))\n"
)


def run_import(run: Run) -> None:
    run.log("import time")
    reps = 3 if run.smoke else 11
    numpy_ns, wea_ns = [], []
    for _ in range(reps):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        n, w = json.loads(out.stdout)
        numpy_ns.append(n)
        wea_ns.append(w)
    for peer, vals in (("numpy", numpy_ns), ("wea", wea_ns)):
        run.add(
            "import",
            peer,
            0,
            {
                "median_ns": float(np.median(vals)),
                "min_ns": float(min(vals)),
                "samples": reps,
                "number": 1,
            },
        )


# -- main ------------------------------------------------------------------------------


GROUPS = {
    "import": run_import,
    "codecs": run_codecs,
    "layout": layout.run_layout,
    "out": layout.run_out,
    "exchange": run_exchange_buffer,
    "ops": layout.run_ops,
    "files": run_files,
    "shm": run_shm,
    "handoff": run_handoff,
    "legacy": run_legacy,
    "c": run_c,
}


def _helper_info() -> dict[str, Any]:
    """Whether peer "wea" runs with wea's compiled part (wea._speedups), and why not."""
    import wea
    from wea import _accel

    return {
        "wea_accelerated": wea.accelerated(),
        "wea_accel": _accel.status(),
        "wea_copy_strategy": (
            _accel._MODULE.copy_strategy() if _accel._MODULE is not None else "pure Python"
        ),
        "wea_pure_python_env": os.environ.get("WEA_PURE_PYTHON", ""),
    }


def _sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, short budgets")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--legacy-python", help="the Python of a venv holding wea 0.1.3")
    ap.add_argument("--c-bench", help="the C benchmark program (bench/c/bench_c.c)")
    ap.add_argument("--sizes", help="comma-separated byte counts (default: by mode)")
    ap.add_argument("--budget", type=float, help="seconds per measurement (default: by mode)")
    ap.add_argument("--only", help="comma-separated groups: " + ",".join(GROUPS))
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    ap.add_argument(
        "--fail-on-leftovers",
        action="store_true",
        help="exit 1 if a segment was left in /dev/shm (then swept)",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write results.md and results.png again from --out's results.json",
    )
    args = ap.parse_args(argv)
    if args.report_only:
        with open(os.path.join(args.out, "results.json")) as f:
            doc = json.load(f)
        _write_report(doc, args.out)
        return 0
    run = Run(args)
    signal.signal(signal.SIGTERM, _sigterm)
    groups = args.only.split(",") if args.only else list(GROUPS)
    started = time.time()
    info = machine()
    info["numpy"] = np.__version__
    info.update(_helper_info())
    leftovers: list[str] = []
    try:
        for g in groups:
            GROUPS[g](run)
    finally:
        leftovers = shm.sweep(run.prefix)
        if leftovers:
            run.notes.append(f"swept {len(leftovers)} leftover segment(s): {leftovers}")
    info["loadavg_end"] = list(os.getloadavg())
    doc = {
        "mode": "smoke" if run.smoke else "full",
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": info,
        "sizes": list(run.sizes),
        "versions": run.versions,
        "notes": run.notes,
        "records": run.records,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    targets = _write_report(doc, args.out)
    if leftovers:
        print(
            f"bench: {len(leftovers)} segment(s) were left in /dev/shm and swept", file=sys.stderr
        )
    if args.strict and any(t["status"] == "miss" for t in targets):
        return 1
    if args.fail_on_leftovers and leftovers:
        return 1
    return 0


def _write_report(doc: dict[str, Any], out: str) -> list[dict[str, Any]]:
    """Write results.md and results.png of a run, print its summary; return its targets."""
    targets = report.evaluate(doc)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(report.markdown(doc, targets))
    report.plot(doc, os.path.join(out, "results.png"))
    print(report.summary(doc, targets))
    return targets


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
