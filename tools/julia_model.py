#!/usr/bin/env python3
"""A model of Julia's WA-1 reader, as a conformance participant.

usage: julia_model.py [--word-bits {64,32}] [--misalign K] FILE

Julia cannot be installed here, so this module transcribes, check by check,
what InterProcessCommunication.jl does when it reads a block
(``WrappedArray(id)`` -> ``read(mem, WrappedArrayHeader)`` -> the
constructor ``WrappedArray(mem, T, dims; offset)``), with Julia's integer
arithmetic: ``Int`` is a 64-bit (or, with ``--word-bits 32``, 32-bit) two's
complement integer whose products and sums wrap silently, and
``convert(Int, x)`` of a value that does not fit raises ``InexactError``.

Every check cites its line in the public repository
emmt/InterProcessCommunication.jl, file ``src/wrappedarrays.jl`` unless
another file is named, at HEAD 24e9b33 (the header code is unchanged since
2018). Lines 124, 141-145, 333, 348-349 and 352, and utils.jl:746, are
those the project's reference notes give for that commit; the lines between
were placed from the copy of the same code at commit fdc41e4, where the
constructors sit 3 lines and the header reader 7 lines earlier.

What the model covers, and so what the manifest flags ``julia_accepts`` and
``julia_unreadable`` mean (conformance/README.md, spec §2.3): IPC.jl's own
checks, in its order, on a little-endian machine, for a block whose first
byte lies at an address that is a multiple of 64 (a mapping is page-aligned;
``--misalign K`` puts it K bytes past such an address). Not covered: Base's
``unsafe_wrap`` (types.jl, the ``WrappedArray`` inner constructor), which
may still refuse a product that wrapped around; and the bytes past the end
of the block, which Julia reads when the block is shorter than its dims
(:333 checks only 16 bytes): the model reports that as not accepted, with
``"undefined": true``.

Output, one JSON line, exit 0 for either verdict:

* accepted: ``{"julia_accepts": true, "etype": E, "ndims": N, "dims": [...],
  "offset": O}``;
* refused: ``{"julia_accepts": false, "line": "src/wrappedarrays.jl:336",
  "exception": "ErrorException", "message": "invalid magic number (0x0)"}``,
  plus ``"undefined": true`` when Julia would read past the block.

Usage and I/O errors exit 64 and 66 with a message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_USAGE = 64
EXIT_NOINPUT = 66

WA = "src/wrappedarrays.jl"
UTILS = "src/utils.jl"

_WA_MAGIC = 0x57412D31  # const _WA_MAGIC = UInt32(0x57412D31) # "WA-1"
_WA_ALIGN = 64  # const _WA_ALIGN = 64
SIZEOF_HEADER = 16  # sizeof(WrappedArrayHeader), types.jl: UInt32, UInt16, UInt16, Int64

# _WA_TYPES (1-based): code -> (Julia type, sizeof(T), Base.datatype_alignment(T)).
_WA_TYPES: dict[int, tuple[str, int, int]] = {
    1: ("Int8", 1, 1),
    2: ("UInt8", 1, 1),
    3: ("Int16", 2, 2),
    4: ("UInt16", 2, 2),
    5: ("Int32", 4, 4),
    6: ("UInt32", 4, 4),
    7: ("Int64", 8, 8),
    8: ("UInt64", 8, 8),
    9: ("Float32", 4, 4),
    10: ("Float64", 8, 8),
    11: ("ComplexF32", 8, 4),
    12: ("ComplexF64", 16, 8),
}


class JuliaError(Exception):
    """A check of Julia's reader failed: the exception Julia would throw, and where."""

    def __init__(self, line: str, exception: str, message: str, *, undefined: bool = False):
        super().__init__(message)
        self.line = line
        self.exception = exception
        self.message = message
        self.undefined = undefined


