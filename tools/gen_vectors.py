#!/usr/bin/env python3
"""Generate the WA-1 conformance vectors from spec/wea.md.

Writes ``conformance/valid/<id>.wea``, ``conformance/invalid/<id>.wea`` and
``conformance/manifest.json`` (see ``conformance/README.md``). The output is
committed; ``--check`` regenerates into a temporary directory and fails if
any byte differs from what is committed.

The generator uses the Python standard library only and MUST NOT import the
``wea`` package: the vectors are a test of the implementations, so they must
not be derived from one. Every block is built byte by byte with
:mod:`struct`, then decoded again by :func:`reference_read`, a second,
separate transcription of the reader checks of spec §6.1. A vector whose
declared result (the fields of a valid block, or the error category of an
invalid one) differs from what :func:`reference_read` finds in its bytes
stops the generator.

Output is deterministic: no clocks, no randomness, no dependence on the
platform (integers are packed little-endian explicitly; floating-point
special values are written as bit patterns).

usage: gen_vectors.py [--out DIR]     write the vectors into DIR (default: conformance/)
       gen_vectors.py --check [DIR]   fail if regenerating would change DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "conformance"

SPEC_VERSION = "1.1"
SCHEMA_NAME = "manifest.schema.json"

MAGIC = bytes.fromhex("312d4157")  # u4 0x57412D31, little-endian (§3.3)
INT64_MAX = 2**63 - 1  # WEA_MAX_SIZE (§5.6)
INT64_MIN = -(2**63)
MAX_NDIMS = 64  # WEA_MAX_NDIMS (§5.3)
MAX_VECTOR_BYTES = 4096  # one page: the largest vector file allowed
WRAP3 = 6148914691236517206  # 3 * WRAP3 = 2^64 + 2
PRIMES_OF_MAX = (7, 7, 73, 127, 337, 92737, 649657)  # their product is 2^63-1

# Element types (§4.1, §4.2): name -> (code, size S).
ETYPES: dict[str, tuple[int, int]] = {
    "int8": (1, 1),
    "uint8": (2, 1),
    "int16": (3, 2),
    "uint16": (4, 2),
    "int32": (5, 4),
    "uint32": (6, 4),
    "int64": (7, 8),
    "uint64": (8, 8),
    "float32": (9, 4),
    "float64": (10, 8),
    "complex64": (11, 8),
    "complex128": (12, 16),
    "bool": (256, 1),
    "float16": (257, 2),
}
CODE_SIZE: dict[int, int] = {code: size for code, size in ETYPES.values()}
CODE_NAME: dict[int, str] = {code: name for name, (code, _) in ETYPES.items()}
JULIA_CODES = range(1, 13)  # §4.1: the codes Julia's WrappedArray knows
LAST_CODE = max(CODE_SIZE)  # the last assigned code; every later one is reserved (§4.3)


def spell_codes(codes: Sequence[int]) -> str:
    """Spell out codes as the R3 message does: runs of 3 or more as "a to b"."""
    runs: list[list[int]] = []
    for code in sorted(codes):
        if runs and code == runs[-1][-1] + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    items = [
        word
        for run in runs
        for word in ([f"{run[0]} to {run[-1]}"] if len(run) > 2 else [str(c) for c in run])
    ]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# The valid codes as the R3 message of §6.3 lists them: "1 to 12, 256 or 257".
CODES_TEXT = spell_codes(list(CODE_SIZE))

# Error categories (§6.2), numbered 1 to 10 in this order.
CATEGORIES: tuple[str, ...] = (
    "truncated",
    "bad_magic",
    "wrong_byte_order",
    "unsupported_version",
    "unsupported_type",
    "invalid_ndims",
    "invalid_offset",
    "invalid_dimension",
    "overflow",
    "data_truncated",
)

# Flags a vector may carry (conformance/README.md explains each).
FLAGS: tuple[str, ...] = (
    "beyond_kaitai",
    "check_order",
    "julia_accepts",
    "julia_unreadable",
    "legacy_offset",
    "spec_example",
    "trailing_bytes",
    "writer_forbidden",
)

# Categories that spec/wea.ksy cannot express (its `doc` says why): the R2
# sub-categories other than bad_magic, and every R8 overflow. Vectors that
# expect them are flagged `beyond_kaitai`.
BEYOND_KAITAI = frozenset({"wrong_byte_order", "unsupported_version", "overflow"})


def canonical_offset(ndims: int) -> int:
    """Return C(N) = roundup(16 + 8*N, 64) (§3.5)."""
    return -(-(16 + 8 * ndims) // 64) * 64


# ---------------------------------------------------------------------------
# The reference reader: spec §6.1, R1 to R9, transcribed on its own.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    """The fields of a block that passed R1 to R9."""

    etype: int
    dims: tuple[int, ...]
    offset: int
    data: bytes
    padding: bytes
    trailing: int


def _hex(raw: bytes) -> str:
    return " ".join(f"{b:02X}" for b in raw)


def reference_check(buf: bytes) -> tuple[str, str] | tuple[None, Decoded]:
    """Apply the reader checks of §6.1 in order, with the messages of §6.3.

    Returns ``(category, message)`` for the first check that fails, or
    ``(None, fields)`` for a valid block. Uses Python integers, so no
    arithmetic can wrap.
    """
    size = len(buf)
    if size < 16:  # R1
        return "truncated", (
            f"truncated: the block has {size} bytes, the fixed header needs 16 (WA-1 §6.1 R1)"
        )
    head = buf[:4]
    if head != MAGIC:  # R2
        if head[:3] == b"\x57\x41\x2d":
            return "wrong_byte_order", (
                f"wrong_byte_order: magic bytes {_hex(head)} are a big-endian WA header, "
                "expected 31 2D 41 57 (WA-1 §6.1 R2)"
            )
        if head[1:] == b"\x2d\x41\x57":
            return "unsupported_version", (
                f"unsupported_version: magic bytes {_hex(head)} announce another WA "
                "version, expected 31 2D 41 57 (WA-1 §6.1 R2)"
            )
        return "bad_magic", (
            f"bad_magic: magic bytes {_hex(head)}, expected 31 2D 41 57 (WA-1 §6.1 R2)"
        )
    etype = int.from_bytes(buf[4:6], "little")
    ndims = int.from_bytes(buf[6:8], "little")
    offset = int.from_bytes(buf[8:16], "little", signed=True)
    if etype not in CODE_SIZE:  # R3
        return "unsupported_type", (
            f"unsupported_type: element type code {etype}, expected {CODES_TEXT} (WA-1 §6.1 R3)"
        )
    if ndims > MAX_NDIMS:  # R4
        return "invalid_ndims", (
            f"invalid_ndims: ndims is {ndims}, expected at most {MAX_NDIMS} (WA-1 §6.1 R4)"
        )
    canonical = canonical_offset(ndims)
    if offset not in (canonical, canonical + 64):  # R5
        return "invalid_offset", (
            f"invalid_offset: data offset is {offset}, expected {canonical} or "
            f"{canonical + 64} for {ndims} dimensions (WA-1 §6.1 R5)"
        )
    end_dims = 16 + 8 * ndims
    if size < end_dims:  # R6
        return "truncated", (
            f"truncated: the block has {size} bytes, the header with {ndims} dimensions "
            f"needs {end_dims} (WA-1 §6.1 R6)"
        )
    dims = tuple(
        int.from_bytes(buf[16 + 8 * i : 24 + 8 * i], "little", signed=True) for i in range(ndims)
    )
    for i, d in enumerate(dims):  # R7
        if d < 0:
            return "invalid_dimension", (
                f"invalid_dimension: dimension {i} is {d}, expected at least 0 (WA-1 §6.1 R7)"
            )
    extent = 1
    count = 1
    for d in dims:
        extent *= max(d, 1)
        count *= d
    elem = CODE_SIZE[etype]
    length = elem * count
    if extent > INT64_MAX:  # R8, in the order E, S*E, offset + L
        return "overflow", (
            "overflow: the extent (the product of the dimensions, zeros counted as 1) "
            "exceeds 2^63-1 (WA-1 §6.1 R8)"
        )
    if elem * extent > INT64_MAX:
        return "overflow", (
            f"overflow: extent {extent} times element size {elem} exceeds 2^63-1 bytes "
            "(WA-1 §6.1 R8)"
        )
    if offset + length > INT64_MAX:
        return "overflow", (
            f"overflow: data offset {offset} plus data length {length} exceeds 2^63-1 "
            "(WA-1 §6.1 R8)"
        )
    if size < offset + length:  # R9
        return "data_truncated", (
            f"data_truncated: the block has {size} bytes, expected at least "
            f"{offset + length} (data offset {offset} + data length {length}) (WA-1 §6.1 R9)"
        )
    return None, Decoded(
        etype=etype,
        dims=dims,
        offset=offset,
        data=buf[offset : offset + length],
        padding=buf[end_dims:offset],
        trailing=size - offset - length,
    )


def reference_read(buf: bytes) -> tuple[str, None] | tuple[None, Decoded]:
    """Return ``(category, None)`` or ``(None, fields)``: :func:`reference_check`."""
    status, found = reference_check(buf)
    if status is not None:
        return status, None
    if not isinstance(found, Decoded):  # pragma: no cover - reference_check's contract
        raise TypeError("a valid block must decode")
    return None, found


# ---------------------------------------------------------------------------
# What Julia's reader does: a second, separate transcription of the checks of
# InterProcessCommunication.jl (tools/julia_model.py is the line-by-line model
# that `make conformance` runs; the two must agree on every vector).
# ---------------------------------------------------------------------------


def _wrap64(value: int) -> int:
    """Return ``value`` as a 64-bit two's complement Int (Julia's Int arithmetic)."""
    value &= 2**64 - 1
    return value - 2**64 if value >= 2**63 else value


def julia_reads(buf: bytes) -> bool:
    """Return whether 64-bit Julia's WrappedArray reader accepts the block.

    Its own checks only, in its order: ``size >= 16``, the magic, etype 1 to
    12, ndims at least 1, offset = C(ndims), every dim at least 1, then
    ``size >= offset + S*K`` and ``size - offset >= S*K`` in wrapping 64-bit
    arithmetic. A block shorter than its dims (Julia reads past its end) is
    not counted as accepted. The block is taken to lie at a 64-byte aligned
    address, as a mapping does, so Julia's alignment check passes.
    """
    size = len(buf)
    if size < 16 or buf[:4] != MAGIC:
        return False
    etype = int.from_bytes(buf[4:6], "little")
    ndims = int.from_bytes(buf[6:8], "little")
    offset = int.from_bytes(buf[8:16], "little", signed=True)
    if etype not in JULIA_CODES or ndims < 1 or offset != canonical_offset(ndims):
        return False
    if size < 16 + 8 * ndims:
        return False
    dims = [
        int.from_bytes(buf[16 + 8 * i : 24 + 8 * i], "little", signed=True) for i in range(ndims)
    ]
    if any(d < 1 for d in dims):
        return False
    num = 1
    for d in dims:
        num = _wrap64(num * d)
    nbytes = _wrap64(CODE_SIZE[etype] * num)
    return size >= _wrap64(offset + nbytes) and size - offset >= nbytes


# ---------------------------------------------------------------------------
# Building blocks.
# ---------------------------------------------------------------------------

_STRUCT: dict[str, str] = {
    "int8": "b",
    "uint8": "B",
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "int64": "q",
    "uint64": "Q",
    "float16": "e",
    "float32": "f",
    "float64": "d",
    "complex64": "ff",
    "complex128": "dd",
    "bool": "B",
}


def pack(tname: str, values: Sequence[int | float | complex]) -> bytes:
    """Pack element values little-endian (§3.1; complex: real, then imaginary)."""
    fmt = "<" + _STRUCT[tname]
    out = bytearray()
    for value in values:
        if tname.startswith("complex"):
            z = complex(value)
            out += struct.pack(fmt, z.real, z.imag)
        else:
            out += struct.pack(fmt, value)
    return bytes(out)


def ramp(tname: str, count: int) -> list[int | float | complex]:
    """Return ``count`` distinct, exactly representable values for a type.

    Element number k (column-major, §3.6) holds k + 1, negated for odd k in
    signed types; floats hold (k + 1) / 2 with the same signs; complex
    numbers have the imaginary part -(k + 1) / 4; bool alternates 1, 0.
    """
    values: list[int | float | complex] = []
    for k in range(count):
        sign = -1 if k % 2 else 1
        if tname == "bool":
            values.append(1 - k % 2)
        elif tname.startswith("uint"):
            values.append(k + 1)
        elif tname.startswith("int"):
            values.append(sign * (k + 1))
        elif tname.startswith("complex"):
            values.append(complex(sign * (k + 1) / 2, -(k + 1) / 4))
        else:
            values.append(sign * (k + 1) / 2)
    return values


def count_of(dims: Sequence[int]) -> int:
    """Return the element count K of a shape (§3.6)."""
    k = 1
    for d in dims:
        k *= d
    return k


def ramp_data(tname: str, dims: Sequence[int]) -> bytes:
    """Return the packed ramp (:func:`ramp`) for a whole shape."""
    return pack(tname, ramp(tname, count_of(dims)))


def build(
    etype: int,
    dims: Sequence[int],
    data: bytes = b"",
    *,
    ndims: int | None = None,
    offset: int | None = None,
    magic: bytes = MAGIC,
    data_at: int | None = None,
    pad_byte: int = 0,
    trailing: bytes = b"",
    cut: int | None = None,
) -> bytes:
    """Assemble a block byte by byte.

    ``ndims`` and ``offset`` default to ``len(dims)`` and ``C(ndims)``, but
    may be set to anything, so that a header can lie. The data is placed at
    ``data_at``; by default at ``offset`` when that lies between the end of
    the dims and 1024 (so that only the offset check can catch a wrong
    one), else at ``C(len(dims))``. ``cut`` truncates the result.
    """
    n = len(dims) if ndims is None else ndims
    off = canonical_offset(n) if offset is None else offset
    out = bytearray(magic)
    out += struct.pack("<HHq", etype, n, off)
    out += struct.pack(f"<{len(dims)}q", *dims)
    if data_at is None:
        data_at = off if len(out) <= off <= 1024 else canonical_offset(len(dims))
    if data_at < len(out):
        raise ValueError(f"data at {data_at} would overlap the dims ending at {len(out)}")
    out += bytes([pad_byte]) * (data_at - len(out))
    out += data
    out += trailing
    return bytes(out if cut is None else out[:cut])


def float_bits(width: int) -> dict[str, int]:
    """Return named IEEE 754 bit patterns for a binary16/32/64 format."""
    exp_bits, man_bits = {16: (5, 10), 32: (8, 23), 64: (11, 52)}[width]
    sign = 1 << (width - 1)
    exp_all = ((1 << exp_bits) - 1) << man_bits
    quiet = 1 << (man_bits - 1)
    bias = (1 << (exp_bits - 1)) - 1
    return {
        "+0": 0,
        "-0": sign,
        "+inf": exp_all,
        "-inf": sign | exp_all,
        "qnan": exp_all | quiet,
        "-qnan": sign | exp_all | quiet,
        "snan": exp_all | 1,
        "nan-payload": exp_all | quiet | 0x5,
        "min-subnormal": 1,
        "max-subnormal": (1 << man_bits) - 1,
        "min-normal": 1 << man_bits,
        "max": (((1 << exp_bits) - 2) << man_bits) | ((1 << man_bits) - 1),
        "-max": sign | (((1 << exp_bits) - 2) << man_bits) | ((1 << man_bits) - 1),
        "one": bias << man_bits,
    }


def raw(width: int, patterns: Sequence[int]) -> bytes:
    """Pack bit patterns of ``width`` bits, little-endian."""
    return b"".join(p.to_bytes(width // 8, "little") for p in patterns)


def byteswap_block(block: bytes, ndims: int, unit: int, offset: int) -> bytes:
    """Return a block as a big-endian machine would write it.

    Every header field and dim is byte-swapped, and so is every ``unit``-byte
    number of the data from ``offset`` on (the element size, or half of it
    for complex types).
    """
    out = bytearray(block)
    fields = [(0, 4), (4, 2), (6, 2), (8, 8)] + [(16 + 8 * i, 8) for i in range(ndims)]
    fields += [(start, unit) for start in range(offset, len(block) - unit + 1, unit)]
    for start, width in fields:
        out[start : start + width] = block[start : start + width][::-1]
    return bytes(out)


# ---------------------------------------------------------------------------
# Vectors.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a reader must report for a valid block."""

    etype: int
    dims: tuple[int, ...]
    offset: int
    data: bytes


