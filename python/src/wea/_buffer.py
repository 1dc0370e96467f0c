"""WA-1 blocks in byte buffers (spec §8.1): zero-copy both ways.

* :func:`loads` and :func:`load_buffered_array` view any buffer-protocol
  object without copying it (read-only when the buffer is).
* :func:`dumps` turns any numpy array into a new block in one copy (a plain
  ``memcpy`` when the array is already in Fortran order and little-endian).
* :class:`BufferedExchangeArray` is the 0.1.3 class: an ndarray whose
  :attr:`~BufferedExchangeArray.exchange_buffer` is the very memory behind
  it, header included.
"""

from __future__ import annotations

import mmap
import pickle
import struct
import sys
from collections.abc import Iterable, Iterator
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._base import ExchangeArrayBase, view_block
from ._format import (
    _FIRST64,
    _VALID,
    Header,
    byte_view,
    cached_header,
    header_bytes,
    make_header,
    parse_header,
    remember_header,
)

__all__ = [
    "BufferedExchangeArray",
    "block_size",
    "create_buffered_array",
    "dumps",
    "iter_data",
    "load_buffered_array",
    "loads",
]

_frombuffer = np.frombuffer

#: The largest piece :func:`iter_data` converts at a time, in bytes.
CHUNK_BYTES = 1 << 24

ExchangeBuffer = bytearray | bytes | memoryview


# -- array to block ------------------------------------------------------------


def _flat_bytes(a: NDArray[Any], header: Header) -> memoryview | None:
    """Return the array's bytes as they lie in a block, if they need no conversion."""
    if a.dtype != header.dtype or not a.flags.f_contiguous:
        return None
    return a.reshape(-1, order="F").view(np.uint8).data


