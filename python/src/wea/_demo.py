"""``make demo``: the seed README's flow, end to end, between real processes.

Run it with ``python -m wea._demo``. It creates a shared array, attaches to
it from a second process that changes it (the change is seen here, nothing
is copied), then exchanges a buffer with a third process, and removes what
it made.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from multiprocessing.connection import Connection

import numpy as np

import wea


def _say(text: str) -> None:
    print(text, flush=True)


def shared_child(name: str, conn: Connection) -> None:
    """Second process: attach by name, report, change one element, exit."""
    wb = wea.shared_memory.attach_shared_array(name)
    conn.send((os.getpid(), str(wb.dtype), wb.shape, float(wb.sum())))
    wb[0, 0] = 42.0
    conn.send("done")


def buffer_child(conn: Connection) -> None:
    """Third process: load a received block without a copy, answer with 2x."""
    data = conn.recv_bytes()
    wd = wea.buffered_memory.load_buffered_array(data)
    viewed = bool(np.shares_memory(wd, np.frombuffer(data, dtype=np.uint8)))
    reply = wea.buffered_memory.create_buffered_array(wd.dtype, wd.shape)
    reply[:] = 2 * wd
    conn.send((os.getpid(), viewed))
    conn.send_bytes(reply.exchange_buffer)


def main() -> int:
    """Run the demo; return the exit status."""
    ctx = mp.get_context("spawn")  # a fresh interpreter: a real second process
    name = f"/wea-demo-{os.getpid()}"
    _say(
        f"wea {wea.__version__} demo (format WA-1): Python "
        f"{sys.version.split()[0]}, numpy {np.__version__}, pid {os.getpid()}"
    )
    _say("\n1. Shared memory")
    wa = wea.shared_memory.create_shared_array(name, np.dtype("float64"), (10, 2))
    try:
        wa[:] = np.random.default_rng(1).standard_normal((10, 2))
        path = os.path.join(wea.shared_memory.SHM_DIR, name[1:])
        if os.path.exists(path):
            st = os.stat(path)
            where = f"{path}, {st.st_size} bytes, mode {st.st_mode & 0o777:04o}"
        else:  # pragma: no cover - not Linux
            where = "shared memory"
        _say(f"   created {name}: float64 array of shape (10, 2) in {where}")
        _say(f"   filled it with random numbers: wa[0, 0] = {wa[0, 0]:.4f}, sum {wa.sum():.4f}")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=shared_child, args=(name, child))
        proc.start()
        pid, dtype, shape, total = parent.recv()
        _say(f"   process {pid} attached to {name}: {dtype} {shape}, sum {total:.4f}")
        parent.recv()
        proc.join()
        _say(f"   process {pid} set wb[0, 0] = 42.0 and exited (status {proc.exitcode})")
        _say(f"   here, wa[0, 0] = {wa[0, 0]}: the change is seen, nothing was copied")
        still = wea.shared_memory.attach_shared_array(name, readonly=True)
        _say(
            f"   the object outlived the process that attached: {still.name} "
            f"is still there (read-only attach: writeable={still.flags.writeable})"
        )

        _say("\n2. A byte buffer")
        wc = wea.buffered_memory.create_buffered_array(np.dtype("float64"), (10, 2))
        wc[:] = wa
        buf = wc.exchange_buffer
        header = wc.header
        assert header is not None
        _say(
            f"   exchange_buffer: {type(buf).__name__} of {len(buf)} bytes "
            f"(header and padding {header.offset}, data {header.len_data}); it is "
            f"the array's own memory: {np.shares_memory(wc, np.frombuffer(buf, np.uint8))}"
        )
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=buffer_child, args=(child,))
        proc.start()
        parent.send_bytes(buf)
        pid, viewed = parent.recv()
        reply = wea.buffered_memory.load_buffered_array(parent.recv_bytes())
        proc.join()
        _say(
            f"   process {pid} received it; load_buffered_array viewed the "
            f"received bytes without a copy: {viewed}"
        )
        _say(
            f"   it answered with twice the array: reply == 2 * wc is "
            f"{bool(np.array_equal(reply, 2 * wc))}, reply[0, 0] = {reply[0, 0]}"
        )
    finally:
        _say("\n3. Cleanup")
        wa.unlink()
        gone = name not in [info.name for info in _listing()]
        _say(f"   unlinked {name}; gone from the machine's WA-1 objects: {gone}")
    _say("\ndemo: all done")
    return 0


def _listing() -> list[wea.SharedArrayInfo]:
    try:
        return wea.list_shared_arrays()
    except NotImplementedError:  # pragma: no cover - not Linux
        return []


if __name__ == "__main__":
    sys.exit(main())
