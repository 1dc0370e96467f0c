"""Child processes of the race tests (test_races.py).

Run as ``python reliability/race_child.py [--cpu N] COMMAND ARGS...``
(``--cpu``: pinned to CPU N, so that the test can put the writer and the
reader on two different CPUs and have them run at the same time). A writer
runs until it is killed (at most WAIT_SECONDS) and prints one line once it has
started; a reader runs a given number of iterations and prints one JSON
line: for each entry point, how many calls gave which outcome, and the
first of the calls that went wrong (``bad``).

An outcome is ``valid`` (the call returned exactly the expected array or
header), ``error:CATEGORY`` (a ``wea.WeaError``, or a C format status),
``oserror:NAME`` (an ``OSError``, a C binding status, or a documented exit
status of ``weatool``), or ``BAD ...``: any other exception, an array or
header that is not the expected one, or ``weatool`` killed by a signal.

``flip PATH``
    Maps PATH (a /dev/shm object or a file holding ``block()``) read-write
    and stores dimension 1 as INVALID[0], VALID, INVALID[1], VALID, ... in
    a loop, each one aligned 8-byte store; prints ``flipping``.
``read-race KIND PATH NAME ITERATIONS WEATOOL``
    Every reader entry point against the flipping block, ITERATIONS calls
    each (10 times as many for the in-memory ones, a fortieth for weatool;
    KIND ``shm``: NAME is the object, PATH its /dev/shm file; KIND
    ``file``: PATH is the file); after each entry point, the poisoning
    check: plain byte copies of the invalid states must still be refused.
``shrink NAME KIND``
    Shrinks the object NAME (holding ``shrink_block(KIND)``) to 0, 3, 20,
    100 bytes, one page and one page and a byte, and to 0 between each two
    of these, each time growing it back and rewriting the block, magic last
    (a new attach sees either the block or a clean error); the block and
    the empty object are held for HOLD_SECONDS each time; prints
    ``shrinking``.
``attach-shrink NAME IMPL ITERATIONS``
    Attaches NAME in a loop while it is shrunk (IMPL ``py``, ``py-ro``,
    ``reopen``, ``list``, ``c``, ``c-ro``); never reads the data (a shrink
    under an existing mapping faults by design, spec §8.2.6).
``save-loop WRITER PATH``
    Writes ``saved_a()`` and ``saved_b()`` to PATH in turn: WRITER ``wea``
    with ``wea.save``; ``inplace`` the way other programs write, in place:
    truncate then write in three pieces, or overwrite then cut to the new
    length; prints ``saving``.
``load-loop WRITER PATH ITERATIONS``
    ``wea.load(PATH)`` with each mmap_mode and None, and ``wea.read_header``,
    in turn: with the ``wea`` writer each must give exactly A or B (data
    included); with the ``inplace`` writer any valid array (its bytes may
    be mixed, as with any unsynchronised writer), never another exception.
"""

from __future__ import annotations

import collections
import errno
import functools
import hashlib
import json
import mmap
import os
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

# cwea: run as a script, this file's directory is sys.path[0]; imported by
# the tests, conftest.py's directory (this one) is on the path.
import cwea
import numpy as np
import wea
from wea import _accel

WAIT_SECONDS = 1800  # a writer never outlives this, even if nobody kills it

# -- the flipped block ------------------------------------------------------------

SHAPE = (2, 577)
DTYPE = np.dtype(np.float64)
DIM = 1  # the flipped dimension
DIM_OFFSET = 16 + 8 * DIM  # 8-byte aligned in the block, and in a page-aligned mapping
VALID = 577
#: the invalid values and the category each must get. Any mix of the bytes
#: of VALID and of these values (a torn read) is one of these categories
#: too, or VALID itself: every other byte pattern is larger or negative.
INVALID = {-1: "invalid_dimension", 578: "data_truncated", 2**63 - 1: "overflow"}
ALLOWED = frozenset({"valid"} | {f"error:{c}" for c in INVALID.values()})


def values() -> np.ndarray[Any, Any]:
    return (np.arange(SHAPE[0] * SHAPE[1], dtype=DTYPE) * 0.5 - 100.0).reshape(SHAPE, order="F")


def block(dim: int = VALID) -> bytes:
    """The WA-1 block of ``values()``, with dimension 1 set to `dim`."""
    b = bytearray(wea.dumps(values()))
    struct.pack_into("<q", b, DIM_OFFSET, dim)
    return bytes(b)


