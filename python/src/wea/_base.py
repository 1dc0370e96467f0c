"""Where a block's elements lie: views of them, writing them, and the two subclasses' rules.

:func:`view_block` views the data of a validated block; :func:`fill_data`
and :func:`copy_into` write an array into it (a cache-blocked copy when the
layout needs a transposition); :class:`ExchangeArrayBase` is what the two
public ndarray subclasses share.

An array made here views the block's memory through ``numpy.frombuffer``,
whose base is a memoryview that holds a buffer export on the memory's owner
(a bytearray, a mmap ...). So the owner cannot be resized or closed while any
array or view over it exists, and the memory lives until the last of them is
gone: nothing here can leave an array pointing into freed memory.

Nothing of wea runs on numpy's hot paths. The bookkeeping (header, order,
block, segment) lives only on the array that wea hands out, the *top*;
views that numpy makes of it (slices, transposes, reshapes) are made in C
and carry nothing. numpy sets such a view's ``base`` to the top, so a view
finds its top lazily, only when it is asked for its block (``unlink()``,
``exchange_buffer``, pickling). An array that does not share the top's
memory (a ufunc result, a copy) has no top: it does not pretend to lie in
the block.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _accel
from ._format import Header, dims_of, make_header

if TYPE_CHECKING:
    _NDArray = np.ndarray[Any, np.dtype[Any]]
else:
    _NDArray = np.ndarray

__all__ = [
    "NUMPY_MAXDIMS",
    "ORDERS",
    "ExchangeArrayBase",
    "Order",
    "check_order",
    "copy_into",
    "fill_data",
    "header_in",
    "source",
    "too_many_for_numpy",
    "view_block",
]

# numpy 2 tells __array_wrap__ when a 0-d result should be a scalar; numpy 1
# does not, and there (as numpy 1's memmap does) every 0-d result is one.
_NUMPY1 = np.lib.NumpyVersion(np.__version__) < "2.0.0"
#: The most dimensions a numpy array can have here: 32 in numpy 1, 64 in 2.
NUMPY_MAXDIMS = 32 if _NUMPY1 else 64


def too_many_for_numpy(ndims: int) -> ValueError:
    """Return the error for a valid block that this numpy cannot hold."""
    return ValueError(
        f"wea: the block has {ndims} dimensions, numpy {np.__version__} holds at most "
        f"{NUMPY_MAXDIMS}; numpy 2 holds 64: upgrade numpy to read it (WA-1 §5.3)"
    )


_A = TypeVar("_A", bound="ExchangeArrayBase")

#: How this side holds an array (the ``order`` keyword): ``"F"``, the
#: numpy shape is the header's dims; ``"C"``, the numpy shape is the dims
#: reversed and the array is C-contiguous (spec §7.2, note).
Order = Literal["F", "C"]
ORDERS: tuple[Order, ...] = ("F", "C")


def check_order(order: Any) -> Order:
    """Return `order` if it is ``"F"`` or ``"C"``; raise ValueError otherwise."""
    if order == "F" or order == "C":
        return "F" if order == "F" else "C"
    raise ValueError(
        f"wea: order must be 'F' (the numpy shape is the header's dims) or 'C' "
        f"(the numpy shape is the dims reversed), got {order!r}"
    )


def view_block(
    mv: memoryview, header: Header, order: Order = "F"
) -> np.ndarray[Any, np.dtype[Any]]:
    """Return the elements of a validated block as an array, without a copy.

    Parameters
    ----------
    mv : memoryview
        The block, 1-D of format ``"B"``, already validated into `header`.
    header : Header
        The block's header.
    order : {"F", "C"}, optional
        ``"F"`` (default): shaped ``dims``, Fortran-contiguous. ``"C"``:
        shaped ``dims`` reversed, C-contiguous (the same memory).

    Returns
    -------
    numpy.ndarray
        A view of the ``len_data`` bytes at ``offset``; read-only when `mv`
        is.
    """
    # One frombuffer (its base holds the buffer export), then a reshape that
    # is always a view. Positional arguments: numpy parses keywords slowly.
    dtype = header.dtype
    arr: np.ndarray[Any, np.dtype[Any]] = np.frombuffer(
        mv, dtype, header.len_data // dtype.itemsize, header.offset
    )
    if header.ndims == 1:
        return arr
    if header.ndims > NUMPY_MAXDIMS:  # pragma: no cover - numpy 1
        raise too_many_for_numpy(header.ndims)
    c_order: np.ndarray[Any, np.dtype[Any]] = arr.reshape(header.dims[::-1])
    return c_order if order == "C" else c_order.T


def _wrap_numpy1(self: Any, arr: Any) -> Any:  # pragma: no cover - numpy 1
    """Return what numpy 1's ufuncs should: a plain result, a scalar, or the out= array."""
    if arr.shape == () and arr is not self:
        return arr[()]
    if arr is self or not isinstance(arr, ExchangeArrayBase) or arr._wea_top() is not None:
        return arr  # out= (the array itself, or a view of a block)
    return arr.view(np.ndarray)


