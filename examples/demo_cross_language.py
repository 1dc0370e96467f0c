"""The cross-language show: Python, C and ZeroMQ on the same bytes.

Run it with ``make demo-cross`` (which builds the C tool and installs
pyzmq), or, once they are there::

    python examples/demo_cross_language.py

1. Python creates a WA-1 array in POSIX shared memory; the ``wea`` command
   line lists it.
2. The C tool, ``weatool``, attaches to it read-only and prints it.
3. The C tool writes into it; Python sees the change in place.
4. The C tool creates an array; Python attaches to it, reads it and, as
   the new owner, removes it.
5. A shared object's own bytes go over ZeroMQ, with no copy, to another
   process, which decodes them in place and answers.
6. Everything this demo created is removed, also when a step fails.

``WEATOOL`` in the environment names the C tool; the default is the
repository's ``c/build/weatool``.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import wea

try:
    import zmq
except ImportError as e:  # a plain `pip install ./python` has no pyzmq
    sys.exit(
        f"{sys.argv[0]}: this demo needs pyzmq, from the `zmq` extra: "
        f"pip install './python[zmq]' (in a clone: make demo) [{e}]"
    )

REPO = Path(__file__).resolve().parents[1]
WEATOOL = os.environ.get("WEATOOL", str(REPO / "c" / "build" / "weatool"))
TIMEOUT_MS = 20_000


def say(text: str = "") -> None:
    """Print a line of the demo at once."""
    print(text, flush=True)


def shell(argv: list[str], shown: str) -> str:
    """Run a command, show it and its output, fail if it fails.

    Parameters
    ----------
    argv : list of str
        The command.
    shown : str
        How to show the command (``$ ...``).

    Returns
    -------
    str
        Its standard output.
    """
    say(f"   $ {shown}")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    out = proc.stdout.rstrip()
    if out:
        say(textwrap.indent(out, "     "))
    if proc.returncode != 0:
        raise RuntimeError(f"{shown} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def wea_cli(*args: str) -> str:
    """Run the ``wea`` command line (as ``python -m wea``)."""
    return shell([sys.executable, "-m", "wea", *args], "wea " + " ".join(args))


def weatool(*args: str) -> str:
    """Run the C tool."""
    return shell([WEATOOL, *args], "weatool " + " ".join(args))


def far_side(port: int) -> None:
    """Receive a block over ZeroMQ, decode it in place, answer its column sums.

    Parameters
    ----------
    port : int
        The loopback port the demo listens on.
    """
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PAIR)
    sock.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(f"tcp://127.0.0.1:{port}")
        frame = sock.recv(copy=False)
        arr = wea.loads(frame.buffer)  # a view of the received frame
        viewed = bool(np.shares_memory(arr, np.frombuffer(frame.buffer, np.uint8)))
        sock.send_pyobj((os.getpid(), viewed))
        sock.send(wea.dumps(arr.sum(axis=0)), copy=False)
    finally:
        sock.close()
        ctx.term()


def zmq_round_trip(wa: wea.SharedExchangeArray) -> bool:
    """Send a shared object's bytes over ZeroMQ; check the answer."""
    header, seg = wa.header, wa.mem
    assert header is not None
    assert seg is not None
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PAIR)
    sock.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.LINGER, 0)
    proc = None
    try:
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        proc = mp.get_context("spawn").Process(target=far_side, args=(port,))
        proc.start()
        block = seg.buf[: header.block_size]  # the shared memory itself: a WA-1 block
        tracker = sock.send(block, copy=False, track=True)
        say(f"   sent {len(block)} bytes straight from {seg.name} (copy=False)")
        tracker.wait(TIMEOUT_MS / 1000)
        pid, viewed = sock.recv_pyobj()
        sums = wea.loads(sock.recv(copy=False).buffer)
        say(f"   process {pid} decoded it in place in its frame: {viewed}")
        ok = viewed and bool(np.allclose(sums, wa.sum(axis=0)))
        say(f"   and answered with its {sums.size} column sums: correct: {ok}")
        proc.join(TIMEOUT_MS / 1000)
        return ok and proc.exitcode == 0
    finally:
        sock.close()
        ctx.term()
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(5)


def main() -> int:
    """Run the demo; return the exit status."""
    if not os.access(WEATOOL, os.X_OK):
        say(f"{WEATOOL} is missing: build it with `make c`")
        return 69
    name = f"/wea-demo-cross-{os.getpid()}"
    c_name = f"{name}-c"
    made: list[str] = []
    say(f"wea {wea.__version__} cross-language demo: Python, C ({WEATOOL}), ZeroMQ")
    try:
        say("\n1. Python creates an array in shared memory")
        data = np.arange(1.0, 13.0).reshape(3, 4) / 4
        wa = wea.create_shared_array(name, np.float64, (3, 4), data=data)
        made.append(name)
        say(f"   wea.create_shared_array({name!r}, float64, (3, 4)) =")
        say(textwrap.indent(str(np.asarray(wa)), "     "))
        wea_cli("ls")

        say("\n2. The C tool attaches to it (read-only) and prints it")
        out = weatool("inspect", name, "--count", "12")  # /NAME: shared memory
        assert "float64" in out

        say("\n3. The C tool writes into it; Python sees the change in place")
        weatool("fill", name, "--fill", "iota")
        say("   Python, same array object, no reload: wa =")
        say(textwrap.indent(str(np.asarray(wa)), "     "))
        iota = np.arange(12.0).reshape(3, 4, order="F")  # element k is k, memory order
        if not np.array_equal(wa, iota):
            raise RuntimeError("Python does not see what the C tool wrote")

        say("\n4. The C tool creates an array; Python attaches to it and removes it")
        made.append(c_name)
        weatool(
            "create",
            c_name,
            "--type",
            "int32",
            "--shape",
            "2,3",
            "--fill",
            "iota",
        )
        wc = wea.attach_shared_array(c_name, readonly=True)
        say(f"   wea.attach_shared_array({c_name!r}) = {wc.dtype} {wc.shape}")
        say(textwrap.indent(str(np.asarray(wc)), "     "))
        wea_cli("rm", c_name)
        made.remove(c_name)

        say("\n5. ZeroMQ: a shared object's bytes are the message")
        big_name = f"{name}-z"
        rng = np.random.default_rng(11)
        made.append(big_name)
        big = wea.create_shared_array(big_name, np.float32, (512, 256), data=rng.random((512, 256)))
        say(f"   Python created {big_name}: float32 (512, 256), {big.nbytes} bytes")
        if not zmq_round_trip(big):
            raise RuntimeError("the ZeroMQ round trip failed")
    except (
        RuntimeError,
        OSError,
        ValueError,
        subprocess.TimeoutExpired,
        zmq.Again,
    ) as e:
        say(f"\ndemo FAILED: {e}")
        return 1
    finally:
        say("\n6. Cleanup")
        for left in made:
            with contextlib.suppress(FileNotFoundError):
                wea.unlink_shared_array(left, force=True)
            say(f"   unlinked {left}")
    remaining = [i.name for i in wea.list_shared_arrays() if i.name.startswith(name)]
    say(f"   objects of this demo left on the machine: {remaining or 'none'}")
    say("\ndemo: all done")
    return 0 if not remaining else 1


if __name__ == "__main__":
    sys.exit(main())
