"""WA-1 blocks in files (spec §8.3): write one, open one memory-mapped.

``save(file, arr)`` and ``load(file)`` follow ``numpy.save`` and
``numpy.load``; ``load`` maps the file by default, so opening a file takes
the same short time whatever its size and copies nothing.
"""

from __future__ import annotations

import mmap
import os
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._atomic import atomic_write
from ._base import Order, check_order, view_block
from ._buffer import header_for, iter_data
from ._errors import WeaError
from ._format import (
    HEADER_SIZE,
    MAX_SIZE,
    Header,
    Plan,
    byte_view,
    header_bytes,
    parse_fixed_header,
    parse_header,
    validate,
    with_foreign_hint,
)
from ._mapping import MMAP_KWARGS, map_checked, open_regular, pread_head, read_plan

__all__ = ["load", "map_path", "read_header", "save"]

MmapMode = Literal["r", "r+", "c"]
PathLike = str | os.PathLike[str]

_ACCESS = {"r": mmap.ACCESS_READ, "r+": mmap.ACCESS_WRITE, "c": mmap.ACCESS_COPY}
_STREAM_CHUNK = 1 << 24


def _open_regular(path: PathLike, mmap_mode: MmapMode) -> tuple[int, int]:
    """Open a file to be mapped, refusing at once what is not a regular file.

    Raises
    ------
    ValueError
        If `mmap_mode` is not ``"r"``, ``"r+"`` or ``"c"``.
    OSError
        As :func:`wea._mapping.open_regular`.
    """
    if mmap_mode not in _ACCESS:
        raise ValueError(f"wea: mmap_mode must be 'r', 'r+' or 'c', got {mmap_mode!r}")
    fd, st = open_regular(path, os.O_RDWR if mmap_mode == "r+" else os.O_RDONLY)
    return fd, st.st_size


def map_path(path: PathLike, mmap_mode: MmapMode = "r") -> memoryview:
    """Map a whole file and return it as a flat byte memoryview.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    mmap_mode : {"r", "r+", "c"}, optional
        Read-only (default), read-write shared with the file, or
        copy-on-write (changes stay in memory).

    Returns
    -------
    memoryview
        The file's bytes (an empty view for an empty file). The mapping is
        released when the last view of it is gone.

    Raises
    ------
    OSError
        If the file cannot be opened or mapped.
    ValueError
        If `mmap_mode` is not one of the three.
    """
    fd, size = _open_regular(path, mmap_mode)
    try:
        if size == 0:  # an empty file cannot be mapped
            return memoryview(b"" if mmap_mode == "r" else bytearray())
        m = mmap.mmap(fd, size, access=_ACCESS[mmap_mode], **MMAP_KWARGS)
    finally:
        os.close(fd)
    return memoryview(m)


def save(file: PathLike | IO[bytes], arr: ArrayLike, *, order: Order = "F") -> None:
    """Write an array to a ``.wea`` file as one WA-1 block.

    The file holds exactly ``offset + L`` bytes: header, dims, padding and
    the elements in Fortran order, little-endian (spec §8.3). An array in
    any memory order or byte order is accepted and converted piece by
    piece, so memory use stays small.

    A path is written whole or not at all: the block goes to a new
    temporary file beside it (an unpredictable name, created exclusively,
    mode ``0o666`` less the umask), which then replaces `file` in one
    rename. A reader sees the old file or the new one, never a torn one,
    and a failed write leaves the old file as it was and no temporary file.
    A symbolic link at `file` is replaced, not followed; the new file has
    a new inode (hard links to the old file keep the old content, and its
    mode and owner are not copied). The file is not ``fsync``'ed (as
    ``numpy.save``).

    Parameters
    ----------
    file : str, os.PathLike or binary file object
        A path (created, or replaced as a whole) or an object with a
        ``write`` method (the block is written at its current position).
    arr : array_like
        The array; its dtype must be one of spec §4.
    order : {"F", "C"}, optional
        ``"F"`` (default): the header's dims are the numpy shape. ``"C"``:
        the dims are the shape reversed, and a C-order array is written
        as it lies in memory (see :func:`wea.dumps`).

    Raises
    ------
    TypeError
        If the dtype has no WA-1 element type.
    IsADirectoryError
        If `file` is a directory.
    OSError
        If the file cannot be written (its directory must be writable), or
        ``EINVAL`` if `file` is a FIFO, a device or a socket, which is not
        replaced and never opened.

    See Also
    --------
    load : open the file again, memory-mapped.
    dumps : the same block in memory.
    """
    a = np.asarray(arr)
    header = header_for(a, check_order(order))[0]
    if isinstance(file, (str, os.PathLike)):
        with atomic_write(file) as f:
            _write(f, a, header, order)
    else:
        _write(file, a, header, order)


def _write(f: IO[bytes], a: NDArray[Any], header: Header, order: Order) -> None:
    f.write(header_bytes(header))
    for piece in iter_data(a, header, order):
        f.write(piece)