@dataclass(frozen=True)
class Vector:
    """One conformance vector: a block and what a reader must make of it."""

    id: str
    clause: str
    description: str
    block: bytes
    error: str | None = None
    expected: Expected | None = None
    flags: tuple[str, ...] = ()
    message: str | None = None

    @property
    def result(self) -> str:
        """``valid`` or ``invalid``."""
        return "valid" if self.error is None else "invalid"

    @property
    def path(self) -> str:
        """The vector's path relative to the conformance directory."""
        return f"{self.result}/{self.id}.wea"


def valid(
    vid: str,
    clause: str,
    description: str,
    tname: str,
    dims: Sequence[int],
    data: bytes | None = None,
    *,
    offset: int | None = None,
    trailing: bytes = b"",
    pad_byte: int = 0,
    flags: Sequence[str] = (),
) -> Vector:
    """Make a valid vector; the data defaults to :func:`ramp_data`."""
    code = ETYPES[tname][0]
    payload = ramp_data(tname, dims) if data is None else data
    off = canonical_offset(len(dims)) if offset is None else offset
    block = build(code, dims, payload, offset=off, trailing=trailing, pad_byte=pad_byte)
    return Vector(
        id=f"v-{vid}",
        clause=clause,
        description=description,
        block=block,
        expected=Expected(code, tuple(dims), off, payload),
        flags=tuple(flags),
    )


def invalid(
    vid: str,
    check: str,
    description: str,
    error: str,
    block: bytes,
    flags: Sequence[str] = (),
) -> Vector:
    """Make an invalid vector; ``check`` is ``R1`` to ``R9``."""
    return Vector(
        id=f"i-{vid}",
        clause=f"§6.1 {check}",
        description=description,
        block=block,
        error=error,
        flags=tuple(flags),
    )


