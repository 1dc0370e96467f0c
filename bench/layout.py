"""The layouts numpy users hold (issue #11): C order, reused buffers, small ops.

Groups, recorded like every other group of run.py (group, peer, size):

* ``encode_c2d`` / ``encode_c3d``: a C-order (numpy's default) 2-D / 3-D
  float64 array to bytes. wea: ``dumps(a)`` (a Fortran-order block: a true,
  transposing copy), also without the compiled part (peer ``wea_pure``),
  and ``dumps(a, order="C")`` (the dims reversed: one memcpy); the memcpy
  bound into a preallocated, reused array and into fresh memory; numpy's
  own transposing copy (``np.asfortranarray``); pyarrow ``write_tensor``,
  ``np.save`` to a ``BytesIO``, pickle 5 and safetensors, each on the same
  C-order array.
* ``decode_c2d`` / ``decode_c3d``: the block of ``dumps(a, order="C")`` back
  to a C-order array with ``loads(block, order="C")``; the same block viewed
  in Fortran order (``loads(block)``); a bare ``np.frombuffer`` + reshape;
  pyarrow ``read_tensor``.
* ``encode_out``: encode into a preallocated, reused buffer
  (``dumps(a, out=buf)``), 2-D: an F-order array, a C-order array with
  ``order="C"`` and with the transposing copy (also without the compiled
  part: ``wea_t_out_pure``); against the memcpy bound
  (reused and fresh), ``dumps`` into a new block, pyarrow ``write_tensor``
  into a ``FixedSizeBufferWriter`` and ``np.save`` into a reused ``BytesIO``.
* ``op_index`` / ``op_slice`` / ``op_add``: ``a[0]``, ``a[1:10]``, ``a + 1``
  on a 128-element float64 array: a ``SharedExchangeArray`` as created and as
  attached, a ``BufferedExchangeArray``, against a plain ndarray, SharedArray,
  ``multiprocessing.shared_memory`` + ``np.ndarray`` and ``np.memmap``. The
  same three wea arrays in a child process started with ``WEA_PURE_PYTHON=1``
  (``python layout.py ops-pure``: numpy's ``__array_wrap__`` of wea arrays is
  fixed when wea is imported, in C with the helper, in Python without it):
  peers ``wea_pure_created``, ``wea_pure_attached``, ``wea_pure_buffered``.

wea's compiled part (``wea._speedups``, chosen by :mod:`wea._accel`) does the
transposing copy of ``dumps`` when the install built it; the ``wea_pure`` rows turn it
off for the timed statement only (``wea._accel.pure_python()``), which is
the code path ``WEA_PURE_PYTHON=1`` runs.

The statements call wea's API as the contract of issue #11 gives it
(``order=``, ``out=``); this module holds no fallback for an older wea.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import shm
from peers import CODECS
from timing import MiB, size_label, time_stmt

VERIFY_UP_TO = 1 * MiB  # results are checked for equality up to this size

#: Groups of C-order arrays, by number of dimensions.
ENCODE_GROUPS = {2: "encode_c2d", 3: "encode_c3d"}
DECODE_GROUPS = {2: "decode_c2d", 3: "decode_c3d"}

#: The shared-array operations: record group and statement over ``x``.
OPS = (("op_index", "_r = x[0]"), ("op_slice", "_r = x[1:10]"), ("op_add", "_r = x + 1"))
OP_ELEMS = 128

_CODEC = {c.key: c for c in CODECS}
#: The peers of the C-order encode group that are codecs of peers.py.
C_ENCODE_CODECS = ("arrow", "npy", "pickle5", "safetensors")

_FAILURES = (MemoryError, OverflowError, ValueError, RuntimeError, OSError)


def pure_python() -> contextlib.AbstractContextManager[None]:
    """``wea._accel.pure_python()``: wea imported when a group runs, not at import."""
    from wea import _accel

    return _accel.pure_python()


def layout_sizes(sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The run's sizes from 1 MiB up; if none is that large (smoke), them and 1 MiB.

    1 MiB is the smallest size of the full run at which ``dumps(a)`` of a
    C-order array takes the cache-blocked transposing copy (and the compiled
    helper's), so that the smoke run goes through it too.
    """
    big = tuple(s for s in sizes if s >= MiB)
    return big or (*sizes, MiB)


