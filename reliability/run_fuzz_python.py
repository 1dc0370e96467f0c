"""Run the atheris target (fuzz_python.py) for a bounded time and count.

usage: run_fuzz_python.py [--seconds N] [--out DIR] [--max-len N]

Seeds: every conformance vector (conformance/valid, conformance/invalid)
and blocks that ``wea.dumps`` writes; the dictionary is the C fuzzer's
(c/fuzz/wea.dict). The corpus grows in DIR/corpus across runs; findings
(crashes, disagreements) are saved in DIR/artifacts and fail the run: each
one becomes a conformance vector (tools/gen_vectors.py). The figures of
the run (executions, corpus, findings) are written to DIR/last-run.json and
appended to DIR/runs.jsonl; libFuzzer's own output is DIR/last-run.log.

Exit status: 0 with no finding, 1 with findings, 2 if atheris is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def seed(seeds: Path) -> int:
    import numpy as np
    import wea

    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    n = 0
    for path in sorted((ROOT / "conformance").glob("*/*.wea")):
        shutil.copy(path, seeds / path.name)
        n += 1
    arrays = {
        "f8-2x3": np.arange(6.0).reshape(2, 3),
        "u1-0d": np.array(7, np.uint8),
        "b1-empty": np.zeros((0, 3), bool),
        "f2-7d": np.ones((1, 1, 1, 1, 1, 1, 2), np.float16),
        "c16-3": np.array([1 + 2j, 3, -1j]),
    }
    for label, arr in arrays.items():
        (seeds / f"dumps-{label}.wea").write_bytes(bytes(wea.dumps(arr)))
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", 60)))
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz-python")
    ap.add_argument("--max-len", type=int, default=1024)
    args = ap.parse_args(argv)
    try:
        import atheris  # noqa: F401
    except ImportError:
        print(
            "fuzz-python: atheris is not installed (make fuzz-python installs it)", file=sys.stderr
        )
        return 2
    out: Path = args.out
    corpus, artifacts = out / "corpus", out / "artifacts"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    n_seeds = seed(out / "seeds")
    before = set(os.listdir(artifacts))
    corpus_before = len(os.listdir(corpus))
    print(
        f"fuzz-python: {args.seconds} s of atheris on the wea readers, "
        f"{n_seeds} seeds, corpus {corpus_before}",
        file=sys.stderr,
    )
    cmd = [
        sys.executable,
        str(HERE / "fuzz_python.py"),
        f"-max_total_time={args.seconds}",
        f"-max_len={args.max_len}",
        f"-dict={ROOT / 'c' / 'fuzz' / 'wea.dict'}",
        "-print_final_stats=1",
        "-rss_limit_mb=4096",
        f"-artifact_prefix={artifacts}/",
        str(corpus),
        str(out / "seeds"),
    ]
    log = out / "last-run.log"
    t0 = time.monotonic()
    with open(log, "w") as f:
        rc = subprocess.run(
            cmd,
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            timeout=args.seconds + 600,
            check=False,
        ).returncode
    wall = time.monotonic() - t0
    text = log.read_text(errors="replace")
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
    executions = int(stats.get("number_of_executed_units", 0))
    if not executions:
        done = re.findall(r"^#(\d+)\s+DONE", text, re.M)
        executions = int(done[-1]) if done else 0
    cov = re.findall(r"\bcov: (\d+)", text)
    new = sorted(set(os.listdir(artifacts)) - before)
    report = {
        "seconds": args.seconds,
        "wall_seconds": round(wall, 1),
        "executions": executions,
        "executions_per_second": round(executions / wall) if wall else 0,
        "seeds": n_seeds,
        "corpus_before": corpus_before,
        "corpus_after": len(os.listdir(corpus)),
        "coverage_edges": int(cov[-1]) if cov else None,
        "peak_rss_mb": int(stats["peak_rss_mb"]) if "peak_rss_mb" in stats else None,
        "exit_status": rc,
        "findings": new,
    }
    (out / "last-run.json").write_text(json.dumps(report, indent=1) + "\n")
    with open(out / "runs.jsonl", "a") as f:
        f.write(json.dumps(report) + "\n")
    print(
        f"fuzz-python: {executions} executions in {wall:.0f} s, corpus "
        f"{report['corpus_after']}, coverage {report['coverage_edges']}",
        file=sys.stderr,
    )
    if rc != 0 or new:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
        print(
            f"fuzz-python: FINDINGS in {artifacts} (exit {rc}): {new}; each one "
            "becomes a conformance vector",
            file=sys.stderr,
        )
        return 1
    print("fuzz-python: no findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