def load(
    file: PathLike | IO[bytes], mmap_mode: MmapMode | None = "r", *, order: Order = "F"
) -> NDArray[Any]:
    """Open a ``.wea`` file: memory-mapped by default, without a copy.

    Like ``numpy.load``, but mapping is the default: the call takes the
    same short time for any file size, and elements are read from the file
    only when touched.

    Parameters
    ----------
    file : str, os.PathLike or binary file object
        A path, whose block starts at byte 0 (spec §8.3.1), or an object
        with a ``read`` method, from which one block is read at its current
        position (the object is left just after the block; `mmap_mode` is
        then ignored and the block is copied into memory).
    mmap_mode : {"r", "r+", "c", None}, optional
        ``"r"`` (default): mapped read-only, the array is not writeable.
        ``"r+"``: mapped read-write, writes go to the file. ``"c"``:
        copy-on-write, writes stay in memory. None: read the whole file
        into memory (a copy).
    order : {"F", "C"}, optional
        ``"F"`` (default): shaped like the dims, Fortran order. ``"C"``:
        shaped like the dims reversed, C-contiguous (see :func:`wea.loads`).

    Returns
    -------
    numpy.ndarray
        The elements in Fortran order. A mapped array keeps the mapping
        alive until it and every view of it are gone.

    Raises
    ------
    WeaError
        The subclass of the first failed check of spec §6.1. For a file
        (or stream) whose first bytes are those of a ``.npy``, ``.npz`` or
        safetensors file, a note (on Python 3.10: the message) says so and
        names what reads it instead.
    OSError
        If the file cannot be opened or mapped.

    See Also
    --------
    save : write the file.
    loads : the same from a buffer.

    Examples
    --------
    >>> import os, tempfile, numpy as np, wea
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wea")
    >>> wea.save(path, np.arange(6, dtype=np.int32).reshape(2, 3))
    >>> a = wea.load(path)  # memory-mapped, read-only
    >>> a
    array([[0, 1, 2],
           [3, 4, 5]], dtype=int32)
    >>> a.flags.writeable
    False
    """
    check_order(order)
    if not isinstance(file, (str, os.PathLike)):
        return _read_stream(file, order)
    if mmap_mode is None:
        return _load_copy(file, order)
    return _load_mapped(file, mmap_mode, order)


def _load_copy(path: PathLike, order: Order) -> NDArray[Any]:
    """Read a whole file into memory and view it: ``load(path, mmap_mode=None)``."""
    fd, st = open_regular(path, os.O_RDONLY)
    with open(fd, "rb") as f:  # closes fd
        data = bytearray(st.st_size)  # the size fstat gave: never what a header claims
        got = f.readinto(data)
    mv = memoryview(data)[:got]
    try:
        plan = validate(mv)
    except WeaError as e:
        raise with_foreign_hint(e, bytes(mv[:HEADER_SIZE]), os.fsdecode(path)) from None
    return view_block(mv, plan.header, order)


def _load_mapped(path: PathLike, mmap_mode: MmapMode, order: Order) -> NDArray[Any]:
    """Validate the header read with pread, then map the file (constant time).

    The header is validated from one ``pread`` snapshot, with the size of
    one ``fstat`` as the block length, before anything is mapped; the
    mapping covers only that size, and the size is checked again once
    mapped (:mod:`wea._mapping`). A header seen before is not validated
    again, only R9.
    """
    fd, size = _open_regular(path, mmap_mode)
    try:
        plan = _read_plan(fd, size, path)
        mv = map_checked(fd, size, _ACCESS[mmap_mode], plan)
    finally:
        os.close(fd)
    return view_block(mv, plan.header, order)


def _read_plan(fd: int, size: int, path: PathLike) -> Plan:
    """:func:`wea._mapping.read_plan`, saying what a file of another format is."""
    head = pread_head(fd)
    try:
        return read_plan(fd, size, head)
    except WeaError as e:
        raise with_foreign_hint(e, head, os.fsdecode(path)) from None


def _read_more(f: IO[bytes], buf: bytearray, upto: int) -> None:
    """Read from `f` into `buf` until it holds `upto` bytes or `f` ends."""
    while len(buf) < upto:
        piece = f.read(min(upto - len(buf), _STREAM_CHUNK))
        if not piece:
            return
        buf += piece


def _read_stream(f: IO[bytes], order: Order) -> NDArray[Any]:
    # Memory grows with the bytes that arrive, never with what a header
    # claims (spec §6.1, §10.2): R1 to R8 are decided before the data is read.
    buf = bytearray()
    _read_more(f, buf, HEADER_SIZE)
    try:
        offset = parse_fixed_header(buf)[2]  # R1 to R5
    except WeaError as e:
        name = getattr(f, "name", None)
        path = name if isinstance(name, str) and not name.startswith("<") else None  # <stdin>
        raise with_foreign_hint(e, bytes(buf), path, stream=True) from None
    _read_more(f, buf, offset)
    if len(buf) < offset:
        parse_header(buf)  # raises: R6 to R9 on the bytes there are
    header = parse_header(buf, length=MAX_SIZE)  # R6 to R8
    _read_more(f, buf, header.block_size)
    mv = memoryview(buf)
    return view_block(mv, parse_header(mv), order)  # R9 on what arrived


def read_header(source: PathLike | Any) -> Header:
    """Read and validate the header of a block, without touching its data.

    Parameters
    ----------
    source : str, os.PathLike or buffer-protocol object
        A ``.wea`` file (only its first 640 bytes and its size are read) or
        a buffer holding a block.

    Returns
    -------
    Header
        The validated header (all of R1 to R9 hold, with the file's size or
        the buffer's length as the block length).

    Raises
    ------
    WeaError
        The subclass of the first failed check of spec §6.1. For a source
        whose first bytes are those of a ``.npy``, ``.npz`` or safetensors
        file, a note (on Python 3.10: the message) says so and names what
        reads it instead.
    OSError
        If the file cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        fd, st = open_regular(source, os.O_RDONLY)
        try:
            return _read_plan(fd, st.st_size, source).header
        finally:
            os.close(fd)
    try:
        return validate(source).header
    except WeaError as e:
        raise with_foreign_hint(e, bytes(byte_view(source)[:HEADER_SIZE])) from None