def shape_for(nbytes: int, ndim: int, itemsize: int = 8) -> tuple[int, ...]:
    """A near-cubic shape of `ndim` dims and `nbytes` bytes of `itemsize`-byte items.

    A power of two (every size of the run) gets power-of-two dims, the
    first ones the smaller: 64 MiB of float64 is (2048, 4096) or (128, 256, 256).
    """
    n = nbytes // itemsize
    dims: list[int] = []
    for left in range(ndim, 1, -1):
        target = round(n ** (1.0 / left))
        d = max(x for x in range(1, max(target, 1) + 1) if n % x == 0)
        dims.append(d)
        n //= d
    dims.append(n)
    return tuple(dims)


def _ns_numpy() -> dict[str, Any]:
    return {
        "copyto": np.copyto,
        "copy": np.copy,  # order="K" by default: a memcpy of a contiguous array
        "asfortranarray": np.asfortranarray,
        "frombuffer": np.frombuffer,
        "f8": np.float64,
    }


def _ns_wea() -> dict[str, Any]:
    import wea

    return {"dumps": wea.dumps, "loads": wea.loads}


def _same(out: Any, want: np.ndarray, what: str) -> None:
    got = np.asarray(out)
    if got.shape != want.shape or not np.array_equal(got, want):
        raise RuntimeError(f"{what}: the result differs from the array")


def _record_versions(run: Any) -> None:
    for key in C_ENCODE_CODECS:
        run.versions.setdefault(key, _CODEC[key].version())


# -- C-order encode and decode ---------------------------------------------------------


