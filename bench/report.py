"""Turn a run's records into the targets' verdicts, a markdown report and a plot."""

from __future__ import annotations

from typing import Any

from timing import MiB, size_label

PURE = "pure Python (`WEA_PURE_PYTHON=1`)"

LABELS = {
    "wea": "**wea**",
    "wea_pure": f"wea, {PURE}",
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
    "memcpy_fresh": "memcpy into fresh memory (`np.copy`: a new array each call)",
    "asfortran": "numpy's transposing copy (`np.asfortranarray`)",
    "arrow_out": "pyarrow `write_tensor` into a reused `FixedSizeBufferWriter`",
    "npy_out": "`np.save` into a reused `BytesIO`",
    "ndarray": "plain `np.ndarray`",
    "wea_created": "**wea** `SharedExchangeArray`, created",
    "wea_attached": "**wea** `SharedExchangeArray`, attached",
    "wea_buffered": "**wea** `BufferedExchangeArray`",
    "wea_pure_created": f"wea `SharedExchangeArray`, created, {PURE}",
    "wea_pure_attached": f"wea `SharedExchangeArray`, attached, {PURE}",
    "wea_pure_buffered": f"wea `BufferedExchangeArray`, {PURE}",
    "memmap": "`np.memmap` (a file, `mode='w+'`)",
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
        ["wea", "wea_pure", "mpshm", "sharedarray", "wea013"],
        False,
    ),
    (
        "shm_first_attach",
        "Shared memory: first attach in a fresh process (imports done)",
        ["wea", "wea_pure", "mpshm", "sharedarray", "wea013"],
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
    "attach_mp": "wea reads the header with two preads (the magic, then after a fence the "
    "rest), validates it, maps, takes fstat again and wraps the array; "
    "multiprocessing.shared_memory + np.ndarray reads nothing, parses nothing",
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
    "encode_c_transpose": "a new block is fresh memory that the kernel zeroes first (see memcpy "
    "into fresh memory, which alone is most of the limit here); the transposing copy itself, "
    "into a reused buffer, is the `dumps(c, out=buf)` row of the reused-buffer table (with the "
    "compiled part: streamed tiles, about a memcpy; in pure Python: numpy tiles, 3-5x)",
    "encode_c_memcpy": "a new block is fresh memory that the kernel zeroes and faults in before "
    "the one memcpy (see memcpy into fresh memory); np.copyto writes into warm memory",
    "decode_c_constant": 'loads(order="C") touched the data (it must only validate the header)',
    "decode_c_frombuffer": 'per-call Python work in wea.loads(order="C") (header-cache lookup, '
    "R9, np.frombuffer with an offset, the view of the reversed dims); a bare np.frombuffer "
    "validates nothing",
    "decode_c_arrow": 'per-call Python work in wea.loads(order="C") (header-cache lookup, R9, '
    "np.frombuffer, the view of the reversed dims)",
    "encode_out": "dumps(out=) should be the header and one memcpy into the given buffer: a miss "
    "at 64 MiB means another pass over the data (a temporary block, a fill of out, a converting "
    "copy)",
    "encode_t_out": "the transposing copy reads the source across its rows; a miss means "
    "the compiled part's kernel re-read or split cache lines on this CPU (its choice is "
    "copy_strategy() in the machine section; bench/transpose_kernel.py times each case alone)",
    "encode_c_fresh": "a new block is the transposing copy into fresh memory, which the kernel "
    "zeroes and faults in (huge pages from 4 MiB) as for c.copy(); a miss beyond that is the "
    "copy itself (see the reused-buffer target)",
    "op_index": "a[0] on an ndarray subclass is numpy's own indexing unless the class overrides "
    "__getitem__ in Python (wea did until issue #11: ~0.2 us against ~0.04 us)",
    "op_slice": "a view of an ndarray subclass takes numpy's subclass path (the new object's "
    "type, __array_finalize__ looked up): 1.4-1.5x a plain ndarray even for an empty subclass, "
    "with or without __slots__; wea runs no Python there (np.memmap runs __getitem__ and "
    "__array_finalize__: 11x)",
    "op_add": "a ufunc on an ndarray subclass takes numpy's subclass path: it looks up "
    "__array_wrap__ and __array_priority__ and builds the (ufunc, args, i) context for the call; "
    "with wea's C __array_wrap__ (the compiled part) that is 1.31-1.33x in a loop on this "
    "machine, the floor for any subclass whose results are plain ndarrays (__array_wrap__ = None "
    "reaches 1.23x but breaks np.linalg)",
    "attach_sharedarray": "wea's attach makes two more system calls than SharedArray's (the "
    "header read with two preads before anything is mapped, so that a shrinking object gives "
    "an error instead of SIGBUS; fstat again after mmap) and wraps the view in Python; with the "
    "compiled part the system calls and checks are one C call",
    "first_attach_sharedarray": "the cold start of a fresh process: wea's hardened attach makes "
    "three more system calls (two preads before mapping, fstat after), which cost 18-23 us "
    "cold in C alone against 9-10 us for SharedArray's sequence, and the Python part of the "
    "attach (name check, plan, view, wrap) runs cold after them even though it is run once at "
    "import; SharedArray's attach is one C function",
    "handoff_spin": "each spin iteration reads x[0] on both sides: on a wea array that was a "
    "Python __getitem__ until issue #11 (~0.2 us against ~0.04 us); spinning on "
    "x.view(np.ndarray) costs what the peer does. On a loaded 2-core machine both spinners also "
    "wait for a core (see the load average)",
    "encode_small_pickle": "dumps' per-call Python work at 1 KiB (before issue #11: make_header "
    "~2.2 us, header_bytes ~0.6 us, the flat byte view ~0.7 us, against pickle 5's one C call)",
    "pipe_pickle": "each message is a dumps (see the 1 KiB encode target) and a loads; the "
    "pipe's system calls and wake-ups dominate either way and vary from run to run",
    "c_parse": "the C reader's per-call work (see the 10th percentile in the C table: "
    "on a VM, other load can double per-call times for stretches of time)",
}


