"""The WA-1 format core: constants, element types, header read and write.

This module is the only place where the layout of spec/wea.md is coded. It
does no I/O and allocates nothing in proportion to a size that a header
claims: it reads and writes headers in caller-provided buffers.

Reading applies the checks R1 to R9 of spec §6.1 in their order and raises
the first failing one as the exception of its category (spec §6.2), with the
message text of spec §6.3. Writing (:func:`make_header`, :func:`write_header`)
refuses anything a reader would reject and always writes the canonical data
offset (spec §3.5, §7.1).
"""

from __future__ import annotations

import operator
import shlex
import struct
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, NamedTuple, SupportsIndex

import numpy as np
from numpy.typing import DTypeLike

from ._errors import (
    BadMagicError,
    DataTruncatedError,
    InvalidDimensionError,
    InvalidNdimsError,
    InvalidOffsetError,
    SizeOverflowError,
    TruncatedError,
    UnsupportedTypeError,
    UnsupportedVersionError,
    WeaError,
    WrongByteOrderError,
)

__all__ = [
    "ALIGNMENT",
    "DEFAULT_MODE",
    "DIM_SIZE",
    "ELEMENT_TYPES",
    "HEADER_SIZE",
    "LEGACY_OFFSET_DELTA",
    "MAGIC",
    "MAGIC_BYTES",
    "MAX_NAME_BYTES",
    "MAX_NDIMS",
    "MAX_OFFSET",
    "MAX_SIZE",
    "SUPPORTED_DTYPES",
    "ElementType",
    "Header",
    "Plan",
    "byte_view",
    "canonical_offset",
    "check_length",
    "check_magic",
    "dims_of",
    "etype_of",
    "foreign_hint",
    "header_bytes",
    "make_header",
    "parse_fixed_header",
    "parse_header",
    "publish",
    "snapshot",
    "sniff_format",
    "validate",
    "validate_snapshot",
    "with_foreign_hint",
    "write_header",
]

# -- §12 named constants ------------------------------------------------------

# BEGIN GENERATED constants: from spec/registry.json by `make tables`; do not edit
#: The magic number (§3.3); in little-endian order the bytes ``31 2D 41 57``.
MAGIC: Final = 0x57412D31
#: The magic as it lies in memory (§3.3).
MAGIC_BYTES: Final = b"\x31\x2d\x41\x57"
#: Size of the fixed header (§3.2).
HEADER_SIZE: Final = 16
#: Size of one dimension (§3.4).
DIM_SIZE: Final = 8
#: Alignment of the data offset, relative to the block (§3.5).
ALIGNMENT: Final = 64
#: What wea 0.1.3 added to the canonical offset (§5.4).
LEGACY_OFFSET_DELTA: Final = 64
#: The largest number of dimensions (§5.3).
MAX_NDIMS: Final = 64
#: The largest data offset (§5.3).
MAX_OFFSET: Final = 640
#: The largest size, element count or extent, ``2^63-1`` (§5.6).
MAX_SIZE: Final = 2**63 - 1
#: The largest length of a shared-memory name's body, in bytes (§8.2.1).
MAX_NAME_BYTES: Final = 255
#: The permission bits of a new shared-memory object (§8.2.2, §10.4).
DEFAULT_MODE: Final = 0o600
# END GENERATED constants

_FIXED = struct.Struct("<HHq")  # etype, ndims, offset, after the magic
#: The dims of N dimensions, N = 0 to MAX_NDIMS, compiled once at import.
_DIMS: Final = tuple(struct.Struct(f"<{n}q") for n in range(MAX_NDIMS + 1))
_CITE = "(WA-1 §6.1 {})"

# -- §4 element types ---------------------------------------------------------


@dataclass(frozen=True)
class ElementType:
    """One element type of spec §4.

    Attributes
    ----------
    code : int
        The type code written in the header's ``etype`` field.
    name : str
        The spec's name, which is also numpy's (``"float64"``, ``"bool"``).
    dtype : numpy.dtype
        The little-endian numpy dtype of the stored elements.
    julia : bool
        True for the core codes 1 to 12 that Julia's ``WrappedArray`` reads,
        false for the extension codes of §4.2.
    """

    code: int
    name: str
    dtype: np.dtype[Any]
    julia: bool

    @property
    def itemsize(self) -> int:
        """The element size ``S`` in bytes."""
        return int(self.dtype.itemsize)


