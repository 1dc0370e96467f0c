"""WA-1 blocks in POSIX shared memory (spec §8.2), done right.

This module talks to the system directly (``_posixshmem``, ``os``,
``mmap``) instead of through ``multiprocessing.shared_memory``, whose
resource tracker unlinks, at exit, objects that a process only attached to
(CPython gh-82300). Here an attacher never unlinks. The creating process
removes the objects it created when it exits normally, as wea 0.1.3 and
Julia's ``WrappedArray`` (``volatile=true``) do, unless they were created
``persistent=True`` or handed over (``mem.persist()``); a creator killed by
a signal leaves them, for ``wea ls`` / ``wea rm`` (spec §8.2.4).

Creation follows the protocol of spec §8.2.2 (C1 to C7): exclusive create,
exact permissions, size, reservation of the memory (so that a full
``/dev/shm`` fails at create, not with ``SIGBUS`` later), header, and the
magic written last, behind a memory barrier, so that a concurrent attacher
never accepts a half-written header. A create that fails at any step
unlinks the name before it reports the error.

Arrays view the mapping through a chain of references (array -> its base
array -> memoryview -> mmap), so the mapping lives until the last array or
view over it is gone. ``close()`` only drops the array's handle: touching
an array after ``close()`` or after its ``with`` block is safe.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import mmap
import os
import stat
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _accel
from ._base import (
    ExchangeArrayBase,
    Order,
    check_order,
    data_address,
    fill_data,
    header_in,
    view_block,
)
from ._errors import CATEGORIES, BadMagicError, TruncatedError, WeaError
from ._format import (
    DEFAULT_MODE,
    HEADER_SIZE,
    MAGIC_BYTES,
    MAX_NAME_BYTES,
    Header,
    Plan,
    check_length,
    check_magic,
    make_header,
    plan_of_fields,
    publish,
    validate_snapshot,
    write_header,
)
from ._mapping import MMAP_KWARGS, map_checked, open_regular, pread_head, read_plan

try:
    import _posixshmem
except ImportError:  # pragma: no cover - not a POSIX system
    _posixshmem = None

__all__ = [
    "SHM_DIR",
    "SharedArrayInfo",
    "SharedExchangeArray",
    "SharedSegment",
    "attach_shared_array",
    "create_shared_array",
    "list_shared_arrays",
    "normalize_name",
    "stat_shared_array",
    "unlink_shared_array",
]

#: Where Linux shows POSIX shared-memory objects as files.
SHM_DIR = "/dev/shm"

_Ident = tuple[int, int]  # (st_dev, st_ino): which object a name held


# -- names (§8.2.1) --------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Check a shared-memory name and return it with its leading ``/``.

    A name is ``/`` followed by a body of 1 to 255 bytes of UTF-8 that holds
    neither ``/`` nor NUL and is not ``.`` or ``..`` (spec §8.2.1). A name
    given without the leading ``/`` denotes the same object: ``"x"`` is
    ``"/x"``, which Linux shows as ``/dev/shm/x``.

    Parameters
    ----------
    name : str
        The name, with or without its leading ``/``.

    Returns
    -------
    str
        The name with exactly one leading ``/``.

    Raises
    ------
    TypeError
        If `name` is not a str.
    ValueError
        If the name breaks a rule of §8.2.1; nothing has touched the system.
    """
    if type(name) is str:  # a name checked before (exactly a str: hashable, immutable)
        known = _KNOWN_NAMES.get(name)
        if known is not None:
            return known
    if not isinstance(name, str):
        raise TypeError(f"wea: a shared-memory name is a str, got {type(name).__name__}")
    body = name[1:] if name.startswith("/") else name
    problem = None
    try:
        size = len(body.encode("utf-8"))
    except UnicodeEncodeError:
        problem = "is not valid UTF-8"
    else:
        if size == 0:
            problem = "is empty"
        elif size > MAX_NAME_BYTES:
            problem = f"is {size} bytes long, more than {MAX_NAME_BYTES}"
        elif "/" in body:
            problem = "contains '/' after the leading one"
        elif "\0" in body:
            problem = "contains a NUL character"
        elif body in (".", ".."):
            problem = f"is {body!r}"
    if problem is not None:
        raise ValueError(
            f"wea: invalid shared-memory name {name!r}: its body {problem}; a name "
            f"is '/' and 1 to {MAX_NAME_BYTES} bytes of UTF-8 without '/' or NUL, "
            "other than '.' and '..' (WA-1 §8.2.1)"
        )
    if type(name) is str:
        if len(_KNOWN_NAMES) >= 1024:
            _KNOWN_NAMES.clear()
        _KNOWN_NAMES[name] = "/" + body
    return "/" + body


