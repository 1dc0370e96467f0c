"""WA-1 blocks in byte buffers (spec §8.1): zero-copy both ways.

* :func:`loads` and :func:`load_buffered_array` view any buffer-protocol
  object without copying it (read-only when the buffer is).
* :func:`dumps` turns any numpy array into a block in one copy: a plain
  ``memcpy`` when the array's memory order is the block's (Fortran order,
  or C order with ``order="C"``), a cache-blocked transposing copy
  otherwise; into a new bytearray, or into the caller's buffer (``out=``).
* :class:`BufferedExchangeArray` is the 0.1.3 class: an ndarray whose
  :attr:`~BufferedExchangeArray.exchange_buffer` is the very memory behind
  it, header included.
"""

from __future__ import annotations

import mmap
import pickle
import struct
from collections.abc import Iterable, Iterator
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _accel
from ._base import (
    NUMPY_MAXDIMS,
    ExchangeArrayBase,
    Order,
    check_order,
    copy_into,
    fill_data,
    header_in,
    source,
    too_many_for_numpy,
    view_block,
)
from ._errors import WeaError
from ._format import (
    _FIRST64,
    _VALID,
    HEADER_SIZE,
    Header,
    Plan,
    byte_view,
    header_bytes,
    validate,
    with_foreign_hint,
)

__all__ = [
    "BufferedExchangeArray",
    "block_size",
    "create_buffered_array",
    "dumps",
    "fill_data",
    "iter_data",
    "load_buffered_array",
    "loads",
]

_frombuffer = np.frombuffer

#: The largest piece :func:`iter_data` converts at a time, in bytes.
CHUNK_BYTES = 1 << 24

ExchangeBuffer = bytearray | bytes | memoryview


# -- array to block ------------------------------------------------------------
#
# Everything below works on `src`, the array as the block stores it: the
# block's data are `src`'s elements in C order, and the header's dims are
# `src.shape` reversed. For order="F" (the default) src is the array's
# transpose (a view), for order="C" the array itself.


# Headers made from (dtype, shape, order) alone, remembered: they involve no
# untrusted input, and building one costs microseconds (small arrays).
_HEADERS: dict[tuple[Any, ...], tuple[Header, bytes]] = {}
_HEADERS_MAX = 256


def header_for(a: NDArray[Any], order: Order = "F") -> tuple[Header, bytes]:
    """Return the canonical header of an array's block, and its bytes.

    Parameters
    ----------
    a : numpy.ndarray
        The array.
    order : {"F", "C"}, optional
        How this side holds it: ``"F"``, the dims are ``a.shape``;
        ``"C"``, they are ``a.shape`` reversed.

    Returns
    -------
    tuple
        The :class:`Header` and its ``header.offset`` bytes.
    """
    key = (a.dtype, a.shape, order)
    try:
        return _HEADERS[key]
    except KeyError:
        pass
    header = header_in(a.dtype, a.shape, order)
    found = (header, header_bytes(header))
    if len(_HEADERS) >= _HEADERS_MAX:
        _HEADERS.clear()
    _HEADERS[key] = found
    return found