def run_layout(run: Any) -> None:
    """The C-order groups: encode (2-D, 3-D) and the ``order="C"`` decode."""
    run.log("C-order arrays: encode, decode")
    _record_versions(run)
    capped: dict[tuple[str, str], str] = {}
    for ndim in (2, 3):
        for size in layout_sizes(run.sizes):
            shape = shape_for(size, ndim)
            a = np.arange(size // 8, dtype=np.float64).reshape(shape)
            try:
                _encode_c(run, a, ENCODE_GROUPS[ndim], capped)
                _decode_c(run, a, DECODE_GROUPS[ndim], capped)
            finally:
                del a


def _timed(
    run: Any,
    group: str,
    peer: str,
    size: int,
    shape: tuple[int, ...],
    stmt: str,
    ns: dict[str, Any],
    capped: dict[tuple[str, str], str],
    label: str,
) -> bool:
    """Time `stmt` unless the peer is capped; cap it if it fails. True if timed.

    A peer whose name ends in ``_pure`` is timed inside :func:`pure_python`.
    """
    if (group, peer) in capped:
        run.skip(group, peer, size, "capped", capped[(group, peer)])
        return False
    try:
        with pure_python() if _is_pure(peer) else contextlib.nullcontext():
            res = time_stmt(stmt, ns, run.budget)
        run.add(group, peer, size, res, shape=list(shape))
    except _FAILURES as e:
        if peer.startswith("wea") and size <= VERIFY_UP_TO:
            raise  # wea failing on a small array is a bug, never a cap
        why = f"fails at {size_label(size)}: {type(e).__name__}: {str(e)[:160]}"
        capped[(group, peer)] = f"capped: {why}"
        run.notes.append(f"{label} ({group}): {why}; not run at larger sizes")
        run.skip(group, peer, size, "failed", why)
        return False
    return True


def _is_pure(peer: str) -> bool:
    return peer.endswith("_pure")


def _encode_c(run: Any, a: np.ndarray, group: str, capped: dict[tuple[str, str], str]) -> None:
    size, shape = a.nbytes, a.shape
    ns: dict[str, Any] = {**_ns_wea(), **_ns_numpy(), "a": a}
    ns["dst"] = np.empty_like(a)
    ns["dst"][...] = 0  # touch every page: the bound is a warm copy
    own = (
        ("wea", "_r = dumps(a)", "wea dumps(a)"),
        ("wea_pure", "_r = dumps(a)", "wea dumps(a), pure Python"),
        ("wea_c", '_r = dumps(a, order="C")', 'wea dumps(a, order="C")'),
        ("memcpy", "copyto(dst, a)", "memcpy bound, reused"),
        ("memcpy_fresh", "_r = copy(a)", "memcpy bound, fresh"),
        ("asfortran", "_r = asfortranarray(a)", "np.asfortranarray"),
    )
    for peer, stmt, label in own:
        _timed(run, group, peer, size, shape, stmt, ns, capped, label)
    if size <= VERIFY_UP_TO:
        loads = ns["loads"]
        _same(loads(ns["dumps"](a)), a, "wea dumps(a)")
        with pure_python():
            _same(loads(ns["dumps"](a)), a, "wea dumps(a), pure Python")
        blk = ns["dumps"](a, order="C")
        _same(loads(blk, order="C"), a, 'wea dumps(a, order="C") / loads(order="C")')
        _same(loads(blk), a.T, 'wea dumps(a, order="C") / loads')
        del blk
    ns.clear()
    for key in C_ENCODE_CODECS:
        codec = _CODEC[key]
        if codec.version() == "not installed":
            run.skip(group, key, size, "missing", f"{codec.package} is not installed")
            continue
        cns = codec.namespace()
        cns["a"] = a
        _timed(run, group, key, size, shape, str(codec.encode), cns, capped, codec.label)
        cns.clear()


def _decode_c(run: Any, a: np.ndarray, group: str, capped: dict[tuple[str, str], str]) -> None:
    size, shape = a.nbytes, a.shape
    ns: dict[str, Any] = {**_ns_wea(), **_ns_numpy(), "shape": shape}
    ns["b"] = ns["dumps"](a, order="C")
    _timed(run, group, "wea_c", size, shape, '_r = loads(b, order="C")', ns, capped, "wea")
    _timed(run, group, "wea", size, shape, "_r = loads(b)", ns, capped, "wea")
    if size <= VERIFY_UP_TO:
        c = ns["loads"](ns["b"], order="C")
        _same(c, a, 'wea loads(order="C")')
        if not c.flags.c_contiguous:
            raise RuntimeError('wea loads(order="C"): the view is not C-contiguous')
        del c
    ns["b"] = bytearray(a.reshape(-1).data)  # the same bytes, no header
    stmt = "_r = frombuffer(b, f8).reshape(shape)"
    _timed(run, group, "frombuffer", size, shape, stmt, ns, capped, "np.frombuffer")
    ns.clear()
    codec = _CODEC["arrow"]
    if codec.version() == "not installed":
        run.skip(group, "arrow", size, "missing", f"{codec.package} is not installed")
        return
    if (ENCODE_GROUPS[a.ndim], "arrow") in capped:
        run.skip(group, "arrow", size, "capped", "its encoder failed (see the notes)")
        return
    cns = codec.namespace()
    enc: dict[str, Any] = {**cns, "a": a}
    exec(str(codec.encode), enc)
    cns["b"] = codec.received(enc.pop("_r"))
    enc.clear()
    timed = _timed(run, group, "arrow", size, shape, str(codec.decode), cns, capped, codec.label)
    if timed and size <= VERIFY_UP_TO:
        exec(str(codec.decode), cns)
        _same(cns.pop("_r"), a, codec.label)
    cns.clear()


# -- encode into a reused buffer -------------------------------------------------------


def run_out(run: Any) -> None:
    """``dumps(a, out=buf)`` into a preallocated, reused buffer (2-D)."""
    import wea

    run.log("encode into a reused buffer")
    _record_versions(run)
    capped: dict[tuple[str, str], str] = {}
    group = "encode_out"
    for size in layout_sizes(run.sizes):
        shape = shape_for(size, 2)
        n = size // 8
        c = np.arange(n, dtype=np.float64).reshape(shape)
        f = np.arange(n, dtype=np.float64).reshape(shape[::-1]).T  # F-contiguous, `shape`
        ns: dict[str, Any] = {**_ns_wea(), **_ns_numpy(), "c": c, "f": f}
        ns["buf"] = bytearray(wea.block_size(np.float64, shape))  # zero-filled: warm
        ns["dst"] = np.empty_like(f)
        ns["dst"][...] = 0
        own = (
            ("wea_out", "_r = dumps(f, out=buf)", "wea dumps(f, out=buf)"),
            ("wea_c_out", '_r = dumps(c, order="C", out=buf)', 'wea dumps(c, order="C", out=)'),
            ("wea_t_out", "_r = dumps(c, out=buf)", "wea dumps(c, out=buf)"),
            ("wea_t_out_pure", "_r = dumps(c, out=buf)", "wea dumps(c, out=buf), pure Python"),
            ("wea", "_r = dumps(f)", "wea dumps(f)"),
            ("memcpy", "copyto(dst, f)", "memcpy bound, reused"),
            ("memcpy_fresh", "_r = copy(f)", "memcpy bound, fresh"),
        )
        try:
            for peer, stmt, label in own:
                _timed(run, group, peer, size, shape, stmt, ns, capped, label)
            if size <= VERIFY_UP_TO:
                _verify_out(ns, wea.block_size(np.float64, shape))
                with pure_python():
                    _verify_out(ns, wea.block_size(np.float64, shape))
            ns.clear()
            _out_peers(run, group, c, size, shape, capped)
        finally:
            ns.clear()
            del c, f


def _verify_out(ns: dict[str, Any], nbytes: int) -> None:
    dumps, loads, buf, f, c = ns["dumps"], ns["loads"], ns["buf"], ns["f"], ns["c"]
    cases: tuple[tuple[str, Callable[[], Any], str, np.ndarray], ...] = (
        ("dumps(f, out=buf)", lambda: dumps(f, out=buf), "F", f),
        ('dumps(c, order="C", out=buf)', lambda: dumps(c, order="C", out=buf), "C", c),
        ("dumps(c, out=buf)", lambda: dumps(c, out=buf), "F", c),
    )
    for what, call, order, want in cases:
        buf[:] = bytes(len(buf))
        r = call()
        if not isinstance(r, memoryview) or r.nbytes != nbytes:
            raise RuntimeError(f"wea {what}: not a memoryview of the {nbytes}-byte block")
        _same(loads(r, order=order), want, f"wea {what}")
        _same(loads(buf, order=order), want, f"wea {what} (the buffer itself)")
        del r


def _out_peers(
    run: Any,
    group: str,
    c: np.ndarray,
    size: int,
    shape: tuple[int, ...],
    capped: dict[tuple[str, str], str],
) -> None:
    """pyarrow and np.save, each writing into a buffer it reuses."""
    if _CODEC["arrow"].version() == "not installed":
        run.skip(group, "arrow_out", size, "missing", "pyarrow is not installed")
    else:
        import pyarrow as pa

        need = pa.ipc.get_tensor_size(pa.Tensor.from_numpy(c))
        ns: dict[str, Any] = {
            "c": c,
            "Tensor": pa.Tensor,
            "write_tensor": pa.ipc.write_tensor,
            "Writer": pa.FixedSizeBufferWriter,
            "pbuf": pa.py_buffer(bytearray(need)),  # mutable, zero-filled: warm
        }
        stmt = "_w = Writer(pbuf); write_tensor(Tensor.from_numpy(c), _w)"
        timed = _timed(run, group, "arrow_out", size, shape, stmt, ns, capped, "pyarrow")
        if timed and size <= VERIFY_UP_TO:
            got = pa.ipc.read_tensor(pa.BufferReader(ns["pbuf"])).to_numpy()
            _same(got, c, "pyarrow write_tensor into a FixedSizeBufferWriter")
            del got
        ns.clear()
    fo = io.BytesIO()
    np.save(fo, c)  # grows the BytesIO once; every timed save overwrites it
    ns = {"c": c, "save": np.save, "fo": fo}
    stmt = "fo.seek(0); save(fo, c)"
    timed = _timed(run, group, "npy_out", size, shape, stmt, ns, capped, "np.save")
    if timed and size <= VERIFY_UP_TO:
        fo.seek(0)
        _same(np.load(fo), c, "np.save into a reused BytesIO")
    ns.clear()
    fo.close()


# -- the per-operation tax of the array classes ----------------------------------------


def _sharedarray_version() -> str:
    try:
        return "SharedArray " + version("SharedArray")
    except PackageNotFoundError:
        return "not installed"


def run_ops(run: Any) -> None:
    """``a[0]``, ``a[1:10]``, ``a + 1`` on 128 elements, per array class."""
    run.log("per-operation tax (128 elements)")
    run.versions.setdefault("sharedarray", _sharedarray_version())
    run.versions.setdefault("mpshm", "stdlib")
    run.versions.setdefault("memmap", "numpy " + np.__version__)
    values = np.arange(OP_ELEMS, dtype=np.float64)
    with contextlib.ExitStack() as stack:
        arrays = _op_arrays(run, values, stack)
        try:
            _time_ops(arrays, values, run.budget, run.add)
        finally:
            arrays.clear()  # no view may outlive its segment's close
    _ops_pure(run)


def _time_ops(
    arrays: dict[str, Any],
    values: np.ndarray,
    budget: float,
    add: Callable[[str, str, int, dict[str, Any]], None],
) -> None:
    """Time every operation of OPS on every array; check each result."""
    for peer, x in arrays.items():
        ns: dict[str, Any] = {"x": x}
        try:
            for group, stmt in OPS:
                add(group, peer, values.nbytes, time_stmt(stmt, ns, budget))
                ref: dict[str, Any] = {"x": values}
                exec(stmt, ref)
                exec(stmt, ns)
                if not np.array_equal(ns.pop("_r"), ref["_r"]):
                    raise RuntimeError(f"{peer}: {stmt!r} gives a wrong result")
        finally:
            ns.clear()
    del x


def _ops_pure(run: Any) -> None:
    """The wea arrays' operations in a child started with ``WEA_PURE_PYTHON=1``."""
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "ops-pure",
        "--prefix",
        run.prefix,
        "--budget",
        str(run.budget),
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=False, timeout=600, env=shm.pure_env()
    )
    if out.returncode != 0:
        raise RuntimeError(f"layout.py ops-pure failed ({out.returncode}): {out.stderr[-2000:]}")
    for rec in json.loads(out.stdout):
        g, p, sz = rec.pop("group"), rec.pop("peer"), rec.pop("size")
        run.add(g, p, sz, rec)