def header_in(
    dtype: DTypeLike, shape: SupportsIndex | Iterable[SupportsIndex], order: Order
) -> Header:
    """Return the canonical header of an array held in `order`.

    ``"F"``: the dims are `shape`; ``"C"``: they are `shape` reversed.
    """
    dims = dims_of(shape)
    return make_header(dtype, dims[::-1] if order == "C" else dims)


def source(a: np.ndarray[Any, np.dtype[Any]], order: Order) -> np.ndarray[Any, np.dtype[Any]]:
    """Return the array as the block stores it: its elements in C order are the data.

    The header's dims are this array's shape reversed: for ``order="F"`` it
    is the transpose of `a` (a view), for ``order="C"`` `a` itself.
    """
    return a if order == "C" else a.T


#: The blocked transposing copy works on tiles of TILE_P elements along the
#: destination's fastest axis (each of them comes from a different source
#: row, so a tile touches TILE_P pages: few enough for the TLB) by as many
#: elements along the source's fastest axis as make TILE_BYTES (long runs of
#: contiguous reads). bench/ measured 64 x 1024 float64 at about 2.3 times
#: a memcpy where square 256 x 256 tiles took 3 and numpy's own copy 7.
TILE_P = 64
TILE_BYTES = 1 << 19
_BLOCKED_MIN = 1 << 16  # elements; below that numpy's own copy is as fast


