"""Turn a run's records into the targets' verdicts, a markdown report and a plot."""

from __future__ import annotations

from typing import Any

from timing import MiB, size_label

LABELS = {
    "wea": "**wea**",
    "wea_lba": "wea `load_buffered_array` (0.1.3 class)",
    "memcpy": "memcpy bound (`np.copyto`, preallocated)",
    "frombuffer": "bare `np.frombuffer` (no header)",
    "npy": "`np.save` / `np.load` (BytesIO)",
    "pickle5": "pickle 5, in-band",
    "pickle5oob": "pickle 5, out-of-band",
    "safetensors": "safetensors.numpy",
    "arrow": "pyarrow tensor IPC",
    "msgpack": "msgpack-numpy",
    "protobuf": "Protocol Buffers (bytes field)",
    "wea013": "wea 0.1.3",
    "memoryview": "bare `memoryview(bytearray)`",
    "npy_mmap": "`np.load(mmap_mode='r')`",
    "mpshm": "`multiprocessing.shared_memory` + `np.ndarray`",
    "sharedarray": "SharedArray",
    "wea_spin": "wea shared memory (spin on a counter)",
    "mpshm_spin": "`multiprocessing.shared_memory` (spin on a counter)",
    "wea_pipe": "wea block over a pipe (`dumps` / `loads`)",
    "pickle_pipe": "pickle 5 over a pipe",
    "c": "C `wea_parse`",
    "c_err": "C `wea_parse` with a `wea_error`",
    "numpy": "`import numpy`",
}

GROUPS = [
    # group, title, peers in order, show GB/s, what the ratio is against
    (
        "encode",
        "Encode: array to bytes",
        [
            "wea",
            "memcpy",
            "npy",
            "pickle5",
            "pickle5oob",
            "safetensors",
            "arrow",
            "msgpack",
            "protobuf",
            "wea013",
        ],
        True,
    ),
    (
        "decode",
        "Decode: bytes to array",
        [
            "wea",
            "wea_lba",
            "frombuffer",
            "memcpy",
            "npy",
            "pickle5",
            "pickle5oob",
            "safetensors",
            "arrow",
            "msgpack",
            "protobuf",
            "wea013",
        ],
        True,
    ),
    (
        "exchange_buffer",
        "`exchange_buffer`: the block behind a buffered array",
        ["wea", "memoryview", "wea013"],
        False,
    ),
    ("file_open", "Opening a file memory-mapped", ["wea", "npy_mmap"], False),
    (
        "shm_create",
        "Shared memory: create and fill",
        ["wea", "mpshm", "sharedarray", "wea013"],
        True,
    ),
    (
        "shm_attach",
        "Shared memory: attach from another process (warm process)",
        ["wea", "mpshm", "sharedarray", "wea013"],
        False,
    ),
    (
        "shm_first_attach",
        "Shared memory: first attach in a fresh process (imports done)",
        ["wea", "mpshm", "sharedarray", "wea013"],
        False,
    ),
    (
        "handoff",
        "Hand-off latency across processes, 1 KiB int64 array (one way = round trip / 2)",
        ["wea_spin", "mpshm_spin", "wea_pipe", "pickle_pipe"],
        False,
    ),
    ("c_attach", "C reader: `wea_shm_attach` (same process, read-only)", ["c"], False),
]

#: Why a target is missed, when it is (from profiling; see bench/README.md).
WHY = {
    "decode_constant": "the decode path touched the data (it must only validate the header)",
    "decode_arrow": "per-call Python work in wea.loads (header-cache lookup, R9, np.frombuffer)",
    "decode_frombuffer": "per-call Python work in wea.loads (header-cache lookup, R9, "
    "np.frombuffer with an offset); a bare np.frombuffer validates nothing",
    "xbuf_constant": "exchange_buffer touched the data (it must return the block itself)",
    "xbuf_memoryview": "a property call (~60 ns) plus the shape, strides and dtype checks that "
    "keep the answer right after in-place `arr.shape =` / `arr.dtype =` "
    "(~130 ns), against one memoryview() call; without the checks it would "
    "hand out a block whose header no longer describes the array",
    "attach_mp": "wea reads and validates the header through the new mapping (one page fault, "
    "~2 us in a VM) and wraps the array; multiprocessing.shared_memory + "
    "np.ndarray reads nothing, parses nothing",
    "first_attach": "the cold start of a fresh process: first-time system calls (shm_open, "
    "mmap) and the first run of the parse and view code (page faults on "
    "interpreter and numpy code, struct compilation); warm, the same attach "
    "takes ~15 us",
    "file_constant": "wea.load touched the data (it must map, not read)",
    "file_npy": "per-open system calls (open, fstat, pread, mmap, close) and Python work",
    "encode_memcpy": "a new block is fresh memory: even with transparent huge pages, which "
    "dumps now asks for, the kernel zeroes every page before the copy; "
    "np.copyto writes into warm, preallocated memory",
    "encode_arrow": "a new block is fresh memory that the kernel zeroes first; pyarrow's "
    "allocator reuses memory freed by the previous call",
    "c_parse": "the C reader's per-call work (see the 10th percentile in the C table: "
    "on a VM, other load can double per-call times for stretches of time)",
}


