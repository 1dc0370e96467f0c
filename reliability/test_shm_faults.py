"""Shared memory under faults, with real processes (spec §8.2).

* a creator killed with SIGKILL right after each step of the creation
  protocol (§8.2.2, C2 to C7) leaves nothing, or an object that both
  readers (Python and C) refuse with a clear error: never a valid-looking
  array of garbage; the name stays taken until it is removed by force;
* an attacher killed mid-read (or mid-attach) changes nothing for the
  others;
* an object unlinked while attached stays readable by those attached, and
  its name is free for a new create at once (§8.2.4);
* an object shrunk under an attached reader: what can be detected is
  (a new attach, ``reopen()``, a pickled array, the listing), what cannot is
  shown (a read past the new end kills the reader with SIGBUS; §8.2.6);
* a /dev/shm without room: create fails cleanly and leaves nothing (run in
  a private mount namespace whose /dev/shm is a 1 MiB tmpfs).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import cwea
import numpy as np
import pytest
import wea
from conftest import CHILD, ROOT, SHM, Child, remove

STEPS = [
    "before-C2",
    "after-C2",
    "after-C3",
    "after-C4",
    "after-C5",
    "after-C6-map",
    "after-C6-header",
    "after-C6-data",
    "after-C7",
]
HINT = "being created"


def ramp_sha() -> str:
    import shm_child  # reliability/ is on the path (conftest.py's directory)

    return hashlib.sha256(shm_child.ramp().tobytes(order="F")).hexdigest()


def object_bytes(name: str) -> bytes | None:
    try:
        return (SHM / name.lstrip("/")).read_bytes()
    except FileNotFoundError:
        return None


def data_sha(arr: np.ndarray) -> str:
    return hashlib.sha256(np.asfortranarray(arr).tobytes(order="F")).hexdigest()


# -- kill -9 at each step of the creation protocol -------------------------------


def check_killed_creator(step: str, name: str, want_sha: str) -> None:
    """What a creator killed right after `step` left: nothing, or a refused object."""
    try:
        before = object_bytes(name)
        if step == "before-C2":
            assert before is None, "a creator killed before C2 left an object"
            wea.create_shared_array(name, np.uint8, (4,)).unlink()  # the name is free
            return
        assert before is not None
        block = wea.block_size(np.uint16, (512, 1024))
        if step in ("after-C2", "after-C3"):
            assert before == b"", "the object has a size before C4"
            expect: type[wea.WeaError] = wea.TruncatedError
            c_status = "truncated"
        elif step != "after-C7":
            assert len(before) == block
            assert before[:4] == b"\0\0\0\0", "the magic was written before C7"
            expect, c_status = wea.BadMagicError, "bad_magic"
        if step == "after-C7":
            # Published: a valid array holding exactly what the creator wrote.
            a = wea.attach_shared_array(name, readonly=True)
            assert a.shape == (512, 1024) and data_sha(a) == want_sha
            del a
            m = cwea.shm_attach(name)
            assert cwea.mapping_data(m) == before[64:block]
            cwea.unmap(m)
            assert [i.name for i in wea.list_shared_arrays() if i.name == name] == [name]
        else:
            # Unpublished: both readers refuse it, and say it may be being created.
            with pytest.raises(expect) as info:
                wea.attach_shared_array(name)
            assert HINT in str(info.value), str(info.value)
            with pytest.raises(cwea.CError) as cinfo:
                cwea.shm_attach(name)
            assert cinfo.value.name == c_status
            assert HINT in cinfo.value.message, cinfo.value.message
            assert name not in [i.name for i in wea.list_shared_arrays()]
            # The owner's recovery: a plain unlink refuses (not a WA-1 block),
            # a forced one removes it.
            with pytest.raises(wea.WeaError, match="force=True"):
                wea.unlink_shared_array(name)
        # The name stays taken, and a second create touches nothing.
        with pytest.raises(FileExistsError):
            wea.create_shared_array(name, np.uint8, (4,))
        with pytest.raises(cwea.CError) as cinfo:
            cwea.shm_create(name, 2, (4,))
        assert cinfo.value.name == "exists"
        assert object_bytes(name) == before
        wea.unlink_shared_array(name, force=True)
        assert object_bytes(name) is None
        wea.create_shared_array(name, np.uint8, (4,)).unlink()  # free again
    finally:
        remove(name)


@pytest.mark.parametrize("step", STEPS)
def test_creator_killed_at_each_step(
    step: str, shm_name: Callable[[], str], child: Callable[..., Child]
) -> None:
    """The Python creator (wea.create_shared_array), its steps wrapped in the child."""
    name = shm_name()
    c = child("create-stop", step, name)
    assert c.line() == f"at {step}"
    assert c.kill(signal.SIGKILL) == -signal.SIGKILL
    check_killed_creator(step, name, ramp_sha())


C_STEPS = [s for s in STEPS if s not in ("before-C2", "after-C6-header")]
SHIM = os.environ.get("WEA_STOP_SHIM", str(ROOT / "build" / "reliability" / "stop_shim.so"))
WEATOOL = os.environ.get("WEATOOL", str(ROOT / "c" / "build" / "weatool"))


@pytest.mark.parametrize("step", C_STEPS)
def test_c_creator_killed_at_each_step(step: str, shm_name: Callable[[], str]) -> None:
    """The C creator (wea_shm_create, through weatool), stopped by an LD_PRELOAD shim.

    The shim (stop_shim.c) stops it right after the libc call of a step;
    libwea writes the header and the magic with no libc call in between,
    so the C creator has no stop between C6's header and C7.
    """
    if not (Path(SHIM).is_file() and Path(WEATOOL).is_file()):
        pytest.fail(f"build {SHIM} and {WEATOOL} first (make test-reliability does)")
    name = shm_name()
    env = {**os.environ, "LD_PRELOAD": SHIM, "WEA_STOP_AFTER": step}
    proc = subprocess.Popen(
        [
            WEATOOL,
            "create",
            "--shm",
            name,
            "--type",
            "uint16",
            "--shape",
            "512,1024",
            "--fill",
            "iota",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == f"at {step}", (line, proc.stderr.read() if proc.poll() is not None else "")
        proc.kill()
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    iota = (np.arange(512 * 1024) % 65536).astype(np.uint16)
    check_killed_creator(step, name, hashlib.sha256(iota.tobytes()).hexdigest())


# -- attachers killed --------------------------------------------------------------


@pytest.mark.parametrize("impl", ["py", "py-ro", "c"])
def test_attacher_killed_mid_read(
    impl: str, shm_name: Callable[[], str], child: Callable[..., Child]
) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.float64, (1024, 256))
    try:
        a[:] = np.random.default_rng(7).standard_normal(a.shape)
        sha0, raw0 = data_sha(a), object_bytes(name)
        observer = child("hold", name, stdin=True)
        assert observer.line() == f"ready {sha0}"
        victim = child("read-loop", name, impl)
        assert victim.line() == f"ready {sha0}"
        assert victim.kill(signal.SIGKILL) == -signal.SIGKILL
        # Nothing changed: the bytes, the observer's view, new attaches.
        assert object_bytes(name) == raw0
        observer.send("sha")
        assert observer.line() == sha0
        b = wea.attach_shared_array(name, readonly=True)
        assert data_sha(b) == sha0
        m = cwea.shm_attach(name)
        cwea.unmap(m)
        # The creator still writes, and the others see it.
        a[0, 0] = 42.0
        assert b[0, 0] == 42.0
        observer.send("sha")
        assert observer.line() == data_sha(a)
        observer.send("exit")
        assert observer.proc.wait(timeout=30) == 0
        del b
    finally:
        a.unlink()


def test_attacher_killed_mid_attach(
    shm_name: Callable[[], str], child: Callable[..., Child]
) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.int32, (4096,), data=np.arange(4096))
    try:
        raw0 = object_bytes(name)
        victims = [child("attach-loop", name) for _ in range(3)]
        for v in victims:
            assert v.line() == "ready"
        for v in victims:
            assert v.kill(signal.SIGKILL) == -signal.SIGKILL
        assert object_bytes(name) == raw0
        assert (wea.attach_shared_array(name) == np.arange(4096)).all()
    finally:
        a.unlink()


# -- unlinked while attached ---------------------------------------------------------


def test_unlinked_while_attached(shm_name: Callable[[], str], child: Callable[..., Child]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.int64, (1000,), data=np.arange(1000))
    sha0 = data_sha(a)
    holder = child("hold", name, stdin=True)
    assert holder.line() == f"ready {sha0}"
    b = wea.attach_shared_array(name)  # an attacher in this process too
    a.unlink()
    assert object_bytes(name) is None
    # Those attached still read it, and see each other's writes.
    holder.send("sha")
    assert holder.line() == sha0
    b[5] = -5
    assert a[5] == -5
    # The name is free at once: a new object, which the old one does not see.
    new = wea.create_shared_array(name, np.int64, (3,), data=[7, 8, 9])
    try:
        assert list(wea.attach_shared_array(name)) == [7, 8, 9]
        assert a[5] == -5 and b.shape == (1000,)
        holder.send("sha")
        assert holder.line() == data_sha(b)
        holder.send("exit")
        assert holder.proc.wait(timeout=30) == 0
        # An unlink through the old handle leaves the new object alone.
        with pytest.raises(FileNotFoundError):
            b.unlink()
        with pytest.raises(FileNotFoundError):
            a.reopen()
        assert list(wea.attach_shared_array(name)) == [7, 8, 9]
    finally:
        new.unlink()


# -- shrunk under a reader ----------------------------------------------------------------


def test_shrunk_under_reader(shm_name: Callable[[], str], child: Callable[..., Child]) -> None:
    name = shm_name()
    a = wea.create_shared_array(name, np.uint8, (1 << 20,), data=1)
    try:
        holder = child("hold", name, stdin=True)
        assert holder.line().startswith("ready ")
        pickled = pickle.dumps(a)
        # Someone with write permission shrinks the object to one page.
        with open(SHM / name.lstrip("/"), "r+b") as f:
            f.truncate(4096)
        # Detected: every new look at the object applies R9 again.
        with pytest.raises(wea.DataTruncatedError):
            wea.attach_shared_array(name)
        with pytest.raises(cwea.CError) as cinfo:
            cwea.shm_attach(name)
        assert cinfo.value.name == "data_truncated"
        with pytest.raises(wea.DataTruncatedError):
            pickle.loads(pickled)
        with pytest.raises(wea.DataTruncatedError):
            a.reopen()
        [info] = [i for i in wea.list_shared_arrays() if i.name == name]
        assert info.header is None and info.error.startswith("data_truncated")
        # Not detectable: an existing mapping does not know. Its first page is
        # still there; a read past the new end kills the reader (SIGBUS).
        assert int(a[:4000].sum()) == 4000
        holder.send("read-all")
        status = holder.proc.wait(timeout=30)
        assert status == -signal.SIGBUS, status
        # ... and nothing else: this process and the object are fine.
        assert os.stat(SHM / name.lstrip("/")).st_size == 4096
    finally:
        a.unlink()


# -- /dev/shm without room ------------------------------------------------------------


def _unshare() -> str | None:
    return shutil.which("unshare")


@pytest.mark.skipif(os.geteuid() != 0 or _unshare() is None, reason="needs root and unshare")
def test_no_room_in_private_namespace() -> None:
    before = sorted(os.listdir(SHM))
    script = "mount -t tmpfs -o size=1M wea-reliability /dev/shm && exec " + " ".join(
        f"'{a}'" for a in [*CHILD, "enospc"]
    )
    r = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    if r.returncode != 0 and "Operation not permitted" in r.stderr:
        pytest.skip(f"mount namespaces are not allowed here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    enospc = f"OSError:{28}"
    assert out["py_2mib"].startswith(enospc) and out["py_2mib_left"] == []
    assert out["py_2mib_fallocate"].startswith(enospc) and out["py_2mib_fallocate_left"] == []
    assert out["py_600k_first"] == "created"
    assert out["py_600k_second"].startswith(enospc)
    assert out["py_600k_left"] == ["first"] and out["first_valid"]
    assert out["c_2mib"] == "no_space:28" and out["c_2mib_left"] == ["first"]
    assert out["c_600k_second"] == "no_space:28" and out["c_600k_second_left"] == ["first"]
    assert out["final_left"] == []
    # The machine's /dev/shm never saw any of it.
    assert not [n for n in os.listdir(SHM) if n in ("big", "first", "second")]
    assert not [n for n in set(os.listdir(SHM)) - set(before) if n.startswith("c-")]


def test_no_room_in_real_dev_shm(shm_name: Callable[[], str]) -> None:
    """Larger than the free space of the real /dev/shm: refused at C5, nothing left."""
    st = os.statvfs(SHM)
    too_big = st.f_bavail * st.f_frsize + (1 << 30)
    name = shm_name()
    with pytest.raises(OSError) as info:
        wea.create_shared_array(name, np.uint8, (too_big,))
    assert info.value.errno == 28 and "C5" in str(info.value)
    assert object_bytes(name) is None
