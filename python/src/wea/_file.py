"""WA-1 blocks in files (spec §8.3): write one, open one memory-mapped.

``save(file, arr)`` and ``load(file)`` follow ``numpy.save`` and
``numpy.load``; ``load`` maps the file by default, so opening a file takes
the same short time whatever its size and copies nothing.
"""

from __future__ import annotations

import errno
import mmap
import os
import stat
import sys
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._base import view_block
from ._buffer import iter_data
from ._format import (
    HEADER_SIZE,
    MAX_OFFSET,
    MAX_SIZE,
    Header,
    cached_header,
    header_bytes,
    make_header,
    parse_fixed_header,
    parse_header,
    remember_header,
)

__all__ = ["load", "map_path", "read_header", "save"]

MmapMode = Literal["r", "r+", "c"]
PathLike = str | os.PathLike[str]

_ACCESS = {"r": mmap.ACCESS_READ, "r+": mmap.ACCESS_WRITE, "c": mmap.ACCESS_COPY}
_STREAM_CHUNK = 1 << 24


#: Keyword arguments for ``mmap.mmap`` that keep no descriptor open: Python
#: 3.13+ can map without keeping a duplicate of the descriptor.
MMAP_KWARGS: dict[str, Any] = {"trackfd": False} if sys.version_info >= (3, 13) else {}


def _open_regular(path: PathLike, mmap_mode: MmapMode) -> tuple[int, int]:
    """Open a file to be mapped; return its descriptor and size.

    Only a regular file can be mapped (spec §8.3). The file is opened with
    ``O_NONBLOCK`` so that a FIFO (whose open would wait for a writer) is
    refused at once instead of hanging; on a regular file the flag does
    nothing.

    Raises
    ------
    ValueError
        If `mmap_mode` is not ``"r"``, ``"r+"`` or ``"c"``.
    IsADirectoryError
        If `path` is a directory.
    OSError
        ``EINVAL`` if `path` is not a regular file (a FIFO, a device ...),
        or the error of ``open``.
    """
    if mmap_mode not in _ACCESS:
        raise ValueError(f"wea: mmap_mode must be 'r', 'r+' or 'c', got {mmap_mode!r}")
    # os.open, not open(): no file object to build and close (microseconds).
    flags = (os.O_RDWR if mmap_mode == "r+" else os.O_RDONLY) | os.O_NONBLOCK
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):  # what open() would have said
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(
                errno.EINVAL,
                "wea: not a regular file (a FIFO, a device ...), cannot be "
                "memory-mapped (WA-1 §8.3)",
                os.fspath(path),
            )
    except BaseException:
        os.close(fd)
        raise
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


def save(file: PathLike | IO[bytes], arr: ArrayLike) -> None:
    """Write an array to a ``.wea`` file as one WA-1 block.

    The file holds exactly ``offset + L`` bytes: header, dims, padding and
    the elements in Fortran order, little-endian (spec §8.3). An array in
    any memory order or byte order is accepted and converted piece by
    piece, so memory use stays small.

    Parameters
    ----------
    file : str, os.PathLike or binary file object
        A path (the file is created or truncated) or an object with a
        ``write`` method (the block is written at its current position).
    arr : array_like
        The array; its dtype must be one of spec §4.

    Raises
    ------
    TypeError
        If the dtype has no WA-1 element type.
    OSError
        If the file cannot be written.

    See Also
    --------
    load : open the file again, memory-mapped.
    dumps : the same block in memory.
    """
    a = np.asarray(arr)
    header = make_header(a.dtype, a.shape)
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as f:
            _write(f, a, header)
    else:
        _write(file, a, header)


def _write(f: IO[bytes], a: NDArray[Any], header: Header) -> None:
    f.write(header_bytes(header))
    for piece in iter_data(a, header):
        f.write(piece)


def load(file: PathLike | IO[bytes], mmap_mode: MmapMode | None = "r") -> NDArray[Any]:
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

    Returns
    -------
    numpy.ndarray
        The elements in Fortran order. A mapped array keeps the mapping
        alive until it and every view of it are gone.

    Raises
    ------
    WeaError
        The subclass of the first failed check of spec §6.1.
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
    if not isinstance(file, (str, os.PathLike)):
        return _read_stream(file)
    if mmap_mode is None:
        with open(file, "rb") as f:
            data = bytearray(os.fstat(f.fileno()).st_size)
            got = f.readinto(data)
        mv = memoryview(data)[:got]
        return view_block(mv, parse_header(mv))
    return _load_mapped(file, mmap_mode)


def _load_mapped(path: PathLike, mmap_mode: MmapMode) -> NDArray[Any]:
    """Validate the header read with pread, then map the file (constant time).

    Reading the header with pread rather than through the new mapping saves
    the page fault that the first touch of a mapping costs; a header seen
    before is not validated again (_format.cached_header), only R9.
    """
    fd, size = _open_regular(path, mmap_mode)
    try:
        head = os.pread(fd, MAX_OFFSET, 0)
        # an empty file cannot be mapped; R1 rejects it below
        m = mmap.mmap(fd, size, access=_ACCESS[mmap_mode], **MMAP_KWARGS) if size else None
        hit = cached_header(head)
        if hit is not None and size >= hit[5]:
            header = hit[0]
        else:  # R1 to R9, with the file's size as the block length
            header = parse_header(head, length=max(size, len(head)))
            remember_header(head, header)
    finally:
        os.close(fd)
    assert m is not None  # a valid block is at least 64 bytes long
    return view_block(memoryview(m), header)


def _read_more(f: IO[bytes], buf: bytearray, upto: int) -> None:
    """Read from `f` into `buf` until it holds `upto` bytes or `f` ends."""
    while len(buf) < upto:
        piece = f.read(min(upto - len(buf), _STREAM_CHUNK))
        if not piece:
            return
        buf += piece


def _read_stream(f: IO[bytes]) -> NDArray[Any]:
    # Memory grows with the bytes that arrive, never with what a header
    # claims (spec §6.1, §10.2): R1 to R8 are decided before the data is read.
    buf = bytearray()
    _read_more(f, buf, HEADER_SIZE)
    offset = parse_fixed_header(buf)[2]  # R1 to R5
    _read_more(f, buf, offset)
    if len(buf) < offset:
        parse_header(buf)  # raises: R6 to R9 on the bytes there are
    header = parse_header(buf, length=MAX_SIZE)  # R6 to R8
    _read_more(f, buf, header.block_size)
    mv = memoryview(buf)
    return view_block(mv, parse_header(mv))  # R9 on what arrived


def read_header(source: PathLike | Any) -> Header:
    """Read and validate the header of a block, without touching its data.

    Parameters
    ----------
    source : str, os.PathLike or buffer-protocol object
        A ``.wea`` file (only its first 384 bytes and its size are read) or
        a buffer holding a block.

    Returns
    -------
    Header
        The validated header (all of R1 to R9 hold, with the file's size or
        the buffer's length as the block length).

    Raises
    ------
    WeaError
        The subclass of the first failed check of spec §6.1.
    OSError
        If the file cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            head = f.read(MAX_OFFSET)
            size = os.fstat(f.fileno()).st_size
        return parse_header(head, length=max(size, len(head)))
    return parse_header(source)
