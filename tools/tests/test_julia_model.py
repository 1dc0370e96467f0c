"""The model of Julia's reader (tools/julia_model.py).

It must agree with every vector's julia_* flag, accept every valid block in
the Julia-readable profile (spec §2.4), agree with the generator's separate
transcription (gen_vectors.julia_reads) on mutated headers too, and cite a
line of InterProcessCommunication.jl for every refusal.
"""

from __future__ import annotations

import importlib
import json
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"

jm = importlib.import_module("julia_model")
gen_vectors = importlib.import_module("gen_vectors")
rc = importlib.import_module("run_conformance")

MANIFEST: dict[str, Any] = json.loads((CONFORMANCE / "manifest.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = MANIFEST["vectors"]
BY_ID = {v["id"]: v for v in VECTORS}


def block_of(vid: str) -> bytes:
    return (CONFORMANCE / BY_ID[vid]["path"]).read_bytes()


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["id"])
def test_the_model_agrees_with_the_flags(vector: dict[str, Any]) -> None:
    answer = jm.report((CONFORMANCE / vector["path"]).read_bytes())
    assert rc.judge_julia(vector, 0, json.dumps(answer)) is None


def test_every_valid_block_in_the_julia_readable_profile_is_accepted() -> None:
    """§2.4: ndims >= 1, no zero dim, a core type, the canonical offset."""
    profile = [
        v
        for v in VECTORS
        if v["result"] == "valid"
        and v["ndims"] >= 1
        and 0 not in v["dims"]
        and v["etype"] <= 12
        and v["offset"] == gen_vectors.canonical_offset(v["ndims"])
    ]
    assert len(profile) >= 100
    assert {33, 64} <= {v["ndims"] for v in profile}
    for vec in profile:
        read = jm.julia_reads((CONFORMANCE / vec["path"]).read_bytes())
        assert (read.etype, list(read.dims), read.offset) == (
            vec["etype"],
            vec["dims"],
            vec["offset"],
        )


def test_julia_reads_65_dimensions_and_wrapped_sizes() -> None:
    """D4 and D6: what WA-1 refuses and IPC.jl's checks let through."""
    assert jm.report(block_of("i-r4-ndims-65"))["julia_accepts"] is True
    assert jm.report(block_of("i-r8-extent-wraps-to-2"))["julia_accepts"] is True
    assert jm.report(block_of("i-r8-extent-max-times-2"))["julia_accepts"] is True


@pytest.mark.parametrize(
    ("vid", "line", "fragment"),
    [
        (
            "i-r1-cut-at-15",
            "src/wrappedarrays.jl:333",
            "insufficient size of memory block for header",
        ),
        ("i-r2-magic-zero", "src/wrappedarrays.jl:336", "invalid magic number (0x0)"),
        ("i-r3-etype-13", "src/wrappedarrays.jl:340", "invalid element type identifier (13)"),
        ("v-bool-1d-5", "src/wrappedarrays.jl:340", "invalid element type identifier (256)"),
        ("v-ndims-00", "src/wrappedarrays.jl:343", "invalid number of dimensions (0)"),
        ("v-spec-11-4-float32-legacy-offset", "src/wrappedarrays.jl:346", "invalid offset (128)"),
        ("v-zero-1d-0", "src/utils.jl:744", "invalid dimension (dims[1] = 0)"),
        ("i-r7-dim-second-of-2", "src/utils.jl:744", "invalid dimension (dims[2] = -1)"),
        (
            "i-r9-cut-2d-at-111",
            "src/wrappedarrays.jl:352",
            "insufficient size of memory block (111 < 112)",
        ),
    ],
)
def test_each_refusal_cites_its_line(vid: str, line: str, fragment: str) -> None:
    answer = jm.report(block_of(vid))
    assert answer["julia_accepts"] is False
    assert answer["line"] == line
    assert fragment in str(answer["message"])


def test_a_block_shorter_than_its_dims_is_undefined_not_accepted() -> None:
    answer = jm.report(block_of("i-r6-cut-2d-at-24"))
    assert answer == {
        "julia_accepts": False,
        "line": "src/wrappedarrays.jl:349",
        "exception": "undefined",
        "message": answer["message"],
        "undefined": True,
    }
    assert "past its end" in str(answer["message"])


def test_a_misaligned_block_is_refused_by_the_alignment_check() -> None:
    """§2.4: Julia requires the data address to be a multiple of the type's alignment."""
    block = block_of("v-spec-11-1-float64-2x3")
    assert jm.report(block, misalign=0)["julia_accepts"] is True
    answer = jm.report(block, misalign=4)
    assert answer["line"] == "src/wrappedarrays.jl:143"
    assert answer["message"] == "base address must be a multiple of 8 bytes"
    assert jm.report(block_of("v-spec-11-2-uint8-5"), misalign=3)["julia_accepts"] is True


def test_32_bit_julia_refuses_a_dim_above_2_pow_31_minus_1() -> None:
    """§2.4: on 32-bit Julia every dim must fit in 31 bits (convert(Int, ...), :349)."""
    dims = [2**31, 0]
    block = gen_vectors.build(2, dims)
    with pytest.raises(jm.JuliaError) as info:
        jm.read_header(block, jm.JuliaInt(32))
    assert info.value.line == "src/wrappedarrays.jl:349"
    assert info.value.exception == "InexactError"
    # 2^31-1 fits, and 64 + (2^31-1) wraps negative in 32 bits, so :352 lets a 64-byte
    # block through; the constructor's second check (:95) refuses it.
    fits = gen_vectors.build(2, [2**31 - 1])
    jm.read_header(fits, jm.JuliaInt(32))
    with pytest.raises(jm.JuliaError) as info:
        jm.julia_reads(fits, word_bits=32)
    assert info.value.line == "src/wrappedarrays.jl:95"


def test_julia_int_wraps_like_julia() -> None:
    jint = jm.JuliaInt(64)
    assert jint.wrap(2**63) == -(2**63)
    assert jint.wrap(3 * gen_vectors.WRAP3) == 2
    assert jm.JuliaInt(32).wrap(2**31 + 5) == -(2**31) + 5
    assert jm.header_size(1) == 64 and jm.header_size(7) == 128 and jm.header_size(64) == 576


def mutations(block: bytes) -> list[bytes]:
    """Deterministic header mutations: every field set to values at its edges."""
    out = []
    for at, fmt, values in (
        (4, "<H", (0, 1, 12, 13, 256)),
        (6, "<H", (0, 1, 2, 64, 65, 200)),
        (8, "<q", (0, 64, 128, 192, -64, 2**32 + 64)),
        (16, "<q", (0, 1, -1, 2**32, 2**62, 2**63 - 1)),
    ):
        for value in values:
            if at + struct.calcsize(fmt) <= len(block):
                mutated = bytearray(block)
                struct.pack_into(fmt, mutated, at, value)
                out.append(bytes(mutated))
    return out


def test_the_model_and_the_generators_rule_agree_on_mutated_blocks() -> None:
    """Two separate transcriptions of IPC.jl: the flags come from one, the run from the other."""
    seeds = [v["id"] for v in VECTORS if v["id"].startswith(("v-spec-", "v-ndims-", "i-r8-"))]
    checked = 0
    for vid in seeds:
        for block in mutations(block_of(vid)):
            model = jm.report(block)["julia_accepts"]
            assert model == gen_vectors.julia_reads(block), (vid, block[:24].hex())
            checked += 1
    assert checked > 1000


def test_every_cited_line_is_one_of_the_models_checks() -> None:
    source = (ROOT / "tools" / "julia_model.py").read_text("utf-8")
    cited = set(re.findall(r'f"\{(?:WA|UTILS)\}:(\d+)"', source))
    assert cited == {
        "333",
        "336",
        "340",
        "343",
        "345",
        "346",
        "349",
        "352",
        "138",
        "143",
        "95",
        "744",
        "746",
    }


def test_the_command_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "julia_model.py"),
            str(CONFORMANCE / BY_ID["i-r4-ndims-65"]["path"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    answer = json.loads(done.stdout)
    assert answer["julia_accepts"] is True and answer["ndims"] == 65
    missing = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "julia_model.py"), "/no/such/file"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == jm.EXIT_NOINPUT
    usage = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "julia_model.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == jm.EXIT_USAGE