#: Names that passed normalize_name, and their normal form (performance only:
#: attaching by the same name again skips the checks).
_KNOWN_NAMES: dict[str, str] = {}


# -- system calls ----------------------------------------------------------------


def _shm_open(name: str, flags: int, mode: int = 0) -> int:
    if _posixshmem is None:  # pragma: no cover
        raise OSError(errno.ENOSYS, "wea: POSIX shared memory is not available here")
    fd: int = _posixshmem.shm_open(name, flags, mode)
    return fd


def _shm_unlink(name: str) -> None:
    if _posixshmem is None:  # pragma: no cover
        raise OSError(errno.ENOSYS, "wea: POSIX shared memory is not available here")
    _posixshmem.shm_unlink(name)


_FENCE = threading.Lock()


def _fence() -> None:
    """Order memory accesses: a full barrier, from what Python offers.

    Python has no fence primitive. A lock release followed by an acquire is
    ordered (release, then acquire) on every memory model CPython runs on,
    so stores before this call are visible to other processes before stores
    after it, and loads after it are not satisfied before loads before it.
    On x86 (TSO) it is not even needed.
    """
    _FENCE.acquire()
    _FENCE.release()
    _FENCE.acquire()
    _FENCE.release()


def _no_room(name: str, size: int, free: int | None) -> OSError:
    where = f", the shared-memory file system has {free} free" if free is not None else ""
    return OSError(
        errno.ENOSPC,
        f"wea: no room to create shared array {name!r}: it needs {size} "
        f"bytes{where} (WA-1 §8.2.2 C5)",
    )


def _reserve(fd: int, size: int, name: str) -> bool:
    """C5: reserve the object's memory; return False if it must be touched."""
    free = None
    try:
        vfs = os.fstatvfs(fd)
    except OSError:  # pragma: no cover - not every system answers
        vfs = None
    if vfs is not None and vfs.f_blocks > 0:
        free = vfs.f_bavail * vfs.f_frsize
        if size > free:
            raise _no_room(name, size, free)
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is None:  # pragma: no cover - macOS
        return False
    try:
        fallocate(fd, 0, size)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise _no_room(name, size, free) from e
        if e.errno in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
            return False  # pragma: no cover - a file system without fallocate
        raise
    return True


def _touch(mv: memoryview) -> None:  # pragma: no cover - fallback of C5
    step = mmap.PAGESIZE
    mv[::step] = bytes(len(range(0, len(mv), step)))


# -- the handle ----------------------------------------------------------------------


class SharedSegment:
    """A handle on one mapped POSIX shared-memory object (``array.mem``).

    It is what 0.1.3 exposed as ``SharedExchangeArray.mem`` (there a
    ``multiprocessing.shared_memory.SharedMemory``): it has ``name``,
    ``size``, ``buf``, ``close()`` and ``unlink()``.

    Attributes
    ----------
    name : str
        The object's name, with its leading ``/``.
    size : int
        The object's size in bytes (at least the block length).
    readonly : bool
        Whether the mapping is read-only.
    owner : bool
        Whether this process created the object.
    persistent : bool
        Whether the object outlives this process. An object this process
        created is removed when the process exits normally, unless it was
        created ``persistent=True`` or :meth:`persist` was called; an
        object this process only attached is never removed by it.
    """

    def __init__(
        self, name: str, mv: memoryview, readonly: bool, owner: bool, ident: _Ident
    ) -> None:
        self.name = name
        self.size = len(mv)
        self.readonly = readonly
        self.owner = owner
        self._ident = ident
        self._mv: memoryview | None = mv
        self.persistent = True

    def persist(self) -> None:
        """Hand the object over: this process will not remove it when it exits.

        Whoever takes it over unlinks it (:func:`unlink_shared_array`,
        ``wea rm``). Calling it twice, or on an attached object, is allowed.
        """
        self.persistent = True
        _AT_EXIT.pop(self.name, None)

    def __repr__(self) -> str:
        state = "closed" if self._mv is None else ("read-only" if self.readonly else "read-write")
        return f"<wea.SharedSegment {self.name!r} size={self.size} {state}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._mv is None

    @property
    def buf(self) -> memoryview:
        """A memoryview of the whole mapped object (raises once closed)."""
        if self._mv is None:
            raise ValueError(f"wea: the handle on {self.name!r} is closed")
        return memoryview(self._mv)

    def close(self) -> None:
        """Drop this handle's reference to the mapping.

        The mapping itself is unmapped once no array or view uses it any
        more; until then those arrays stay valid. Closing twice is allowed.
        """
        self._mv = None

    def unlink(self) -> None:
        """Remove the object's name (spec §8.2.4).

        The memory stays readable through every existing mapping, and the
        name is free for a new create at once. The name is removed only if
        it still denotes this object: if the object was unlinked and the
        name taken by a new one, that one is left alone.

        Raises
        ------
        FileNotFoundError
            If the object was already unlinked.
        """
        _AT_EXIT.pop(self.name, None)
        _unlink_checked(self.name, self._ident)