#: Row labels that differ by group.
GROUP_LABELS = {("c_attach", "c"): "C `wea_shm_attach` (then `wea_unmap`, untimed)"}
for _g in ("encode_c2d", "encode_c3d"):
    GROUP_LABELS[(_g, "wea")] = "**wea** `dumps(a)` (F-order block: a transposing copy)"
    GROUP_LABELS[(_g, "wea_pure")] = f"wea `dumps(a)`, {PURE}"
    GROUP_LABELS[(_g, "wea_c")] = '**wea** `dumps(a, order="C")` (one memcpy)'
    GROUP_LABELS[(_g, "memcpy")] = "memcpy into a reused buffer (`np.copyto`, preallocated)"
for _g in ("decode_c2d", "decode_c3d"):
    GROUP_LABELS[(_g, "wea_c")] = '**wea** `loads(b, order="C")`'
    GROUP_LABELS[(_g, "wea")] = "wea `loads(b)` (the same block, in F order)"
    GROUP_LABELS[(_g, "frombuffer")] = "bare `np.frombuffer(b, f8).reshape(shape)` (no header)"
GROUP_LABELS.update(
    {
        ("encode_out", "wea_out"): "**wea** `dumps(f, out=buf)` (F-order array)",
        ("encode_out", "wea_c_out"): '**wea** `dumps(c, order="C", out=buf)` (C-order array)',
        ("encode_out", "wea_t_out"): "wea `dumps(c, out=buf)` (C-order array, transposing)",
        ("encode_out", "wea_t_out_pure"): f"wea `dumps(c, out=buf)` (transposing), {PURE}",
        ("encode_out", "wea"): "wea `dumps(f)` (a new block)",
        ("encode_out", "memcpy"): "memcpy into a reused buffer (`np.copyto`, preallocated)",
    }
)

#: The groups of issue #11 (layout.py): group, title, peers in order, show GB/s,
#: and the row every ratio of the table is taken against.
LAYOUT_GROUPS = (
    [
        (
            f"encode_c{n}d",
            f"C-order {n}-D encode (× = time / memcpy into a reused buffer)",  # noqa: RUF001
            [
                "wea",
                "wea_pure",
                "wea_c",
                "memcpy",
                "memcpy_fresh",
                "asfortran",
                "arrow",
                "npy",
                "pickle5",
                "safetensors",
            ],
            True,
            "memcpy",
        )
        for n in (2, 3)
    ]
    + [
        (
            f"decode_c{n}d",
            f'`order="C"` decode, {n}-D (× = time / bare `np.frombuffer` + reshape)',  # noqa: RUF001
            ["wea_c", "wea", "frombuffer", "arrow"],
            False,
            "frombuffer",
        )
        for n in (2, 3)
    ]
    + [
        (
            "encode_out",
            "Encode into a reused buffer, 2-D (× = time / memcpy into a reused buffer)",  # noqa: RUF001
            [
                "wea_out",
                "wea_c_out",
                "wea_t_out",
                "wea_t_out_pure",
                "wea",
                "memcpy",
                "memcpy_fresh",
                "arrow_out",
                "npy_out",
            ],
            True,
            "memcpy",
        ),
    ]
)