def plural(count: int, noun: str) -> str:
    """Return ``1 byte``, ``2 bytes``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def shape_name(dims: Sequence[int]) -> str:
    """Return ``3x4`` for (3, 4), ``0-d`` for ()."""
    return "x".join(str(d) for d in dims) if dims else "0-d"


# The blocks of the worked examples of §11, rebuilt here from their values
# (tools/tests/test_conformance_vectors.py compares them with the spec's dumps).
EX_2D = build(10, [2, 3], pack("float64", [1, 4, 2, 5, 3, 6]))  # §11.1, 112 bytes
EX_1D = build(2, [5], bytes([1, 2, 3, 4, 5]))  # §11.2, 69 bytes
EX_7D = build(3, [1, 1, 1, 1, 1, 1, 2], pack("int16", [-1, 2]))  # §11.3, 132 bytes
EX_LEGACY = build(9, [2], pack("float32", [1.5, -2]), offset=128)  # §11.4, 136 bytes


def with_magic(block: bytes, magic: bytes) -> bytes:
    """Replace the 4 magic bytes."""
    return magic + block[4:]


def with_fields(
    block: bytes,
    *,
    etype: int | None = None,
    ndims: int | None = None,
    offset: int | None = None,
) -> bytes:
    """Overwrite fixed-header fields of an existing block."""
    out = bytearray(block)
    if etype is not None:
        out[4:6] = etype.to_bytes(2, "little")
    if ndims is not None:
        out[6:8] = ndims.to_bytes(2, "little")
    if offset is not None:
        out[8:16] = offset.to_bytes(8, "little", signed=True)
    return bytes(out)


# --- valid ------------------------------------------------------------------

SHAPES: tuple[tuple[int, ...], ...] = ((5,), (3, 4), (2, 1, 3, 1, 1, 2, 1))


def valid_types() -> Iterator[Vector]:
    """Every element type in a 1-D, a 2-D and a 7-D shape (§4)."""
    for tname, (code, size) in ETYPES.items():
        clause = "§4.1" if code in JULIA_CODES else "§4.2"
        for dims in SHAPES:
            n = len(dims)
            tag = f"{n}d-{shape_name(dims)}" if n < 7 else f"{n}d"
            count = count_of(dims)
            header = f"{16 + 8 * n}-byte header, data at {canonical_offset(n)}" + (
                " (past the 64-byte boundary)" if n >= 7 else ""
            )
            yield valid(
                f"{tname}-{tag}",
                clause,
                f"{tname} (code {code}, {plural(size, 'byte')}), shape "
                f"{shape_name(dims)}: "
                f"{count} elements, {header}",
                tname,
                dims,
            )


def valid_values() -> Iterator[Vector]:
    """Element values that matter: extremes, NaNs, infinities, -0 (§4, §10.3)."""
    ints: dict[str, list[int]] = {}
    for tname in ("int8", "int16", "int32", "int64"):
        nbits = 8 * ETYPES[tname][1]
        ints[tname] = [-(2 ** (nbits - 1)), 2 ** (nbits - 1) - 1, 0, -1, 1]
    for tname in ("uint8", "uint16", "uint32", "uint64"):
        nbits = 8 * ETYPES[tname][1]
        ints[tname] = [0, 2**nbits - 1, 1, 2 ** (nbits - 1), 2 ** (nbits - 1) - 1]
    for tname, values in ints.items():
        yield valid(
            f"{tname}-extremes",
            "§4.1",
            f"{tname} minimum, maximum, 0, {values[3]}, {values[4]} (two's complement, "
            "little-endian)"
            if tname.startswith("int")
            else f"{tname} 0, maximum, 1, 2^{8 * ETYPES[tname][1] - 1}, 2^"
            f"{8 * ETYPES[tname][1] - 1}-1 (little-endian)",
            tname,
            (len(values),),
            pack(tname, values),
        )
    order = [
        "+0",
        "-0",
        "+inf",
        "-inf",
        "qnan",
        "-qnan",
        "snan",
        "nan-payload",
        "min-subnormal",
        "max-subnormal",
        "min-normal",
        "max",
        "-max",
        "one",
    ]
    for tname, width in (("float16", 16), ("float32", 32), ("float64", 64)):
        bits = float_bits(width)
        yield valid(
            f"{tname}-specials",
            "§4.2" if tname == "float16" else "§4.1",
            f"{tname} bit patterns delivered unchanged (§10.3): +0, -0, +inf, -inf, "
            "quiet NaN, negative NaN, signalling NaN, NaN with payload, subnormals, "
            "smallest normal, +-max, 1",
            tname,
            (len(order),),
            raw(width, [bits[name] for name in order]),
        )
    pairs = [
        ("qnan", "+inf"),
        ("-0", "-inf"),
        ("+inf", "qnan"),
        ("snan", "-0"),
        ("max", "min-subnormal"),
        ("one", "-qnan"),
    ]
    for tname, width in (("complex64", 32), ("complex128", 64)):
        bits = float_bits(width)
        yield valid(
            f"{tname}-specials",
            "§4.1",
            f"{tname} with NaN, infinite, -0 and subnormal parts, real part first (§4.1)",
            tname,
            (len(pairs),),
            raw(width, [bits[name] for pair in pairs for name in pair]),
        )
    yield valid(
        "bool-0-1",
        "§4.2",
        "bool bytes 0 and 1, as writers write them",
        "bool",
        (2, 2),
        bytes([0, 1, 1, 0]),
    )
    yield valid(
        "bool-other-bytes",
        "§4.2",
        "bool bytes other than 0 and 1 (2, 127, 128, 255): readers do not inspect "
        "values (§10.3); writers must not write them",
        "bool",
        (6,),
        bytes([0, 1, 2, 127, 128, 255]),
        flags=("writer_forbidden",),
    )


def ndims_dims(n: int) -> tuple[int, ...]:
    """Return a small shape with ``n`` dimensions: 2 first and last, else 1."""
    if n == 0:
        return ()
    return tuple(2 if i in (0, n - 1) else 1 for i in range(n))


TYPE_CYCLE = tuple(ETYPES)


def valid_ndims() -> Iterator[Vector]:
    """Yield every ndims from 0 to 64: both sides of each header boundary (§3.5)."""
    for n in range(MAX_NDIMS + 1):
        tname = TYPE_CYCLE[n % len(TYPE_CYCLE)]
        dims = ndims_dims(n)
        c = canonical_offset(n)
        note = ""
        if n % 8 == 6:
            note = f"; last N with C = {c}"
        elif n % 8 == 7:
            note = f"; first N with C = {c}"
        elif n == 32:
            note = "; numpy 1's limit (WEA_MAX_NDIMS of WA-1 1.0)"
        elif n == 33:
            note = "; one more than numpy 1 holds (wea 0.1.3 on numpy 2 writes it)"
        elif n == MAX_NDIMS:
            note = "; WEA_MAX_NDIMS, numpy 2's limit"
        elif n == 0:
            note = "; 0-d, one element (§5.1)"
        yield valid(
            f"ndims-{n:02d}",
            "§5.1" if n == 0 else ("§5.3" if n in (32, 33, MAX_NDIMS) else "§3.5"),
            f"ndims {n}, {tname}, shape {shape_name(dims)}: header {16 + 8 * n} bytes, "
            f"data at C = {c}{note}",
            tname,
            dims,
        )


LEGACY_NDIMS = (0, 1, 2, 6, 7, 14, 15, 22, 23, 30, 31, 32, 33, 38, 39, 46, 47, 54, 55, 62, 63, 64)


def valid_legacy() -> Iterator[Vector]:
    """Yield the offsets wea 0.1.3 wrote: C(N) + 64 (§2.2, §5.4)."""
    for n in LEGACY_NDIMS:
        tname = "float64" if n != 2 else "int32"
        dims = ndims_dims(n) if n != 2 else (3, 4)
        c = canonical_offset(n)
        yield valid(
            f"legacy-ndims-{n:02d}",
            "§5.4",
            f"wea 0.1.3 offset C + 64 = {c + 64} for ndims {n} ({tname}, shape "
            f"{shape_name(dims)}); the 64 bytes after C are padding",
            tname,
            dims,
            offset=c + 64,
            flags=("writer_forbidden",),
        )
    yield valid(
        "legacy-complex128-2d-2x2",
        "§5.4",
        "wea 0.1.3 offset 128 for a 2x2 complex128 array",
        "complex128",
        (2, 2),
        offset=128,
        flags=("writer_forbidden",),
    )
    yield valid(
        "legacy-bool-1d-3",
        "§5.4",
        "wea 0.1.3 offset 128 with an extension type (bool)",
        "bool",
        (3,),
        offset=128,
        flags=("writer_forbidden",),
    )
    yield valid(
        "legacy-zero-length",
        "§5.4",
        "wea 0.1.3 offset 128 for an empty float32 array of shape 0: the block is "
        "exactly 128 bytes",
        "float32",
        (0,),
        offset=128,
        flags=("writer_forbidden",),
    )
    yield valid(
        "legacy-page-rounded",
        "§5.4",
        "wea 0.1.3 shared-memory segment: offset 128, a 2x3 float32 array, the object "
        "rounded up to a 4096-byte page",
        "float32",
        (2, 3),
        offset=128,
        trailing=bytes(4096 - 128 - 24),
        flags=("writer_forbidden",),
    )


def valid_trailing() -> Iterator[Vector]:
    """Bytes after offset + L are ignored (§3.7)."""
    yield valid(
        "trailing-1-byte",
        "§3.7",
        "one trailing zero byte after a 5-element uint8 array",
        "uint8",
        (5,),
        trailing=b"\x00",
    )
    yield valid(
        "trailing-63-bytes",
        "§3.7",
        "63 trailing 0xFF bytes after a 3x4 int16 array",
        "int16",
        (3, 4),
        trailing=b"\xff" * 63,
    )
    yield valid(
        "trailing-page-rounded",
        "§3.7",
        "a shared-memory object rounded up to one 4096-byte page: a 3x4 float64 array "
        "(160 bytes) and 3936 zero bytes",
        "float64",
        (3, 4),
        trailing=bytes(4096 - 64 - 96),
    )
    yield valid(
        "trailing-another-block",
        "§3.7",
        "trailing bytes that hold a whole second WA-1 block (a polyglot, §10.5): only "
        "the first block is read",
        "uint8",
        (5,),
        bytes([1, 2, 3, 4, 5]),
        trailing=EX_2D,
    )
    yield valid(
        "trailing-after-empty",
        "§3.7",
        "16 trailing bytes after an empty 4x0 int32 array",
        "int32",
        (4, 0),
        trailing=bytes(range(16)),
    )
    yield valid(
        "trailing-after-0d",
        "§3.7",
        "a 0-d uint16 array followed by 7 trailing bytes",
        "uint16",
        (),
        trailing=b"trailer",
    )


def valid_edges() -> Iterator[Vector]:
    """0-d arrays (§5.1) and zero-length dimensions (§5.2)."""
    for tname in ("float64", "int8", "uint64", "complex128", "bool", "float16"):
        size = ETYPES[tname][1]
        yield valid(
            f"0d-{tname}",
            "§5.1",
            f"0-d {tname}: ndims 0, one element of {plural(size, 'byte')} at offset 64",
            tname,
            (),
        )
    zero_shapes: list[tuple[str, str, tuple[int, ...]]] = [
        ("zero-1d-0", "float64", (0,)),
        ("zero-2d-3x0", "int32", (3, 0)),
        ("zero-2d-0x5", "uint8", (0, 5)),
        ("zero-3d-0x0x0", "complex64", (0, 0, 0)),
        ("zero-7d", "int16", (2, 1, 3, 0, 1, 2, 1)),
        ("zero-32d", "float16", tuple(0 if i == 31 else 1 for i in range(32))),
        ("zero-64d", "complex64", tuple(0 if i == 40 else 1 for i in range(64))),
    ]
    for vid, tname, dims in zero_shapes:
        yield valid(
            vid,
            "§5.2",
            f"{tname} of shape {shape_name(dims)}: no elements, the block ends at the "
            f"data offset {canonical_offset(len(dims))}",
            tname,
            dims,
        )
    big = [
        ("zero-with-max-dim", "uint8", (0, INT64_MAX), "E = 2^63-1 and S*E = 2^63-1"),
        (
            "zero-with-max-dim-first",
            "int8",
            (INT64_MAX, 0),
            "E = 2^63-1 and S*E = 2^63-1",
        ),
        ("zero-with-largest-float64-extent", "float64", (0, 2**60 - 1), "S*E = 2^63-8"),
        ("zero-with-large-extent-3d", "uint8", (0, 2**62 - 1, 2), "E = 2^63-2"),
        (
            "zero-with-largest-complex128-extent",
            "complex128",
            (2**59 - 1, 0),
            "S*E = 2^63-16",
        ),
        (
            "zero-with-extent-exactly-max",
            "uint8",
            (0, *PRIMES_OF_MAX),
            "E = 2^63-1 exactly",
        ),
    ]
    for vid, tname, dims, what in big:
        yield valid(
            vid,
            "§5.6",
            f"{tname} of shape {shape_name(dims)}: empty (L = 0), and within the "
            f"limits: {what} (zeros count as 1 in E)",
            tname,
            dims,
        )


def valid_spec_examples() -> Iterator[Vector]:
    """Yield the worked examples of §11, byte for byte."""
    yield Vector(
        "v-spec-11-1-float64-2x3",
        "§11.1",
        "spec example: the 2x3 float64 array [[1, 2, 3], [4, 5, 6]], stored 1, 4, 2, 5, 3, 6",
        EX_2D,
        expected=Expected(10, (2, 3), 64, pack("float64", [1, 4, 2, 5, 3, 6])),
        flags=("spec_example",),
    )
    yield Vector(
        "v-spec-11-2-uint8-5",
        "§11.2",
        "spec example: the uint8 array [1, 2, 3, 4, 5], a 69-byte block",
        EX_1D,
        expected=Expected(2, (5,), 64, bytes([1, 2, 3, 4, 5])),
        flags=("spec_example",),
    )
    yield Vector(
        "v-spec-11-3-int16-7d",
        "§11.3",
        "spec example: int16 of shape 1x1x1x1x1x1x2 holding -1 and 2, data at 128",
        EX_7D,
        expected=Expected(3, (1, 1, 1, 1, 1, 1, 2), 128, pack("int16", [-1, 2])),
        flags=("spec_example",),
    )
    yield Vector(
        "v-spec-11-4-float32-legacy-offset",
        "§11.4",
        "spec example: float32 [1.5, -2] as wea 0.1.3 writes it, offset 128",
        EX_LEGACY,
        expected=Expected(9, (2,), 128, pack("float32", [1.5, -2])),
        flags=("spec_example", "writer_forbidden"),
    )


def valid_julia() -> Iterator[Vector]:
    """Blocks as Julia's WrappedArray writes them (§2.1, §2.4)."""
    cases: list[tuple[str, str, tuple[int, ...]]] = [
        ("julia-float64-3x4", "float64", (3, 4)),
        ("julia-complexf64-3", "complex128", (3,)),
        ("julia-int32-2x2x2", "int32", (2, 2, 2)),
        ("julia-uint8-6d", "uint8", (1, 2, 1, 2, 1, 2)),
        ("julia-float32-14d", "float32", ndims_dims(14)),
        ("julia-int64-15d", "int64", ndims_dims(15)),
    ]
    for vid, tname, dims in cases:
        yield valid(
            vid,
            "§2.1",
            f"{tname}, shape {shape_name(dims)}, as Julia's WrappedArray writes it: "
            f"offset {canonical_offset(len(dims))}, zero padding, no trailing bytes",
            tname,
            dims,
        )