def iter_data(a: NDArray[Any], header: Header, order: Order = "F") -> Iterator[memoryview]:
    """Yield the data bytes of a block for an array, in pieces.

    An array whose memory is already the block's (little-endian, in the
    block's order; not bool) yields its own memory (no copy); any other is
    converted one slab of at most :data:`CHUNK_BYTES` at a time, so that
    memory use stays bounded.

    Parameters
    ----------
    a : numpy.ndarray
        The array; `header` must be ``header_for(a, order)[0]``.
    header : Header
        The block's header.
    order : {"F", "C"}, optional
        How the array is held (see :func:`dumps`).

    Yields
    ------
    memoryview
        Consecutive pieces of the ``header.len_data`` data bytes.
    """
    if header.len_data == 0:
        return
    src = source(a, order)
    if src.ndim == 0:
        src = src.reshape(1)
    if _is_block_memory(src, header):
        yield src.reshape(-1).view(np.uint8).data
        return
    # Slabs along the first axis of src are contiguous in the block.
    slab = header.len_data // src.shape[0]
    step = max(1, CHUNK_BYTES // slab)
    for start in range(0, src.shape[0], step):
        part = src[start : start + step]
        out = np.empty(part.shape, header.dtype)
        copy_into(out, part)
        yield out.reshape(-1).view(np.uint8).data


def _is_block_memory(src: NDArray[Any], header: Header) -> bool:
    """Whether `src`'s memory holds the block's data bytes exactly as they are."""
    return src.dtype == header.dtype and src.dtype.kind != "b" and bool(src.flags.c_contiguous)


def _writable_out(out: Any, size: int) -> memoryview:
    """Check the caller's ``out`` buffer and return a byte view of its first `size` bytes."""
    try:
        mv = memoryview(out)
    except TypeError:
        raise TypeError(
            "wea: out must be a writable buffer (bytearray, mmap, numpy uint8 array, "
            f"memoryview ...), got {type(out).__name__}"
        ) from None
    if mv.readonly:
        raise ValueError(f"wea: out is read-only; the block needs {size} writable bytes")
    if not mv.c_contiguous:
        raise ValueError(f"wea: out is not contiguous; the block needs {size} contiguous bytes")
    if mv.nbytes < size:
        raise ValueError(f"wea: out has {mv.nbytes} bytes, the block needs {size} (block_size)")
    return byte_view(mv)[:size]


def dumps(arr: ArrayLike, *, order: Order = "F", out: Any = None) -> Any:
    """Return a WA-1 block holding an array: header, dims, padding, data.

    The pair of :func:`loads`. The array may be in any memory order or
    byte order, contiguous or not; the block holds its elements
    little-endian, in the block's column-major order (spec §7.2), so it
    reads back equal with the same `order`. An array whose memory order is
    already the block's (Fortran order; or C order with ``order="C"``) is
    copied with one ``memcpy``; any other costs one converting copy (a
    cache-blocked transpose for a C-order array with ``order="F"``).

    Parameters
    ----------
    arr : array_like
        The array. Its dtype must be one of spec §4 (see
        :data:`wea.SUPPORTED_DTYPES`).
    order : {"F", "C"}, optional
        ``"F"`` (default): the header's dims are the numpy shape, as in
        wea 0.1.3. ``"C"``: this side holds the array row-major, the dims
        are the numpy shape reversed, and a C-order array is copied with
        one ``memcpy``. A column-major reader (Julia, C, ``order="F"``)
        then sees the transposed array, as Julia and numpy always see each
        other's arrays.
    out : writable buffer, optional
        Write the block into this buffer (a bytearray, an mmap, a numpy
        uint8 array, a shared-memory segment ...) instead of a new one: it
        must be contiguous, writable and hold at least
        ``block_size(arr.dtype, arr.shape)`` bytes; bytes after the block
        are not touched.

    Returns
    -------
    bytearray or memoryview
        Without `out`: a new bytearray of exactly ``offset + L`` bytes.
        With `out`: a memoryview of the first ``offset + L`` bytes of
        `out`.

    Raises
    ------
    TypeError
        If the dtype has no WA-1 element type (the message names the
        supported ones), or `out` is not a buffer.
    ValueError
        If `order` is not ``"F"`` or ``"C"``, or `out` is read-only, not
        contiguous, too small (the message names the sizes) or overlaps
        the array's memory; nothing is written then.
    InvalidNdimsError
        If the array has more than 64 dimensions.

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
    >>> wea.loads(wea.dumps(np.arange(6.0).reshape(2, 3), order="C"), order="C").flags.c_contiguous
    True
    """
    a = np.asarray(arr)
    if order != "F":
        check_order(order)
    header, head = header_for(a, order)
    src = source(a, order)
    if out is not None:
        mv = _writable_out(out, header.block_size)
        if a.size and np.may_share_memory(a, np.frombuffer(mv, np.uint8)):
            raise ValueError(
                "wea: out overlaps the array being encoded: the block would be written over "
                "its own source; encode into another buffer (or a copy of the array)"
            )
        mv[: header.offset] = head
        _write_data(mv, header, src)
        return mv
    return _new_block(header, head, src)


def _new_block(header: Header, head: bytes, src: NDArray[Any]) -> bytearray:
    """Return a new bytearray holding the block: `head`, then `src` as data.

    A new block of many MiB is fresh memory, which the kernel faults in
    page by page; the compiled part (:mod:`wea._accel`) gives memory not
    yet touched and advised for transparent huge pages, as numpy does for
    its own arrays, and every byte is then written once.
    """
    if _accel.new_block is not None:
        block = _accel.new_block(header.block_size)
        block[: header.offset] = head
        _write_data(memoryview(block), header, src)
        return block
    if _is_block_memory(src, header):
        block = bytearray(head)
        block += _bytes_of(src)  # one memcpy, no zero fill
        return block
    block = bytearray(header.block_size)  # zeroed; every data byte is written below
    block[: header.offset] = head
    _write_data(memoryview(block), header, src)
    return block


def _bytes_of(src: NDArray[Any]) -> memoryview:
    """Return the memory of a C-contiguous array, as bytes."""
    return src.reshape(-1).view(np.uint8).data


def _write_data(mv: memoryview, header: Header, src: NDArray[Any]) -> None:
    """Write `src` (shaped as the dims reversed) as the block's data."""
    if header.len_data == 0:
        return
    if _is_block_memory(src, header):
        mv[header.offset : header.offset + header.len_data] = _bytes_of(src)
        return
    copy_into(view_block(mv, header, "C"), src)


def block_size(
    dtype: DTypeLike,
    shape: SupportsIndex | Iterable[SupportsIndex],
    *,
    order: Order = "F",
) -> int:
    """Return the length ``offset + L`` of the block of an array.

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        The element type.
    shape : int or sequence of int
        The numpy shape.
    order : {"F", "C"}, optional
        How the array is held (see :func:`dumps`); the length is the same
        for both, the dims are reversed for ``"C"``.

    Returns
    -------
    int
        The bytes a buffer, file or shared-memory object needs.
    """
    return header_in(dtype, shape, check_order(order)).block_size


# -- block to array ------------------------------------------------------------


def _view(buf: Any, plan: Plan, order: Order) -> NDArray[Any]:
    # frombuffer holds a buffer export: the owner cannot be resized or
    # closed while the array lives.
    a = _frombuffer(buf, plan.dtype, plan.elements, plan.offset)
    if plan.header.ndims == 1:
        return a
    if plan.header.ndims > NUMPY_MAXDIMS:  # pragma: no cover - numpy 1
        raise too_many_for_numpy(plan.header.ndims)
    a = a.reshape(plan.rev)  # C order: the dims reversed
    return a if order == "C" else a.T


def loads(buf: Any, *, order: Order = "F") -> NDArray[Any]:
    """Return the array in a WA-1 block, as a view of the buffer (no copy).

    The pair of :func:`dumps`. The buffer is validated with the checks of
    spec §6.1 first, from one snapshot of its header: if another thread or
    process writes the header meanwhile, the array is what was validated.
    Trailing bytes after the block are ignored.

    Parameters
    ----------
    buf : buffer-protocol object
        bytes, bytearray, memoryview, mmap, a contiguous numpy array, a
        ZeroMQ frame's ``.buffer`` ... holding one block at its first byte.
    order : {"F", "C"}, optional
        ``"F"`` (default): the array is shaped like the header's dims, in
        Fortran order. ``"C"``: shaped like the dims reversed, C-contiguous
        (the same memory, no copy): the array a row-major writer passed to
        ``dumps(arr, order="C")``.

    Returns
    -------
    numpy.ndarray
        The elements, viewing `buf`'s memory: writes go to the buffer.
        Read-only when `buf` is read-only. The array keeps `buf` alive and
        prevents its resizing (a bytearray with an array over it cannot be
        extended).

    Raises
    ------
    WeaError
        The subclass of the first failed check (spec §6.2). For bytes
        that are a ``.npy``, ``.npz`` or safetensors file, a note (on
        Python 3.10: the message) says so and names what reads them.
    TypeError
        If `buf` does not support the buffer protocol.
    ValueError
        If `buf` is not contiguous, or `order` is not ``"F"`` or ``"C"``.

    See Also
    --------
    load_buffered_array : the same, as a :class:`BufferedExchangeArray`.
    """
    if order != "F":
        check_order(order)
    try:  # a snapshot of the first 64 bytes; a header seen before needs only R9
        _, dtype, elements, offset, rev, need = _VALID[_FIRST64(buf)[0]]
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
        if n >= need:  # _view(), inline: this is decode's whole cost
            a = _frombuffer(buf, dtype, elements, offset)
            if len(rev) == 1:
                return a
            a = a.reshape(rev)  # C order: the dims reversed (at most 6 here)
            return a if order == "C" else a.T
    mv = byte_view(buf)
    try:
        plan = validate(mv)
    except WeaError as e:  # the slow path only: say what other format it is
        raise with_foreign_hint(e, bytes(mv[:HEADER_SIZE])) from None
    return _view(mv, plan, order)


# -- the 0.1.3 class -------------------------------------------------------------


class BufferedExchangeArray(ExchangeArrayBase):
    """A numpy array that lives in a WA-1 block in an ordinary byte buffer.

    Made by :func:`create_buffered_array` (a new zeroed block) or
    :func:`load_buffered_array` (a view of a received block); its
    :attr:`exchange_buffer` is the block itself, header included, ready to
    send. The 0.1.3 spellings ``BufferedExchangeArray(dtype=..., shape=...)``
    and ``BufferedExchangeArray(exchange_buffer=buf)`` call those two.

    Views of it (slices, transposes) are ``BufferedExchangeArray`` too,
    made by numpy at no extra cost; a view has an exchange buffer only if
    it is the whole block. Results of arithmetic are plain ndarrays; copies
    keep the class but hold no block.
    """

    #: On the top only: the block, and that array's (strides, dtype, block)
    #: when it was made. Its data address and size cannot change; an in-place
    #: change of its shape changes its strides (a contiguous array's strides
    #: and size determine its shape), and one of its dtype changes the dtype
    #: object. So while both are unchanged it is still its whole block, and
    #: exchange_buffer takes constant, tiny time without the full check.
    #: None for an empty block (strides say little there): the full check.

    _wea_block: ExchangeBuffer | None = None
    _wea_fast: tuple[Any, ...] | None = None

    def __new__(
        cls,
        *,
        dtype: DTypeLike | None = None,
        shape: SupportsIndex | Iterable[SupportsIndex] | None = None,
        exchange_buffer: Any = None,
    ) -> BufferedExchangeArray:
        """Make an array the 0.1.3 way (keywords only), as the factories do.

        ``BufferedExchangeArray(dtype=..., shape=...)`` is
        :func:`create_buffered_array`; ``BufferedExchangeArray(exchange_buffer=buf)``
        is :func:`load_buffered_array`.

        Raises
        ------
        TypeError
            If neither `exchange_buffer` nor both `dtype` and `shape` are
            given, or `dtype` or `shape` come with `exchange_buffer` (the
            header gives them).
        """
        if exchange_buffer is not None:
            if dtype is not None or shape is not None:
                raise TypeError(
                    "wea: BufferedExchangeArray(exchange_buffer=...) takes the dtype "
                    "and shape from the block's header; do not pass them"
                )
            return load_buffered_array(exchange_buffer)
        if dtype is None or shape is None:
            missing = "dtype" if dtype is None else "shape"
            raise TypeError(
                f"wea: missing {missing} for creating a BufferedExchangeArray: pass "
                "dtype= and shape=, or exchange_buffer= (as in wea 0.1.3)"
            )
        return create_buffered_array(dtype, shape)

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
        fast = self._wea_fast  # (strides, dtype, block) of the top, or None
        if fast is not None and fast[0] == self.strides and fast[1] is self.dtype:
            return fast[2]  # type: ignore[no-any-return]
        top = self._wea_top()
        if top is None or top._wea_block is None or not self._is_whole_block(top):
            raise ValueError(
                f"wea: no exchange buffer: {self._view_problem(self, top)}. Copy it "
                "into a block of its own with wea.dumps(arr), or load that with "
                "wea.load_buffered_array(wea.dumps(arr))"
            )
        return top._wea_block

    @property
    def header(self) -> Header | None:
        """The header of the block this array lies in (None if none)."""
        top = self._wea_top()
        return None if top is None else top._wea_header

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        """Pickle as the block, out of band with protocol 5.

        With protocol 5 and a ``buffer_callback`` the block is not copied
        into the pickle: the unpickled array views the buffer the receiver
        passes back. A view or a block-less array is first copied into a
        block of its own.
        """
        top = self._wea_top()
        block: ExchangeBuffer
        order: Order = "F"
        if top is not None and top._wea_block is not None and self._is_whole_block(top):
            block, order = top._wea_block, top._wea_order
        else:
            block = dumps(self)
        if int(protocol) >= 5:
            return (_rebuild_buffered, (pickle.PickleBuffer(block), order))
        if isinstance(block, memoryview):
            block = bytes(block) if block.readonly else bytearray(block)
        return (_rebuild_buffered, (block, order))

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(2)

    def __copy__(self) -> BufferedExchangeArray:
        return load_buffered_array(dumps(self))

    def __deepcopy__(self, memo: Any) -> BufferedExchangeArray:
        return load_buffered_array(dumps(self))


def _rebuild_buffered(buf: Any, order: Order = "F") -> BufferedExchangeArray:
    return load_buffered_array(buf, order=order)


def create_buffered_array(
    dtype: DTypeLike,
    shape: SupportsIndex | Iterable[SupportsIndex],
    *,
    order: Order = "F",
) -> BufferedExchangeArray:
    """Create a zeroed array in a new WA-1 block in a bytearray.

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        The element type (spec §4).
    shape : int or sequence of int
        The numpy shape.
    order : {"F", "C"}, optional
        ``"F"`` (default): Fortran order, the dims are `shape`. ``"C"``: C
        order, the dims are `shape` reversed (see :func:`dumps`).

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
        If the shape has more than 64 dimensions or is too large (§5.6).

    Examples
    --------
    >>> import numpy as np, wea
    >>> wc = wea.buffered_memory.create_buffered_array(np.dtype("float64"), (10, 2))
    >>> buf = wc.exchange_buffer
    >>> wd = wea.buffered_memory.load_buffered_array(buf)
    >>> np.shares_memory(wc, wd)
    True
    """
    check_order(order)
    header = header_in(dtype, shape, order)
    head = header_bytes(header)
    block = bytearray(header.block_size)
    block[: header.offset] = head
    return _wrap_block(block, memoryview(block), header, order)


def load_buffered_array(buf: Any, *, order: Order = "F") -> BufferedExchangeArray:
    """View the array in a received WA-1 block, without copying it.

    Parameters
    ----------
    buf : buffer-protocol object
        bytes, bytearray, memoryview, mmap, numpy uint8 array, a ZeroMQ
        frame's ``.buffer`` ...
    order : {"F", "C"}, optional
        ``"F"`` (default) or ``"C"``, as for :func:`loads`.

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
    check_order(order)
    if isinstance(buf, pickle.PickleBuffer):
        buf = buf.raw()
    mv = byte_view(buf)
    header = validate(mv).header
    block: ExchangeBuffer
    if isinstance(buf, (bytes, bytearray)) and len(buf) == header.block_size:
        block = buf
    else:
        block = mv[: header.block_size]
    return _wrap_block(block, mv, header, order)


def _wrap_block(
    block: ExchangeBuffer, mv: memoryview, header: Header, order: Order
) -> BufferedExchangeArray:
    out = BufferedExchangeArray._wrap(view_block(mv, header, order), header, order)
    out._wea_block = block
    out._wea_fast = (out.strides, out.dtype, block) if out.size else None
    return out