# -- removal at exit (spec §8.2.4) ---------------------------------------------------
#
# name -> (object identity, creating pid): the objects this process created
# and still owns. Only the creating process removes them (a forked child
# inherits this dict and its atexit hook, and must not), and only if the
# name still denotes the same object.
_AT_EXIT: dict[str, tuple[_Ident, int]] = {}


def _remove_at_exit() -> None:
    pid = os.getpid()
    for name, (ident, creator) in list(_AT_EXIT.items()):
        if creator != pid:
            continue
        with contextlib.suppress(OSError):
            _unlink_checked(name, ident)
    _AT_EXIT.clear()


atexit.register(_remove_at_exit)


def _ident_of(fd: int) -> _Ident:
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino)


def _unlink_checked(name: str, ident: _Ident) -> None:
    try:
        st = stat_shared_array(name)
    except PermissionError:
        st = None  # cannot check; the name is the caller's to remove
    if st is not None and (st.st_dev, st.st_ino) != ident:
        raise FileNotFoundError(
            errno.ENOENT,
            "wea: this shared array was already unlinked, and its name now "
            "denotes another object, which is left alone",
            name,
        )
    _shm_unlink(name)


#: The hint appended to the refusal of an object that is not yet published:
#: C2 done, C7 not yet, a creator at work or killed (§8.2.2); the C reader's
#: words (c/src/wea_shm.c), so that both attach paths say the same.
BEING_CREATED = "; the shared-memory object may still be being created (WA-1 §8.2.2)"


def _not_published(error: WeaError) -> WeaError:
    return type(error)(error.message + BEING_CREATED)


def _no_such_object(name: str) -> FileNotFoundError:
    return FileNotFoundError(
        errno.ENOENT,
        f"wea: no shared-memory object named {name!r}: check the name (`wea ls` "
        "lists them; its creator may have exited, which removes the objects it "
        "did not create persistent=True)",
        name,
    )


def _refused(name: str, refusal: _accel.Refusal) -> Exception:
    """Return the error of the Python path for a refusal of the compiled attach.

    A format error (a category of spec §6.2) keeps the C reader's message,
    which is the Python path's; a failed system call is the ``OSError`` of
    its errno, as ``os`` raises it. The other names are the C reader's
    statuses (c/include/wea.h, ``wea_status_category``).
    """
    category, err, message = refusal
    if category in CATEGORIES:
        return _attaching(name, CATEGORIES[category](message))
    if category == "not_found":
        return _no_such_object(name)
    if category == "invalid_name":
        return ValueError(f"wea: {message}")
    if category in ("permission", "no_space") or err == 0:
        return OSError(err, os.strerror(err) if err else message, name)
    return OSError(err, f"wea: {message}", name)


def _attaching(name: str, error: WeaError) -> WeaError:
    if hasattr(error, "add_note"):
        error.add_note(f"while attaching shared array {name!r}")
    return error


def _read_fixed_header(fd: int) -> bytes:
    """Read the 16-byte fixed header; a magic caught mid-store is read again (C7)."""
    first = os.pread(fd, HEADER_SIZE, 0)
    if _torn(first[0:4]):
        _fence()
        first = os.pread(fd, HEADER_SIZE, 0)
    return first


def _torn(magic: bytes) -> bool:
    """Whether 4 bytes mix zeros and magic bytes: a magic read while it was stored.

    The creator publishes the magic with one store (C7), but the kernel may
    copy a ``pread`` byte by byte; such a read is taken again after a
    barrier. A real block holding these bytes reads the same again.
    """
    zeros = sum(1 for b in magic if b == 0)
    return 0 < zeros < 4 and all(b in (0, m) for b, m in zip(magic, MAGIC_BYTES, strict=False))