#: Row labels that differ by group.
GROUP_LABELS = {("c_attach", "c"): "C `wea_shm_attach` (then `wea_unmap`, untimed)"}


def _num(x: float) -> str:
    """Two decimals for small numbers, none (with separators) for large ones."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"


def _index(doc: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["group"], r["peer"], r["size"]): r for r in doc["records"] if "median_ns" in r}


def _t(ix: dict[Any, Any], g: str, p: str, s: int) -> float | None:
    r = ix.get((g, p, s))
    return None if r is None else float(r["median_ns"])


def _us(ns: float) -> str:
    us = ns / 1e3
    if us >= 1000:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    if us >= 1:
        return f"{us:.2f}"
    return f"{us:.3f}"


def evaluate(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets of the issue, each a ratio against a peer of the same run."""
    ix = _index(doc)
    sizes = doc["sizes"]
    lo, hi = min(sizes), max(sizes)
    out: list[dict[str, Any]] = []

    def add(key: str, text: str, ok: bool | None, figure: str) -> None:
        status = "n/a" if ok is None else ("pass" if ok else "miss")
        t = {"key": key, "target": text, "status": status, "figure": figure}
        if status == "miss":
            t["why"] = WHY.get(key, "")
        out.append(t)

    def constant(key: str, group: str, peer: str, text: str) -> None:
        a, b = _t(ix, group, peer, lo), _t(ix, group, peer, hi)
        if a is None or b is None or lo == hi:
            add(key, text, None, "not measured")
            return
        r = b / a
        add(
            key,
            text,
            r <= 2.0,
            f"{_us(b)} us at {size_label(hi)} / {_us(a)} us at {size_label(lo)} "
            f"= {r:.2f}x (limit 2x)",
        )

    def ratio_all(key: str, group: str, peer: str, limit: float, text: str) -> None:
        worst = None
        for s in sizes:
            w, p = _t(ix, group, "wea", s), _t(ix, group, peer, s)
            if w is None or p is None:
                continue
            r = w / p
            if worst is None or r > worst[0]:
                worst = (r, s, w, p)
        if worst is None:
            add(key, text, None, "not measured")
            return
        r, s, w, p = worst
        add(
            key,
            text,
            r <= limit,
            f"worst at {size_label(s)}: wea {_us(w)} us vs {_us(p)} us "
            f"= {r:.2f}x (limit {limit:g}x)",
        )

    constant(
        "decode_constant", "decode", "wea", "decode (`wea.loads`) takes constant time in the size"
    )
    ratio_all(
        "decode_arrow",
        "decode",
        "arrow",
        1.0,
        "decode is no slower than pyarrow's zero-copy `read_tensor`",
    )
    ratio_all(
        "decode_frombuffer",
        "decode",
        "frombuffer",
        3.0,
        "decode is within 3x of a bare `np.frombuffer`",
    )
    constant("xbuf_constant", "exchange_buffer", "wea", "`exchange_buffer` takes constant time")
    ratio_all(
        "xbuf_memoryview",
        "exchange_buffer",
        "memoryview",
        2.0,
        "`exchange_buffer` is within 2x of a bare `memoryview`",
    )
    ratio_all(
        "attach_mp",
        "shm_attach",
        "mpshm",
        1.0,
        "attach from a second process is no slower than "
        "`multiprocessing.shared_memory` + `np.ndarray`",
    )
    fa = [
        r
        for r in doc["records"]
        if r["group"] == "shm_first_attach" and r["peer"] == "wea" and "median_ns" in r
    ]
    if fa:
        v = fa[0]["median_ns"]
        mp = _t(ix, "shm_first_attach", "mpshm", fa[0]["size"])
        extra = f"; multiprocessing.shared_memory: {_us(mp)} us" if mp else ""
        add(
            "first_attach",
            "the first attach in a fresh process stays under 50 us",
            v < 50_000,
            f"{_us(v)} us (limit 50 us){extra}",
        )
    else:
        add(
            "first_attach",
            "the first attach in a fresh process stays under 50 us",
            None,
            "not measured",
        )
    constant(
        "file_constant",
        "file_open",
        "wea",
        "opening a `.wea` file memory-mapped takes constant time",
    )
    worst = None
    for s in sizes:
        w, n = _t(ix, "file_open", "wea", s), _t(ix, "file_open", "npy_mmap", s)
        if w is not None and n is not None and (worst is None or n / w < worst[0]):
            worst = (n / w, s, w, n)
    if worst:
        r, s, w, n = worst
        add(
            "file_npy",
            "opening a `.wea` file is at least 5x faster than `np.load(mmap_mode='r')`",
            r >= 5.0,
            f"worst at {size_label(s)}: {_us(n)} us / {_us(w)} us = {r:.1f}x faster (limit 5x)",
        )
    else:
        add(
            "file_npy",
            "opening a `.wea` file is at least 5x faster than `np.load(mmap_mode='r')`",
            None,
            "not measured",
        )
    at = 64 * MiB if 64 * MiB in sizes else hi
    note = "" if at == 64 * MiB else f" (smoke: at {size_label(at)}, not 64 MiB)"
    for key, peer, limit, text in (
        (
            "encode_memcpy",
            "memcpy",
            1.3,
            "encode into a new block is within 1.3x of the memcpy bound at 64 MiB",
        ),
        (
            "encode_arrow",
            "arrow",
            1.0,
            "encode is no slower than pyarrow's `write_tensor` at 64 MiB",
        ),
    ):
        w, p = _t(ix, "encode", "wea", at), _t(ix, "encode", peer, at)
        if w is None or p is None:
            add(key, text, None, "not measured")
        else:
            add(
                key,
                text,
                w / p <= limit,
                f"wea {_us(w)} us vs {_us(p)} us = {w / p:.2f}x (limit {limit:g}x){note}",
            )
    c2 = _t(ix, "c_parse", "c", 2)
    add(
        "c_parse",
        "the C header parse and validate takes at most 20 ns (2-D header)",
        None if c2 is None else c2 <= 20.0,
        "not measured" if c2 is None else f"{c2:.1f} ns (limit 20 ns)",
    )
    return out


