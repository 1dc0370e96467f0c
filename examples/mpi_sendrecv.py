"""A WA-1 block between MPI ranks: raw bytes, no pickling, decoded in place.

Run it with two ranks (Open MPI; as root add ``--allow-run-as-root``)::

    mpirun -n 2 python examples/mpi_sendrecv.py

MPI is what HPC programs already use across nodes; wea adds no network
layer of its own. A WA-1 block is one contiguous buffer that describes
itself, so it goes through MPI's *buffer* interface, the upper-case
``Send``/``Recv`` of mpi4py, as ``MPI.BYTE``: no pickling, no separate
message for the dtype and shape.

* Rank 0 sends :attr:`wea.BufferedExchangeArray.exchange_buffer`, the
  array's own memory, header included.
* Rank 1 probes the message for its size, receives it into a buffer of
  exactly that size, and views it with :func:`wea.loads`: the array lies in
  the receive buffer, nothing is copied or converted. It doubles the array
  in place and sends the same buffer back.

Every receive waits at most ``TIMEOUT_S`` (a probe loop), then aborts the
job, so a lost message cannot hang the run.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import wea

try:
    from mpi4py import MPI
except (ImportError, RuntimeError) as e:  # no mpi4py, or no MPI library for it
    sys.exit(
        f"{sys.argv[0]}: this example needs mpi4py, from the `transports` extra: "
        "pip install './python[transports]', and an MPI library (Debian: openmpi-bin "
        f"libopenmpi-dev; in a clone: make transports) [{e}]"
    )

TIMEOUT_S = 30.0
TAG_BLOCK, TAG_REPLY = 11, 12


def recv_block(comm: MPI.Comm, source: int, tag: int) -> bytearray:
    """Receive one block of bytes, of whatever size it is, within the timeout.

    Parameters
    ----------
    comm : MPI.Comm
        The communicator.
    source, tag : int
        Whom to receive from, and which message.

    Returns
    -------
    bytearray
        A buffer of exactly the message's size, holding the block.

    Raises
    ------
    TimeoutError
        If no such message arrived within ``TIMEOUT_S`` seconds.
    """
    status = MPI.Status()
    deadline = time.monotonic() + TIMEOUT_S
    while not comm.Iprobe(source=source, tag=tag, status=status):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no message {tag} from rank {source} in {TIMEOUT_S} s")
        time.sleep(0.0005)
    block = bytearray(status.Get_count(MPI.BYTE))
    comm.Recv([block, MPI.BYTE], source=source, tag=tag)  # into our buffer, no pickle
    return block


def rank0(comm: MPI.Comm) -> bool:
    """Send an array as a raw block, get it back doubled; return success."""
    wc = wea.create_buffered_array(np.complex64, (300, 200))
    rng = np.random.default_rng(5)
    wc.real = rng.standard_normal(wc.shape)
    wc.imag = rng.standard_normal(wc.shape)
    block = wc.exchange_buffer  # the array's own memory: header, dims, data
    comm.Send([block, MPI.BYTE], dest=1, tag=TAG_BLOCK)
    print(f"rank 0: sent complex64 {wc.shape} as {len(block)} raw bytes", flush=True)
    reply = recv_block(comm, source=1, tag=TAG_REPLY)
    back = wea.loads(reply)
    ok = bool(np.array_equal(back, 2 * wc))
    print(f"rank 0: got the block back, doubled by rank 1: {ok}", flush=True)
    return ok


def rank1(comm: MPI.Comm) -> bool:
    """Receive a block, decode it in place, double it in place, send it back."""
    block = recv_block(comm, source=0, tag=TAG_BLOCK)
    arr = wea.loads(block)  # validated (spec §6.1), then viewed: no copy
    in_place = bool(np.shares_memory(arr, np.frombuffer(block, np.uint8)))
    print(
        f"rank 1: received {len(block)} bytes; decoded {arr.dtype} {arr.shape} in "
        f"place in the receive buffer: {in_place}",
        flush=True,
    )
    arr *= 2  # in the received bytes
    comm.Send([block, MPI.BYTE], dest=0, tag=TAG_REPLY)  # the same memory goes back
    return in_place


def main() -> int:
    """Run the example on this rank; return the exit status."""
    comm = MPI.COMM_WORLD
    if comm.Get_size() != 2:
        if comm.Get_rank() == 0:
            print("run me with exactly 2 ranks: mpirun -n 2 ...", file=sys.stderr)
        return 2
    try:
        ok = rank0(comm) if comm.Get_rank() == 0 else rank1(comm)
    except TimeoutError as e:
        print(f"rank {comm.Get_rank()}: FAILED: {e}", file=sys.stderr, flush=True)
        comm.Abort(1)  # ends every rank (and does not return): nothing waits forever
    # Every rank learns whether every rank succeeded (a tiny allreduce of ints).
    all_ok = comm.allreduce(int(ok), op=MPI.MIN) == 1
    if comm.Get_rank() == 0:
        print(f"MPI Send/Recv of a WA-1 block: {'done' if all_ok else 'FAILED'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
