"""Differential tests: every reader gives the same answer for any byte string.

For each byte string, the Python package, the C library (ctypes, on an
exact-size copy) and the Kaitai-generated parser either all accept it with
identical header fields and data (SHA-256), or all reject it with the same
category; the Kaitai parser is exempt only from the categories the ``.ksy``
cannot express (``readers.BEYOND_KAITAI``, the manifest's ``beyond_kaitai``
flag). All three are also held to the conformance generator's reference
reader (the oracle), and Python and C to the same §6.3 message, word for
word.

The byte strings: every conformance vector; every prefix of each through
its dims and data offset, and its last bytes; seeded bit flips and field
overwrites of each; then hypothesis: structured headers built to sit on
every check's boundary, mutated vectors and raw bytes.

Figures go to build/reliability/differential.json.
"""

from __future__ import annotations

import collections
import json
import random
import struct
from collections.abc import Iterator

import pytest
import readers
from conftest import FULL, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VECTORS = sorted((ROOT / "conformance").glob("*/*.wea"))
OUT = ROOT / "build" / "reliability"
TALLY: collections.Counter[str] = collections.Counter()
EXAMPLES = 200_000 if FULL else 10_000


def agree(block: bytes) -> str:
    """Run every reader on `block`; fail on any disagreement; return the verdict."""
    o = readers.oracle(block)
    p = readers.python_reader(block)
    c = readers.c_reader(block)
    k = readers.kaitai_reader(block)
    where = f"block {block[:96].hex()}{'...' if len(block) > 96 else ''} ({len(block)} bytes)"
    assert p.key() == o.key(), f"python {p} != oracle {o}: {where}"
    assert c.key() == o.key(), f"c {c} != oracle {o}: {where}"
    assert p.message == c.message, f"messages differ: python {p.message!r}, c {c.message!r}"
    assert readers.kaitai_agrees(o, k), f"kaitai {k} != oracle {o}: {where}"
    verdict = "valid" if o.valid else str(o.error)
    TALLY[verdict] += 1
    if not o.valid and o.error in readers.BEYOND_KAITAI:
        TALLY["kaitai_exempt"] += 1
    return verdict


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    TALLY.clear()
    yield
    OUT.mkdir(parents=True, exist_ok=True)
    counters = ("kaitai_exempt", "deterministic_cases", "hypothesis_cases")
    data = {"cases": sum(v for k, v in TALLY.items() if k not in counters), **TALLY}
    (OUT / "differential.json").write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


# -- deterministic corpus from the conformance vectors -------------------------------


def derived(block: bytes, rng: random.Random) -> Iterator[bytes]:
    """Prefixes, bit flips and field overwrites of one block."""
    ndims = int.from_bytes(block[6:8], "little") if len(block) >= 8 else 0
    head = min(len(block), 16 + 8 * min(ndims, 40) + 8, 448)
    for n in range(head + 1):
        yield block[:n]
    for n in range(max(head + 1, len(block) - 4), len(block)):
        yield block[:n]
    yield block + b"\0"
    for _ in range(24):
        b = bytearray(block)
        if b:
            i = rng.randrange(min(len(b), head or 1))
            b[i] ^= 1 << rng.randrange(8)
        yield bytes(b)
    for field_at, width in ((4, 2), (6, 2), (8, 8), (16, 8), (24, 8)):
        if len(block) >= field_at + width:
            for value in (0, 1, 63, 64, 65, 128, 2 ** (8 * width - 1) - 1, 2 ** (8 * width) - 1):
                b = bytearray(block)
                b[field_at : field_at + width] = value.to_bytes(width, "little")
                yield bytes(b)


def test_vectors_and_derived_blocks() -> None:
    assert len(VECTORS) >= 300, "the conformance vectors are missing"
    rng = random.Random(20261126)
    n = 0
    for path in VECTORS:
        block = path.read_bytes()
        agree(block)
        n += 1
        for b in derived(block, rng):
            agree(b)
            n += 1
    TALLY["deterministic_cases"] += n


# -- hypothesis ---------------------------------------------------------------------

CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 256, 257]
MAGICS = [
    b"\x31\x2d\x41\x57",
    b"\x57\x41\x2d\x31",
    b"\x57\x41\x2d\x32",
    b"\x32\x2d\x41\x57",
    b"\x00\x2d\x41\x57",
    b"\x00\x00\x00\x00",
    b"WA-1",
]
EDGE_INTS = [
    0,
    1,
    2,
    3,
    63,
    64,
    65,
    2**31,
    2**32,
    2**53,
    2**61,
    2**62,
    2**62 + 1,
    2**63 - 1,
    2**63 - 64,
    -1,
    -(2**63),
    3037000499,
    3037000500,
    2097151,
    2097152,
]


@st.composite
def structured(draw: st.DrawFn) -> bytes:
    """A header built field by field to sit on the checks' boundaries."""
    magic = draw(st.sampled_from(MAGICS) | st.binary(min_size=4, max_size=4))
    etype = draw(st.sampled_from(CODES) | st.integers(0, 65535))
    ndims = draw(st.integers(0, 34) | st.integers(0, 65535))
    c = -(-(16 + 8 * ndims) // 64) * 64
    offset = draw(
        st.sampled_from([c, c + 64])
        | st.sampled_from([c - 64, c + 128, c - 8, c + 8, 0, -64, 384, 448])
        | st.integers(-(2**63), 2**63 - 1)
    )
    nd = min(ndims, 40)
    dim = st.integers(0, 6) | st.sampled_from(EDGE_INTS) | st.integers(-(2**63), 2**63 - 1)
    dims = draw(st.lists(dim, min_size=nd, max_size=nd))
    head = magic + struct.pack("<HHq", etype, ndims, offset)
    head += b"".join(struct.pack("<q", d) for d in dims)
    pad = max(0, min(offset, 4096) - len(head)) if offset > 0 else 0
    head += draw(st.sampled_from([b"\0" * pad]) | st.binary(min_size=pad, max_size=pad))
    # data: what the header asks for, give or take, when that is small
    size = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 8, 8: 8, 9: 4, 10: 8, 11: 8, 12: 16}.get(
        etype, {256: 1, 257: 2}.get(etype, 1)
    )
    count = 1
    for d in dims:
        count *= d
    want = size * count if 0 <= size * count <= 2048 else draw(st.integers(0, 64))
    extra = draw(st.integers(-3, 3) | st.just(0))
    body = draw(st.binary(min_size=max(0, want + extra), max_size=max(0, want + extra)))
    block = head + body
    cut = draw(st.none() | st.integers(0, len(block)))
    return block if cut is None else block[:cut]


@st.composite
def mutated_vector(draw: st.DrawFn) -> bytes:
    block = bytearray(draw(st.sampled_from(VECTORS)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        if not block:
            break
        i = draw(st.integers(0, min(len(block), 400) - 1))
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        if op == "flip":
            block[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            block[i] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x40, 0x01]))
        elif op == "cut":
            del block[i:]
        elif op == "insert":
            block[i:i] = draw(st.binary(min_size=1, max_size=8))
        else:
            del block[i : i + draw(st.integers(1, 8))]
    return bytes(block)


ANY_BLOCK = structured() | mutated_vector() | st.binary(max_size=512)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FULL,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(ANY_BLOCK)
def test_any_bytes(block: bytes) -> None:
    agree(block)
    TALLY["hypothesis_cases"] += 1


def test_coverage_of_categories() -> None:
    """The corpus reaches every verdict: valid and each of the ten categories."""
    wanted = {
        "valid",
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
    }
    assert wanted <= set(TALLY), sorted(wanted - set(TALLY))