def _no_data_yet(size: int, offset: int) -> TruncatedError:
    # §8.2.3 A1: Julia and wea 0.1.3 write the whole header, magic included,
    # before the dims; caught in between, their object shows the magic with
    # dims still zero. A WA-1 creator sizes an empty array's object to
    # exactly its offset (C4), so room for data after it means "not yet".
    return TruncatedError(
        f"truncated: the data length is 0 but the object has {size} bytes, more than "
        f"the data offset {offset}: not yet published (WA-1 §8.2.3 A1)"
    )


def _attach(name: str, readonly: bool) -> tuple[memoryview, Plan, _Ident]:
    """Open, validate and map a whole existing object (spec §8.2.3).

    The header is read with ``pread`` and validated before anything is
    mapped, the magic first, then (after a barrier that pairs with the
    creator's, C7) the rest; the mapping covers only the size that was
    checked, and the size is checked again once mapped (:mod:`wea._mapping`).

    With the compiled part (:mod:`wea._accel`) the C reference reader
    makes these same steps in one call: it returns the fields of the header
    snapshot it validated, which the view uses, or its refusal, which is
    raised as the error this path raises.
    """
    if _accel.shm_attach is not None:
        got = _accel.shm_attach(name, not readonly)
        if len(got) == 3:
            raise _refused(name, got)
        mv, fields, _, dev, ino = got
        return mv, plan_of_fields(fields), (dev, ino)
    try:
        fd, st = open_regular(
            name,
            os.O_RDONLY if readonly else os.O_RDWR,
            "shared-memory object",
            _shm_open,
        )
    except FileNotFoundError:
        raise _no_such_object(name) from None
    try:
        ident = (st.st_dev, st.st_ino)
        size = st.st_size
        try:
            first = _read_fixed_header(fd)
            try:
                check_length(min(size, len(first)), HEADER_SIZE, "R1")
            except TruncatedError as e:
                raise (_not_published(e) if size == 0 else e) from None
            try:
                check_magic(first[0:4])
            except BadMagicError as e:
                raise (_not_published(e) if first[0:4] == bytes(4) else e) from None
            _fence()  # pairs with the creator's: the header is read after the magic
            plan = read_plan(fd, size)
            if plan.header.len_data == 0 and size > plan.offset:
                raise _not_published(_no_data_yet(size, plan.offset))
            access = mmap.ACCESS_READ if readonly else mmap.ACCESS_WRITE
            mv = map_checked(fd, size, access, plan)
        except WeaError as e:
            _attaching(name, e)
            raise
    finally:
        os.close(fd)
    return mv, plan, ident


# -- the 0.1.3 class -----------------------------------------------------------------


