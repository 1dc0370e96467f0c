"""Open, check and map a file or a shared-memory object: one way for both.

The bindings of spec §8.2 (shared memory) and §8.3 (files) read blocks that
other processes may write, shrink or replace while they are read. Both go
through the same steps here, in this order:

1. open without blocking (``O_NONBLOCK``: a FIFO must not make the open
   wait for a writer) and refuse anything but a regular file;
2. ``fstat`` once: the size is the block length the checks use;
3. read the header with ``pread`` into a private snapshot and validate it
   (R1 to R9), before anything is mapped: a header is never read through a
   mapping that a shrink could turn into ``SIGBUS``;
4. map no more than the size that was checked, then ``fstat`` again: an
   object that shrank below the block in the meantime is refused with
   ``data_truncated`` instead of faulting at the first touch.

A shrink after step 4, under an existing mapping, still faults on access:
no reader can prevent that (spec §8.2.6, docs/reliability.md).
"""

from __future__ import annotations

import errno
import mmap
import os
import stat
import sys
from collections.abc import Callable
from typing import Any

from ._format import MAX_OFFSET, Plan, _data_truncated, validate_snapshot

__all__ = ["MMAP_KWARGS", "map_checked", "open_regular", "pread_head", "read_plan"]

#: Keyword arguments for ``mmap.mmap`` that keep no descriptor open: Python
#: 3.13+ can map without keeping a duplicate of the descriptor.
MMAP_KWARGS: dict[str, Any] = {"trackfd": False} if sys.version_info >= (3, 13) else {}


def open_regular(
    path: Any,
    flags: int,
    what: str = "file",
    opener: Callable[[Any, int], int] = os.open,
) -> tuple[int, os.stat_result]:
    """Open a path without blocking and return its descriptor and stat.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        What to open (a file path, or a shared-memory name for `opener`).
    flags : int
        ``os.O_RDONLY`` or ``os.O_RDWR``, and any other flag;
        ``O_NONBLOCK`` is added.
    what : str, optional
        How the message names it ("file", "shared-memory object").
    opener : callable, optional
        ``os.open`` (default) or ``shm_open``.

    Returns
    -------
    tuple
        The descriptor (the caller closes it) and its ``os.stat_result``.

    Raises
    ------
    IsADirectoryError
        If `path` is a directory.
    OSError
        ``EINVAL`` if it is not a regular file (a FIFO, a device ...), or
        the error of the open.
    """
    fd = opener(path, flags | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):  # what open() would have said
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(
                errno.EINVAL,
                f"wea: the {what} is not a regular file (a FIFO, a device ...) "
                "and cannot hold a WA-1 block (WA-1 §8)",
                os.fsdecode(path),
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def pread_head(fd: int) -> bytes:
    """Return a snapshot of the first :data:`MAX_OFFSET` bytes of a descriptor.

    Parameters
    ----------
    fd : int
        An open, readable descriptor.

    Returns
    -------
    bytes
        Up to ``MAX_OFFSET`` bytes (fewer if the file is shorter).
    """
    return os.pread(fd, MAX_OFFSET, 0)


def read_plan(fd: int, size: int, head: bytes | None = None) -> Plan:
    """Validate the block of a descriptor from a ``pread`` snapshot.

    Parameters
    ----------
    fd : int
        An open, readable descriptor.
    size : int
        The size from ``fstat``: the block length of R1, R6 and R9.
    head : bytes, optional
        A snapshot already read (:func:`pread_head`).

    Returns
    -------
    Plan
        The validated header and what a view needs.

    Raises
    ------
    WeaError
        The first failing check of spec §6.1.
    """
    if head is None:
        head = pread_head(fd)
    return validate_snapshot(head, size)


def map_checked(fd: int, size: int, access: int, plan: Plan) -> memoryview:
    """Map `size` bytes of a descriptor whose block `plan` was validated.

    Parameters
    ----------
    fd : int
        The descriptor the plan was read from.
    size : int
        The length that was checked (at least ``plan.need``).
    access : int
        ``mmap.ACCESS_READ``, ``ACCESS_WRITE`` or ``ACCESS_COPY``.
    plan : Plan
        The validated header.

    Returns
    -------
    memoryview
        The mapping; it is unmapped once the last view of it is gone.

    Raises
    ------
    DataTruncatedError
        If the object shrank below the block since its size was read
        (R9, with the size it has now).
    """
    try:
        m = mmap.mmap(fd, size, access=access, **MMAP_KWARGS)
    except ValueError:  # "mmap length is greater than file size": it shrank
        raise _data_truncated(os.fstat(fd).st_size, plan.offset, plan.header.len_data) from None
    now = os.fstat(fd).st_size
    if now < plan.need:
        m.close()
        raise _data_truncated(now, plan.offset, plan.header.len_data)
    return memoryview(m)