def _op_arrays(run: Any, values: np.ndarray, stack: contextlib.ExitStack) -> dict[str, Any]:
    """The arrays of the per-operation group; `stack` removes what they live in."""
    arrays: dict[str, Any] = {"ndarray": values.copy()}
    arrays.update(_wea_op_arrays(run.prefix, values, stack))
    if run.versions["sharedarray"] == "not installed":
        for g, _ in OPS:
            run.skip(g, "sharedarray", values.nbytes, "missing", "SharedArray is not installed")
    else:
        import SharedArray as sa

        url = "shm://" + shm.new_name(run.prefix)
        arrays["sharedarray"] = x = sa.create(url, values.shape, values.dtype)
        stack.callback(sa.delete, url)
        x[...] = values
    from multiprocessing.shared_memory import SharedMemory

    seg = SharedMemory(shm.new_name(run.prefix), create=True, size=values.nbytes)
    stack.callback(_close_unlink, seg)
    arrays["mpshm"] = x = np.ndarray(values.shape, values.dtype, buffer=seg.buf)
    x[...] = values
    tmp = tempfile.mkdtemp(prefix="wea-bench-")
    stack.callback(os.rmdir, tmp)
    path = os.path.join(tmp, "a.bin")
    arrays["memmap"] = x = np.memmap(path, dtype=np.float64, mode="w+", shape=values.shape)
    stack.callback(os.unlink, path)
    x[...] = values
    return arrays