class SharedExchangeArray(ExchangeArrayBase):
    """A numpy array that lives in a WA-1 block in POSIX shared memory.

    Made by :func:`create_shared_array` or :func:`attach_shared_array`, or
    by unpickling one (which attaches again, in the receiving process, to
    the same object). The 0.1.3 spelling ``SharedExchangeArray(name, create,
    dtype=..., shape=...)`` calls those two. Views of it are
    ``SharedExchangeArray`` too, made by numpy at no extra cost, and reach
    the same object (``mem``, ``unlink()``, pickling); results of
    arithmetic are plain ndarrays; copies keep the class but hold no
    object (their ``mem`` is None).

    The memory stays mapped as long as this array or any view of it
    exists: :meth:`close` and the end of a ``with`` block only drop the
    handle, so touching the array afterwards is safe. The object is
    removed by :meth:`unlink` (any process may call it; by convention the
    creator does), or when the creating process exits normally unless it
    was created ``persistent=True`` or handed over with ``mem.persist()``.
    A process that only attached never removes it.
    """

    #: On the top only: the handle on the object.
    _wea_segment: SharedSegment | None = None

    def __new__(
        cls,
        name: str,
        create: bool,
        *,
        dtype: DTypeLike | None = None,
        shape: SupportsIndex | Iterable[SupportsIndex] | None = None,
    ) -> SharedExchangeArray:
        """Create or attach the 0.1.3 way, as the factory functions do.

        ``SharedExchangeArray(name, True, dtype=..., shape=...)`` is
        :func:`create_shared_array`; ``SharedExchangeArray(name, False)`` is
        :func:`attach_shared_array`. Unlike 0.1.3's ``mem.name``, which had
        no leading slash, this ``mem.name`` has one.

        Raises
        ------
        TypeError
            If `create` is true and `dtype` or `shape` is missing, or
            `create` is false and either is given (as in 0.1.3).
        """
        if create:
            if dtype is None or shape is None:
                missing = "dtype" if dtype is None else "shape"
                raise TypeError(
                    f"wea: missing {missing} for creating a SharedExchangeArray: "
                    "pass dtype= and shape= (as in wea 0.1.3)"
                )
            return create_shared_array(name, dtype, shape)
        if dtype is not None or shape is not None:
            raise TypeError(
                "wea: SharedExchangeArray(name, False) attaches and takes the dtype "
                "and shape from the header; do not pass them (as in wea 0.1.3)"
            )
        return attach_shared_array(name)

    @property
    def mem(self) -> SharedSegment | None:
        """The :class:`SharedSegment` handle (None if not in shared memory)."""
        top = self._wea_top()
        return None if top is None else top._wea_segment

    @property
    def name(self) -> str | None:
        """The object's name, with its leading ``/`` (None if none)."""
        seg = self.mem
        return None if seg is None else seg.name

    @property
    def header(self) -> Header | None:
        """The header of the block this array lies in (None if none)."""
        top = self._wea_top()
        return None if top is None else top._wea_header

    def _segment(self) -> SharedSegment:
        seg = self.mem
        if seg is None:
            raise ValueError(
                "wea: this array does not lie in shared memory (it is a copy or a computed result)"
            )
        return seg

    def close(self) -> None:
        """Drop the handle on the object; the data stays valid.

        The mapping is unmapped once this array and every view of it are
        gone, so reading or writing the array after ``close()`` is safe (in
        wea 0.1.3 it crashed the interpreter). The object itself is not
        removed: see :meth:`unlink`.
        """
        seg = self.mem
        if seg is not None:
            seg.close()

    def unlink(self) -> None:
        """Remove the object's name, so that no one can attach any more.

        Existing mappings (this array, other processes' arrays) stay valid.
        Allowed after :meth:`close`. Any process may call it (the name is a
        shared resource): by convention, the creator does.

        Raises
        ------
        FileNotFoundError
            If the object was already unlinked.
        ValueError
            If this array does not lie in shared memory.
        """
        self._segment().unlink()

    def reopen(self) -> None:
        """Open the handle again after :meth:`close` (0.1.3 API).

        The object is validated again (R1 to R9).

        Raises
        ------
        FileNotFoundError
            If the object was unlinked since (or its name now denotes
            another object).
        WeaError
            If the object no longer holds the block, for example because it
            was shrunk (:class:`DataTruncatedError`, spec §8.2.6).
        """
        seg = self._segment()
        mv, _, ident = _attach(seg.name, seg.readonly)
        if ident != seg._ident:
            raise FileNotFoundError(
                errno.ENOENT,
                "wea: the shared array was unlinked; its name now denotes another object",
                seg.name,
            )
        seg._mv = mv

    def __enter__(self) -> SharedExchangeArray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        """Pickle as a reference to the object, not as a copy.

        The receiver (a ``multiprocessing`` worker, say) attaches to the
        same object, read-only if this array's mapping is, and gets the
        same view of it (offset, shape, strides). Unpickling raises
        ``FileNotFoundError`` if the object was unlinked in between. An
        array that is not in shared memory pickles as a plain ndarray.
        """
        top = self._wea_top()
        seg = None if top is None else top._wea_segment
        if top is None or seg is None or top._wea_header is None:
            return self.view(np.ndarray).__reduce_ex__(protocol)
        # The top's first element is the block's first, in either order.
        start = data_address(self) - data_address(top) + top._wea_header.offset
        return (
            _rebuild_shared,
            (
                seg.name,
                seg.readonly,
                seg._ident,
                start,
                self.shape,
                self.strides,
                self.dtype.str,
                bool(self.flags.writeable),
            ),
        )

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(2)


def _wrap(
    mv: memoryview, header: Header, segment: SharedSegment, order: Order
) -> SharedExchangeArray:
    out = SharedExchangeArray._wrap(view_block(mv, header, order), header, order)
    out._wea_segment = segment
    return out


