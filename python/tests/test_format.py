"""The format core (wea._format, wea._errors) against spec/wea.md."""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from blocks import MAGIC, REGISTRY, ROOT, Example, block, c_of, spec_examples, spec_table

import wea
from wea import _errors as E
from wea import _format as F

MAX = 2**63 - 1
# The element types come from spec/registry.json: a new type needs no edit here.
CODES = [int(t["code"]) for t in REGISTRY["element_types"]]
NAMES = [str(t["name"]) for t in REGISTRY["element_types"]]
R3_MESSAGE_OF_0: str = next(
    v["message"]
    for v in json.loads((ROOT / "conformance" / "manifest.json").read_text("utf-8"))["vectors"]
    if v["id"] == "i-r3-etype-0"
)


def parse_err(buf: Any, **kw: Any) -> wea.WeaError:
    with pytest.raises(wea.WeaError) as info:
        F.parse_header(buf, **kw)
    return info.value


# -- constants, types, offsets -------------------------------------------------


def test_named_constants_are_those_of_spec_section_12() -> None:
    rows = {r[0].strip("`"): r[1] for r in spec_table("## 12. Named constants")}
    assert len(rows) == 10
    values = {
        "WEA_MAGIC": F.MAGIC,
        "WEA_HEADER_SIZE": F.HEADER_SIZE,
        "WEA_DIM_SIZE": F.DIM_SIZE,
        "WEA_ALIGNMENT": F.ALIGNMENT,
        "WEA_LEGACY_OFFSET_DELTA": F.LEGACY_OFFSET_DELTA,
        "WEA_MAX_NDIMS": F.MAX_NDIMS,
        "WEA_MAX_OFFSET": F.MAX_OFFSET,
        "WEA_MAX_SIZE": F.MAX_SIZE,
        "WEA_MAX_NAME_BYTES": F.MAX_NAME_BYTES,
        "WEA_DEFAULT_MODE": F.DEFAULT_MODE,
    }
    assert set(rows) == set(values)
    for name, value in values.items():
        text = rows[name].split("(")[0].strip().strip("`")
        expected = (
            MAX
            if text == "2^63-1"
            else int(text, 0 if text[:2] == "0x" else 8 if text[0] == "0" else 10)
        )
        assert value == expected, name
    assert F.MAGIC_BYTES == MAGIC == F.MAGIC.to_bytes(4, "little")


def test_element_types_are_those_of_spec_section_4() -> None:
    rows = spec_table("§4.1 **Core codes.**") + spec_table("§4.2 **Extension codes")
    table = {int(r[0]): (r[1], int(r[2]), r[3].strip("`")) for r in rows}
    assert set(table) == set(F.ELEMENT_TYPES) == set(CODES)
    # The core codes are Julia's 1 to 12 for good; WA-1's own start at 256 (§4.4).
    assert [c for c in CODES if c <= 255] == list(range(1, 13))
    assert {256, 257} <= {c for c in CODES if c >= 256}
    numpy_of = {int(t["code"]): str(t["numpy"]) for t in REGISTRY["element_types"]}
    for code, (name, size, npname) in table.items():
        et = F.ELEMENT_TYPES[code]
        assert (et.name, et.itemsize) == (name, size)
        assert et.dtype == np.dtype(numpy_of[code]).newbyteorder("<")
        if numpy_known(npname):  # else numpy holds the type through a stand-in
            assert et.dtype == np.dtype(npname).newbyteorder("<")
        assert et.dtype.byteorder in ("<|=" if sys.byteorder == "little" else "<|")
        assert et.julia == (code <= 12)
    assert tuple(et.dtype for et in F.ELEMENT_TYPES.values()) == F.SUPPORTED_DTYPES


@pytest.mark.parametrize(
    ("ndims", "c"),
    [
        (0, 64),
        (6, 64),
        (7, 128),
        (14, 128),
        (15, 192),
        (22, 192),
        (23, 256),
        (30, 256),
        (31, 320),
        (32, 320),
    ],
)
def test_canonical_offset_table_of_spec_3_5(ndims: int, c: int) -> None:
    assert F.canonical_offset(ndims) == c == c_of(ndims)


