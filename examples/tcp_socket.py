"""A WA-1 block over a plain TCP socket on the loopback address.

Run it::

    python examples/tcp_socket.py

Two ways to frame a block on a byte stream, both without a copy in Python:

1. **Length-prefixed.** The sender writes the block's length (8 bytes,
   little-endian) and then the block straight from the array's memory
   (``sendall`` of :attr:`wea.BufferedExchangeArray.exchange_buffer`). The
   receiver allocates exactly that many bytes once, fills them with
   ``recv_into`` and views them with :func:`wea.loads`: the array is the
   receive buffer. Here the far side then doubles the array *in place* and
   sends the very same buffer back.
2. **Self-delimiting.** A WA-1 header says how long its block is, so no
   prefix is needed: :func:`wea.load` reads one block from a file object
   (``socket.makefile("rb")``), deciding checks R1 to R8 from the header
   before it reads the data, so a hostile header cannot make it allocate
   more than what actually arrives (spec §10.2).

The far side is a second process; every socket has a timeout, so nothing
can hang.
"""

from __future__ import annotations

import multiprocessing as mp
import socket
import sys

import numpy as np

import wea

TIMEOUT_S = 20.0
MAX_BLOCK = 1 << 30  # refuse a length prefix larger than 1 GiB
PREFIX = 8


def recv_exactly(sock: socket.socket, view: memoryview) -> None:
    """Fill `view` from the socket, or raise ConnectionError at end of stream.

    Parameters
    ----------
    sock : socket.socket
        A connected socket with a timeout.
    view : memoryview
        Where to put the bytes (written in place, no copy).
    """
    got = 0
    while got < len(view):
        n = sock.recv_into(view[got:])
        if n == 0:
            raise ConnectionError(f"the peer closed after {got} of {len(view)} bytes")
        got += n


def recv_block(sock: socket.socket) -> bytearray:
    """Receive one length-prefixed block into a buffer of its exact size.

    Parameters
    ----------
    sock : socket.socket
        A connected socket with a timeout.

    Returns
    -------
    bytearray
        The block.
    """
    prefix = bytearray(PREFIX)
    recv_exactly(sock, memoryview(prefix))
    size = int.from_bytes(prefix, "little")
    if size > MAX_BLOCK:
        raise ValueError(f"refusing a {size}-byte block (more than {MAX_BLOCK})")
    block = bytearray(size)
    recv_exactly(sock, memoryview(block))
    return block


def send_block(sock: socket.socket, block: bytes | bytearray | memoryview) -> None:
    """Send one length-prefixed block, straight from its memory.

    Parameters
    ----------
    sock : socket.socket
        A connected socket.
    block : bytes, bytearray or memoryview
        The block.
    """
    sock.sendall(len(block).to_bytes(PREFIX, "little"))
    sock.sendall(block)


def far_side(port: int) -> None:
    """Receive, double in place, send the same buffer back; then one more block.

    Parameters
    ----------
    port : int
        The loopback port the near side listens on.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as sock:
        block = recv_block(sock)
        arr = wea.loads(block)  # a writable view of the receive buffer
        assert np.shares_memory(arr, np.frombuffer(block, np.uint8))
        arr *= 2  # computed in place, in the received bytes
        send_block(sock, block)  # the same memory goes back
        # Self-delimiting: the header says how much to read.
        with sock.makefile("rb") as stream:
            second = wea.load(stream)
        send_block(sock, wea.dumps(second.sum(axis=0, keepdims=True)))


def main() -> int:
    """Run the example; return the exit status."""
    ctx = mp.get_context("spawn")
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(TIMEOUT_S)
        port = server.getsockname()[1]
        proc = ctx.Process(target=far_side, args=(port,))
        proc.start()
        try:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(TIMEOUT_S)
                wc = wea.create_buffered_array(np.int32, (500, 400))
                wc[...] = np.arange(wc.size, dtype=np.int32).reshape(wc.shape)
                send_block(conn, wc.exchange_buffer)
                size = len(wc.exchange_buffer)
                print(f"1. sent an int32 {wc.shape} block, {size} bytes")
                reply = recv_block(conn)
                doubled = wea.loads(reply)
                ok1 = bool(np.array_equal(doubled, 2 * wc))
                print(f"   got it back doubled in place by the far side: {ok1}")

                other = np.linspace(0.0, 1.0, 3 * 5).reshape(3, 5)
                conn.sendall(wea.dumps(other))  # no prefix: the header delimits
                sums = wea.loads(recv_block(conn))
                ok2 = bool(np.allclose(sums, other.sum(axis=0, keepdims=True)))
                print(f"2. sent a float64 (3, 5) block, no prefix; column sums: {ok2}")
            proc.join(TIMEOUT_S)
        finally:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
    if not (ok1 and ok2) or proc.exitcode != 0:
        print(f"FAILED (far side exit status {proc.exitcode})", file=sys.stderr)
        return 1
    print("TCP over loopback: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