def _rebuild_shared(
    name: str,
    readonly: bool,
    ident: _Ident,
    start: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
    dtype: str,
    writeable: bool,
) -> SharedExchangeArray:
    mv, plan, now = _attach(name, readonly)
    if now != tuple(ident):
        raise FileNotFoundError(
            errno.ENOENT,
            "wea: the pickled shared array was unlinked; its name now denotes another object",
            name,
        )
    header = plan.header
    dt = np.dtype(dtype)
    if len(shape) != len(strides):
        raise ValueError(f"wea: the pickled view of {name!r} has mismatched shape and strides")
    if any(n < 0 for n in shape):
        raise ValueError(f"wea: the pickled view of {name!r} has a negative extent")
    if all(n > 0 for n in shape):
        lo = start + sum((n - 1) * s for n, s in zip(shape, strides, strict=True) if s < 0)
        hi = start + sum((n - 1) * s for n, s in zip(shape, strides, strict=True) if s > 0)
        if lo < header.offset or hi + dt.itemsize > header.block_size:
            raise ValueError(f"wea: the pickled view lies outside the data of {name!r}")
    raw = np.frombuffer(mv, dtype=np.uint8)
    view = np.ndarray(shape, dtype=dt, buffer=raw, offset=start, strides=strides)
    seg = SharedSegment(name, mv, readonly, False, now)
    out: SharedExchangeArray = view.view(SharedExchangeArray)
    out._wea_link = _wrap(mv, header, seg, "F")  # its top: numpy did not make this view
    if not writeable:
        out.flags.writeable = False
    return out


# -- create and attach ---------------------------------------------------------------


def create_shared_array(
    name: str,
    dtype: DTypeLike,
    shape: SupportsIndex | Iterable[SupportsIndex],
    *,
    mode: int = DEFAULT_MODE,
    data: ArrayLike | None = None,
    order: Order = "F",
    persistent: bool = False,
) -> SharedExchangeArray:
    """Create a new POSIX shared-memory object holding a zeroed array.

    Spec §8.2.2: exclusive, exact permissions, memory reserved, the magic
    last; a create that fails at any step unlinks the name: it leaves nothing.

    Parameters
    ----------
    name : str
        ``"/name"`` or ``"name"``, the same object (:func:`normalize_name`).
    dtype : numpy.typing.DTypeLike
        The element type (spec §4).
    shape : int or sequence of int
        The numpy shape.
    mode : int, optional
        Permission bits, exactly (the umask does not apply); ``0o600``.
    data : array_like, optional
        Values written before the block is published (converted as
        ``arr[...] = data`` converts), so that no attacher sees it without.
    order : {"F", "C"}, optional
        ``"F"`` (default): the dims are `shape`. ``"C"``: row-major here,
        the dims are `shape` reversed (see :func:`wea.dumps`).
    persistent : bool, optional
        False (default): removed when this process exits normally, as in
        wea 0.1.3 and Julia (not when killed: ``wea rm`` cleans up). True:
        it stays until unlinked. ``arr.mem.persist()`` decides it later.

    Returns
    -------
    SharedExchangeArray
        The array, read-write, created by this process (``mem.owner``).

    Raises
    ------
    FileExistsError
        If the name is taken; the existing object is left untouched.
    OSError
        ``ENOSPC`` if there is no room for it; another system error.
    ValueError
        If the name is invalid, or `data` does not fit the shape.
    TypeError
        If the dtype has no WA-1 element type.

    Examples
    --------
    >>> import numpy as np, wea
    >>> wa = wea.create_shared_array("/doc-example", np.float64, (10, 2))
    >>> wb = wea.attach_shared_array("/doc-example")
    >>> wa[0, 0] = 42.0; float(wb[0, 0])
    42.0
    >>> wa.unlink()
    """
    name = normalize_name(name)  # C1
    check_order(order)
    header = header_in(dtype, shape, order)  # C1
    if not isinstance(mode, int) or not 0 <= mode <= 0o777:
        raise ValueError(f"wea: mode must be permission bits 0 to 0o777, got {mode!r}")
    fd = _create_exclusive(name, mode)  # C2
    try:
        mv, ident = _fill_and_publish(fd, name, header, mode, data, order)  # C3-C7
    except BaseException:
        with contextlib.suppress(OSError):
            _shm_unlink(name)
        raise
    finally:
        os.close(fd)
    segment = SharedSegment(name, mv, False, True, ident)
    if not persistent:
        segment.persistent = False
        _AT_EXIT[name] = (ident, os.getpid())
    return _wrap(mv, header, segment, order)