def _tile_q(itemsize: int) -> int:
    """Return the tile's extent along the source's fastest axis, in elements."""
    return max(TILE_P, TILE_BYTES // (TILE_P * itemsize))


def _assign(dst: NDArray[Any], src: NDArray[Any]) -> None:
    """``dst[...] = src``, writing only 0 and 1 for bool (spec §4.2)."""
    if src.dtype.kind == "b":
        src = src.view(np.uint8)  # uint8 -> bool casts any nonzero byte to 1
    np.copyto(dst, src, casting="unsafe")


def copy_into(dst: NDArray[Any], src: NDArray[Any]) -> None:
    """Copy `src` into the C-contiguous `dst` of the same shape, converting.

    A source whose fastest axis is not the destination's last one (a true
    transposition) is copied tile by tile, so that both sides stay in the
    cache; numpy's own strided copy is many times slower there. With the
    compiled part (:mod:`wea._accel`) the tiles are copied in C, for a
    source of the destination's dtype (bool aside: its bytes are
    normalized to 0 and 1).
    """
    if src.ndim < 2 or src.size < _BLOCKED_MIN or src.flags.c_contiguous:
        _assign(dst, src)
        return
    if (
        _accel.copy_transposed is not None
        and src.dtype == dst.dtype
        and src.dtype.kind != "b"
        and _accel.copy_transposed(dst, src)
    ):
        return
    strides = [abs(s) for s in src.strides]
    q = min(range(src.ndim), key=lambda i: (strides[i], -i))  # src's fastest axis
    p = src.ndim - 1  # dst's fastest axis
    if q == p:
        _assign(dst, src)
        return
    tile_q, tile_p = _tile_q(dst.itemsize), TILE_P
    others = [i for i in range(src.ndim) if i not in (p, q)]
    index: list[Any] = [slice(None)] * src.ndim
    for rest in itertools.product(*(range(src.shape[i]) for i in others)):
        for i, r in zip(others, rest, strict=True):
            index[i] = r
        for i0 in range(0, src.shape[q], tile_q):
            index[q] = slice(i0, i0 + tile_q)
            for j0 in range(0, src.shape[p], tile_p):
                index[p] = slice(j0, j0 + tile_p)
                key = tuple(index)
                _assign(dst[key], src[key])


def fill_data(mv: memoryview, header: Header, values: Any, order: Order = "F") -> None:
    """Write array values into the data of a block, converting as needed.

    Parameters
    ----------
    mv : memoryview
        The writable block.
    header : Header
        Its header.
    values : array_like
        Values broadcast to the block's shape (in `order`) and converted as
        ``arr[...] = values`` converts them; bool values are written as 0
        and 1 only (spec §4.2).
    order : {"F", "C"}, optional
        How `values` is shaped: ``"F"``, like the dims; ``"C"``, like the
        dims reversed.
    """
    dst = view_block(mv, header, "C")  # the block's own memory order
    # Broadcast as `arr[...] = values` does, in the holder's shape, then turn
    # it into the block's order.
    held = np.broadcast_to(np.asarray(values), dst.shape if order == "C" else dst.shape[::-1])
    copy_into(dst, source(held, order))


def data_address(arr: np.ndarray[Any, np.dtype[Any]]) -> int:
    """Return the address of an array's first element."""
    address: int = arr.__array_interface__["data"][0]
    return address


class ExchangeArrayBase(_NDArray):
    """An ndarray over a WA-1 block, shared by both public classes.

    Only the array that wea hands out (the top) holds the block's
    bookkeeping. Views of it are instances of the same class, made by numpy
    in C at no extra cost; they find the top through ``base`` when asked
    for their block. Ufunc results come back as plain
    :class:`numpy.ndarray`; other arrays that do not share the block's
    memory (copies, fancy indexing) keep the class but hold no block.
    """

    #: Set on the top only (instance attributes); the class defaults say
    #: "not a top".
    _wea_header: Header | None = None
    _wea_order: Order = "F"
    #: Set on a view that numpy did not make (an unpickled view): its top.
    _wea_link: ExchangeArrayBase | None = None

    def __array_wrap__(self, arr: Any, context: Any = None, return_scalar: bool = False, /) -> Any:
        # numpy 2 hands over the plain result (or the out= array itself) and
        # says when a 0-d result is a scalar; numpy 1 hands over a result of
        # this class and never says (there every 0-d result is a scalar, as
        # numpy 1's memmap does).
        if return_scalar:
            return arr[()]
        if _NUMPY1:  # pragma: no cover - numpy 1
            return _wrap_numpy1(self, arr)
        return arr

    if _accel.array_wrap is not None and not _NUMPY1:
        # The same, in C (wea._accel): no Python runs per ufunc call.
        __array_wrap__ = staticmethod(_accel.array_wrap)

    #: ndarray's own priority, found in this class's dict: numpy looks it up
    #: on every ufunc call with a subclass (one lookup up the MRO less).
    __array_priority__ = 0.0

    if TYPE_CHECKING:  # for type checkers only: no __getitem__ runs in Python

        def __getitem__(self, key: Any) -> Any: ...

    @classmethod
    def _wrap(
        cls: type[_A], arr: np.ndarray[Any, np.dtype[Any]], header: Header, order: Order
    ) -> _A:
        out = arr.view(cls)
        out._wea_header = header
        out._wea_order = order
        return out

    def _wea_top(self: _A) -> _A | None:
        """Return the top array whose block this array lies in, or None."""
        obj: Any = self
        while isinstance(obj, np.ndarray):
            if isinstance(obj, ExchangeArrayBase):
                if obj._wea_header is not None:
                    return obj if isinstance(obj, type(self)) else None
                if obj._wea_link is not None:
                    obj = obj._wea_link
                    continue
            obj = obj.base
        return None

    def _block_shape(self) -> tuple[int, ...]:
        """Return the numpy shape of the whole block in this top's order."""
        dims = () if self._wea_header is None else self._wea_header.dims
        return dims[::-1] if self._wea_order == "C" else dims

    def _is_whole_block(self, top: ExchangeArrayBase) -> bool:
        """Whether this array is exactly the array `top`'s header describes."""
        header = top._wea_header
        if header is None:
            return False
        contiguous = self.flags.c_contiguous if top._wea_order == "C" else self.flags.f_contiguous
        return (
            self.shape == top._block_shape()
            and self.dtype == header.dtype
            and bool(contiguous)
            and data_address(self) == data_address(top)
        )

    @staticmethod
    def _view_problem(arr: np.ndarray[Any, np.dtype[Any]], top: ExchangeArrayBase | None) -> str:
        if top is None or top._wea_header is None:
            return "this array does not lie in a WA-1 block (it is a copy or a computed result)"
        header = top._wea_header
        return (
            f"this array (shape {arr.shape}, dtype {arr.dtype}) is a view of a "
            f"block whose header describes shape {top._block_shape()} in order "
            f"{top._wea_order!r}, dtype {header.dtype.name}; that header would not describe it"
        )