#: The per-operation groups, their column titles and targets (limit over a plain ndarray).
OP_GROUPS = [
    ("op_index", "`a[0]`", 1.5),
    ("op_slice", "`a[1:10]`", 1.5),
    ("op_add", "`a + 1`", 1.3),
]
OP_PEERS = [
    "ndarray",
    "wea_created",
    "wea_attached",
    "wea_buffered",
    "wea_pure_created",
    "wea_pure_attached",
    "wea_pure_buffered",
    "sharedarray",
    "mpshm",
    "memmap",
]
OP_WEA = ("wea_created", "wea_attached", "wea_buffered")
#: The same arrays in a process started with WEA_PURE_PYTHON=1 (layout.py ops-pure).
OP_WEA_PURE = ("wea_pure_created", "wea_pure_attached", "wea_pure_buffered")


def _label(group: str, peer: str) -> str:
    return GROUP_LABELS.get((group, peer), LABELS.get(peer, peer))


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
    _evaluate_layouts(doc, ix, add)
    pure = _pure_figures(doc, ix)
    for t in out:
        fig, smoke, note = t["figure"].partition(" (smoke:")
        t["figure"] = fig + pure.get(t["key"], "") + smoke + note
    return out


def _pure_figures(doc: dict[str, Any], ix: dict[Any, Any]) -> dict[str, str]:
    """For each target the compiled part affects, the same figure without it.

    The targets are judged on "wea" (wea as installed, with its compiled part if it
    is); this is the "wea_pure" figure (``WEA_PURE_PYTHON=1``) against the
    same reference, to append to the measured text: "; pure Python: ...".
    """

    def worst(cands: list[tuple[str, float | None, float | None]]) -> str:
        got = [(t / r, w, t) for w, t, r in cands if t is not None and r]
        if not got:
            return ""
        q, w, t = max(got)
        where = f"worst {w}: " if len(got) > 1 else (f"{w}: " if w else "")
        return f"; pure Python: {where}{_us(t)} us = {q:.2f}x"

    out: dict[str, str] = {}
    enc = _sizes_of(doc, "encode_c2d")
    if enc:
        at = 64 * MiB if 64 * MiB in enc else max(enc)
        out["encode_c_transpose"] = worst(
            [("", _t(ix, "encode_c2d", "wea_pure", at), _t(ix, "encode_c2d", "memcpy", at))]
        )
    for sz in _sizes_of(doc, "op_add")[:1]:
        out["op_add"] = worst(
            [
                (
                    LABELS[p.replace("_pure", "")].replace("**", "").replace("`", ""),
                    _t(ix, "op_add", p, sz),
                    _t(ix, "op_add", "ndarray", sz),
                )
                for p in OP_WEA_PURE
            ]
        )
    for key, group, ref in (
        ("attach_mp", "shm_attach", "mpshm"),
        ("attach_sharedarray", "shm_attach", "sharedarray"),
        ("first_attach_sharedarray", "shm_first_attach", "sharedarray"),
    ):
        out[key] = worst(
            [
                (f"at {size_label(sz)}", _t(ix, group, "wea_pure", sz), _t(ix, group, ref, sz))
                for sz in _sizes_of(doc, group)
            ]
        )
    for sz in _sizes_of(doc, "shm_first_attach")[:1]:
        t = _t(ix, "shm_first_attach", "wea_pure", sz)
        if t is not None:
            out["first_attach"] = f"; pure Python: {_us(t)} us"
    return out


def _sizes_of(doc: dict[str, Any], group: str) -> list[int]:
    return sorted({r["size"] for r in doc["records"] if r["group"] == group and "median_ns" in r})