def iter_data(a: NDArray[Any], header: Header) -> Iterator[memoryview]:
    """Yield the data bytes of a block for an array, in pieces.

    An array in Fortran order and little-endian yields its own memory
    (no copy); any other is converted (byte order, memory order) one slab
    of at most :data:`CHUNK_BYTES` at a time, so that memory use stays
    bounded.

    Parameters
    ----------
    a : numpy.ndarray
        The array; `header` must have been made from its dtype and shape.
    header : Header
        ``make_header(a.dtype, a.shape)``.

    Yields
    ------
    memoryview
        Consecutive pieces of the ``header.len_data`` data bytes.
    """
    if header.len_data == 0:
        return
    flat = _flat_bytes(a, header)
    if flat is not None:
        yield flat
        return
    if a.ndim == 0:
        yield np.asarray(a, dtype=header.dtype).reshape(1).view(np.uint8).data
        return
    # Slabs along the last axis are contiguous in Fortran order.
    slab = header.len_data // a.shape[-1]
    step = max(1, CHUNK_BYTES // slab)
    for start in range(0, a.shape[-1], step):
        part = np.asfortranarray(a[..., start : start + step], dtype=header.dtype)
        yield part.reshape(-1, order="F").view(np.uint8).data


def fill_data(mv: memoryview, header: Header, values: ArrayLike) -> None:
    """Write array values into the data of a block, converting as needed.

    Parameters
    ----------
    mv : memoryview
        The writable block.
    header : Header
        Its header.
    values : array_like
        Values broadcast to the block's shape and converted as
        ``arr[...] = values`` converts them.
    """
    view_block(mv, header)[...] = values


def dumps(arr: ArrayLike) -> bytearray:
    """Return a new WA-1 block holding an array: header, dims, padding, data.

    The pair of :func:`loads`. The array may be in C or Fortran order, any
    byte order, contiguous or not; the block holds it in Fortran order,
    little-endian (spec §7.2), so it reads back equal, with the same shape.
    An array already in Fortran order and little-endian is copied with one
    ``memcpy``; any other costs one converting copy.

    Parameters
    ----------
    arr : array_like
        The array. Its dtype must be one of spec §4 (see
        :data:`wea.SUPPORTED_DTYPES`).

    Returns
    -------
    bytearray
        The block, exactly ``offset + L`` bytes long, with the canonical
        data offset.

    Raises
    ------
    TypeError
        If the dtype has no WA-1 element type; the message names the
        supported ones.
    InvalidNdimsError
        If the array has more than 32 dimensions.

    See Also
    --------
    loads : the array back from a block, without copying.
    save : the same block, written to a file.

    Examples
    --------
    >>> import numpy as np, wea
    >>> block = wea.dumps(np.arange(6.0).reshape(2, 3))
    >>> len(block)
    112
    >>> wea.loads(block)
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    a = np.asarray(arr)
    header = make_header(a.dtype, a.shape)
    flat = _flat_bytes(a, header)
    if flat is not None:
        block = bytearray(header_bytes(header))
        if len(flat) >= _HUGE_MIN and _grow_huge(block, header.block_size):
            memoryview(block)[header.offset :] = flat  # one memcpy
        else:
            block += flat  # one memcpy, no zero fill
        return block
    block = bytearray(header.block_size)
    block[: header.offset] = header_bytes(header)
    fill_data(memoryview(block), header, a)
    return block


# A new block of many MiB is fresh memory: faulting it in 4 KiB page by page
# cost dumps 3 to 5 times a plain copy (64 MiB: 40-55 ms against 7-14 ms on
# a 2-core VM). Like numpy for its own arrays, ask Linux for transparent huge
# pages first: the bytearray is grown without touching its new memory
# (PyByteArray_Resize), madvise(MADV_HUGEPAGE) marks it, then one memcpy fills
# it. Anywhere this cannot be done (not Linux, not CPython) the plain path runs.
_HUGE_MIN = 1 << 22  # 4 MiB, numpy's threshold for the same advice
_huge_api: Any = None


def _grow_huge(block: bytearray, size: int) -> bool:
    """Grow `block` to `size` bytes, advised for huge pages; False if not done."""
    global _huge_api
    if _huge_api is None:
        _huge_api = False
        advice = getattr(mmap, "MADV_HUGEPAGE", None)
        if sys.platform.startswith("linux") and advice is not None:
            try:
                import ctypes

                resize = ctypes.pythonapi.PyByteArray_Resize
                resize.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
                resize.restype = ctypes.c_int
                madvise = ctypes.CDLL(None, use_errno=True).madvise
                madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
                madvise.restype = ctypes.c_int
                _huge_api = (ctypes, resize, madvise, advice)
            except (ImportError, AttributeError, OSError):  # pragma: no cover
                pass
    if _huge_api is False:
        return False
    ctypes, resize, madvise, advice = _huge_api
    if resize(block, size) != 0:  # pragma: no cover - MemoryError is set
        raise MemoryError(f"wea: cannot allocate a block of {size} bytes")
    window = (ctypes.c_char * size).from_buffer(block)  # a buffer export
    try:
        addr = ctypes.addressof(window)
    finally:
        del window
    page = mmap.PAGESIZE
    start = -(-addr // page) * page
    if addr + size > start:
        madvise(start, addr + size - start, advice)  # advice only: errors ignored
    return True


def block_size(dtype: DTypeLike, shape: SupportsIndex | Iterable[SupportsIndex]) -> int:
    """Return the length ``offset + L`` of the block of an array.

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        The element type.
    shape : int or sequence of int
        The shape.

    Returns
    -------
    int
        The bytes a buffer, file or shared-memory object needs.
    """
    return make_header(dtype, shape).block_size


# -- block to array ------------------------------------------------------------


def loads(buf: Any) -> NDArray[Any]:
    """Return the array in a WA-1 block, as a view of the buffer (no copy).

    The pair of :func:`dumps`. The buffer is validated with the checks of
    spec §6.1 first; trailing bytes after the block are ignored.

    Parameters
    ----------
    buf : buffer-protocol object
        bytes, bytearray, memoryview, mmap, a contiguous numpy array, a
        ZeroMQ frame's ``.buffer`` ... holding one block at its first byte.

    Returns
    -------
    numpy.ndarray
        The elements, in Fortran order, viewing `buf`'s memory: writes go
        to the buffer. Read-only when `buf` is read-only. The array keeps
        `buf` alive and prevents its resizing (a bytearray with an array
        over it cannot be extended).

    Raises
    ------
    WeaError
        The subclass of the first failed check (spec §6.2).
    TypeError
        If `buf` does not support the buffer protocol.
    ValueError
        If `buf` is not contiguous.

    See Also
    --------
    load_buffered_array : the same, as a :class:`BufferedExchangeArray`.
    """
    try:  # a header seen before: only R9 is left to check (_format.cached_header)
        _, dtype, count, offset, shape, need = _VALID[_FIRST64(buf)[0]]
    except (KeyError, struct.error, TypeError, ValueError, BufferError):
        pass
    else:
        t = type(buf)
        if t is bytearray or t is bytes or t is mmap.mmap:
            n = len(buf)
        elif t is memoryview and buf.c_contiguous:
            n = buf.nbytes
        else:
            n = -1
        if n >= need:
            # frombuffer holds a buffer export: the owner cannot be resized
            # or closed while the array lives.
            a = _frombuffer(buf, dtype, count, offset)
            # Fortran order: a transposed C-order reshape of the reversed dims.
            return a if shape is None else a.reshape(shape).T
    mv = byte_view(buf)
    header = parse_header(mv)
    remember_header(mv, header)
    return view_block(mv, header)


# -- the 0.1.3 class -------------------------------------------------------------


class BufferedExchangeArray(ExchangeArrayBase):
    """A numpy array that lives in a WA-1 block in an ordinary byte buffer.

    Made by :func:`create_buffered_array` (a new zeroed block) or
    :func:`load_buffered_array` (a view of a received block). Its
    :attr:`exchange_buffer` is the block itself, header included, ready to
    send.

    Views of it (slices, transposes) are ``BufferedExchangeArray`` too, but
    have no exchange buffer of their own: their memory is described by the
    parent's header, not theirs. Results of arithmetic are plain ndarrays.
    """

    _wea_block: ExchangeBuffer | None
    _WEA_ATTRS = ("_wea_header", "_wea_origin", "_wea_block")
    #: Set by _wrap_block on the array it makes, never on views (numpy makes
    #: those without it): that array's shape, strides, dtype, and its block.
    #: Its data address cannot change, so while the first three are
    #: unchanged it is still its whole block: exchange_buffer then takes
    #: constant, tiny time, without the full check of _is_whole_block().
    _wea_fast: tuple[Any, ...] | None = None

    @property
    def exchange_buffer(self) -> ExchangeBuffer:
        """The block behind this array, header included, without a copy.

        For an array made by :func:`create_buffered_array` this is the
        ``bytearray`` that holds it, as in wea 0.1.3, but it is not a copy:
        it is the array's memory, so later writes to the array show in it
        (and writes to it show in the array). It cannot be resized while
        the array exists. For an array made by :func:`load_buffered_array`
        it is the buffer that was loaded when that buffer was a ``bytes`` or
        ``bytearray`` of exactly the block's length, and otherwise a
        ``memoryview`` of the block's ``offset + L`` bytes of it.

        Raises
        ------
        ValueError
            If this array is a view (slice, transpose, reshape, other dtype)
            whose shape the header does not describe, or no block at all;
            ``wea.dumps(view)`` copies such an array into a block of its own.
        """
        fast = self._wea_fast
        if (
            fast is not None
            and fast[2] is self.dtype
            and fast[0] == self.shape
            and fast[1] == self.strides
        ):
            return fast[3]  # type: ignore[no-any-return]
        if self._wea_block is None or not self._is_whole_block():
            raise ValueError(
                f"wea: no exchange buffer: {self._view_problem()}. Copy it into "
                "a block of its own with wea.dumps(arr), or load that with "
                "wea.load_buffered_array(wea.dumps(arr))"
            )
        return self._wea_block

    @property
    def header(self) -> Header | None:
        """The header of the block this array lies in (None if none)."""
        return self._wea_header

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        """Pickle as the block, out of band with protocol 5.

        With protocol 5 and a ``buffer_callback`` the block is not copied
        into the pickle: the unpickled array views the buffer the receiver
        passes back. A view or a block-less array is first copied into a
        block of its own.
        """
        block: ExchangeBuffer
        if self._wea_block is not None and self._is_whole_block():
            block = self._wea_block
        else:
            block = dumps(self)
        if int(protocol) >= 5:
            return (_rebuild_buffered, (pickle.PickleBuffer(block),))
        if isinstance(block, memoryview):
            block = bytes(block) if block.readonly else bytearray(block)
        return (_rebuild_buffered, (block,))

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(2)

    def __copy__(self) -> BufferedExchangeArray:
        return load_buffered_array(dumps(self))

    def __deepcopy__(self, memo: Any) -> BufferedExchangeArray:
        return load_buffered_array(dumps(self))


def _rebuild_buffered(buf: Any) -> BufferedExchangeArray:
    return load_buffered_array(buf)


def create_buffered_array(
    dtype: DTypeLike, shape: SupportsIndex | Iterable[SupportsIndex]
) -> BufferedExchangeArray:
    """Create a zeroed array in a new WA-1 block in a bytearray.

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        The element type (spec §4).
    shape : int or sequence of int
        The shape; the array is in Fortran order.

    Returns
    -------
    BufferedExchangeArray
        The array; its :attr:`~BufferedExchangeArray.exchange_buffer` is
        the bytearray that holds the block.

    Raises
    ------
    TypeError
        If the dtype has no WA-1 element type.
    WeaError
        If the shape has more than 32 dimensions or is too large (§5.6).

    Examples
    --------
    >>> import numpy as np, wea
    >>> wc = wea.buffered_memory.create_buffered_array(np.dtype("float64"), (10, 2))
    >>> buf = wc.exchange_buffer
    >>> wd = wea.buffered_memory.load_buffered_array(buf)
    >>> np.shares_memory(wc, wd)
    True
    """
    header = make_header(dtype, shape)
    block = bytearray(header.block_size)
    block[: header.offset] = header_bytes(header)
    return _wrap_block(block, memoryview(block), header)


def load_buffered_array(buf: Any) -> BufferedExchangeArray:
    """View the array in a received WA-1 block, without copying it.

    Parameters
    ----------
    buf : buffer-protocol object
        bytes, bytearray, memoryview, mmap, numpy uint8 array, a ZeroMQ
        frame's ``.buffer`` ...

    Returns
    -------
    BufferedExchangeArray
        A view of `buf` (read-only when `buf` is), whose
        :attr:`~BufferedExchangeArray.exchange_buffer` is `buf` again.

    Raises
    ------
    WeaError
        The subclass of the first failed check of spec §6.1.
    TypeError
        If `buf` does not support the buffer protocol.
    """
    if isinstance(buf, pickle.PickleBuffer):
        buf = buf.raw()
    mv = byte_view(buf)
    hit = cached_header(mv)  # a header seen before: only R9 is left to check
    if hit is not None and len(mv) >= hit[5]:
        header = hit[0]
    else:
        header = parse_header(mv)
        remember_header(mv, header)
    block: ExchangeBuffer
    if isinstance(buf, (bytes, bytearray)) and len(buf) == header.block_size:
        block = buf
    else:
        block = mv[: header.block_size]
    return _wrap_block(block, mv, header)


def _wrap_block(block: ExchangeBuffer, mv: memoryview, header: Header) -> BufferedExchangeArray:
    out = BufferedExchangeArray._wrap(view_block(mv, header), header)
    out._wea_block = block
    out._wea_fast = (out.shape, out.strides, out.dtype, block)
    return out