# -- the shrunk block -------------------------------------------------------------

SHRINK_SHAPE = (3 * 4096,)  # three pages of data
#: Sizes the object is shrunk to. None leaves a valid magic with the dims cut
#: off (16 to 23 bytes): a read racing the truncation (which zeroes the end
#: of the last page) could then see the magic, the fixed header and zero
#: dims, a header the object never held. With 20 bytes the cut-off half of
#: dims[0] is zero in the block anyway.
SHRINK_SIZES = (0, 3, 0, 20, 0, 100, 0, 4096, 0, 4097)
HOLD_SECONDS = 5e-6  # how long the valid and the empty states last, at least


def shrink_block(kind: str = "pages") -> bytes:
    """``pages``: uint8 SHRINK_SHAPE; ``empty``: uint8 (0,), a header and no data."""
    shape = SHRINK_SHAPE if kind == "pages" else (0,)
    return bytes(wea.dumps((np.arange(shape[0]) % 251).astype(np.uint8)))


# -- the saved arrays ---------------------------------------------------------------


def saved_a() -> np.ndarray[Any, Any]:
    return np.asfortranarray(np.arange(300 * 7, dtype=np.float64).reshape(300, 7) * 1.5)


def saved_b() -> np.ndarray[Any, Any]:
    return np.arange(5, dtype=np.int16) - 2


# -- outcomes -----------------------------------------------------------------------


def say(*words: object) -> None:
    print(*words, flush=True)


def attempt(fn: Callable[[], str]) -> str:
    """Run one call; classify what came out (see the module's docstring)."""
    try:
        return fn()
    except wea.WeaError as e:
        return f"error:{e.category}"
    except cwea.CError as e:
        if e.status in cwea.CATEGORIES:
            return f"error:{e.name}"
        return f"oserror:{e.name}"
    except OSError as e:
        return f"oserror:{errno.errorcode.get(e.errno or 0, e.errno)}"
    except Exception as e:  # what the oracle forbids: any other exception
        return f"BAD {type(e).__name__}: {e}"[:400]


class Tally:
    """Outcome counts per entry point, and the first bad calls."""

    def __init__(self) -> None:
        self.counts: dict[str, collections.Counter[str]] = {}
        self.bad: list[str] = []

    def run(self, label: str, fn: Callable[[], str], n: int) -> None:
        c = self.counts.setdefault(label, collections.Counter())
        for _ in range(n):
            out = attempt(fn)
            if out.startswith("BAD"):
                c["BAD"] += 1
                if len(self.bad) < 20:
                    self.bad.append(f"{label}: {out}")
            else:
                c[out] += 1

    def report(self, **extra: object) -> None:
        say(
            json.dumps(
                {"entries": {k: dict(v) for k, v in self.counts.items()}, "bad": self.bad, **extra}
            )
        )


def fields(h: Any) -> tuple[int, int, int, tuple[int, ...], int]:
    """A header's fields (``wea.Header``, or anything with the same attributes)."""
    return (h.etype, h.ndims, h.offset, tuple(h.dims), h.len_data)


def cheader(m: cwea.Mapping) -> tuple[int, int, int, tuple[int, ...], int]:
    """The fields of a C mapping's header."""
    h = m.header
    return (h.etype, h.ndims, h.offset, tuple(h.dims[i] for i in range(h.ndims)), h.len_data)


def map_readonly(path: str) -> mmap.mmap:
    fd = os.open(path, os.O_RDONLY)
    try:
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


# -- flip ---------------------------------------------------------------------------


def flip(path: str) -> None:
    fd = os.open(path, os.O_RDWR)
    m = mmap.mmap(fd, 0)
    os.close(fd)
    q = memoryview(m).cast("q")  # q[DIM_OFFSET // 8] = v is one aligned 8-byte store
    i = DIM_OFFSET // 8
    seq: list[int] = []
    for v in INVALID:
        seq += [v, VALID]  # VALID last: it also lasts through the loop's own work
    say("flipping")
    deadline = time.monotonic() + WAIT_SECONDS
    n = 0
    while True:
        for v in seq:
            q[i] = v
        n += 1
        if n % 8192 == 0 and time.monotonic() > deadline:
            break
    q[i] = VALID
    sys.exit(3)


# -- read-race ----------------------------------------------------------------------