def _evaluate_layouts(doc: dict[str, Any], ix: dict[Any, Any], add: Any) -> None:
    """The targets of issue #11: numpy's own layouts, reused buffers, small arrays."""

    def at_64(group: str) -> tuple[int | None, str]:
        sizes = _sizes_of(doc, group)
        if not sizes:
            return None, ""
        at = 64 * MiB if 64 * MiB in sizes else max(sizes)
        return at, "" if at == 64 * MiB else f" (smoke: at {size_label(at)}, not 64 MiB)"

    def worst(
        key: str,
        text: str,
        cands: list[tuple[str, float | None, float | None]],
        limit: float,
        note: str = "",
    ) -> None:
        """The worst of (where, time, reference time) against `limit`."""
        got = [(t / r, w, t, r) for w, t, r in cands if t is not None and r is not None]
        if not got:
            add(key, text, None, "not measured")
            return
        q, w, t, r = max(got)
        where = f"worst {w}: " if len(got) > 1 else (f"{w}: " if w else "")
        add(
            key,
            text,
            q <= limit,
            f"{where}{_us(t)} us vs {_us(r)} us = {q:.2f}x (limit {limit:g}x){note}",
        )

    # 1. C-order encode.
    at, note = at_64("encode_c2d")
    text = (
        "C-order 2-D encode `dumps(a)` (a transposing copy) is within 2.5x of memcpy into "
        "a reused buffer at 64 MiB"
    )
    w, m = (
        (None, None)
        if at is None
        else (_t(ix, "encode_c2d", "wea", at), _t(ix, "encode_c2d", "memcpy", at))
    )
    if w is None or m is None or at is None:
        add("encode_c_transpose", text, None, "not measured")
    else:
        extra = ""
        for p, name in (
            ("memcpy_fresh", "memcpy into fresh memory"),
            ("asfortran", "np.asfortranarray"),
        ):
            t = _t(ix, "encode_c2d", p, at)
            if t is not None:
                extra += f"; {name}: {t / m:.2f}x"
        add(
            "encode_c_transpose",
            text,
            w / m <= 2.5,
            f"wea {_us(w)} us vs {_us(m)} us = {w / m:.2f}x (limit 2.5x){extra}{note}",
        )
    worst(
        "encode_c_memcpy",
        '`dumps(a, order="C")` of a C-order array is within 1.3x of memcpy into a reused buffer '
        "at 64 MiB (2-D and 3-D)",
        [
            (f"{n}-D", _t(ix, f"encode_c{n}d", "wea_c", at), _t(ix, f"encode_c{n}d", "memcpy", at))
            for n in (2, 3)
            if at is not None
        ],
        1.3,
        note,
    )
    # 2. order="C" decode.
    cands = []
    for n in (2, 3):
        sizes = _sizes_of(doc, f"decode_c{n}d")
        if len(sizes) >= 2:
            lo, hi = min(sizes), max(sizes)
            cands.append(
                (
                    f"{n}-D, {size_label(hi)} against {size_label(lo)}",
                    _t(ix, f"decode_c{n}d", "wea_c", hi),
                    _t(ix, f"decode_c{n}d", "wea_c", lo),
                )
            )
    worst("decode_c_constant", '`loads(b, order="C")` takes constant time in the size', cands, 2.0)
    for key, peer, limit, text in (
        (
            "decode_c_frombuffer",
            "frombuffer",
            3.0,
            '`loads(b, order="C")` is within 3x of a bare `np.frombuffer(...).reshape(shape)`',
        ),
        (
            "decode_c_arrow",
            "arrow",
            1.0,
            '`loads(b, order="C")` is no slower than pyarrow\'s zero-copy `read_tensor`',
        ),
    ):
        worst(
            key,
            text,
            [
                (
                    f"at {n}-D {size_label(sz)}",
                    _t(ix, f"decode_c{n}d", "wea_c", sz),
                    _t(ix, f"decode_c{n}d", peer, sz),
                )
                for n in (2, 3)
                for sz in _sizes_of(doc, f"decode_c{n}d")
            ],
            limit,
        )
    # 3. Encode into a reused buffer.
    sizes = _sizes_of(doc, "encode_out")
    big = [sz for sz in sizes if sz >= 64 * MiB]
    note = "" if big or not sizes else " (smoke: at the run's sizes, not 64 and 512 MiB)"
    worst(
        "encode_out",
        "encode into a reused buffer (`dumps(a, out=buf)`: an F-order array, and a C-order one "
        'with `order="C"`) is within 1.15x of memcpy into a reused buffer at 64 MiB and more',
        [
            (
                f"{'F-order' if p == 'wea_out' else 'order=C'} at {size_label(sz)}",
                _t(ix, "encode_out", p, sz),
                _t(ix, "encode_out", "memcpy", sz),
            )
            for p in ("wea_out", "wea_c_out")
            for sz in (big or sizes)
        ],
        1.15,
        note,
    )
    # 3b. Issue #19: the transposing copy of a C-order 2-D float64 array at a
    # memcpy, into a reused buffer and into a new block (whose floor is a
    # fresh copy), at 64 and 512 MiB.
    for key, group, peer, ref, limit, text in (
        (
            "encode_t_out",
            "encode_out",
            "wea_t_out",
            "memcpy",
            1.3,
            "the transposing copy into a reused buffer (`dumps(c, out=buf)` of a C-order 2-D "
            "float64 array) is within 1.3x of memcpy into a reused buffer at 64 and 512 MiB",
        ),
        (
            "encode_c_fresh",
            "encode_c2d",
            "wea",
            "memcpy_fresh",
            1.5,
            "a new block of a C-order 2-D float64 array (`dumps(c)`, a transposing copy) is "
            "within 1.5x of a fresh copy (`c.copy()`) at 64 and 512 MiB",
        ),
    ):
        sizes = _sizes_of(doc, group)
        big = [sz for sz in sizes if sz >= 64 * MiB]
        worst(
            key,
            text,
            [
                (size_label(sz), _t(ix, group, peer, sz), _t(ix, group, ref, sz))
                for sz in (big or sizes)
            ],
            limit,
            "" if big or not sizes else " (smoke: at the run's sizes, not 64 and 512 MiB)",
        )
    # 4. The per-operation tax of the array classes.
    for group, title, limit in OP_GROUPS:
        sz = next((r["size"] for (g, _, _), r in ix.items() if g == group), 0)
        worst(
            group,
            f"{title} on a 128-element wea array is within {limit:g}x of a plain ndarray",
            [
                (
                    LABELS[p].replace("**", "").replace("`", ""),
                    _t(ix, group, p, sz),
                    _t(ix, group, "ndarray", sz),
                )
                for p in OP_WEA
            ],
            limit,
        )
    # 5. Attach and hand-off, against the fastest peers.
    worst(
        "attach_sharedarray",
        "attach from a second (warm) process is no slower than SharedArray",
        [
            (
                f"at {size_label(sz)}",
                _t(ix, "shm_attach", "wea", sz),
                _t(ix, "shm_attach", "sharedarray", sz),
            )
            for sz in _sizes_of(doc, "shm_attach")
        ],
        1.0,
    )
    worst(
        "first_attach_sharedarray",
        "the first attach in a fresh process is within 2x of SharedArray's",
        [
            (
                f"at {size_label(sz)}",
                _t(ix, "shm_first_attach", "wea", sz),
                _t(ix, "shm_first_attach", "sharedarray", sz),
            )
            for sz in _sizes_of(doc, "shm_first_attach")
        ],
        2.0,
    )
    h = _sizes_of(doc, "handoff")
    worst(
        "handoff_spin",
        "the one-way hand-off spinning on a counter in a wea shared array is within 1.2x of "
        "`multiprocessing.shared_memory`",
        [("", _t(ix, "handoff", "wea_spin", sz), _t(ix, "handoff", "mpshm_spin", sz)) for sz in h],
        1.2,
    )
    # 6. Small arrays.
    worst(
        "encode_small_pickle",
        "`dumps` of a 1 KiB array takes at most half of pickle 5's time",
        [("at 1 KiB", _t(ix, "encode", "wea", 1024), _t(ix, "encode", "pickle5", 1024))],
        0.5,
    )
    worst(
        "pipe_pickle",
        "the 1 KiB hand-off over a pipe as a wea block is no slower than pickle 5's",
        [("", _t(ix, "handoff", "wea_pipe", sz), _t(ix, "handoff", "pickle_pipe", sz)) for sz in h],
        1.0,
    )