def valid_padding() -> Iterator[Vector]:
    """Readers must not check the padding (§3.8)."""
    yield valid(
        "padding-nonzero",
        "§3.8",
        "padding bytes 0xAA between the dims and the data of a 3x4 float64 array: "
        "readers ignore them, writers write zeros",
        "float64",
        (3, 4),
        pad_byte=0xAA,
        flags=("writer_forbidden",),
    )
    yield Vector(
        "v-padding-holds-a-header",
        "§3.8",
        "legacy offset 128 whose 64 padding bytes after C hold a valid-looking header "
        "that claims other fields: the header at byte 0 is the one read",
        build(5, [2, 2], pack("int32", [1, 2, 3, 4]), offset=128, data_at=64)[:64]
        + build(10, [7], ndims=1)[:64]
        + pack("int32", [1, 2, 3, 4]),
        expected=Expected(5, (2, 2), 128, pack("int32", [1, 2, 3, 4])),
        flags=("writer_forbidden",),
    )


# --- invalid ----------------------------------------------------------------


def invalid_r1() -> Iterator[Vector]:
    """R1: fewer than 16 bytes."""
    where = {
        0: "an empty file",
        1: "1 byte, inside the magic",
        3: "3 bytes, inside the magic",
        4: "4 bytes, the magic only",
        5: "5 bytes, inside etype",
        6: "6 bytes, magic and etype",
        7: "7 bytes, inside ndims",
        8: "8 bytes, magic, etype and ndims",
        12: "12 bytes, inside the offset",
        15: "15 bytes, one short of the fixed header",
    }
    for cut, what in where.items():
        yield invalid(
            f"r1-cut-at-{cut}",
            "R1",
            f"the §11.1 block cut to {what}",
            "truncated",
            EX_2D[:cut],
        )
    yield invalid(
        "r1-before-r2-zero-magic",
        "R1",
        "8 zero bytes: too short for the fixed header, so truncated, not bad_magic",
        "truncated",
        bytes(8),
        flags=("check_order",),
    )
    yield invalid(
        "r1-before-r2-big-endian",
        "R1",
        "the first 12 bytes of a big-endian header: truncated comes before wrong_byte_order",
        "truncated",
        byteswap_block(EX_2D, 2, 8, 64)[:12],
        flags=("check_order",),
    )
    yield invalid(
        "r1-before-r3",
        "R1",
        "15 bytes with element type 0: truncated comes before unsupported_type",
        "truncated",
        with_fields(EX_2D, etype=0)[:15],
        flags=("check_order",),
    )
    yield invalid(
        "r1-before-r4-ndims-65",
        "R1",
        "10 bytes with ndims 65: truncated comes before invalid_ndims",
        "truncated",
        with_fields(EX_2D, ndims=65)[:10],
        flags=("check_order",),
    )


