"""The generated Kaitai parser reads every worked example of spec/wea.md §11.

The examples are extracted from the spec's own text, so the prose, the
hex dumps and spec/wea.ksy cannot drift apart unnoticed.
"""

from __future__ import annotations

import struct

import pytest
from conftest import KAITAI_DIR
from kaitaistruct import ValidationNotEqualError
from spec_examples import Example, load_examples

if not (KAITAI_DIR / "wea_block.py").exists():  # pragma: no cover
    raise RuntimeError(f"{KAITAI_DIR}/wea_block.py is missing: run `make spec`")

from wea_block import WeaBlock

EXAMPLES = load_examples()


def test_the_spec_has_the_required_examples() -> None:
    names = {e.name for e in EXAMPLES}
    assert {"float64-2x3", "uint8-5", "int16-7d"} <= names
    assert any(e.offset == 128 and e.ndims >= 7 for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_kaitai_parses_the_example(example: Example) -> None:
    block = WeaBlock.from_bytes(example.block)
    assert block.etype.value == example.etype
    assert block.num_dims == example.ndims
    assert block.ofs_data == example.offset
    assert tuple(d.value for d in block.dims) == example.dims
    assert block.len_data == example.len_data
    assert block.data == example.data


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_the_stated_fields_match_the_bytes(example: Example) -> None:
    """An independent decode with struct, so a wrong dump cannot pass."""
    magic, etype, ndims, offset = struct.unpack_from("<IHHq", example.block)
    assert magic == 0x57412D31
    assert (etype, ndims, offset) == (example.etype, example.ndims, example.offset)
    dims = struct.unpack_from(f"<{ndims}q", example.block, 16)
    assert dims == example.dims
    canonical = -(-(16 + 8 * ndims) // 64) * 64
    assert offset in (canonical, canonical + 64)
    assert example.block[16 + 8 * ndims : offset] == bytes(offset - 16 - 8 * ndims)
    assert example.block[offset : offset + example.len_data] == example.data
    assert len(example.block) == offset + example.len_data


def test_kaitai_rejects_a_damaged_example() -> None:
    damaged = bytearray(EXAMPLES[0].block)
    damaged[0] ^= 0xFF
    with pytest.raises(ValidationNotEqualError):
        WeaBlock.from_bytes(bytes(damaged))