def _et(code: int, name: str, spec: str, julia: bool) -> ElementType:
    return ElementType(code, name, np.dtype(spec), julia)


#: The element types of spec §4.1 and §4.2, by code.
ELEMENT_TYPES: Final[Mapping[int, ElementType]] = MappingProxyType(
    {
        et.code: et
        for et in (
            # BEGIN GENERATED element-types: from spec/registry.json by `make tables`; do not edit
            _et(1, "int8", "|i1", True),
            _et(2, "uint8", "|u1", True),
            _et(3, "int16", "<i2", True),
            _et(4, "uint16", "<u2", True),
            _et(5, "int32", "<i4", True),
            _et(6, "uint32", "<u4", True),
            _et(7, "int64", "<i8", True),
            _et(8, "uint64", "<u8", True),
            _et(9, "float32", "<f4", True),
            _et(10, "float64", "<f8", True),
            _et(11, "complex64", "<c8", True),
            _et(12, "complex128", "<c16", True),
            _et(256, "bool", "|b1", False),
            _et(257, "float16", "<f2", False),
            # END GENERATED element-types
        )
    }
)

# BEGIN GENERATED etype-codes: from spec/registry.json by `make tables`; do not edit
#: The valid codes as the R3 message spells them out (spec §6.3).
_ETYPE_CODES: Final = "1 to 12, 256 or 257"
# END GENERATED etype-codes

_BY_KIND_SIZE: Final[dict[tuple[str, int], int]] = {
    (et.dtype.kind, et.dtype.itemsize): et.code for et in ELEMENT_TYPES.values()
}

SUPPORTED_NAMES: Final = ", ".join(et.name for et in ELEMENT_TYPES.values())

#: The numpy dtypes that WA-1 holds (spec §4), little-endian.
SUPPORTED_DTYPES: Final[tuple[np.dtype[Any], ...]] = tuple(
    et.dtype for et in ELEMENT_TYPES.values()
)


def etype_of(dtype: DTypeLike) -> int:
    """Return the WA-1 element type code of a numpy dtype.

    The byte order of `dtype` does not matter: a big-endian ``>f8`` has the
    code of ``float64`` (writers convert the elements, spec §7.2).

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        Anything ``numpy.dtype`` accepts.

    Returns
    -------
    int
        A code of spec §4.1 or §4.2.

    Raises
    ------
    TypeError
        If the dtype has no WA-1 code (text, records, objects, datetimes,
        128-bit floats ...); the message names the supported types (§7.3).
    """
    dt = np.dtype(dtype)
    code = None
    if dt.fields is None and dt.subdtype is None:
        code = _BY_KIND_SIZE.get((dt.kind, dt.itemsize))
    if code is None:
        raise TypeError(
            f"wea: dtype {dt!s} ({dt.str}) has no WA-1 element type; "
            f"supported: {SUPPORTED_NAMES} (WA-1 §4)"
        )
    return code


# -- §3.5 offsets --------------------------------------------------------------