def invalid_r2() -> Iterator[Vector]:
    """R2: the magic, with its three categories."""
    magics: list[tuple[str, str, str, bytes]] = [
        (
            "r2-magic-zero",
            "bad_magic",
            (
                "magic bytes 00 00 00 00: a shared-memory object whose creator died "
                "before publishing (§8.2.2)"
            ),
            bytes(4),
        ),
        ("r2-magic-ff", "bad_magic", "magic bytes FF FF FF FF", b"\xff" * 4),
        (
            "r2-magic-last-byte",
            "bad_magic",
            "magic bytes 31 2D 41 58: last byte wrong",
            bytes.fromhex("312d4158"),
        ),
        (
            "r2-magic-bit-flip",
            "bad_magic",
            "magic bytes 31 2D 41 D7: one bit flipped",
            bytes.fromhex("312d41d7"),
        ),
        (
            "r2-magic-lowercase",
            "bad_magic",
            "magic bytes 31 2D 61 57 ('1-aW')",
            bytes.fromhex("312d6157"),
        ),
        (
            "r2-magic-halves-swapped",
            "bad_magic",
            "magic bytes 41 57 31 2D: the two 16-bit halves swapped",
            bytes.fromhex("4157312d"),
        ),
        (
            "r2-magic-shifted",
            "bad_magic",
            "magic bytes 00 31 2D 41: the magic one byte late",
            bytes.fromhex("00312d41"),
        ),
        (
            "r2-magic-numpy",
            "bad_magic",
            "magic bytes 93 4E 55 4D: a .npy file",
            bytes.fromhex("934e554d"),
        ),
        (
            "r2-magic-ascii-wa-1",
            "wrong_byte_order",
            (
                "magic bytes 57 41 2D 31, the ASCII text 'WA-1': the magic most "
                "significant byte first"
            ),
            bytes.fromhex("57412d31"),
        ),
        (
            "r2-magic-big-endian-wa-2",
            "wrong_byte_order",
            ("magic bytes 57 41 2D 32: a big-endian header (of any version) is wrong_byte_order"),
            bytes.fromhex("57412d32"),
        ),
        (
            "r2-magic-57-41-2d-00",
            "wrong_byte_order",
            ("magic bytes 57 41 2D 00: only the first three bytes decide wrong_byte_order"),
            bytes.fromhex("57412d00"),
        ),
        (
            "r2-magic-wa-2",
            "unsupported_version",
            "magic bytes 32 2D 41 57: WA-2 (§9.1)",
            bytes.fromhex("322d4157"),
        ),
        (
            "r2-magic-wa-0",
            "unsupported_version",
            "magic bytes 30 2D 41 57: 'WA-0'",
            bytes.fromhex("302d4157"),
        ),
        (
            "r2-magic-wa-9",
            "unsupported_version",
            "magic bytes 39 2D 41 57: 'WA-9'",
            bytes.fromhex("392d4157"),
        ),
        (
            "r2-magic-wa-nul",
            "unsupported_version",
            "magic bytes 00 2D 41 57: a WA magic with version byte 0",
            bytes.fromhex("002d4157"),
        ),
        (
            "r2-magic-wa-ff",
            "unsupported_version",
            "magic bytes FF 2D 41 57: a WA magic with version byte FF",
            bytes.fromhex("ff2d4157"),
        ),
        (
            "r2-magic-wa-w",
            "unsupported_version",
            (
                "magic bytes 57 2D 41 57: starts like a big-endian magic but is a WA-x "
                "magic (rule 3, not rule 2)"
            ),
            bytes.fromhex("572d4157"),
        ),
    ]
    for vid, error, what, magic in magics:
        yield invalid(vid, "R2", f"the §11.1 block with {what}", error, with_magic(EX_2D, magic))
    yield invalid(
        "r2-big-endian-block",
        "R2",
        "the §11.1 block as a big-endian machine writes it (every field and element "
        "byte-swapped, D7)",
        "wrong_byte_order",
        byteswap_block(EX_2D, 2, 8, 64),
    )
    zero_d = build(10, [], pack("float64", [3.25]))
    yield invalid(
        "r2-big-endian-0d-block",
        "R2",
        "a 0-d float64 block written big-endian",
        "wrong_byte_order",
        byteswap_block(zero_d, 0, 8, 64),
    )
    yield invalid(
        "r2-before-r3",
        "R2",
        "zero magic and element type 0: bad_magic comes before unsupported_type",
        "bad_magic",
        with_fields(with_magic(EX_2D, bytes(4)), etype=0),
        flags=("check_order",),
    )
    yield invalid(
        "r2-version-before-r3",
        "R2",
        "WA-2 magic and element type 13: unsupported_version comes before unsupported_type",
        "unsupported_version",
        with_fields(with_magic(EX_2D, bytes.fromhex("322d4157")), etype=13),
        flags=("check_order",),
    )


def invalid_r3() -> Iterator[Vector]:
    """R3: reserved element type codes (§4.3)."""
    codes = {
        0: "code 0 (wea 0.1.3 read it as complex128)",
        13: "code 13, the first code after Julia's range",
        14: "code 14",
        255: "code 255, the last code before the extensions",
        LAST_CODE + 1: f"code {LAST_CODE + 1}, the first code after the extensions",
        2560: "code 2560 = 0x0A00, float64's code byte-swapped",
        32768: "code 32768",
        65535: "code 65535, the largest u2",
    }
    for code, what in codes.items():
        yield invalid(
            f"r3-etype-{code}",
            "R3",
            f"the §11.1 block with element type {what}",
            "unsupported_type",
            with_fields(EX_2D, etype=code),
        )
    yield invalid(
        "r3-before-r4-ndims-65",
        "R3",
        "element type 13 and ndims 65: unsupported_type comes before invalid_ndims",
        "unsupported_type",
        with_fields(EX_2D, etype=13, ndims=65),
        flags=("check_order",),
    )
    yield invalid(
        "r3-before-r5",
        "R3",
        "element type 0 and offset 0: unsupported_type comes before invalid_offset",
        "unsupported_type",
        with_fields(EX_2D, etype=0, offset=0),
        flags=("check_order",),
    )


def invalid_r4() -> Iterator[Vector]:
    """R4: more than 64 dimensions (§5.3)."""
    dims65 = tuple(1 for _ in range(MAX_NDIMS + 1))
    yield invalid(
        "r4-ndims-65",
        "R4",
        "a complete uint8 block of 65 dimensions of length 1 at offset C(65) = 576: "
        "one beyond WEA_MAX_NDIMS (D4: Julia reads it)",
        "invalid_ndims",
        build(2, dims65, b"\x07"),
    )
    yield invalid(
        "r4-ndims-65-legacy-offset",
        "R4",
        "65 dimensions at offset C(65) + 64 = 640",
        "invalid_ndims",
        build(2, dims65, b"\x07", offset=640),
    )
    for n in (66, 100, 128, 255, 256, 65535):
        c = canonical_offset(n)
        where = f"zero bytes up to offset C({n}) = {c}" if c <= 1024 else "no dims"
        yield invalid(
            f"r4-ndims-{n}",
            "R4",
            f"ndims {n} with offset C({n}) = {c} and {where}: R4 needs only the fixed header",
            "invalid_ndims",
            build(10, [], ndims=n, offset=c),
        )
    yield invalid(
        "r4-half-swapped-header",
        "R4",
        "little-endian magic, then etype 0x0100 and ndims 0x0200 (1 and 2 "
        "byte-swapped): etype 256 is bool, so R3 passes and ndims 512 fails",
        "invalid_ndims",
        with_fields(EX_2D, etype=0x0100, ndims=0x0200),
    )
    yield invalid(
        "r4-before-r5-ndims-65",
        "R4",
        "ndims 65 and offset 0: invalid_ndims comes before invalid_offset",
        "invalid_ndims",
        with_fields(EX_2D, ndims=65, offset=0),
        flags=("check_order",),
    )
    yield invalid(
        "r4-before-r6-ndims-65",
        "R4",
        "ndims 65 and only the 16-byte fixed header: invalid_ndims comes before truncated",
        "invalid_ndims",
        build(2, [], ndims=65, offset=canonical_offset(65))[:16],
        flags=("check_order",),
    )