def numpy_known(name: str) -> bool:
    """Whether numpy knows a dtype by this name (not bfloat16, say)."""
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def test_etype_of_every_supported_dtype_in_every_byte_order() -> None:
    for code, et in F.ELEMENT_TYPES.items():
        for order in ("<", ">", "="):
            assert F.etype_of(et.dtype.newbyteorder(order)) == code
        if numpy_known(et.name):
            assert F.etype_of(et.name) == code
    assert F.etype_of(np.intc) == 5
    assert F.etype_of(bool) == 256
    assert F.etype_of(float) == 10


@pytest.mark.parametrize(
    "dtype",
    ["U3", "S4", object, "M8[s]", "m8[s]", "V8", [("a", "<i4")], "(2,)f8", np.longdouble, "c32"],
)
def test_etype_of_unsupported_dtypes_names_the_supported_ones(dtype: Any) -> None:
    dt = np.dtype(dtype)
    if dt.kind == "f" and dt.itemsize == 8:  # longdouble is double on some machines
        pytest.skip("longdouble is float64 here")
    supported = re.escape(f"supported: {', '.join(NAMES)} (WA-1 §4)")
    assert supported.startswith(r"supported:\ int8,\ uint8,")
    with pytest.raises(TypeError, match=supported):
        F.etype_of(dtype)


# -- §6.2 categories -------------------------------------------------------------


def test_error_categories_are_those_of_spec_6_2() -> None:
    rows = spec_table("### A.1 Error categories in Python")
    assert len(rows) == 10
    assert list(E.CATEGORIES) == [r[1].strip("`") for r in rows]
    for number, category, cls_name, kind, _meaning in rows:
        cls = getattr(wea, cls_name.strip("`"))
        assert cls is E.error_class(category.strip("`"))
        assert issubclass(cls, wea.WeaError)
        assert issubclass(cls, ValueError)
        assert (cls.category, cls.code, cls.kind) == (category.strip("`"), int(number), kind)
        err = cls("x")
        assert (err.category, err.code, err.message, str(err)) == (
            category.strip("`"),
            int(number),
            "x",
            "x",
        )
    with pytest.raises(KeyError):
        E.error_class("nonsense")


# -- R1 to R9, messages and order ---------------------------------------------


def test_r1_truncated() -> None:
    for n in range(16):
        e = parse_err(block(cut=n))
        assert type(e) is wea.TruncatedError
        assert (
            e.message
            == f"truncated: the block has {n} bytes, the fixed header needs 16 (WA-1 §6.1 R1)"
        )