def summary(doc: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    m = doc["machine"]
    lines = [
        f"wea benchmark ({doc['mode']} run, {doc['seconds']} s): {m['cpu']}, {m['cores']} cores, "
        f"load average {m['loadavg'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end",
        "targets:"
        if doc["mode"] == "full"
        else "targets (smoke run: tiny sizes, short samples; the verdicts are not judged):",
    ]
    for t in targets:
        lines.append(f"  [{t['status'].upper():4s}] {t['target']}: {t['figure']}")
        if t.get("why"):
            lines.append(f"         why: {t['why']}")
    n_miss = sum(t["status"] == "miss" for t in targets)
    n_pass = sum(t["status"] == "pass" for t in targets)
    lines.append(
        f"targets: {n_pass} met, {n_miss} missed, {len(targets) - n_pass - n_miss} not measured"
    )
    return "\n".join(lines)


def _table(doc: dict[str, Any], group: str, peers: list[str], gbps: bool) -> list[str]:
    ix = _index(doc)
    sizes = sorted({r["size"] for r in doc["records"] if r["group"] == group})
    if not sizes:
        return []
    skipped = {
        (r["peer"], r["size"]): r
        for r in doc["records"]
        if r["group"] == group and "median_ns" not in r
    }
    head = "| peer | " + " | ".join(size_label(s) for s in sizes) + " |"
    rows = [head, "|---|" + "---:|" * len(sizes)]
    for p in peers:
        if not any((group, p, s) in ix or (p, s) in skipped for s in sizes):
            continue
        cells = []
        for s in sizes:
            t = _t(ix, group, p, s)
            if t is None:
                sk = skipped.get((p, s))
                cells.append(sk["status"] if sk else "")
                continue
            parts = [f"{_us(t)} µs"]
            if gbps and s >= 1024:
                parts.append(_num(s / t) + " GB/s")
            w = _t(ix, group, "wea", s) if group != "handoff" else _t(ix, group, "wea_spin", s)
            if w is not None and p not in ("wea", "wea_spin"):
                parts.append(_num(t / w) + "×")  # noqa: RUF001
            cells.append(" · ".join(parts))
        label = GROUP_LABELS.get((group, p), LABELS.get(p, p))
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def markdown(doc: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    m = doc["machine"]
    mem = f"{m['memory_bytes'] / 2**30:.1f} GiB" if m.get("memory_bytes") else "?"
    out = [
        "# wea benchmark results",
        "",
        f"Written by `make bench` ({doc['mode']} run) on {doc['started']}, in {doc['seconds']} s. "
        "Regenerate with `make bench`; how to read it: [bench/README.md](../README.md).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {mem}",
        f"- Kernel: {m['kernel']}; transparent huge pages: `{m.get('transparent_hugepage')}`",
        f"- Python {m['python']} ({m['implementation']}), numpy {m['numpy']}",
        f"- Load average: {m['loadavg'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end "
        "(a busy machine inflates every figure; ratios within one run stay comparable)",
        "- Peers: "
        + "; ".join(
            f"{LABELS.get(k, k).replace('**', '')}: {v}" for k, v in sorted(doc["versions"].items())
        ),
        "",
        "## Targets",
        "",
        "| target | verdict | measured |",
        "|---|---|---|",
    ]
    for t in targets:
        why = f" — why: {t['why']}" if t.get("why") else ""
        out.append(f"| {t['target']} | **{t['status']}** | {t['figure']}{why} |")
    out += [
        "",
        "Each cell: the median time in microseconds; for groups that move data, GB/s "
        "(bytes of the array / time, 1 GB = 10^9 bytes); and the peer's time divided by "
        "wea's in the same run (`2.00×`: the peer takes twice as long as wea; below 1: "  # noqa: RUF001
        "faster than wea). `capped`, `failed`, `missing`: see the notes.",
        "",
        "![time against size, log-log](results.png)",
        "",
    ]
    for group, title, peers, gbps in GROUPS:
        rows = _table(doc, group, peers, gbps)
        if rows:
            out += [f"## {title}", "", *rows, ""]
    ix = _index(doc)
    cp = sorted(
        r["size"]
        for r in doc["records"]
        if r["group"] == "c_parse" and "median_ns" in r and r["peer"] == "c"
    )
    if cp:
        out += [
            "## C reader: `wea_parse` (checks R1 to R9, decoded header)",
            "",
            "| ndims | " + " | ".join(f"{n}" for n in cp) + " |",
            "|---|" + "---:|" * len(cp) + "",
        ]
        for p in ("c", "c_err"):
            out.append(
                f"| {LABELS[p]} | "
                + " | ".join(
                    f"{_t(ix, 'c_parse', p, n):.1f} ns "
                    f"(p10 {ix[('c_parse', p, n)].get('p10_ns', 0):.1f})"
                    for n in cp
                )
                + " |"
            )
        out.append("")
    imp = [(p, _t(ix, "import", p, 0)) for p in ("numpy", "wea")]
    if all(v is not None for _, v in imp):
        out += [
            "## Import time (fresh process)",
            "",
            f"- `import numpy`: {imp[0][1] / 1e6:.1f} ms",
            f"- `import wea` after numpy: {imp[1][1] / 1e6:.1f} ms",
            "",
        ]
    if doc["notes"]:
        out += ["## Notes", "", *[f"- {n}" for n in doc["notes"]], ""]
    return "\n".join(out)


def plot(doc: dict[str, Any], path: str) -> None:
    """Time against size, log-log: encode, decode, shared memory, open/exchange."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ix = _index(doc)
    panels = [
        ("Encode (array to bytes)", [("encode", p) for p in GROUPS[0][2]]),
        ("Decode (bytes to array)", [("decode", p) for p in GROUPS[1][2]]),
        (
            "Shared memory: create+fill (solid), attach (dashed)",
            [("shm_create", p) for p in GROUPS[4][2]] + [("shm_attach", p) for p in GROUPS[4][2]],
        ),
        (
            "Open a file mapped; exchange_buffer",
            [
                ("file_open", "wea"),
                ("file_open", "npy_mmap"),
                ("exchange_buffer", "wea"),
                ("exchange_buffer", "memoryview"),
                ("exchange_buffer", "wea013"),
            ],
        ),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    colors: dict[str, Any] = {}
    cmap = plt.get_cmap("tab20")
    for ax, (title, series) in zip(axes.flat, panels, strict=False):
        for group, peer in series:
            pts = sorted(
                (s, t)
                for (g, p, s), r in ix.items()
                if g == group and p == peer
                for t in [r["median_ns"] / 1e3]
            )
            if not pts:
                continue
            if peer not in colors:
                colors[peer] = cmap(len(colors) % 20)
            label = LABELS.get(peer, peer).replace("**", "").replace("`", "")
            if group in ("shm_attach", "npy_mmap") or (group == "exchange_buffer"):
                style = "--"
            else:
                style = "-"
            if group == "file_open":
                label = "open: " + label
            elif group == "exchange_buffer":
                label = "exchange_buffer: " + label
            elif group == "shm_attach":
                label = None
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                style,
                marker="o",
                ms=3,
                color=colors[peer],
                lw=2.5 if peer == "wea" else 1.2,
                label=label,
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(doc["sizes"], [size_label(x) for x in doc["sizes"]])
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("array size (bytes)")
        ax.set_ylabel("median time (µs)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    m = doc["machine"]
    fig.suptitle(
        f"wea benchmark ({doc['mode']}): {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, numpy {m['numpy']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