def invalid_r5() -> Iterator[Vector]:
    """R5: data offsets other than C and C + 64 (§3.5, §5.5)."""
    data = pack("float64", [1, 4, 2, 5, 3, 6])
    offsets: list[tuple[str, int, str]] = [
        ("zero", 0, "0: the data would alias the header"),
        ("8", 8, "8: inside the fixed header"),
        ("16", 16, "16: the start of the dims"),
        ("24", 24, "24: inside the dims"),
        ("32", 32, "32: the end of the dims, not a multiple of 64"),
        ("48", 48, "48: inside the padding"),
        ("63", 63, "63: one below C"),
        ("65", 65, "65: one above C, misaligned"),
        ("96", 96, "96: between C and C + 64"),
        ("127", 127, "127: one below C + 64"),
        ("129", 129, "129: one above C + 64"),
        ("192", 192, "192: C + 128"),
        ("384", 384, "384: C + 64 for 31 or 32 dimensions, not for 2"),
        ("640", 640, "640: WEA_MAX_OFFSET, but not for 2 dimensions"),
        ("4096", 4096, "4096: one page"),
        ("minus-1", -1, "-1"),
        ("minus-64", -64, "-64"),
        ("int64-min", INT64_MIN, "-2^63, the smallest s8"),
        ("int64-max", INT64_MAX, "2^63-1, the largest s8"),
        ("largest-aligned", INT64_MAX - 63, "2^63-64, the largest multiple of 64"),
        ("byte-swapped-64", 2**62, "2^62: the value 64 written big-endian"),
        ("high-word-64", 2**32 + 64, "2^32 + 64: its low 32 bits read 64"),
        (
            "negative-low-word-64",
            -(2**32) + 64,
            "-2^32 + 64: negative, its low 32 bits read 64",
        ),
        ("unsigned-64", INT64_MIN + 64, "-2^63 + 64: 2^63 + 64 if misread as unsigned"),
    ]
    for vid, off, what in offsets:
        yield invalid(
            f"r5-offset-{vid}",
            "R5",
            f"the §11.1 block (2 dims, C = 64) with offset {what}",
            "invalid_offset",
            build(10, [2, 3], data, offset=off),
        )
    # Both sides of every header-size boundary.
    boundary: list[tuple[int, int, str]] = [
        (0, 0, "0"),
        (0, 16, "16, the end of the 16-byte header"),
        (0, 192, "192 = C + 128"),
        (1, 192, "192 = C + 128"),
        (1, -128, "-128, negative"),
        (6, 192, "192 = C + 128 (192 is valid for 7 dims)"),
        (7, 64, "64 = C - 64, inside the dims (64 is valid for 6 dims)"),
        (7, 256, "256 = C + 128"),
        (14, 64, "64, inside the dims"),
        (14, 256, "256 = C + 128 (valid for 15 dims)"),
        (15, 128, "128, inside the dims (valid for 14 dims)"),
        (15, 320, "320 = C + 128"),
        (22, 128, "128, inside the dims"),
        (22, 320, "320 = C + 128 (valid for 23 dims)"),
        (23, 192, "192, inside the dims (valid for 22 dims)"),
        (23, 384, "384 = C + 128"),
        (30, 192, "192, inside the dims"),
        (30, 384, "384 = C + 128 (valid for 31 dims)"),
        (31, 256, "256, inside the dims (valid for 30 dims)"),
        (31, 448, "448 = C + 128"),
        (32, 256, "256, inside the dims"),
        (32, 448, "448 = C + 128"),
        (38, 256, "256, inside the dims (valid for 30 dims)"),
        (38, 448, "448 = C + 128 (valid for 39 dims)"),
        (39, 320, "320, inside the dims (valid for 38 dims)"),
        (39, 512, "512 = C + 128"),
        (46, 320, "320, inside the dims"),
        (46, 512, "512 = C + 128 (valid for 47 dims)"),
        (47, 384, "384, inside the dims (valid for 46 dims)"),
        (47, 576, "576 = C + 128"),
        (54, 384, "384, inside the dims"),
        (54, 576, "576 = C + 128 (valid for 55 dims)"),
        (55, 448, "448, inside the dims (valid for 54 dims)"),
        (55, 640, "640 = C + 128"),
        (62, 448, "448, inside the dims"),
        (62, 640, "640 = C + 128 (valid for 63 dims)"),
        (63, 512, "512, inside the dims (valid for 62 dims)"),
        (63, 704, "704 = C + 128"),
        (64, 512, "512, inside the dims"),
        (64, 704, "704 = C + 128, beyond WEA_MAX_OFFSET"),
    ]
    for n, off, what in boundary:
        dims = ndims_dims(n)
        yield invalid(
            f"r5-ndims-{n:02d}-offset-{off if off >= 0 else f'minus-{-off}'}",
            "R5",
            f"uint8, {n} dims (C = {canonical_offset(n)}), offset {what}",
            "invalid_offset",
            build(2, dims, ramp_data("uint8", dims), offset=off),
        )
    yield invalid(
        "r5-before-r6",
        "R5",
        "4 dims, offset 0 and only the 16-byte fixed header: invalid_offset comes before truncated",
        "invalid_offset",
        build(2, [1, 1, 1, 1], offset=0)[:16],
        flags=("check_order",),
    )
    yield invalid(
        "r5-before-r7",
        "R5",
        "offset 65 and a negative dimension: invalid_offset comes before invalid_dimension",
        "invalid_offset",
        build(2, [-1, 3], offset=65),
        flags=("check_order",),
    )


def invalid_r6() -> Iterator[Vector]:
    """R6: fewer bytes than the dims need."""
    cuts: list[tuple[str, bytes, int, str]] = [
        ("2d", EX_2D, 16, "the §11.1 block (2 dims) cut after the fixed header"),
        ("2d", EX_2D, 24, "the §11.1 block cut after dims[0]"),
        ("2d", EX_2D, 31, "the §11.1 block one byte short of its dims"),
        ("1d", EX_1D, 16, "the §11.2 block (1 dim) cut after the fixed header"),
        ("1d", EX_1D, 23, "the §11.2 block one byte short of its dims"),
        ("legacy", EX_LEGACY, 20, "the §11.4 block (legacy offset) cut in dims[0]"),
    ]
    cuts += [
        (
            "7d",
            EX_7D,
            16 + 8 * i,
            f"the §11.3 block (7 dims) cut after {plural(i, 'dim')}",
        )
        for i in range(7)
    ]
    cuts.append(("7d", EX_7D, 71, "the §11.3 block one byte short of its 7 dims"))
    n32 = build(2, ndims_dims(32), ramp_data("uint8", ndims_dims(32)))
    cuts += [
        ("32d", n32, 16, "a 32-dim block cut after the fixed header"),
        ("32d", n32, 264, "a 32-dim block cut after 31 dims"),
        ("32d", n32, 271, "a 32-dim block one byte short of its dims (272)"),
    ]
    n64 = build(2, ndims_dims(64), ramp_data("uint8", ndims_dims(64)))
    cuts += [
        ("64d", n64, 16, "a 64-dim block cut after the fixed header"),
        ("64d", n64, 272, "a 64-dim block cut after 32 dims"),
        ("64d", n64, 520, "a 64-dim block cut after 63 dims"),
        ("64d", n64, 527, "a 64-dim block one byte short of its dims (528)"),
    ]
    for tag, base, cut, what in cuts:
        yield invalid(f"r6-cut-{tag}-at-{cut}", "R6", what, "truncated", base[:cut])
    yield invalid(
        "r6-before-r7",
        "R6",
        "3 dims, dims[0] = -1, cut after 2 dims: truncated comes before invalid_dimension",
        "truncated",
        build(2, [-1, 2, 2])[:32],
        flags=("check_order",),
    )
    yield invalid(
        "r6-before-r8",
        "R6",
        "2 dims of 2^32, cut after the first: truncated comes before overflow",
        "truncated",
        build(2, [2**32, 2**32])[:24],
        flags=("check_order",),
    )


def invalid_r7() -> Iterator[Vector]:
    """R7: negative dimensions."""
    cases: list[tuple[str, int, tuple[int, ...], str]] = [
        ("1d-minus-1", 2, (-1,), "dims[0] = -1"),
        ("first-of-2", 10, (-1, 3), "dims[0] = -1 of 2"),
        ("second-of-2", 10, (3, -1), "dims[1] = -1 of 2"),
        ("last-of-7", 3, (1, 1, 1, 1, 1, 1, -2), "dims[6] = -2 of 7 (offset 128)"),
        (
            "last-of-32",
            2,
            tuple(-1 if i == 31 else 1 for i in range(32)),
            "dims[31] = -1 of 32",
        ),
        (
            "last-of-64",
            2,
            tuple(-1 if i == 63 else 1 for i in range(64)),
            "dims[63] = -1 of 64 (offset 576)",
        ),
        ("int64-min", 2, (INT64_MIN,), "dims[0] = -2^63 (2^63 if misread as unsigned)"),
        (
            "minus-2-pow-62",
            2,
            (-(2**62), 4),
            "dims[0] = -2^62, whose product with 4 is 0 mod 2^64",
        ),
        (
            "negative-low-word-3",
            2,
            (-(2**32) + 3,),
            "dims[0] = -2^32 + 3 (its low 32 bits read 3)",
        ),
        (
            "after-zero",
            2,
            (0, -1),
            "dims = 0, -1: a zero-length dimension does not excuse it",
        ),
        ("before-zero", 2, (-1, 0), "dims = -1, 0"),
        (
            "all-negative",
            2,
            (-1, -2, -3),
            "dims = -1, -2, -3 (the first, index 0, is reported)",
        ),
        (
            "byte-swapped-minus-2",
            2,
            (-(2**56) - 1,),
            "dims[0] = 0xFEFFFFFFFFFFFFFF, -2 byte-swapped",
        ),
    ]
    for vid, code, dims, what in cases:
        yield invalid(
            f"r7-dim-{vid}",
            "R7",
            f"{CODE_NAME[code]}, {what}",
            "invalid_dimension",
            build(code, dims, bytes(16)),
        )
    yield invalid(
        "r7-before-r8",
        "R7",
        "dims 2^32, 2^32, -1: the product overflows, but invalid_dimension (all dims) "
        "comes before overflow",
        "invalid_dimension",
        build(2, [2**32, 2**32, -1]),
        flags=("check_order",),
    )
    yield invalid(
        "r7-before-r9",
        "R7",
        "dims[0] = -1 and no data at all: invalid_dimension comes before data_truncated",
        "invalid_dimension",
        build(2, [-1, 5])[:32],
        flags=("check_order",),
    )