def _create_exclusive(name: str, mode: int) -> int:
    """C2: create the name exclusively; an existing object is never opened."""
    try:
        return _shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode)
    except FileExistsError:
        raise FileExistsError(
            errno.EEXIST,
            f"wea: a shared-memory object named {name!r} exists already (left by an "
            f"earlier run?): attach it with wea.attach_shared_array({name!r}), or "
            f"remove it with `wea rm {name}` or wea.unlink_shared_array({name!r}) "
            "(WA-1 §8.2.2 C2)",
            name,
        ) from None


def _fill_and_publish(
    fd: int, name: str, header: Header, mode: int, data: ArrayLike | None, order: Order
) -> tuple[memoryview, _Ident]:
    """C3 to C7 on a new object's descriptor; the caller unlinks on failure."""
    size = header.block_size
    os.fchmod(fd, mode)  # C3
    os.ftruncate(fd, size)  # C4
    reserved = _reserve(fd, size, name)  # C5
    ident = _ident_of(fd)
    m = mmap.mmap(fd, size, access=mmap.ACCESS_WRITE, **MMAP_KWARGS)  # C6
    mv = memoryview(m)
    if not reserved:  # pragma: no cover
        _touch(mv)
    write_header(mv, header, magic=False)
    if data is not None:
        fill_data(mv, header, data, order)
    _fence()
    publish(mv)  # C7: the magic, last
    return mv, ident


def attach_shared_array(
    name: str, *, readonly: bool = False, order: Order = "F"
) -> SharedExchangeArray:
    """Attach to an existing shared-memory object holding a WA-1 block.

    The dtype and shape come from the header, which is validated with the
    checks of spec §6.1 (an object holding anything else is rejected with
    the spec's error, never read as garbage). The attacher never writes the
    header and never unlinks the object, not even when it exits.

    Parameters
    ----------
    name : str
        ``"/name"`` or ``"name"``.
    readonly : bool, optional
        Map the object read-only: the array is not writeable, and a write
        through the mapping faults instead of changing the data.
    order : {"F", "C"}, optional
        ``"F"`` (default): shaped like the header's dims, Fortran order.
        ``"C"``: shaped like the dims reversed, C-contiguous, as a
        row-major creator (``order="C"``) made it.

    Returns
    -------
    SharedExchangeArray
        A view of the object's elements.

    Raises
    ------
    FileNotFoundError
        If no object has that name.
    PermissionError
        If this user may not open the object in that mode.
    WeaError
        The subclass of the first failed check; an object whose magic is
        still zero (being created, or its creator died) is a
        :class:`BadMagicError`.
    ValueError
        If the name is invalid.
    """
    name = normalize_name(name)
    if order != "F":
        check_order(order)
    mv, plan, ident = _attach(name, readonly)
    return _wrap(mv, plan.header, SharedSegment(name, mv, readonly, False, ident), order)


# -- the machine's objects -----------------------------------------------------------


@dataclass(frozen=True)
class SharedArrayInfo:
    """A WA-1 shared-memory object found by :func:`list_shared_arrays`.

    Attributes
    ----------
    name : str
        Its name, with the leading ``/``.
    size : int
        Its size in bytes.
    mode : int
        Its permission bits.
    uid : int
        Its owner's user id.
    header : Header or None
        Its header, or None if the header is invalid.
    error : str or None
        Why the header is invalid (the spec's message), or None.
    mtime : float
        When it was last modified (``st_mtime``, seconds since the epoch).
    category : str or None
        The error category of spec §6.2 (the :class:`WeaError`'s
        ``.category``, for example ``"bad_magic"``) when the header is
        invalid, or None.
    """

    name: str
    size: int
    mode: int
    uid: int
    header: Header | None
    error: str | None
    mtime: float
    category: str | None


def _unpublished(head: bytes, size: int) -> bool:
    # What a creator killed before it published leaves (spec §8.2.2): an
    # empty object (after C2/C3) or zero magic bytes (after C4..C6).
    return size == 0 or (size >= 4 and head[:4] == bytes(4))