def read_race(kind: str, path: str, name: str, iterations: int, weatool: str) -> None:
    expect = values()
    want = (10, 2, 64, SHAPE, expect.nbytes)
    want_sha = hashlib.sha256(expect.tobytes(order="F")).hexdigest()

    def array(a: Any) -> str:
        if not isinstance(a, np.ndarray):
            return f"BAD returned {type(a).__name__}"
        if a.shape != SHAPE or a.dtype != DTYPE:
            return f"BAD array {a.dtype} {a.shape}, expected {DTYPE} {SHAPE}"
        if not np.array_equal(a, expect):
            return "BAD array of the right shape with other values"
        return "valid"

    def header(h: Any) -> str:
        got = fields(h)
        return "valid" if got == want else f"BAD header {got}, expected {want}"

    def cresult(r: cwea.Result) -> str:
        if not r.valid:
            return f"error:{r.error}"
        got = (r.etype, r.ndims, r.offset, r.dims, r.len_data)
        if got != want or r.sha256 != want_sha:
            return f"BAD C header {got}, expected {want}"
        return "valid"

    def cmap(m: cwea.Mapping) -> str:
        try:
            got = cheader(m)
            if got != want or cwea.mapping_data(m) != expect.tobytes(order="F"):
                return f"BAD C mapping {got}, expected {want}"
            return "valid"
        finally:
            cwea.unmap(m)

    def inspect(*target: str) -> str:
        r = subprocess.run(
            [weatool, "inspect", *target, "--json", "--count", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if r.returncode < 0:
            return f"BAD weatool inspect killed by signal {-r.returncode}: {r.stderr[-300:]}"
        if r.returncode == 0:
            out = json.loads(r.stdout)
            got = (out["etype"], out["ndims"], out["offset"], tuple(out["dims"]), out["len_data"])
            if got != want or out["sha256"] != want_sha:
                return f"BAD weatool inspect {got}, expected {want}"
            return "valid"
        if 1 <= r.returncode <= 10:
            out = json.loads(r.stdout)
            if cwea.CATEGORIES[r.returncode] != out["error"]:
                return f"BAD weatool exit {r.returncode} with {out}"
            return f"error:{out['error']}"
        if r.returncode in (66, 71, 74, 77):
            return f"oserror:exit-{r.returncode}"
        return f"BAD weatool exit {r.returncode}: {r.stderr[-300:]}"

    def listed() -> str:
        found = [i for i in wea.list_shared_arrays() if i.name == name]
        if len(found) != 1:
            return f"BAD listed {len(found)} times"
        info = found[0]
        if info.header is None:
            return f"error:{info.category}"
        return header(info.header)

    m = map_readonly(path)
    mv = memoryview(m)
    addr = np.frombuffer(m, dtype=np.uint8).ctypes.data
    # in-memory calls take microseconds: 10 times as many
    n, fast, slow = iterations, 10 * iterations, max(10, iterations // 40)
    entries: list[tuple[str, Callable[[], str], int]] = [
        ("loads", lambda: array(wea.loads(mv)), fast),
        ("load_buffered_array", lambda: array(wea.load_buffered_array(mv)), fast),
        ("read_header(buffer)", lambda: header(wea.read_header(mv)), fast),
        ("load(path, 'r')", lambda: array(wea.load(path, mmap_mode="r")), n),
        ("load(path, 'r+')", lambda: array(wea.load(path, mmap_mode="r+")), n),
        ("load(path, 'c')", lambda: array(wea.load(path, mmap_mode="c")), n),
        ("load(path, None)", lambda: array(wea.load(path, mmap_mode=None)), n),
        ("read_header(path)", lambda: header(wea.read_header(path)), n),
        ("C wea_parse", lambda: cresult(cwea.parse_at(addr, len(m))), fast),
        ("C wea_map_file", lambda: cmap(cwea.map_file(path)), n),
        ("weatool inspect FILE", lambda: inspect(path), slow),
    ]
    if kind == "shm":

        def attach(readonly: bool) -> str:
            a = wea.attach_shared_array(name, readonly=readonly)
            try:
                return array(a)
            finally:
                a.close()

        def attach_pure(readonly: bool) -> str:
            with _accel.pure_python():
                return attach(readonly)

        held: list[wea.SharedExchangeArray] = []
        for _ in range(100000):  # an array to reopen: attach once while valid
            try:
                held.append(wea.attach_shared_array(name, readonly=True))
                break
            except wea.WeaError:
                continue

        def reopen() -> str:
            if not held:
                return "BAD could not attach once in 100000 tries"
            a = held[0]
            a.close()
            a.reopen()
            return array(a)

        entries += [
            ("attach_shared_array", lambda: attach(True), n),
            ("attach_shared_array(rw)", lambda: attach(False), n),
            ("attach_shared_array, pure Python", lambda: attach_pure(True), n),
            ("SharedExchangeArray.reopen", reopen, n),
            ("list_shared_arrays", listed, max(10, n // 10)),
            ("C wea_shm_attach", lambda: cmap(cwea.shm_attach(name)), n),
            ("weatool inspect --shm", lambda: inspect("--shm", name), slow),
        ]
    tally = Tally()
    poisoned: dict[str, str] = {}  # what the check found -> after which entry point
    t0 = time.monotonic()
    for label, fn, k in entries:
        tally.run(label, fn, k)
        for found in poisoning_check():
            poisoned.setdefault(found, label)
    tally.report(poisoned=poisoned, seconds=round(time.monotonic() - t0, 2))


def poisoning_check() -> list[str]:
    """Plain byte copies of the invalid states must get their category."""
    calls: list[tuple[str, Callable[[bytes], str]]] = [
        ("wea.loads(bytes)", lambda b: shape_of(wea.loads(b))),
        ("wea.loads(bytearray)", lambda b: shape_of(wea.loads(bytearray(b)))),
        ("wea.load_buffered_array", lambda b: shape_of(wea.load_buffered_array(b))),
        ("wea.read_header", lambda b: f"accepted as {wea.read_header(b).dims}"),
    ]
    wrong = []
    for v, category in INVALID.items():
        b = block(v)
        for label, fn in calls:
            got = attempt(functools.partial(fn, b))
            if got != f"error:{category}":
                wrong.append(f"{label} of the block with dims (2, {v}): {got}")
    return wrong


def shape_of(a: Any) -> str:
    return f"accepted as {a.dtype} {a.shape}"


# -- shrink -------------------------------------------------------------------------


def hold() -> None:
    end = time.perf_counter() + HOLD_SECONDS
    while time.perf_counter() < end:
        pass


def shrink(name: str, kind: str) -> None:
    fd = os.open("/dev/shm/" + name.lstrip("/"), os.O_RDWR)
    blk = shrink_block(kind)
    full = len(blk)
    say("shrinking")
    deadline = time.monotonic() + WAIT_SECONDS
    cycles = 0
    while time.monotonic() < deadline:
        for size in SHRINK_SIZES:
            os.ftruncate(fd, size)
            if size == 0:  # the state that faults an attacher that mapped before it
                hold()
            if size >= 4:  # the magic first: no attacher may take the regrown zeros for data
                os.pwrite(fd, bytes(4), 0)
            os.ftruncate(fd, full)
            os.pwrite(fd, blk[4:], 4)
            os.pwrite(fd, blk[:4], 0)  # published again, magic last
            hold()
        cycles += 1
    sys.exit(3)


def attach_shrink(name: str, impl: str, iterations: int) -> None:
    want = (2, 1, 64, SHRINK_SHAPE, SHRINK_SHAPE[0])

    def header(h: Any) -> str:
        got = fields(h)
        return "valid" if got == want else f"BAD header {got}, expected {want}"

    def array(a: Any) -> str:  # the header only: the data may be gone (§8.2.6)
        if a.shape != SHRINK_SHAPE or a.dtype != np.uint8:
            return f"BAD array {a.dtype} {a.shape}"
        return header(a.header)

    def py(readonly: bool) -> str:
        a = wea.attach_shared_array(name, readonly=readonly)
        try:
            return array(a)
        finally:
            a.close()

    def c(writable: bool) -> str:
        m = cwea.shm_attach(name, writable=writable)
        try:
            return "valid" if cheader(m) == want else f"BAD C header {cheader(m)}, expected {want}"
        finally:
            cwea.unmap(m)

    def listed() -> str:
        found = [i for i in wea.list_shared_arrays(unpublished=True) if i.name == name]
        if len(found) > 1:
            return f"BAD listed {len(found)} times"
        if not found:
            return "error:not-listed"  # a magic being rewritten: not a WA-1 object then
        if found[0].header is None:
            return f"error:{found[0].category}"
        return header(found[0].header)

    held: list[wea.SharedExchangeArray] = []

    def reopen() -> str:
        if not held:
            for _ in range(100000):
                try:
                    held.append(wea.attach_shared_array(name, readonly=True))
                    break
                except (wea.WeaError, OSError):
                    continue
            else:
                return "BAD could not attach once in 100000 tries"
        held[0].close()
        held[0].reopen()
        return array(held[0])

    def pure(fn: Callable[[], str]) -> str:
        with _accel.pure_python():
            return fn()

    fns: dict[str, Callable[[], str]] = {
        "py": lambda: py(False),
        "py-ro": lambda: py(True),
        "py-pure": lambda: pure(lambda: py(False)),
        "py-ro-pure": lambda: pure(lambda: py(True)),
        "reopen": reopen,
        "list": listed,
        "c": lambda: c(True),
        "c-ro": lambda: c(False),
    }
    tally = Tally()
    t0 = time.monotonic()
    tally.run(impl, fns[impl], iterations)
    tally.report(seconds=round(time.monotonic() - t0, 2))


# -- save and load ------------------------------------------------------------------


def save_loop(writer: str, path: str) -> None:
    arrays = [saved_a(), saved_b()]
    blocks = [bytes(wea.dumps(a)) for a in arrays]
    deadline = time.monotonic() + WAIT_SECONDS
    n = 0
    while time.monotonic() < deadline:
        k = n % 2
        if writer == "wea":
            wea.save(path, arrays[k])
        elif n % 4 < 2:  # truncate, then write in three pieces
            b = blocks[k]
            with open(path, "wb") as f:
                half = 64 + (len(b) - 64) // 2
                for piece in (b[:64], b[64:half], b[half:]):
                    f.write(piece)
                    f.flush()
                    hold()  # each state, the complete block too, lasts a little
        else:  # overwrite in place, then cut to the new length
            b = blocks[k]
            with open(path, "r+b") as f:
                f.write(b)
                f.flush()
                hold()  # the new block, and what is left of the old one after it
                f.truncate(len(b))
                f.flush()
                hold()
        if n == 0:
            say("saving")
        n += 1
    sys.exit(3)


def load_loop(writer: str, path: str, iterations: int) -> None:
    a, b = saved_a(), saved_b()
    head_a, head_b = (fields(wea.read_header(wea.dumps(x))) for x in (a, b))

    def exact(x: Any) -> str:
        for name, want in (("A", a), ("B", b)):
            if x.shape == want.shape and x.dtype == want.dtype:
                if writer == "inplace":
                    return name  # the bytes may be mixed: not compared
                if np.array_equal(x, want):
                    return name
                return f"BAD the shape and dtype of {name} with other values"
        if writer == "inplace":
            return "other"  # a header of mixed bytes: valid, not ours
        return f"BAD array {x.dtype} {x.shape}, neither A nor B"

    def header(h: Any) -> str:
        got = fields(h)
        for name, want in (("A", head_a), ("B", head_b)):
            if got == want:
                return name
        return "other" if writer == "inplace" else f"BAD header {got}, neither A's nor B's"

    calls: list[tuple[str, Callable[[], str]]] = [
        ("load(path, 'r')", lambda: exact(wea.load(path, mmap_mode="r"))),
        ("load(path, 'r+')", lambda: exact(wea.load(path, mmap_mode="r+"))),
        ("load(path, 'c')", lambda: exact(wea.load(path, mmap_mode="c"))),
        ("load(path, None)", lambda: exact(wea.load(path, mmap_mode=None))),
        ("read_header(path)", lambda: header(wea.read_header(path))),
    ]
    tally = Tally()
    t0 = time.monotonic()
    for i in range(iterations):
        label, fn = calls[i % len(calls)]
        tally.run(label, fn, 1)
    tally.report(seconds=round(time.monotonic() - t0, 2))


def main(argv: list[str]) -> None:
    if argv[0] == "--cpu":  # run on this CPU only: writer and reader truly in parallel
        os.sched_setaffinity(0, {int(argv[1])})
        argv = argv[2:]
    cmd, args = argv[0], argv[1:]
    if cmd == "flip":
        flip(args[0])
    elif cmd == "read-race":
        read_race(args[0], args[1], args[2], int(args[3]), args[4])
    elif cmd == "shrink":
        shrink(args[0], args[1])
    elif cmd == "attach-shrink":
        attach_shrink(args[0], args[1], int(args[2]))
    elif cmd == "save-loop":
        save_loop(args[0], args[1])
    elif cmd == "load-loop":
        load_loop(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown command {cmd!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