def invalid_r8() -> Iterator[Vector]:
    """R8: sizes beyond 2^63-1 (§5.6), in the order E, S*E, offset + L."""
    cases: list[tuple[str, str, tuple[int, ...], bytes, str, tuple[str, ...]]] = [
        # E = product of max(d, 1)
        ("extent-2-pow-63", "uint8", (2**62, 2), b"", "E = 2^62 * 2 = 2^63", ()),
        ("extent-max-times-2", "uint8", (INT64_MAX, 2), b"", "E = (2^63-1) * 2", ()),
        (
            "extent-3-dims",
            "uint8",
            (2**21, 2**21, 2**21),
            b"",
            "E = (2^21)^3 = 2^63",
            (),
        ),
        (
            "extent-wraps-to-0",
            "uint8",
            (2**32, 2**32),
            b"",
            "E = 2^64, which wraps to 0 in 64 bits (D6)",
            (),
        ),
        (
            "extent-wraps-to-2",
            "uint8",
            (3, WRAP3),
            b"\x01\x02",
            (
                "E = 3 * 6148914691236517206 = 2^64 + 2, which wraps to 2; the 2 bytes "
                "a wrapped size asks for are present (D6)"
            ),
            (),
        ),
        (
            "extent-wraps-negative",
            "uint8",
            (2**62, 3),
            b"",
            "E = 3 * 2^62, negative in a wrapping s8",
            (),
        ),
        ("extent-32-dims", "uint8", (4,) * 32, b"", "E = 4^32 = 2^64 over 32 dims", ()),
        ("extent-64-dims", "uint8", (2,) * 64, b"", "E = 2^64 over 64 dims of 2", ()),
        (
            "extent-with-zero-dim",
            "uint8",
            (0, 2**32, 2**32),
            b"",
            "E = 2^64 although a dimension is 0 and K = 0 (zeros count as 1, §5.6)",
            (),
        ),
        # S*E
        (
            "bytes-float64-2-pow-60",
            "float64",
            (2**60,),
            b"",
            "S*E = 8 * 2^60 = 2^63",
            (),
        ),
        ("bytes-int16-2-pow-62", "int16", (2**62,), b"", "S*E = 2 * 2^62 = 2^63", ()),
        (
            "bytes-complex128-2-pow-59",
            "complex128",
            (2**59,),
            b"",
            "S*E = 16 * 2^59 = 2^63",
            (),
        ),
        (
            "bytes-float16-max-dim",
            "float16",
            (INT64_MAX,),
            b"",
            "S*E = 2 * (2^63-1)",
            (),
        ),
        (
            "bytes-wraps-to-8",
            "float64",
            (2**61 + 1,),
            pack("float64", [1.0]),
            (
                "S*E = 8 * (2^61 + 1) = 2^64 + 8, which wraps to 8; the 8 bytes a "
                "wrapped size asks for are present (D6)"
            ),
            (),
        ),
        (
            "bytes-with-zero-dim",
            "float64",
            (0, 2**60),
            b"",
            "S*E = 2^63 although a dimension is 0 and L = 0 (§5.6)",
            (),
        ),
        # offset + L
        (
            "end-uint8",
            "uint8",
            (2**63 - 64,),
            b"",
            "offset + L = 64 + (2^63-64) = 2^63",
            (),
        ),
        (
            "end-uint8-max-dim",
            "uint8",
            (INT64_MAX,),
            b"",
            "offset + L = 64 + (2^63-1)",
            (),
        ),
        (
            "end-float64",
            "float64",
            (2**60 - 8,),
            b"",
            "S*E = 2^63-64, offset + L = 2^63",
            (),
        ),
        (
            "end-int16-wraps-negative",
            "int16",
            (2**62 - 1,),
            b"",
            "S*E = 2^63-2, offset + L = 2^63+62, negative in a wrapping s8",
            (),
        ),
        (
            "end-7d",
            "uint8",
            (1, 1, 1, 1, 1, 1, 2**63 - 128),
            b"",
            "7 dims at offset 128, offset + L = 2^63",
            (),
        ),
        (
            "end-extent-exactly-max",
            "uint8",
            PRIMES_OF_MAX,
            b"",
            (
                "E = 2^63-1 exactly (its prime factors as dims) and S*E too, but "
                "offset + L = 128 + (2^63-1)"
            ),
            (),
        ),
    ]
    for vid, tname, dims, data, what, flags in cases:
        yield invalid(
            f"r8-{vid}",
            "R8",
            f"{tname}, shape {shape_name(dims)}: {what}",
            "overflow",
            build(ETYPES[tname][0], dims, data),
            flags,
        )
    yield invalid(
        "r8-end-legacy-offset",
        "R8",
        "uint8 at the legacy offset 128, shape 2^63-128: offset + L = 2^63",
        "overflow",
        build(2, [2**63 - 128], offset=128),
    )


def invalid_r9() -> Iterator[Vector]:
    """R9: fewer bytes than offset + L."""
    cuts: list[tuple[str, bytes, int, str]] = [
        ("2d", EX_2D, 32, "the §11.1 block cut at the end of its dims"),
        ("2d", EX_2D, 48, "the §11.1 block cut inside its padding"),
        ("2d", EX_2D, 63, "the §11.1 block one byte short of its data offset"),
        ("2d", EX_2D, 64, "the §11.1 block cut at its data offset"),
        ("2d", EX_2D, 72, "the §11.1 block cut after one element"),
        ("2d", EX_2D, 104, "the §11.1 block cut after five of six elements"),
        ("2d", EX_2D, 111, "the §11.1 block one byte short of its data"),
        ("1d", EX_1D, 24, "the §11.2 block cut at the end of its dims"),
        ("1d", EX_1D, 64, "the §11.2 block cut at its data offset"),
        ("1d", EX_1D, 68, "the §11.2 block one byte short of its data"),
        ("7d", EX_7D, 72, "the §11.3 block cut at the end of its 7 dims"),
        ("7d", EX_7D, 127, "the §11.3 block one byte short of its data offset 128"),
        ("7d", EX_7D, 128, "the §11.3 block cut at its data offset"),
        ("7d", EX_7D, 130, "the §11.3 block cut after one element"),
        ("7d", EX_7D, 131, "the §11.3 block one byte short of its data"),
        (
            "legacy",
            EX_LEGACY,
            24,
            "the §11.4 block (offset 128) cut at the end of its dims",
        ),
        (
            "legacy",
            EX_LEGACY,
            72,
            (
                "the §11.4 block cut at 72 bytes: its data would fit at C = 64, but "
                "the offset is 128"
            ),
        ),
        ("legacy", EX_LEGACY, 128, "the §11.4 block cut at its data offset 128"),
        ("legacy", EX_LEGACY, 135, "the §11.4 block one byte short of its data"),
    ]
    zero_d = build(12, [], pack("complex128", [complex(1.5, -2)]))
    cuts += [
        ("0d", zero_d, 16, "a 0-d complex128 block of the fixed header only"),
        (
            "0d",
            zero_d,
            64,
            "a 0-d complex128 block cut at its data offset: K = 1, not 0",
        ),
        ("0d", zero_d, 72, "a 0-d complex128 block cut after the real part"),
        ("0d", zero_d, 79, "a 0-d complex128 block one byte short of its data"),
    ]
    n32 = build(2, ndims_dims(32), ramp_data("uint8", ndims_dims(32)))
    cuts += [
        ("32d", n32, 272, "a 32-dim block cut at the end of its dims"),
        ("32d", n32, 320, "a 32-dim block cut at its data offset 320"),
        ("32d", n32, 323, "a 32-dim block one byte short of its 4 data bytes"),
    ]
    n64 = build(2, ndims_dims(64), ramp_data("uint8", ndims_dims(64)))
    cuts += [
        ("64d", n64, 528, "a 64-dim block cut at the end of its dims"),
        ("64d", n64, 575, "a 64-dim block one byte short of its data offset 576"),
        ("64d", n64, 576, "a 64-dim block cut at its data offset 576"),
        ("64d", n64, 579, "a 64-dim block one byte short of its 4 data bytes"),
    ]
    n64_legacy = build(2, ndims_dims(64), ramp_data("uint8", ndims_dims(64)), offset=640)
    cuts.append(
        (
            "64d-legacy",
            n64_legacy,
            639,
            "a 64-dim block at offset 640 (WEA_MAX_OFFSET) one byte short of its data offset",
        )
    )
    empty = build(10, [0])
    cuts += [
        (
            "empty",
            empty,
            24,
            (
                "an empty float64 array (shape 0) cut at the end of its dims: L = 0, "
                "but len must be at least the offset (§5.2)"
            ),
        ),
        (
            "empty",
            empty,
            63,
            "an empty float64 array one byte short of its data offset",
        ),
    ]
    empty_legacy = build(10, [0], offset=128)
    cuts.append(
        (
            "empty-legacy",
            empty_legacy,
            127,
            "an empty float64 array at offset 128 one byte short of its data offset",
        )
    )
    for tag, base, cut, what in cuts:
        yield invalid(f"r9-cut-{tag}-at-{cut}", "R9", what, "data_truncated", base[:cut])
    claims: list[tuple[str, str, tuple[int, ...], int | None, str]] = [
        (
            "2-pow-40",
            "float64",
            (2**40,),
            None,
            "8 TiB of float64 claimed by a 64-byte block",
        ),
        (
            "end-exactly-max",
            "uint8",
            (2**63 - 65,),
            None,
            "offset + L = 2^63-1 exactly: passes R8, fails R9",
        ),
        (
            "end-exactly-max-legacy",
            "uint8",
            (2**63 - 129,),
            128,
            "at offset 128, offset + L = 2^63-1 exactly: passes R8, fails R9",
        ),
        (
            "float64-end-below-max",
            "float64",
            (2**60 - 9,),
            None,
            "S*E = 2^63-72, offset + L = 2^63-8: passes R8, fails R9",
        ),
        (
            "complex128-end-below-max",
            "complex128",
            (2**59 - 5,),
            None,
            "S*E = 2^63-80, offset + L = 2^63-16: passes R8, fails R9",
        ),
    ]
    for vid, tname, dims, off, what in claims:
        yield invalid(
            f"r9-claims-{vid}",
            "R9",
            f"{tname}, shape {shape_name(dims)}: {what}",
            "data_truncated",
            build(ETYPES[tname][0], dims, offset=off),
        )
    yield invalid(
        "r9-claims-one-more-than-a-page",
        "R9",
        "a one-page (4096-byte) shared-memory object whose uint8 array of 4033 "
        "elements needs 4097 bytes",
        "data_truncated",
        build(2, [4033], bytes(4032)),
    )
    yield invalid(
        "r9-claims-int32-10",
        "R9",
        "int32, shape 10: 40 data bytes claimed, 39 present",
        "data_truncated",
        build(5, [10], ramp_data("int32", [10])[:39]),
    )