@pytest.mark.parametrize(
    ("magic", "cls", "text"),
    [
        (
            b"\x57\x41\x2d\x31",
            wea.WrongByteOrderError,
            "wrong_byte_order: magic bytes 57 41 2D 31 are a big-endian WA header, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x57\x41\x2d\x32",
            wea.WrongByteOrderError,
            "wrong_byte_order: magic bytes 57 41 2D 32 are a big-endian WA header, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x32\x2d\x41\x57",
            wea.UnsupportedVersionError,
            "unsupported_version: magic bytes 32 2D 41 57 announce another WA version, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x00\x2d\x41\x57",
            wea.UnsupportedVersionError,
            "unsupported_version: magic bytes 00 2D 41 57 announce another WA version, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x00\x00\x00\x00",
            wea.BadMagicError,
            "bad_magic: magic bytes 00 00 00 00, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x93NUM",
            wea.BadMagicError,
            "bad_magic: magic bytes 93 4E 55 4D, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
        (
            b"\x31\x2d\x41\x56",
            wea.BadMagicError,
            "bad_magic: magic bytes 31 2D 41 56, expected 31 2D 41 57 (WA-1 §6.1 R2)",
        ),
    ],
)
def test_r2_magic(magic: bytes, cls: type[wea.WeaError], text: str) -> None:
    e = parse_err(block(magic=magic))
    assert type(e) is cls
    assert e.message == text


@pytest.mark.parametrize("etype", [0, 13, 14, 255, CODES[-1] + 1, 65535])
def test_r3_unsupported_type(etype: int) -> None:
    e = parse_err(block(etype=etype))
    assert type(e) is wea.UnsupportedTypeError
    # The text of the independent vector generator (tools/gen_vectors.py).
    expected = R3_MESSAGE_OF_0.replace("code 0,", f"code {etype},")
    assert expected.startswith(f"unsupported_type: element type code {etype}, expected 1 to 12")
    assert e.message == expected


@pytest.mark.parametrize("ndims", [65, 66, 1000, 65535])
def test_r4_invalid_ndims(ndims: int) -> None:
    e = parse_err(block(dims=(), ndims=ndims, offset=64))
    assert type(e) is wea.InvalidNdimsError
    assert e.message == f"invalid_ndims: ndims is {ndims}, expected at most 64 (WA-1 §6.1 R4)"


@pytest.mark.parametrize("ndims", [33, 48, 64])
def test_up_to_64_dimensions_are_valid(ndims: int) -> None:
    # WA-1 1.1: numpy 2's limit; wea 0.1.3 on numpy 2 writes such blocks (offset C + 64).
    for offset in (c_of(ndims), c_of(ndims) + 64):
        raw = block(etype=2, dims=(1,) * ndims, offset=offset, data=b"\x07")
        h = F.parse_header(raw)
        assert (h.ndims, h.offset, h.len_data) == (ndims, offset, 1)
        if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
            assert wea.loads(raw).shape == (1,) * ndims
        else:  # pragma: no cover - numpy 1
            with pytest.raises(ValueError, match="holds at most 32"):
                wea.loads(raw)


@pytest.mark.parametrize("offset", [0, -64, 32, 63, 65, 192, 256, 2**62, -(2**63), 127])
def test_r5_invalid_offset(offset: int) -> None:
    e = parse_err(block(offset=offset, data=b""))
    assert type(e) is wea.InvalidOffsetError
    assert (
        e.message
        == f"invalid_offset: data offset is {offset}, expected 64 or 128 for 2 dimensions (WA-1 §6.1 R5)"
    )


def test_r5_for_many_ndims() -> None:
    for n in range(65):
        c = c_of(n)
        for good in (c, c + 64):
            F.parse_header(block(dims=(1,) * n, offset=good, data=b"\0" * 8))
        for bad in (c - 64, c + 128, c + 8, c - 8):
            e = parse_err(block(dims=(1,) * n, offset=bad, data=b""))
            assert (
                e.message
                == f"invalid_offset: data offset is {bad}, expected {c} or {c + 64} for {n} dimensions (WA-1 §6.1 R5)"
            )


def test_r6_truncated_dims() -> None:
    full = block(dims=(2, 3, 4))
    for n in range(16, 40):
        e = parse_err(full[:n])
        assert type(e) is wea.TruncatedError
        assert (
            e.message
            == f"truncated: the block has {n} bytes, the header with 3 dimensions needs 40 (WA-1 §6.1 R6)"
        )


def test_r7_first_negative_dimension() -> None:
    e = parse_err(block(dims=(2, -1, -5), data=b""))
    assert type(e) is wea.InvalidDimensionError
    assert e.message == "invalid_dimension: dimension 1 is -1, expected at least 0 (WA-1 §6.1 R7)"
    e = parse_err(block(dims=(-(2**63),), data=b""))
    assert (
        e.message
        == f"invalid_dimension: dimension 0 is {-(2**63)}, expected at least 0 (WA-1 §6.1 R7)"
    )


def test_r8_overflow_messages() -> None:
    e = parse_err(block(dims=(2**32, 2**31), data=b""))
    assert type(e) is wea.SizeOverflowError
    assert (
        e.message
        == "overflow: the extent (the product of the dimensions, zeros counted as 1) exceeds 2^63-1 (WA-1 §6.1 R8)"
    )
    e = parse_err(block(etype=10, dims=(2**60,), data=b""))
    assert (
        e.message
        == f"overflow: extent {2**60} times element size 8 exceeds 2^63-1 bytes (WA-1 §6.1 R8)"
    )
    e = parse_err(block(etype=2, dims=(MAX,), data=b""))
    assert (
        e.message
        == f"overflow: data offset 64 plus data length {MAX} exceeds 2^63-1 (WA-1 §6.1 R8)"
    )
    # the extent counts a zero dimension as 1, so a 0 does not hide an overflow
    e = parse_err(block(dims=(0, 2**32, 2**31), data=b""))
    assert (
        e.message
        == "overflow: the extent (the product of the dimensions, zeros counted as 1) exceeds 2^63-1 (WA-1 §6.1 R8)"
    )
    e = parse_err(block(etype=12, dims=(0, 2**60), data=b""))
    assert (
        e.message
        == f"overflow: extent {2**60} times element size 16 exceeds 2^63-1 bytes (WA-1 §6.1 R8)"
    )


def test_r8_limits_exactly() -> None:
    # S * E == 2^63-1 - 64 is the largest data length with offset 64
    e = parse_err(block(etype=2, dims=(MAX - 64,), data=b""))
    assert type(e) is wea.DataTruncatedError
    e = parse_err(block(etype=2, dims=(MAX - 63,), data=b""))
    assert type(e) is wea.SizeOverflowError
    e = parse_err(block(etype=2, dims=(1,) * 6 + (MAX,), data=b""))
    assert type(e) is wea.SizeOverflowError
    # 32 dimensions of 3: 3^32 > 2^50 but < 2^63
    e = parse_err(block(etype=1, dims=(3,) * 32, data=b""))
    assert type(e) is wea.DataTruncatedError
    e = parse_err(block(etype=1, dims=(4,) * 32, data=b""))
    assert type(e) is wea.SizeOverflowError


def test_r9_data_truncated() -> None:
    full = block(dims=(2, 3))
    assert len(full) == 112
    for n in range(32, 112):
        e = parse_err(full[:n])
        assert type(e) is wea.DataTruncatedError
        assert (
            e.message
            == f"data_truncated: the block has {n} bytes, expected at least 112 (data offset 64 + data length 48) (WA-1 §6.1 R9)"
        )
    # zero-length data still needs the padding up to the offset
    e = parse_err(block(dims=(0, 3), cut=40))
    assert (
        e.message
        == "data_truncated: the block has 40 bytes, expected at least 64 (data offset 64 + data length 0) (WA-1 §6.1 R9)"
    )
    e = parse_err(block(dims=(10**15,), data=b""))
    assert type(e) is wea.DataTruncatedError


@pytest.mark.parametrize(
    ("raw", "cls"),
    [
        (block(magic=b"XXXX", etype=0, ndims=70, offset=1, cut=8), wea.TruncatedError),  # R1 first
        (block(magic=b"XXXX", etype=0, ndims=70, offset=1), wea.BadMagicError),  # R2 before R3
        (block(etype=0, dims=(), ndims=70, offset=1), wea.UnsupportedTypeError),  # R3 before R4
        (block(dims=(), ndims=70, offset=1), wea.InvalidNdimsError),  # R4 before R5
        (block(dims=(-1,) * 3, ndims=3, offset=1, cut=20), wea.InvalidOffsetError),  # R5 before R6
        (block(dims=(-1, 5), cut=20), wea.TruncatedError),  # R6 before R7
        (block(dims=(-1, 2**62, 2**62), data=b""), wea.InvalidDimensionError),  # R7 before R8
        (block(dims=(2**62, 2**62), data=b""), wea.SizeOverflowError),  # R8 before R9
    ],
)
def test_checks_run_in_the_spec_order(raw: bytes, cls: type[wea.WeaError]) -> None:
    assert type(parse_err(raw)) is cls


def test_messages_match_the_templates_of_spec_6_3() -> None:
    templates = [(r[0], r[1].strip("`")) for r in spec_table("### §6.3 Error messages")]
    assert len(templates) == 13

    def matches(message: str) -> bool:
        for _check, tmpl in templates:
            pattern = re.escape(tmpl)
            pattern = re.sub(r"\\\{.*?\\\}", ".+?", pattern)
            if re.fullmatch(pattern, message):
                return True
        return False

    raws = [
        block(cut=3),
        block(magic=b"WA-1"),
        block(magic=b"2-AW"),
        block(magic=b"abcd"),
        block(etype=99),
        block(dims=(), ndims=99, offset=64),
        block(offset=0),
        block(cut=20),
        block(dims=(-3,)),
        block(dims=(2**40, 2**40), data=b""),
        block(dims=(2**61,), data=b""),
        block(etype=2, dims=(MAX,), data=b""),
        block(cut=70),
    ]
    for raw in raws:
        e = parse_err(raw)
        assert matches(e.message), e.message
        assert e.message.startswith(e.category + ": ")
        assert not e.message.endswith(".")


# -- valid blocks -----------------------------------------------------------------


@pytest.mark.parametrize("ex", spec_examples(), ids=lambda ex: ex.name)
def test_spec_examples_parse_to_their_fields(ex: Example) -> None:
    h = F.parse_header(ex.block)
    assert (h.etype, h.ndims, h.offset, h.dims, h.len_data) == (
        ex.etype,
        ex.ndims,
        ex.offset,
        ex.dims,
        ex.len_data,
    )
    assert ex.block[h.offset : h.block_size] == ex.data
    assert h.block_size == len(ex.block)
    assert h.legacy_offset == (ex.offset != c_of(ex.ndims))
    arr = wea.loads(ex.block)
    assert arr.shape == ex.dims
    assert arr.tobytes(order="F") == ex.data


def test_spec_examples_are_what_the_writer_writes() -> None:
    arrays = {
        "float64-2x3": np.array([[1, 2, 3], [4, 5, 6]], dtype="f8"),
        "uint8-5": np.array([1, 2, 3, 4, 5], dtype="u1"),
        "int16-7d": np.array([-1, 2], dtype="i2").reshape(1, 1, 1, 1, 1, 1, 2),
    }
    examples = {ex.name: ex for ex in spec_examples()}
    assert set(arrays) < set(examples)
    for name, arr in arrays.items():
        assert bytes(wea.dumps(arr)) == examples[name].block
        assert bytes(wea.dumps(np.asfortranarray(arr))) == examples[name].block
        assert bytes(wea.dumps(arr.astype(arr.dtype.newbyteorder(">")))) == examples[name].block
    # the legacy example: readers read it, writers write the canonical offset
    legacy = examples["float32-legacy-offset"]
    arr = wea.loads(legacy.block)
    assert arr.tolist() == [1.5, -2.0]
    rewritten = wea.dumps(arr)
    assert F.parse_header(rewritten).offset == 64
    assert len(rewritten) == 72


def test_header_properties() -> None:
    h = F.parse_header(block(etype=3, dims=(4, 5)))
    assert (h.itemsize, h.count, h.shape, h.header_size, h.block_size) == (2, 20, (4, 5), 32, 104)
    assert h.dtype == np.dtype("<i2")
    assert h.element_type.name == "int16"
    assert h.julia_readable
    assert not F.parse_header(block(etype=256, dims=(4,))).julia_readable
    assert not F.parse_header(block(dims=())).julia_readable
    assert not F.parse_header(block(dims=(0, 2))).julia_readable
    assert not F.parse_header(block(dims=(2,), offset=128)).julia_readable


def test_zero_dims_and_zero_length_and_trailing_bytes() -> None:
    h = F.parse_header(block(dims=(), data=b"\0" * 8))
    assert (h.ndims, h.dims, h.count, h.len_data, h.offset) == (0, (), 1, 8, 64)
    h = F.parse_header(block(dims=(0, 5), cut=64))
    assert (h.count, h.len_data, h.block_size) == (0, 0, 64)
    h = F.parse_header(block(dims=(2, 3), trailing=b"\xff" * 1000))
    assert h.block_size == 112
    h = F.parse_header(block(dims=(1,) * 32))
    assert (h.ndims, h.offset) == (32, 320)
    h = F.parse_header(block(dims=(1,) * 64))
    assert (h.ndims, h.offset) == (64, 576)
    assert F.parse_header(block(dims=(1,) * 64, offset=640)).offset == F.MAX_OFFSET


def test_padding_is_not_checked() -> None:
    raw = bytearray(block(dims=(2, 3)))
    raw[32:64] = b"\xab" * 32
    assert F.parse_header(raw).dims == (2, 3)


def test_every_prefix_of_a_valid_block_is_incomplete_never_invalid() -> None:
    for ex in spec_examples():
        for n in range(len(ex.block)):
            e = parse_err(ex.block[:n])
            assert e.kind == "incomplete", (ex.name, n, e)


def _reference_read() -> Any:
    """The conformance generator's own reader (tools/gen_vectors.py): independent of wea."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "wea_gen_vectors_ref", Path(__file__).resolve().parents[2] / "tools" / "gen_vectors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["wea_gen_vectors_ref"] = module
    spec.loader.exec_module(module)
    return module.reference_read


def test_every_single_byte_deletion_or_flip_agrees_with_an_independent_reader() -> None:
    reference_read = _reference_read()
    raw = block(etype=9, dims=(3, 2, 2), trailing=b"\x01" * 9)
    for i in range(len(raw)):
        for mutated in (raw[:i] + raw[i + 1 :], raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1 :]):
            category, fields = reference_read(mutated)
            try:
                header = F.parse_header(mutated)
            except wea.WeaError as e:
                assert e.category == category, (i, mutated.hex())  # noqa: PT017
            else:
                assert category is None, (i, mutated.hex())
                assert header.dims == tuple(fields.dims) and header.offset == fields.offset


def test_big_claims_allocate_nothing() -> None:
    # A header that claims 2^62 bytes of data is rejected without a large allocation.
    raw = block(etype=1, dims=(2**62,), data=b"")
    e = parse_err(raw)
    assert type(e) is wea.DataTruncatedError
    assert str(2**62 + 64) in e.message


def test_parse_header_with_a_block_length_larger_than_the_buffer() -> None:
    raw = block(dims=(2, 3))
    h = F.parse_header(raw[:64], length=112)
    assert h.block_size == 112
    assert type(parse_err(raw[:64], length=100)) is wea.DataTruncatedError
    with pytest.raises(ValueError, match="the header needs the first 32 bytes"):
        F.parse_header(raw[:20], length=112)
    with pytest.raises(ValueError, match="the header needs the first 16 bytes"):
        F.parse_header(raw[:10], length=112)
    with pytest.raises(ValueError, match="cannot be negative"):
        F.parse_header(raw, length=-1)
    # a length shorter than the buffer is the block length
    assert type(parse_err(raw, length=100)) is wea.DataTruncatedError


def test_parse_fixed_header_decides_r1_to_r5_from_16_bytes() -> None:
    assert F.parse_fixed_header(block(dims=(1,) * 9)[:16]) == (10, 9, 128)
    assert type(parse_err_fixed(block(cut=15))) is wea.TruncatedError
    assert type(parse_err_fixed(block(offset=3)[:16])) is wea.InvalidOffsetError


def parse_err_fixed(raw: bytes) -> wea.WeaError:
    with pytest.raises(wea.WeaError) as info:
        F.parse_fixed_header(raw)
    return info.value


# -- byte_view ----------------------------------------------------------------------


def test_byte_view_accepts_buffers_without_copying() -> None:
    raw = bytearray(block())
    arr8 = np.frombuffer(raw, dtype=np.uint8)
    for obj in (raw, bytes(raw), memoryview(raw), arr8, arr8.view("<f8"), arr8.reshape(14, 8)):
        mv = F.byte_view(obj)
        assert (mv.ndim, mv.format, len(mv)) == (1, "B", 112)
        assert bytes(mv) == bytes(raw)
    assert np.shares_memory(np.frombuffer(F.byte_view(arr8.view("<c16")), np.uint8), arr8)
    assert F.byte_view(memoryview(raw).cast("d")).readonly is False
    assert F.byte_view(bytes(raw)).readonly is True


def test_byte_view_rejects_non_buffers_and_gaps() -> None:
    with pytest.raises(TypeError, match="buffer-protocol object"):
        F.byte_view("text")
    with pytest.raises(TypeError, match="got list"):
        F.byte_view([1, 2])
    with pytest.raises(ValueError, match="not contiguous"):
        F.byte_view(np.zeros(10, np.uint8)[::2])


# -- writing -------------------------------------------------------------------------


def test_make_header_is_canonical() -> None:
    h = F.make_header(">f8", (10, 2))
    assert h == F.Header(10, 2, 64, (10, 2), 160)
    assert F.make_header("u1", 5).dims == (5,)
    assert F.make_header("u1", np.int64(5)).dims == (5,)
    assert F.make_header("u1", ()).len_data == 1
    assert F.make_header(bool, (0, 3)).len_data == 0
    assert F.make_header("f2", (1,) * 32).offset == 320


def test_make_header_refuses_what_readers_reject() -> None:
    with pytest.raises(wea.InvalidNdimsError, match="ndims is 65"):
        F.make_header("f8", (1,) * 65)
    with pytest.raises(wea.InvalidDimensionError, match="dimension 1 is -2"):
        F.make_header("f8", (1, -2))
    with pytest.raises(wea.SizeOverflowError):
        F.make_header("f8", (2**61,))
    with pytest.raises(TypeError):
        F.make_header("f8", (1.5,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="supported"):
        F.make_header("U2", (1,))


def test_write_header_and_publish() -> None:
    h = F.make_header("i2", (3, 4))
    buf = bytearray(b"\xee" * h.block_size)
    F.write_header(buf, h, magic=False)
    assert buf[:4] == b"\xee" * 4
    assert buf[h.header_size : h.offset] == bytes(h.offset - h.header_size)  # zero padding
    assert buf[h.offset :] == b"\xee" * h.len_data  # data untouched
    with pytest.raises(wea.BadMagicError):
        F.parse_header(buf)
    F.publish(buf)
    assert F.parse_header(buf) == h
    assert bytes(buf[: h.offset]) == F.header_bytes(h)
    with pytest.raises(ValueError, match="read-only"):
        F.write_header(bytes(buf), h)
    with pytest.raises(ValueError, match="the header needs 64"):
        F.write_header(bytearray(63), h)


def test_header_bytes_layout() -> None:
    h = F.make_header("<f8", (2, 3))
    raw = F.header_bytes(h)
    assert raw[:16] == MAGIC + struct.pack("<HHq", 10, 2, 64)
    assert raw[16:32] == struct.pack("<2q", 2, 3)
    assert raw[32:] == bytes(32)


def test_big_endian_host_independent() -> None:
    # the header is little-endian whatever the host: decode by hand
    raw = F.header_bytes(F.make_header("u2", (258,)))
    assert raw[4:6] == b"\x04\x00" and raw[16:24] == b"\x02\x01" + bytes(6)
    assert sys.byteorder in ("little", "big")


def test_errors_are_named_and_pickled_as_wea_names() -> None:
    import pickle

    e = parse_err(block(magic=b"nope"))
    assert type(e).__module__ == "wea" and repr(e).startswith("BadMagicError(")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is wea.BadMagicError and back.message == e.message