@dataclass(frozen=True)
class JuliaInt:
    """Julia's ``Int``: two's complement of ``bits`` bits, wrapping arithmetic."""

    bits: int = 64

    def wrap(self, value: int) -> int:
        """Return ``value`` reduced to the range of ``Int``, as Julia's ``*`` and ``+`` do."""
        value &= (1 << self.bits) - 1
        return value - (1 << self.bits) if value >> (self.bits - 1) else value

    def convert(self, value: int, line: str) -> int:
        """``convert(Int, value)``: the value, or ``InexactError`` if it does not fit."""
        if not -(1 << (self.bits - 1)) <= value < (1 << (self.bits - 1)):
            raise JuliaError(line, "InexactError", f"InexactError: Int{self.bits}({value})")
        return value


def _u16(block: bytes, at: int) -> int:
    return int.from_bytes(block[at : at + 2], "little")


def roundup(a: int, b: int) -> int:
    """utils.jl ``roundup(a::Int, b::Int) = div(a + (b - 1), b)*b``."""
    return (a + (b - 1)) // b * b


def header_size(ndims: int) -> int:
    """``_wrapped_array_header_size(N)``: ``roundup(sizeof(WrappedArrayHeader) + N*8, 64)``."""
    return roundup(SIZEOF_HEADER + ndims * 8, _WA_ALIGN)


def checkdims(dims: Sequence[int], jint: JuliaInt) -> int:
    """utils.jl ``checkdims``: every dim at least 1, their product in wrapping ``Int``."""
    number = 1  # utils.jl:742, number = one(Int)
    for i, d in enumerate(dims, start=1):  # utils.jl:743
        if not d >= 1:  # utils.jl:744-745
            raise JuliaError(
                f"{UTILS}:744", "ErrorException", f"invalid dimension (dims[{i}] = {d})"
            )
        number = jint.wrap(number * jint.convert(d, f"{UTILS}:746"))  # utils.jl:746, no check
    return number


@dataclass(frozen=True)
class Read:
    """What Julia's reader returns for a block it accepts."""

    etype: int
    dims: tuple[int, ...]
    offset: int


def read_header(block: bytes, jint: JuliaInt) -> Read:
    """``Base.read(mem, ::Type{WrappedArrayHeader})``, :331-356."""
    siz = len(block)  # :332, ptr, siz = get_memory_parameters(mem)
    if not siz >= SIZEOF_HEADER:  # :333
        raise JuliaError(
            f"{WA}:333", "ArgumentError", "insufficient size of memory block for header"
        )
    magic = int.from_bytes(block[0:4], "little")  # :335, hdr = unsafe_load(...) (native order)
    if not magic == _WA_MAGIC:  # :336-338
        raise JuliaError(f"{WA}:336", "ErrorException", f"invalid magic number (0x{magic:x})")
    etype = _u16(block, 4)  # :339, etype = Int(hdr.etype)
    if not 1 <= etype <= len(_WA_TYPES):  # :340-341
        raise JuliaError(
            f"{WA}:340", "ErrorException", f"invalid element type identifier ({etype})"
        )
    ndims = _u16(block, 6)  # :342, ndims = Int(hdr.ndims): up to 65535, no other limit
    if not ndims >= 1:  # :343-344, 1 ≤ ndims
        raise JuliaError(f"{WA}:343", "ErrorException", f"invalid number of dimensions ({ndims})")
    raw_offset = int.from_bytes(block[8:16], "little", signed=True)
    off = jint.convert(raw_offset, f"{WA}:345")  # :345, off = Int(hdr.offset)
    if not off == header_size(ndims):  # :346-347: the canonical offset only
        raise JuliaError(f"{WA}:346", "ErrorException", f"invalid offset ({off})")
    # :348-349, dims = ntuple(i -> convert(Int, unsafe_load(addr, i)), ndims): no length
    # check before these loads (:333 checked 16 bytes only).
    dims = []
    for i in range(ndims):
        start = SIZEOF_HEADER + 8 * i
        if start + 8 > siz:
            raise JuliaError(
                f"{WA}:349",
                "undefined",
                f"reads dims[{i + 1}] at bytes {start} to {start + 7} of a block of {siz}: "
                "past its end, so the result depends on what lies there",
                undefined=True,
            )
        value = int.from_bytes(block[start : start + 8], "little", signed=True)
        dims.append(jint.convert(value, f"{WA}:349"))  # InexactError on 32-bit Julia
    num = checkdims(dims, jint)  # :350
    _name, size_t, _align = _WA_TYPES[etype]  # :351, T = _WA_ETYPES[etype]
    need = jint.wrap(off + jint.wrap(size_t * num))  # :352, wraps: no overflow check
    if not siz >= need:  # :352-354
        raise JuliaError(
            f"{WA}:352",
            "ErrorException",
            f"insufficient size of memory block ({siz} < {need})",
        )
    return Read(etype, tuple(dims), off)


