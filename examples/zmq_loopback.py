"""A WA-1 block over ZeroMQ (pyzmq), with no copy on either side.

Run it::

    python examples/zmq_loopback.py

A WA-1 block is one self-describing buffer (header, dims, data), so it
travels as one ZeroMQ frame: no separate metadata frame, no serialisation.

* The sender hands ZeroMQ the array's own memory with ``copy=False``
  (:attr:`wea.BufferedExchangeArray.exchange_buffer`: header included, no
  copy) and ``track=True``: the returned tracker says when ZeroMQ is done
  with the buffer, before which the sender must not change it.
* The receiver takes the frame with ``copy=False`` and decodes it with
  :func:`wea.loads`, which views the frame's memory: the array *is* the
  message ZeroMQ received. It is writable exactly when the frame's buffer
  is (spec §8.1.3); pyzmq gives the receiver a writable frame, its own.

The far side is a second process (``multiprocessing`` spawn); the sockets
talk over TCP on the loopback address only, and every receive has a
timeout, so nothing can hang. pyzmq copies frames smaller than
``zmq.COPY_THRESHOLD`` (64 KiB) even with ``copy=False``; the arrays here are
larger.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from typing import Any

import numpy as np

import wea

try:
    import zmq
except ImportError as e:  # a plain `pip install ./python` has no pyzmq
    sys.exit(
        f"{sys.argv[0]}: this example needs pyzmq, from the `transports` extra: "
        f"pip install './python[transports]' (in a clone: make transports) [{e}]"
    )

TIMEOUT_MS = 20_000
SHAPE = (1000, 300)  # 2.4 MB of float64


def _socket(ctx: zmq.Context[Any]) -> zmq.Socket[Any]:
    sock: zmq.Socket[Any] = ctx.socket(zmq.PAIR)
    sock.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.LINGER, 0)
    return sock


def far_side(port: int) -> None:
    """Receive a block without a copy, answer with twice the array.

    Parameters
    ----------
    port : int
        The loopback port the near side listens on.
    """
    ctx = zmq.Context()
    sock = _socket(ctx)
    try:
        sock.connect(f"tcp://127.0.0.1:{port}")
        frame = sock.recv(copy=False)  # a zmq.Frame: ZeroMQ's own message memory
        arr = wea.loads(frame.buffer)  # validated, then viewed in place
        in_place = bool(np.shares_memory(arr, np.frombuffer(frame.buffer, np.uint8)))
        reply = wea.create_buffered_array(arr.dtype, arr.shape)
        np.multiply(arr, 2, out=reply)
        sock.send_pyobj(
            {
                "in_place": in_place,
                "writeable": bool(arr.flags.writeable),
                "aligned": bool(arr.flags.aligned),
                "shape": arr.shape,
            }
        )
        sock.send(reply.exchange_buffer, copy=False)
    finally:
        sock.close()
        ctx.term()


def main() -> int:
    """Run the example; return the exit status."""
    ctx = zmq.Context()
    sock = _socket(ctx)
    proc = None
    try:
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        proc = mp.get_context("spawn").Process(target=far_side, args=(port,))
        proc.start()

        wc = wea.create_buffered_array(np.float64, SHAPE)
        wc[...] = np.random.default_rng(3).standard_normal(SHAPE)
        buf = wc.exchange_buffer  # the array's memory, header included
        tracker = sock.send(buf, copy=False, track=True)
        print(
            f"sent a float64 {SHAPE} block of {len(buf)} bytes over "
            f"tcp://127.0.0.1:{port} with copy=False"
        )
        tracker.wait(TIMEOUT_MS / 1000)  # now the buffer may change again
        print("ZeroMQ released the sender's buffer (MessageTracker.done)")

        info = sock.recv_pyobj()
        frame = sock.recv(copy=False)
        reply = wea.loads(frame.buffer)
        print(
            f"far side: decoded {info['shape']} in place in the received frame: "
            f"{info['in_place']} (writeable: {info['writeable']}, "
            f"aligned: {info['aligned']})"
        )
        ok = bool(np.array_equal(reply, 2 * wc)) and info["in_place"]
        in_place = np.shares_memory(reply, np.frombuffer(frame.buffer, np.uint8))
        print(
            f"near side: the reply is a view of its frame: {bool(in_place)}; "
            f"reply == 2 * sent: {bool(np.array_equal(reply, 2 * wc))}"
        )
        proc.join(TIMEOUT_MS / 1000)
        if not ok or not in_place or proc.exitcode != 0:
            print(f"FAILED (far side exit status {proc.exitcode})", file=sys.stderr)
            return 1
    except zmq.Again:
        print("FAILED: timed out waiting for the far side", file=sys.stderr)
        return 1
    finally:
        sock.close()
        ctx.term()
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(5)
    print("round trip over ZeroMQ: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