def canonical_offset(ndims: int) -> int:
    """Return the canonical data offset ``C(N) = roundup(16 + 8*N, 64)`` (§3.5).

    Parameters
    ----------
    ndims : int
        The number of dimensions ``N`` (any integer at least 0).

    Returns
    -------
    int
        ``C(N)``: 64 for ``N`` = 0 to 6, 128 for 7 to 14, and so on.
    """
    size = HEADER_SIZE + DIM_SIZE * ndims
    return -(-size // ALIGNMENT) * ALIGNMENT


# -- the parsed header ---------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The fields of a valid WA-1 header (spec §3.2).

    Attributes
    ----------
    etype : int
        The element type code (§4).
    ndims : int
        The number of dimensions ``N``.
    offset : int
        The data offset: ``C(N)``, or ``C(N) + 64`` in a block written by
        wea 0.1.3 (§5.4).
    dims : tuple of int
        The dimensions, first dimension (the fastest varying) first. This
        is the numpy shape of the array in Fortran order.
    len_data : int
        The data length ``L = S * K`` in bytes (§3.6).
    """

    etype: int
    ndims: int
    offset: int
    dims: tuple[int, ...]
    len_data: int

    @property
    def element_type(self) -> ElementType:
        """The :class:`ElementType` of `etype`."""
        return ELEMENT_TYPES[self.etype]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The little-endian numpy dtype of the elements."""
        return ELEMENT_TYPES[self.etype].dtype

    @property
    def itemsize(self) -> int:
        """The element size ``S`` in bytes."""
        return ELEMENT_TYPES[self.etype].itemsize

    @property
    def shape(self) -> tuple[int, ...]:
        """The numpy shape (the dims; the array is in Fortran order)."""
        return self.dims

    @property
    def count(self) -> int:
        """The element count ``K``."""
        return self.len_data // self.itemsize

    @property
    def block_size(self) -> int:
        """The length of the block, ``offset + L`` (§3.7)."""
        return self.offset + self.len_data

    @property
    def header_size(self) -> int:
        """The bytes the header and dims occupy, ``16 + 8*N``."""
        return HEADER_SIZE + DIM_SIZE * self.ndims

    @property
    def legacy_offset(self) -> bool:
        """Whether the offset is the ``C + 64`` of wea 0.1.3 (§5.4)."""
        return self.offset != canonical_offset(self.ndims)

    @property
    def julia_readable(self) -> bool:
        """Whether Julia's ``WrappedArray`` reads this block (§2.4)."""
        return (
            ELEMENT_TYPES[self.etype].julia
            and self.ndims >= 1
            and all(d > 0 for d in self.dims)
            and not self.legacy_offset
        )


# -- reading -------------------------------------------------------------------


def byte_view(buf: Any) -> memoryview:
    """Return a flat, unsigned-byte memoryview of a buffer, without copying.

    Parameters
    ----------
    buf : buffer-protocol object
        bytes, bytearray, memoryview, mmap, a contiguous numpy array, a
        ZeroMQ frame's buffer ...

    Returns
    -------
    memoryview
        A 1-D view of format ``"B"`` over the same memory; read-only when
        `buf` is. It keeps `buf` alive.

    Raises
    ------
    TypeError
        If `buf` does not support the buffer protocol.
    ValueError
        If `buf` is not C-contiguous (its bytes are not one run of memory).
    """
    try:
        mv = memoryview(buf)
    except TypeError:
        raise TypeError(
            "wea: expected a buffer-protocol object (bytes, bytearray, "
            f"memoryview, mmap, numpy array), got {type(buf).__name__}"
        ) from None
    if mv.ndim == 1 and mv.format == "B" and mv.c_contiguous:
        return mv
    if not mv.c_contiguous:
        raise ValueError(
            "wea: the buffer is not contiguous; a WA-1 block is one run of "
            "bytes (copy it first, for example with bytes(buf))"
        )
    try:
        return mv.cast("B")
    except TypeError:  # a format memoryview cannot cast ('Zd', '<d', structs)
        return np.frombuffer(mv, dtype=np.uint8).data


def _cite(check: str) -> str:
    return _CITE.format(check)


def _hex(raw: bytes) -> str:
    return " ".join(f"{b:02X}" for b in raw)


def check_length(length: int, needed: int, check: str, ndims: int = 0) -> None:
    """Apply one of the length checks R1 or R6 (spec §6.1).

    Parameters
    ----------
    length : int
        The block length ``len``.
    needed : int
        The bytes that the check requires.
    check : {"R1", "R6"}
        Which check, which selects the message.
    ndims : int, optional
        The number of dimensions, for the message of R6.

    Raises
    ------
    TruncatedError
        When ``length < needed``.
    """
    if length >= needed:
        return
    if check == "R1":
        raise TruncatedError(
            f"truncated: the block has {length} bytes, the fixed header needs "
            f"{HEADER_SIZE} {_cite('R1')}"
        )
    if check == "R6":
        raise TruncatedError(
            f"truncated: the block has {length} bytes, the header with {ndims} "
            f"dimensions needs {needed} {_cite('R6')}"
        )
    raise ValueError(f"wea: unknown length check {check!r}")  # pragma: no cover


def _data_truncated(length: int, offset: int, len_data: int) -> DataTruncatedError:
    return DataTruncatedError(
        f"data_truncated: the block has {length} bytes, expected at least "
        f"{offset + len_data} (data offset {offset} + data length {len_data}) "
        f"{_cite('R9')}"
    )


def check_magic(raw: bytes) -> None:
    """Apply check R2 to the 4 magic bytes (spec §6.1).

    Parameters
    ----------
    raw : bytes
        The first 4 bytes of the block.

    Raises
    ------
    WrongByteOrderError
        For a WA header written most significant byte first.
    UnsupportedVersionError
        For the magic of another version ``WA-x`` (§9).
    BadMagicError
        For anything else that is not ``31 2D 41 57``.
    """
    if raw == MAGIC_BYTES:
        return
    found = _hex(raw)
    if raw[0:3] == b"\x57\x41\x2d":
        raise WrongByteOrderError(
            f"wrong_byte_order: magic bytes {found} are a big-endian WA header, "
            f"expected 31 2D 41 57 {_cite('R2')}"
        )
    if raw[1:4] == b"\x2d\x41\x57":
        raise UnsupportedVersionError(
            f"unsupported_version: magic bytes {found} announce another WA "
            f"version, expected 31 2D 41 57 {_cite('R2')}"
        )
    raise BadMagicError(f"bad_magic: magic bytes {found}, expected 31 2D 41 57 {_cite('R2')}")


def _check_etype(etype: int) -> None:
    """R3."""
    if etype not in ELEMENT_TYPES:
        raise UnsupportedTypeError(
            f"unsupported_type: element type code {etype}, expected {_ETYPE_CODES} {_cite('R3')}"
        )


def _check_ndims(ndims: int) -> None:
    """R4."""
    if ndims > MAX_NDIMS:
        raise InvalidNdimsError(
            f"invalid_ndims: ndims is {ndims}, expected at most {MAX_NDIMS} {_cite('R4')}"
        )


def _check_offset(offset: int, ndims: int) -> None:
    """R5."""
    c = canonical_offset(ndims)
    if offset != c and offset != c + LEGACY_OFFSET_DELTA:
        raise InvalidOffsetError(
            f"invalid_offset: data offset is {offset}, expected {c} or "
            f"{c + LEGACY_OFFSET_DELTA} for {ndims} dimensions {_cite('R5')}"
        )


def _check_dims(dims: Iterable[int]) -> None:
    """R7: the first negative dimension is reported."""
    for i, d in enumerate(dims):
        if d < 0:
            raise InvalidDimensionError(
                f"invalid_dimension: dimension {i} is {d}, expected at least 0 {_cite('R7')}"
            )


def _check_sizes(dims: tuple[int, ...], itemsize: int, offset: int) -> int:
    """R8 (§5.6): return the data length ``L`` once every size fits."""
    extent = 1
    for d in dims:
        extent *= d if d > 1 else 1
        if extent > MAX_SIZE:
            raise SizeOverflowError(
                "overflow: the extent (the product of the dimensions, zeros "
                f"counted as 1) exceeds 2^63-1 {_cite('R8')}"
            )
    if itemsize * extent > MAX_SIZE:
        raise SizeOverflowError(
            f"overflow: extent {extent} times element size {itemsize} exceeds "
            f"2^63-1 bytes {_cite('R8')}"
        )
    count = 1
    for d in dims:
        count *= d
    len_data = itemsize * count
    if offset + len_data > MAX_SIZE:
        raise SizeOverflowError(
            f"overflow: data offset {offset} plus data length {len_data} "
            f"exceeds 2^63-1 {_cite('R8')}"
        )
    return len_data


def _require(available: int, needed: int) -> None:
    # Only reachable when the caller passed a block length larger than the
    # bytes it handed over: the header lies partly outside the buffer.
    if available < needed:
        raise ValueError(
            f"wea: the header needs the first {needed} bytes of the block, "
            f"but only {available} were given"
        )


def parse_fixed_header(buf: Any, length: int | None = None) -> tuple[int, int, int]:
    """Apply checks R1 to R5, which need only the 16-byte fixed header.

    A reader that receives a stream can call this on the first 16 bytes to
    learn how many bytes the header needs (``16 + 8*ndims``) before the
    rest arrives (spec §6.1).

    Parameters
    ----------
    buf : buffer-protocol object
        The first bytes of the block (at least 16 of them, or all there are).
    length : int, optional
        The block length ``len``; defaults to ``len(buf)``. A larger value
        says that `buf` holds only the beginning of the block.

    Returns
    -------
    tuple of int
        ``(etype, ndims, offset)``, valid as far as R1 to R5 go.

    Raises
    ------
    WeaError
        The first failing check's category (R1 to R5).
    ValueError
        If `length` is negative, or claims bytes that `buf` does not hold
        but the checks need.
    """
    mv = byte_view(buf)
    n = len(mv) if length is None else int(length)
    if n < 0:
        raise ValueError(f"wea: a block length cannot be negative, got {n}")
    check_length(n, HEADER_SIZE, "R1")
    _require(len(mv), HEADER_SIZE)
    check_magic(bytes(mv[0:4]))
    etype, ndims, offset = _FIXED.unpack_from(mv, 4)
    _check_etype(etype)
    _check_ndims(ndims)
    _check_offset(offset, ndims)
    return etype, ndims, offset


def parse_header(buf: Any, length: int | None = None) -> Header:
    """Validate a WA-1 block with checks R1 to R9 and return its header.

    The checks run in the order of spec §6.1 and the first failing one is
    raised. No byte at or beyond the block length is read, and nothing is
    allocated in proportion to any field.

    Parameters
    ----------
    buf : buffer-protocol object
        The block, starting at its first byte. It is not copied.
    length : int, optional
        The block length ``len`` (spec §1.4); defaults to ``len(buf)``. Pass
        a larger value when `buf` holds only the first bytes of a block of
        that length (for example the first 640 bytes of a file): then `buf`
        must hold the whole header (``16 + 8*ndims`` bytes).

    Returns
    -------
    Header
        The header of the valid block; its data are the ``len_data`` bytes
        at ``offset``.

    Raises
    ------
    TruncatedError, BadMagicError, WrongByteOrderError
        R1 / R6, R2, R2.
    UnsupportedVersionError, UnsupportedTypeError, InvalidNdimsError
        R2, R3, R4.
    InvalidOffsetError, InvalidDimensionError, SizeOverflowError
        R5, R7, R8.
    DataTruncatedError
        R9.
    ValueError
        If `length` is negative or `buf` lacks header bytes that `length`
        claims.
    """
    mv = byte_view(buf)
    n = len(mv) if length is None else int(length)
    if type(buf) is not bytes:
        # One private copy of the header bytes: every field is read from it, so
        # the checks hold for what is returned even if `buf` is written meanwhile.
        mv = memoryview(snapshot(mv))
    etype, ndims, offset = parse_fixed_header(mv, n)
    header_size = HEADER_SIZE + DIM_SIZE * ndims
    check_length(n, header_size, "R6", ndims)
    _require(len(mv), header_size)
    dims: tuple[int, ...] = _DIMS[ndims].unpack_from(mv, HEADER_SIZE)
    _check_dims(dims)
    len_data = _check_sizes(dims, ELEMENT_TYPES[etype].itemsize, offset)
    if n < offset + len_data or offset + len_data > sys.maxsize:
        raise _data_truncated(n, offset, len_data)
    return Header(etype, ndims, offset, dims, len_data)


# -- writing -------------------------------------------------------------------


def dims_of(shape: SupportsIndex | Iterable[SupportsIndex]) -> tuple[int, ...]:
    """Return a numpy-style shape (an int or a sequence of ints) as a tuple of int.

    Raises
    ------
    TypeError
        If `shape` holds something that is not an integer.
    """
    if isinstance(shape, Iterable):
        return tuple(operator.index(d) for d in shape)
    return (operator.index(shape),)


def make_header(dtype: DTypeLike, shape: SupportsIndex | Iterable[SupportsIndex]) -> Header:
    """Return the canonical header of a new block (spec §7.1).

    Parameters
    ----------
    dtype : numpy.typing.DTypeLike
        The element type; its byte order does not matter.
    shape : int or sequence of int
        The numpy shape, which is the dims in Fortran order.

    Returns
    -------
    Header
        A header with the canonical offset ``C(N)``.

    Raises
    ------
    TypeError
        If `dtype` has no WA-1 code, or `shape` holds a non-integer.
    InvalidNdimsError
        If `shape` has more than 64 dimensions.
    InvalidDimensionError
        If a dimension is negative.
    SizeOverflowError
        If a size of §5.6 exceeds ``2^63-1``.
    """
    etype = etype_of(dtype)
    dims = dims_of(shape)
    ndims = len(dims)
    _check_ndims(ndims)
    _check_dims(dims)
    offset = canonical_offset(ndims)
    len_data = _check_sizes(dims, ELEMENT_TYPES[etype].itemsize, offset)
    return Header(etype, ndims, offset, dims, len_data)


def write_header(buf: Any, header: Header, *, magic: bool = True) -> None:
    """Write a header, its dims and zero padding at the start of a buffer.

    Parameters
    ----------
    buf : writable buffer-protocol object
        At least ``header.offset`` bytes; bytes from ``header.offset`` on
        are not touched.
    header : Header
        What to write.
    magic : bool, optional
        Write the magic too (default). Pass False to write everything but
        the magic, then call :func:`publish` once the rest is in place: the
        creation protocol of shared memory (spec §8.2.2, C6 and C7).

    Raises
    ------
    ValueError
        If `buf` is read-only or shorter than ``header.offset``.
    """
    mv = byte_view(buf)
    if mv.readonly:
        raise ValueError("wea: cannot write a header into a read-only buffer")
    if len(mv) < header.offset:
        raise ValueError(f"wea: the buffer has {len(mv)} bytes, the header needs {header.offset}")
    mv[4 : header.offset] = header_bytes(header)[4:]
    if magic:
        publish(mv)


def publish(buf: Any) -> None:
    """Write the 4 magic bytes at the start of a buffer (spec §8.2.2, C7).

    Parameters
    ----------
    buf : writable buffer-protocol object
        A block whose header, except the magic, is already written.
    """
    byte_view(buf)[0:4] = MAGIC_BYTES


def header_bytes(header: Header) -> bytes:
    """Return the first ``header.offset`` bytes of a block: header, dims, padding.

    Parameters
    ----------
    header : Header
        The header to encode.

    Returns
    -------
    bytes
        ``header.offset`` bytes, starting with the magic.
    """
    out = bytearray(header.offset)
    out[0:4] = MAGIC_BYTES
    _FIXED.pack_into(out, 4, header.etype, header.ndims, header.offset)
    _DIMS[header.ndims].pack_into(out, HEADER_SIZE, *header.dims)
    return bytes(out)


# -- validating a snapshot, with a cache of validated headers ------------------
#
# A block may lie in memory that another thread or process writes while it
# is read (shared memory, a mapped file). So a reader validates one private
# snapshot of the header bytes (an immutable ``bytes``) and uses only what it
# validated: never a second read of the live buffer.
#
# Validating a header in Python costs microseconds, while a zero-copy view
# costs a fraction of one. The checks R1 to R8 depend only on the header and
# dims; for at most 6 dims they lie in the block's first 64 bytes, which
# every valid block has (offset >= 64). So the checked plan of a snapshot is
# remembered under that very snapshot's first 64 bytes (padding included:
# a block with other padding is validated again), and only R9 (the length)
# is checked per call. What is keyed is exactly what was checked.


class Plan(NamedTuple):
    """A validated header, with what a zero-copy view of its block needs.

    Attributes
    ----------
    header : Header
        The validated header.
    dtype : numpy.dtype
        The little-endian dtype of the elements.
    elements : int
        The element count ``K``.
    offset : int
        The data offset.
    rev : tuple of int
        The dims reversed: the C-order shape whose transpose is the
        Fortran-order array of the dims.
    need : int
        The block length ``offset + L`` that R9 requires.
    """

    header: Header
    dtype: np.dtype[Any]
    elements: int
    offset: int
    rev: tuple[int, ...]
    need: int


_FIRST64: Final = struct.Struct("64s").unpack_from
_CACHE_MAX: Final = 256
_CACHE_NDIMS: Final = (ALIGNMENT - HEADER_SIZE) // DIM_SIZE  # 6: the dims in 64 bytes

#: snapshot of the first 64 bytes -> the plan validated from that snapshot
_VALID: dict[bytes, Plan] = {}


def _plan(header: Header) -> Plan:
    dtype = ELEMENT_TYPES[header.etype].dtype
    return Plan(
        header,
        dtype,
        header.len_data // dtype.itemsize,
        header.offset,
        header.dims[::-1],
        header.offset + header.len_data,
    )


def snapshot(buf: Any) -> bytes:
    """Return a private copy of a block's header bytes (at most :data:`MAX_OFFSET`).

    Parameters
    ----------
    buf : memoryview
        The block, 1-D of format ``"B"``.

    Returns
    -------
    bytes
        The first ``min(len(buf), MAX_OFFSET)`` bytes, copied once.
    """
    return bytes(buf[:MAX_OFFSET])


def validate_snapshot(head: bytes, length: int) -> Plan:
    """Validate a header snapshot with checks R1 to R9; return its plan.

    Parameters
    ----------
    head : bytes
        A private snapshot of the block's first bytes (:func:`snapshot`, or
        a ``pread`` of a file): at least the whole header, or all the bytes
        the block has.
    length : int
        The block length ``len`` (for R1, R6 and R9). Where `head` holds
        fewer bytes than both `length` and :data:`MAX_OFFSET`, the block is
        taken to end where `head` ends (the block shrank after its length
        was read).

    Returns
    -------
    Plan
        What was validated; it describes `head`, whatever the live buffer
        holds now.

    Raises
    ------
    WeaError
        The first failing check of spec §6.1.
    """
    if len(head) < min(length, MAX_OFFSET):
        length = len(head)  # it shrank after its length was read
    plan = _VALID.get(head[:ALIGNMENT]) if len(head) >= ALIGNMENT else None
    if plan is None:
        plan = _plan(parse_header(head, length=length))
        if plan.header.ndims <= _CACHE_NDIMS:
            if len(_VALID) >= _CACHE_MAX:
                _VALID.clear()
            _VALID[head[:ALIGNMENT]] = plan
    if length < plan.need or plan.need > sys.maxsize:
        raise _data_truncated(length, plan.offset, plan.header.len_data)
    return plan


#: (etype, offset, dims, len_data) of a header another reader validated -> its plan
_FIELDS: dict[tuple[int, int, tuple[int, ...], int], Plan] = {}


def plan_of_fields(fields: tuple[int, int, tuple[int, ...], int]) -> Plan:
    """Return the plan of a header that the C reader validated.

    Parameters
    ----------
    fields : tuple
        ``(etype, offset, dims, len_data)`` of the header, as the C
        reference reader (``wea_mapping.header``, through wea's compiled
        part :mod:`wea._accel`) read and checked them with R1 to R9 from
        one snapshot. Nothing is checked again here.

    Returns
    -------
    Plan
        The plan those fields describe (remembered, as :func:`validate_snapshot`'s).
    """
    plan = _FIELDS.get(fields)
    if plan is None:
        etype, offset, dims, len_data = fields
        plan = _plan(Header(etype, len(dims), offset, dims, len_data))
        if len(_FIELDS) >= _CACHE_MAX:
            _FIELDS.clear()
        _FIELDS[fields] = plan
    return plan


def validate(buf: Any) -> Plan:
    """Validate the block at the start of a buffer from one snapshot of it.

    Parameters
    ----------
    buf : buffer-protocol object
        The block; it may be written concurrently: only one copy of its
        header bytes is read, and the plan describes that copy.

    Returns
    -------
    Plan
        The validated plan; view the data with it, never re-read the header.

    Raises
    ------
    WeaError
        The first failing check of spec §6.1.
    """
    mv = byte_view(buf)
    return validate_snapshot(snapshot(mv), len(mv))


# -- other formats: what a source that is not a WA-1 block is ---------------------


def sniff_format(head: bytes) -> str | None:
    r"""Recognise a well-known format that is not WA-1 from its first bytes.

    Parameters
    ----------
    head : bytes
        The first bytes of a file (16 are enough).

    Returns
    -------
    {"npy", "npz", "safetensors", "wea", None}
        ``npy`` (the numpy magic ``\x93NUMPY``), ``npz`` (a zip archive:
        ``PK``), ``safetensors`` (an 8-byte little-endian header length,
        then ``{``), ``wea`` (the WA-1 magic), or None.
    """
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "npz"
    if head.startswith(MAGIC_BYTES):
        return "wea"
    if len(head) >= 9 and head[8:9] == b"{" and 2 <= int.from_bytes(head[:8], "little") < 1 << 40:
        return "safetensors"
    return None


def foreign_hint(head: bytes, path: str | None = None, *, stream: bool = False) -> str | None:
    """Say what bytes of a well-known other format are, and what reads them.

    Parameters
    ----------
    head : bytes
        The first bytes of the source (16 are enough).
    path : str, optional
        The file they come from; None for a buffer or a stream.
    stream : bool, optional
        True when they were read from a file object (without a path).

    Returns
    -------
    str or None
        The hint, or None when the bytes are no format known here (or WA-1).
    """
    kind = sniff_format(head)
    if kind not in ("npy", "npz", "safetensors"):
        return None
    if path is not None:
        what, numpy_load, save = f"{path!r} is", "numpy.load()", "wea.save()"
    elif stream:
        what, numpy_load, save = "the stream holds", "numpy.load()", "wea.dumps()"
    else:
        what, numpy_load, save = "the buffer holds", "numpy.load(io.BytesIO(...))", "wea.dumps()"
    if kind == "npy":
        hint = f"{what} a .npy file (numpy's format), not a WA-1 block: read it with {numpy_load}"
        if path is not None:
            if path.lower().endswith(".npy"):
                command = f"wea convert {shlex.quote(path)} {shlex.quote(path[:-4] + '.wea')}"
            else:
                command = f"wea convert --from npy {shlex.quote(path)} OUT.wea"
            hint += f", or convert it with `{command}`"
        return hint
    if kind == "npz":
        return (
            f"{what} a .npz archive (a zip of .npy files), not a WA-1 block: open it with "
            f"{numpy_load} and {save} each of its arrays"
        )
    st_load = "safetensors.numpy.load_file()" if path is not None else "safetensors.numpy.load()"
    return (
        f"{what} a safetensors file, not a WA-1 block: read it with {st_load} "
        f"and {save} each of its arrays"
    )


def with_foreign_hint(
    error: WeaError, head: bytes, path: str | None = None, *, stream: bool = False
) -> WeaError:
    """Attach :func:`foreign_hint` to a format error, keeping its class and category.

    On Python 3.11+ the hint is a note (``add_note``): the message is
    unchanged. Before 3.11, the same class is made again with the hint
    after the message in ``str()``; ``.message`` stays the message of
    spec §6.3.

    Parameters
    ----------
    error : WeaError
        The error of the first failed check.
    head : bytes
        The first bytes of the source.
    path : str, optional
        The file they come from; None for a buffer or a stream.
    stream : bool, optional
        True when they were read from a file object (without a path).

    Returns
    -------
    WeaError
        The error to raise: `error` itself, or a copy on Python 3.10. It is
        `error` unchanged when the bytes are no format known here.
    """
    hint = foreign_hint(head, path, stream=stream)
    if hint is None:
        return error
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(hint)
        return error
    return _extend_message(error, hint)


def _extend_message(error: WeaError, hint: str) -> WeaError:
    """Python 3.10: the same error, with the hint after its message in ``str()``."""
    hinted = type(error)(f"{error.message}; {hint}")
    hinted.message = error.message
    hinted.__suppress_context__ = True  # raised in place of `error`, not while handling it
    return hinted.with_traceback(error.__traceback__)