def _wea_op_arrays(
    prefix: str, values: np.ndarray, stack: contextlib.ExitStack, tag: str = "wea"
) -> dict[str, Any]:
    """wea's arrays of the per-operation group: shared (created, attached), buffered."""
    import wea

    name = shm.new_name(prefix)
    created = wea.create_shared_array(name, np.float64, values.shape, data=values)
    stack.callback(created.unlink)
    buffered = wea.create_buffered_array(np.float64, values.shape)
    buffered[...] = values
    return {
        f"{tag}_created": created,
        f"{tag}_attached": wea.attach_shared_array(name),
        f"{tag}_buffered": buffered,
    }


def _ops_pure_main(argv: list[str]) -> None:
    """``layout.py ops-pure``: print the wea arrays' records, without the helper."""
    ap = argparse.ArgumentParser(prog="layout.py ops-pure")
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--budget", type=float, required=True)
    args = ap.parse_args(argv)
    shm.check_pure()
    records: list[dict[str, Any]] = []

    def add(group: str, peer: str, size: int, res: dict[str, Any]) -> None:
        records.append({"group": group, "peer": peer, "size": size, **res})

    values = np.arange(OP_ELEMS, dtype=np.float64)
    with contextlib.ExitStack() as stack:
        arrays = _wea_op_arrays(args.prefix, values, stack, tag="wea_pure")
        try:
            _time_ops(arrays, values, args.budget, add)
        finally:
            arrays.clear()
    json.dump(records, sys.stdout)


def _close_unlink(seg: Any) -> None:
    seg.unlink()
    with contextlib.suppress(BufferError):  # a view still alive (after an error)
        seg.close()


if __name__ == "__main__":
    if sys.argv[1:2] != ["ops-pure"]:
        raise SystemExit("usage: layout.py ops-pure --prefix PREFIX --budget SECONDS")
    _ops_pure_main(sys.argv[2:])