def helper_text(m: dict[str, Any]) -> str | None:
    """Whether the rows "wea" ran with the compiled part; None if not recorded."""
    if "wea_accelerated" not in m:
        return None
    accel = m.get("wea_accel", "?")
    if m["wea_accelerated"]:
        return (
            f"wea's compiled part was {accel} for the rows "
            '"wea" (`wea.accelerated()`: True); the rows "wea, pure Python" ran without it '
            "(`WEA_PURE_PYTHON=1`, or for the transposing copy its hook turned off); "
            f"its transposing copy chose, for this CPU: {m.get('wea_copy_strategy', '?')}"
        )
    why = (
        f"WEA_PURE_PYTHON={m.get('wea_pure_python_env')} was set"
        if m.get("wea_pure_python_env") not in (None, "", "0")
        else f"compiled part: {accel}"
    )
    return (
        "wea's compiled part was NOT in use for the rows 'wea' "
        f"(`wea.accelerated()`: False; {why}): they, like the rows 'wea, pure Python', "
        "are wea's pure-Python path"
    )


def summary(doc: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    m = doc["machine"]
    helper = helper_text(m)
    lines = [
        f"wea benchmark ({doc['mode']} run, {doc['seconds']} s): {m['cpu']}, {m['cores']} cores, "
        f"load average {m['loadavg'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end",
        *([helper.replace("`", "")] if helper else []),
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


def _table(
    doc: dict[str, Any], group: str, peers: list[str], gbps: bool, base: str | None = None
) -> list[str]:
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
            ref = base or ("wea_spin" if group == "handoff" else "wea")
            w = _t(ix, group, ref, s)
            if w is not None and p != ref:
                parts.append(_num(t / w) + "×")  # noqa: RUF001
            cells.append(" · ".join(parts))
        label = _label(group, p)
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def _shapes(doc: dict[str, Any]) -> dict[str, str]:
    """For each group whose records carry a shape: "64 MiB: 2048 x 4096; ..."."""
    seen: dict[str, dict[int, str]] = {}
    for r in doc["records"]:
        if "shape" in r:
            seen.setdefault(r["group"], {})[r["size"]] = " x ".join(map(str, r["shape"]))
    return {
        g: "; ".join(f"{size_label(sz)}: {shp}" for sz, shp in sorted(by.items()))
        for g, by in seen.items()
    }


def _op_table(doc: dict[str, Any]) -> list[str]:
    ix = _index(doc)
    skipped = {(r["group"], r["peer"]): r for r in doc["records"] if "median_ns" not in r}
    rows = []
    for p in OP_PEERS:
        cells = []
        for g, _, _ in OP_GROUPS:
            r = next((r for (gg, pp, _), r in ix.items() if gg == g and pp == p), None)
            if r is None:
                sk = skipped.get((g, p))
                cells.append(sk["status"] if sk else "")
                continue
            t = float(r["median_ns"])
            base = _t(ix, g, "ndarray", r["size"])
            parts = [f"{_us(t)} µs"]
            if base is not None and p != "ndarray":
                parts.append(f"{t / base:.2f}×")  # noqa: RUF001
            cells.append(" · ".join(parts))
        if any(cells):
            rows.append(f"| {LABELS.get(p, p)} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    head = "| array | " + " | ".join(title for _, title, _ in OP_GROUPS) + " |"
    return [head, "|---|" + "---:|" * len(OP_GROUPS), *rows]


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
        *([f"- {helper_text(m)}"] if helper_text(m) else []),
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
        "faster than wea), or, where a table's title names another reference row (memcpy, "
        "`np.frombuffer`, a plain ndarray), each row's time divided by that row's. "
        "`capped`, `failed`, `missing`: see the notes.",
        "",
        "![time against size, log-log](results.png)",
        "",
    ]
    for group, title, peers, gbps in GROUPS:
        rows = _table(doc, group, peers, gbps)
        if rows:
            out += [f"## {title}", "", *rows, ""]
    shapes = _shapes(doc)
    for group, title, peers, gbps, base in LAYOUT_GROUPS:
        rows = _table(doc, group, peers, gbps, base)
        if rows:
            out += [f"## {title}", ""]
            if shapes.get(group):
                out += [f"Shapes: {shapes[group]}.", ""]
            out += [*rows, ""]
    rows = _op_table(doc)
    if rows:
        out += [
            "## Per-operation tax: 128-element float64 array (× = time / plain ndarray)",  # noqa: RUF001
            "",
            *rows,
            "",
        ]
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
    """Time against size, log-log, per group; the per-operation tax as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ix = _index(doc)
    layout = {g: peers for g, _, peers, _, _ in LAYOUT_GROUPS}
    panels = [
        ("Encode (array to bytes)", [("encode", p) for p in GROUPS[0][2]]),
        ("Decode (bytes to array)", [("decode", p) for p in GROUPS[1][2]]),
        (
            "Shared memory: create+fill (solid), attach (dashed)",
            [("shm_create", p) for p in GROUPS[4][2]] + [("shm_attach", p) for p in GROUPS[5][2]],
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
        ("C-order 2-D array to bytes", [("encode_c2d", p) for p in layout["encode_c2d"]]),
        ("C-order 3-D array to bytes", [("encode_c3d", p) for p in layout["encode_c3d"]]),
        (
            'Encode into a reused buffer (solid); order="C" decode, 2-D (dashed)',
            [("encode_out", p) for p in layout["encode_out"]]
            + [("decode_c2d", p) for p in layout["decode_c2d"]],
        ),
    ]
    dashed = {"shm_attach", "exchange_buffer", "decode_c2d"}
    prefix = {
        "file_open": "open: ",
        "exchange_buffer": "exchange_buffer: ",
        "decode_c2d": "decode: ",
    }
    fig, axes = plt.subplots(4, 2, figsize=(13, 19))
    cmap = plt.get_cmap("tab20")
    palette = [cmap(i) for i in range(0, 20, 2)] + [cmap(i) for i in range(1, 20, 2)]
    for ax, (title, series) in zip(axes.flat, panels, strict=False):
        # Colours by peer within a panel: the strong shades first.
        colors: dict[str, Any] = {}
        xs: set[int] = set()
        for group, peer in series:
            pts = sorted(
                (s, r["median_ns"] / 1e3) for (g, p, s), r in ix.items() if g == group and p == peer
            )
            if not pts:
                continue
            xs.update(p[0] for p in pts)
            if peer not in colors:
                colors[peer] = palette[len(colors) % len(palette)]
            label: str | None = prefix.get(group, "") + _label(group, peer).replace(
                "**", ""
            ).replace("`", "")
            if group == "shm_attach" and peer in GROUPS[4][2]:
                label = None  # named by its create line
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                "--" if group in dashed else "-",
                marker="o",
                ms=3,
                color=colors[peer],
                lw=2.5 if peer.startswith("wea") and peer != "wea013" else 1.2,
                label=label,
            )
        ticks = sorted(xs) or doc["sizes"]
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(ticks, [size_label(x) for x in ticks])
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("array size (bytes)")
        ax.set_ylabel("median time (µs)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    _plot_ops(axes.flat[len(panels)], ix, plt.get_cmap("tab10"))
    m = doc["machine"]
    fig.suptitle(
        f"wea benchmark ({doc['mode']}): {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, numpy {m['numpy']}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_ops(ax: Any, ix: dict[Any, Any], cmap: Any) -> None:
    """Bars: each array class's time over a plain ndarray's, per operation."""
    ax.set_title("Per-operation tax, 128 elements: time / plain ndarray", fontsize=10)
    peers = [p for p in OP_PEERS if p != "ndarray"]
    width = 0.8 / len(peers)
    for i, p in enumerate(peers):
        vals = []
        for g, _, _ in OP_GROUPS:
            r = next((r for (gg, pp, _), r in ix.items() if gg == g and pp == p), None)
            base = None if r is None else _t(ix, g, "ndarray", r["size"])
            vals.append(0.0 if r is None or not base else r["median_ns"] / base)
        ax.bar(
            [k + (i - (len(peers) - 1) / 2) * width for k in range(len(OP_GROUPS))],
            vals,
            width,
            label=LABELS.get(p, p).replace("**", "").replace("`", ""),
            color=cmap(i),
        )
    for k, (_, _, limit) in enumerate(OP_GROUPS):
        ax.hlines(limit, k - 0.45, k + 0.45, colors="red", linestyles="--", lw=1.5)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.5)
    ax.set_xticks(range(len(OP_GROUPS)), [t.replace("`", "") for _, t, _ in OP_GROUPS])
    ax.set_ylabel("time / plain ndarray (red dashes: the target)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