def wrap_array(block: bytes, read: Read, jint: JuliaInt, misalign: int) -> None:
    """``WrappedArray(mem, T, dims; offset=off)``, :91-98, called at :133."""
    _name, size_t, align = _WA_TYPES[read.etype]
    # _check_wrapped_array_arguments, :136-148
    if not read.offset >= 0:  # :138
        raise JuliaError(f"{WA}:138", "ArgumentError", "offset must be nonnegative")
    addr = misalign + read.offset  # :140-142, addr = ptr + offset (ptr is 64-aligned + misalign)
    if not addr % align == 0:  # :143-145
        raise JuliaError(
            f"{WA}:143",
            "ArgumentError",
            f"base address must be a multiple of {align} bytes",
        )
    siz = len(block) - read.offset  # :146-147, convert(Int, len) - convert(Int, offset)
    number = checkdims(read.dims, jint)  # :94
    if not siz >= jint.wrap(size_t * number):  # :95-96, wraps too
        raise JuliaError(f"{WA}:95", "ArgumentError", "insufficient memory for array")
    # :97, WrappedArray{T,N,M}(ptr, dims, mem) -> unsafe_wrap(Array, ptr, dims) (types.jl):
    # Base's checks there are outside this model.


def julia_reads(block: bytes, *, word_bits: int = 64, misalign: int = 0) -> Read:
    """Run the model on one block: ``WrappedArray(id)``, :130-134.

    Parameters
    ----------
    block : bytes
        The shared-memory object's bytes, from its first.
    word_bits : {64, 32}
        The width of Julia's ``Int``.
    misalign : int
        Bytes between a 64-byte aligned address and the block's first byte.

    Returns
    -------
    Read
        The element type code, dims and offset Julia reads.

    Raises
    ------
    JuliaError
        The first check that fails, with its line.
    """
    jint = JuliaInt(word_bits)
    read = read_header(block, jint)  # :132
    wrap_array(block, read, jint, misalign)  # :133
    return read


def report(block: bytes, *, word_bits: int = 64, misalign: int = 0) -> dict[str, object]:
    """Return the participant's JSON object for one block."""
    try:
        read = julia_reads(block, word_bits=word_bits, misalign=misalign)
    except JuliaError as exc:
        out: dict[str, object] = {
            "julia_accepts": False,
            "line": exc.line,
            "exception": exc.exception,
            "message": exc.message,
        }
        if exc.undefined:
            out["undefined"] = True
        return out
    return {
        "julia_accepts": True,
        "etype": read.etype,
        "ndims": len(read.dims),
        "dims": list(read.dims),
        "offset": read.offset,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Model of Julia's WA-1 reader (IPC.jl).")
    parser.add_argument("--word-bits", type=int, choices=(64, 32), default=64)
    parser.add_argument("--misalign", type=int, default=0, metavar="K")
    parser.add_argument("file", type=Path)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2; the runner contract wants >= 64
        return EXIT_USAGE if exc.code else 0
    try:
        block = args.file.read_bytes()
    except OSError as exc:
        print(f"julia_model: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_NOINPUT
    print(json.dumps(report(block, word_bits=args.word_bits, misalign=args.misalign)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