def all_vectors() -> list[Vector]:
    """Return every vector: valid ones first, invalid ones in check order."""
    valid_vectors = [
        *valid_spec_examples(),
        *valid_types(),
        *valid_values(),
        *valid_ndims(),
        *valid_legacy(),
        *valid_trailing(),
        *valid_edges(),
        *valid_julia(),
        *valid_padding(),
    ]
    invalid_vectors = [
        *invalid_r1(),
        *invalid_r2(),
        *invalid_r3(),
        *invalid_r4(),
        *invalid_r5(),
        *invalid_r6(),
        *invalid_r7(),
        *invalid_r8(),
        *invalid_r9(),
    ]
    invalid_vectors.sort(key=lambda v: v.clause)  # stable: R1 .. R9, then generation order
    return [derive_flags(v) for v in valid_vectors + invalid_vectors]


# ---------------------------------------------------------------------------
# Flags, checks, manifest.
# ---------------------------------------------------------------------------


def derive_flags(vector: Vector) -> Vector:
    """Add the flags and the message that follow from the bytes, and sort the flags.

    ``julia_accepts`` and ``julia_unreadable`` are derived from
    :func:`julia_reads` alone; a vector may not set them by hand.
    """
    flags = set(vector.flags)
    hand = flags & {"julia_accepts", "julia_unreadable"}
    if hand:
        raise ValueError(f"{vector.id}: {sorted(hand)} are derived from the bytes, not set")
    status, found = reference_check(vector.block)
    message = None
    if vector.error is None:
        if status is not None or not isinstance(found, Decoded):
            raise ValueError(f"{vector.id}: declared valid, but the reference reader says {status}")
        dec = found
        c = canonical_offset(len(dec.dims))
        if dec.offset == c + 64:
            flags.add("legacy_offset")
            flags.add("writer_forbidden")
        if dec.trailing:
            flags.add("trailing_bytes")
        if any(dec.padding):
            flags.add("writer_forbidden")
        if not julia_reads(vector.block):
            flags.add("julia_unreadable")
    else:
        if not isinstance(found, str):
            raise ValueError(f"{vector.id}: declared {vector.error}, but the block is valid")
        message = found
        if vector.error in BEYOND_KAITAI:
            flags.add("beyond_kaitai")
        if julia_reads(vector.block):
            flags.add("julia_accepts")
    unknown = flags - set(FLAGS)
    if unknown:
        raise ValueError(f"{vector.id}: unknown flags {sorted(unknown)}")
    return Vector(
        id=vector.id,
        clause=vector.clause,
        description=vector.description,
        block=vector.block,
        error=vector.error,
        expected=vector.expected,
        flags=tuple(sorted(flags)),
        message=message,
    )


def verify(vector: Vector) -> None:
    """Check a vector against the reference reader; raise ValueError on any mismatch."""
    status, dec = reference_read(vector.block)
    prefix = f"{vector.id}:"
    if len(vector.block) > MAX_VECTOR_BYTES:
        raise ValueError(f"{prefix} {len(vector.block)} bytes, more than {MAX_VECTOR_BYTES}")
    if vector.error is not None:
        if vector.error not in CATEGORIES:
            raise ValueError(f"{prefix} unknown category {vector.error}")
        if status != vector.error:
            raise ValueError(
                f"{prefix} declared {vector.error}, the reference reader says {status}"
            )
        if not vector.message or not vector.message.startswith(f"{vector.error}: "):
            raise ValueError(f"{prefix} the message does not name the category: {vector.message}")
        return
    exp = vector.expected
    if exp is None or dec is None:
        raise ValueError(f"{prefix} declared valid, the reference reader says {status}")
    found = (dec.etype, dec.dims, dec.offset, dec.data)
    wanted = (exp.etype, exp.dims, exp.offset, exp.data)
    if found != wanted:
        raise ValueError(f"{prefix} declared {wanted[:3]}, the bytes say {found[:3]}")


def manifest_entry(vector: Vector) -> dict[str, object]:
    """Return the manifest record of a vector (conformance/manifest.schema.json)."""
    entry: dict[str, object] = {
        "id": vector.id,
        "path": vector.path,
        "result": vector.result,
        "clause": vector.clause,
        "description": vector.description,
        "flags": list(vector.flags),
    }
    if vector.expected is not None:
        exp = vector.expected
        entry.update(
            etype=exp.etype,
            ndims=len(exp.dims),
            dims=list(exp.dims),
            offset=exp.offset,
            len_data=len(exp.data),
            sha256=hashlib.sha256(exp.data).hexdigest(),
        )
    else:
        entry["error"] = vector.error
        entry["message"] = vector.message
    return entry


def render_manifest(vectors: Sequence[Vector]) -> str:
    """Return manifest.json: top-level keys one per line, one vector per line."""
    head = {
        "schema": SCHEMA_NAME,
        "spec_version": SPEC_VERSION,
        "number_of_vectors": len(vectors),
    }
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    lines.append('  "vectors": [')
    rows = [json.dumps(manifest_entry(v), ensure_ascii=False) for v in vectors]
    lines += [f"    {row}," for row in rows[:-1]]
    lines.append(f"    {rows[-1]}")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def generate(out: Path) -> list[Vector]:
    """Write every vector and the manifest into ``out``; remove stale vector files."""
    vectors = all_vectors()
    seen: set[str] = set()
    for vector in vectors:
        if vector.id in seen:
            raise ValueError(f"duplicate id {vector.id}")
        seen.add(vector.id)
        verify(vector)
    wanted = {vector.path for vector in vectors}
    for sub in ("valid", "invalid"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("*.wea"):
            if f"{sub}/{old.name}" not in wanted:
                old.unlink()
    for vector in vectors:
        target = out / vector.path
        if not target.exists() or target.read_bytes() != vector.block:
            target.write_bytes(vector.block)
    manifest = render_manifest(vectors).encode("utf-8")
    target = out / "manifest.json"
    if not target.exists() or target.read_bytes() != manifest:
        target.write_bytes(manifest)
    return vectors


def generated_files(directory: Path) -> dict[str, bytes]:
    """Return the generator's files under ``directory`` (relative path -> bytes)."""
    files: dict[str, bytes] = {}
    for sub in ("valid", "invalid"):
        for path in sorted((directory / sub).glob("*")):
            if path.is_file():
                files[f"{sub}/{path.name}"] = path.read_bytes()
    manifest = directory / "manifest.json"
    if manifest.exists():
        files["manifest.json"] = manifest.read_bytes()
    return files


def check(directory: Path) -> list[str]:
    """Regenerate in a temporary directory; return how ``directory`` differs."""
    with tempfile.TemporaryDirectory(prefix="wea-vectors-") as tmp:
        generate(Path(tmp))
        fresh = generated_files(Path(tmp))
    committed = generated_files(directory)
    problems = []
    for name in sorted(fresh.keys() | committed.keys()):
        if name not in committed:
            problems.append(f"missing: {name} (the generator writes it)")
        elif name not in fresh:
            problems.append(f"extra: {name} (the generator does not write it)")
        elif fresh[name] != committed[name]:
            problems.append(f"differs: {name}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--out", type=Path, help="write the vectors here (default: conformance/)")
    group.add_argument(
        "--check",
        nargs="?",
        const=DEFAULT_OUT,
        type=Path,
        metavar="DIR",
        help="fail if regenerating would change a byte in DIR (default: conformance/)",
    )
    args = parser.parse_args(argv)
    if args.check is not None:
        problems = check(args.check)
        for line in problems:
            print(f"vectors-check: {line}", file=sys.stderr)
        if problems:
            print(
                f"vectors-check: {len(problems)} file(s) differ from the generator's "
                "output; run `make vectors` and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"vectors-check: {args.check} matches tools/gen_vectors.py byte for byte")
        return 0
    out = args.out or DEFAULT_OUT
    vectors = generate(out)
    n_valid = sum(v.error is None for v in vectors)
    print(
        f"gen_vectors: wrote {len(vectors)} vectors ({n_valid} valid, "
        f"{len(vectors) - n_valid} invalid) and manifest.json to {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
