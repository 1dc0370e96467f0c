"""What the two ndarray subclasses share: views over a block, and their rules.

An array made here views the block's memory through ``numpy.frombuffer``,
whose base is a memoryview that holds a buffer export on the memory's owner
(a bytearray, a mmap ...). So the owner cannot be resized or closed while any
array or view over it exists, and the memory lives until the last of them is
gone: nothing here can leave an array pointing into freed memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from ._format import Header

if TYPE_CHECKING:
    _NDArray = np.ndarray[Any, np.dtype[Any]]
else:
    _NDArray = np.ndarray

__all__ = ["ExchangeArrayBase", "view_block"]

# numpy 2 tells __array_wrap__ when a 0-d result should be a scalar; numpy 1
# does not, and there (as numpy 1's memmap does) every 0-d result is one.
_NUMPY1 = np.lib.NumpyVersion(np.__version__) < "2.0.0"

_A = TypeVar("_A", bound="ExchangeArrayBase")


def view_block(mv: memoryview, header: Header) -> np.ndarray[Any, np.dtype[Any]]:
    """Return the elements of a validated block as a Fortran-order array.

    Parameters
    ----------
    mv : memoryview
        The block, 1-D of format ``"B"``, already validated into `header`.
    header : Header
        The block's header.

    Returns
    -------
    numpy.ndarray
        A view of the ``len_data`` bytes at ``offset``, shaped ``dims`` in
        Fortran order, read-only when `mv` is. No byte is copied.
    """
    # One frombuffer (its base holds the buffer export), then a reshape that
    # is always a view: a fraction of the time of np.ndarray(..., order="F").
    # Positional arguments: numpy parses keywords here in half a microsecond.
    dtype = header.dtype
    arr: np.ndarray[Any, np.dtype[Any]] = np.frombuffer(
        mv, dtype, header.len_data // dtype.itemsize, header.offset
    )
    if header.ndims == 1:
        return arr
    # The Fortran-order view, as a transposed C-order reshape (no keyword).
    fortran: np.ndarray[Any, np.dtype[Any]] = arr.reshape(header.dims[::-1]).T
    return fortran


def data_address(arr: np.ndarray[Any, np.dtype[Any]]) -> int:
    """Return the address of an array's first element."""
    address: int = arr.__array_interface__["data"][0]
    return address


class ExchangeArrayBase(_NDArray):
    """An ndarray over a WA-1 block, shared by both public classes.

    Views (slices, transposes, reshapes) keep the block's bookkeeping, so
    that they can say what they are a view of. Arrays that do not share the
    block's memory (ufunc results, fancy-indexing results, copies) come back
    as plain :class:`numpy.ndarray`, as :class:`numpy.memmap` does.
    """

    _wea_header: Header | None
    #: The array of the whole block (a plain ndarray), whose data address
    #: the views are compared with. Kept rather than its address, which
    #: costs microseconds to read (``__array_interface__``) and is needed
    #: only by exchange_buffer's full check and by pickling.
    _wea_origin: np.ndarray[Any, np.dtype[Any]] | None
    _WEA_ATTRS: ClassVar[tuple[str, ...]] = ("_wea_header", "_wea_origin")

    def __array_finalize__(self, obj: Any) -> None:
        keep = (
            obj is not None
            and getattr(obj, "_wea_header", None) is not None
            and np.may_share_memory(self, obj)
        )
        for name in self._WEA_ATTRS:
            setattr(self, name, getattr(obj, name) if keep else None)

    def __array_wrap__(
        self,
        arr: np.ndarray[Any, np.dtype[Any]],
        context: Any = None,
        return_scalar: bool = False,
    ) -> Any:
        arr = super().__array_wrap__(arr, context)
        if self is arr or not isinstance(arr, ExchangeArrayBase):
            return arr
        if getattr(arr, "_wea_header", None) is not None:
            return arr
        if arr.shape == () and (return_scalar or _NUMPY1):
            return arr[()]
        return arr.view(np.ndarray)

    def __getitem__(self, key: Any) -> Any:
        res = super().__getitem__(key)
        if isinstance(res, ExchangeArrayBase) and res._wea_header is None:
            return res.view(np.ndarray)
        return res

    @classmethod
    def _wrap(cls: type[_A], arr: np.ndarray[Any, np.dtype[Any]], header: Header) -> _A:
        out = arr.view(cls)
        out._wea_header = header
        out._wea_origin = arr
        return out

    def _is_whole_block(self) -> bool:
        """Whether this array is exactly the array its block's header describes."""
        header, origin = self._wea_header, self._wea_origin
        return (
            header is not None
            and origin is not None
            and self.shape == header.dims
            and self.dtype == header.dtype
            and bool(self.flags.f_contiguous)
            and data_address(self) == data_address(origin)
        )

    def _view_problem(self) -> str:
        header = self._wea_header
        if header is None:
            return "this array does not lie in a WA-1 block (it is a copy or a computed result)"
        return (
            f"this array (shape {self.shape}, dtype {self.dtype}) is a view of a "
            f"block whose header describes shape {header.dims}, dtype "
            f"{header.dtype.name}; that header would not describe it"
        )