def list_shared_arrays(*, unpublished: bool = False) -> list[SharedArrayInfo]:
    """List the shared-memory objects of this machine that hold a WA-1 block.

    An object counts when its first 4 bytes are the WA-1 magic; its header
    is then validated (``header`` or ``error`` says how that went).
    Objects this user cannot read are skipped.

    Parameters
    ----------
    unpublished : bool, optional
        Also list the objects that look like a WA-1 create that never
        published (spec §8.2.2): size 0 (category ``truncated``) or first
        4 bytes all zero (``bad_magic``). Such an object may belong to a
        creator still at work, or to another program that zero-fills its
        objects: look at its owner and age before removing it. Objects
        with any other magic are never listed.

    Returns
    -------
    list of SharedArrayInfo
        Sorted by name.

    Raises
    ------
    NotImplementedError
        On systems that do not show shared memory as files (only Linux's
        ``/dev/shm`` is read).
    """
    if not os.path.isdir(SHM_DIR):
        raise NotImplementedError(
            f"wea: listing shared memory needs {SHM_DIR} (Linux); not on {sys.platform}"
        )
    found = []
    with os.scandir(SHM_DIR) as entries:
        for entry in entries:
            try:
                # O_NOFOLLOW: as shm_open, never follow a symbolic link;
                # open_regular adds O_NONBLOCK (a FIFO must not block the
                # listing) and refuses what is not a regular file.
                fd, st = open_regular(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                head = pread_head(fd)
                header: Header | None = None
                error: str | None = None
                category: str | None = None
                if head[:4] != MAGIC_BYTES and not (unpublished and _unpublished(head, st.st_size)):
                    continue
                try:  # one snapshot, with the size of one fstat (as attach)
                    header = read_plan(fd, st.st_size, head).header
                except WeaError as e:
                    error, category = e.message, e.category
            except OSError:
                continue
            finally:
                os.close(fd)
            found.append(
                SharedArrayInfo(
                    "/" + entry.name,
                    st.st_size,
                    stat.S_IMODE(st.st_mode),
                    st.st_uid,
                    header,
                    error,
                    st.st_mtime,
                    category,
                )
            )
    return sorted(found, key=lambda info: info.name)


def stat_shared_array(name: str) -> os.stat_result:
    """Return the ``fstat`` of a shared-memory object, found by name.

    The object is opened with ``shm_open`` (read-only, without blocking,
    without following links) and closed again: no path under ``/dev/shm``
    is built, so this works wherever POSIX shared memory does.

    Parameters
    ----------
    name : str
        ``"/name"`` or ``"name"``.

    Returns
    -------
    os.stat_result
        Its owner, mode, size and times.

    Raises
    ------
    FileNotFoundError
        If no object has that name.
    PermissionError
        If this user may not open it.
    ValueError
        If the name is invalid.
    """
    name = normalize_name(name)
    fd = _shm_open(name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def unlink_shared_array(name: str, *, force: bool = False) -> None:
    """Remove a shared-memory object by name.

    Existing mappings stay valid; the name is free at once (spec §8.2.4).

    Parameters
    ----------
    name : str
        ``"/name"`` or ``"name"``.
    force : bool, optional
        Remove the object even if it does not hold a WA-1 block. By
        default only an object whose first bytes are a WA magic is removed,
        so that a typo cannot delete another program's memory.

    Raises
    ------
    FileNotFoundError
        If no object has that name.
    WeaError
        If the object does not start with the WA-1 magic and `force` is
        false (:class:`BadMagicError` and its siblings of check R2).
    ValueError
        If the name is invalid.
    """
    name = normalize_name(name)
    if not force:
        fd, st = open_regular(name, os.O_RDONLY, "shared-memory object", _shm_open)
        try:
            first = _read_fixed_header(fd)
        finally:
            os.close(fd)
        try:
            check_length(min(st.st_size, len(first)), HEADER_SIZE, "R1")
            check_magic(first[0:4])
        except WeaError as e:
            raise type(e)(
                f"{e.message}; {name!r} does not hold a WA-1 block, pass "
                "force=True to unlink it anyway"
            ) from None
    _shm_unlink(name)


def _warm_up() -> None:
    """Run the Python steps of an attach once, at import, on a private block.

    The first attach in a fresh process otherwise also pays for the first
    run of this code (name check, plan, view, wrap): about a third of it on
    the project's machine (bench/). Nothing here touches the system: the
    block is a bytearray, and the compiled attach is entered with a name it
    refuses before any system call.
    """
    header = make_header(np.float64, (1, 1))
    block = bytearray(header.offset + header.len_data)
    write_header(block, header)
    mv = memoryview(block)
    normalize_name("wea-warm-up")
    plan_of_fields((header.etype, header.offset, header.dims, header.len_data))
    plan = validate_snapshot(bytes(block), len(block))
    _wrap(mv, plan.header, SharedSegment("/wea-warm-up", mv, False, False, (0, 0)), "F")
    if _accel.shm_attach is not None:
        _accel.shm_attach("/", False)  # refused by the name check, no system call


_warm_up()
