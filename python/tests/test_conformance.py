"""The conformance vectors (conformance/manifest.json) and the participant CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from blocks import ROOT, block, spec_examples

import wea
from wea import _conformance
from wea import _format as F
from wea._base import NUMPY_MAXDIMS

CONFORMANCE = ROOT / "conformance"


def _vectors() -> list[dict[str, Any]]:
    manifest = json.loads((CONFORMANCE / "manifest.json").read_text(encoding="utf-8"))
    vectors: list[dict[str, Any]] = manifest["vectors"]
    return vectors


VECTORS = _vectors()


def test_there_are_vectors_of_both_kinds() -> None:
    kinds = {v["result"] for v in VECTORS}
    assert kinds == {"valid", "invalid"}
    assert len(VECTORS) > 100


@pytest.mark.parametrize("vec", VECTORS, ids=lambda v: v["id"])
def test_vector(vec: dict[str, Any]) -> None:
    path = CONFORMANCE / vec["path"]
    raw = path.read_bytes()
    if vec["result"] == "valid":
        h = F.parse_header(raw)
        assert (h.etype, h.ndims, list(h.dims), h.offset, h.len_data) == (
            vec["etype"],
            vec["ndims"],
            vec["dims"],
            vec["offset"],
            vec["len_data"],
        )
        assert hashlib.sha256(raw[h.offset : h.block_size]).hexdigest() == vec["sha256"]
        if h.ndims > NUMPY_MAXDIMS:  # pragma: no cover - numpy 1 holds 32
            with pytest.raises(ValueError, match="numpy 2 holds 64"):
                wea.load(path)
            return
        arr = wea.load(path)  # memory-mapped
        assert arr.shape == tuple(vec["dims"])
        assert arr.tobytes(order="F") == raw[h.offset : h.block_size]
        assert not arr.flags.writeable
        if h.len_data:
            assert np.shares_memory(wea.loads(raw), np.frombuffer(raw, np.uint8))
    else:
        cls = wea.WeaError
        with pytest.raises(cls) as info:
            F.parse_header(raw)
        assert info.value.category == vec["error"]
        assert type(info.value) is wea._errors.error_class(vec["error"])
        with pytest.raises(cls):
            wea.load(path)


@pytest.mark.parametrize("vec", VECTORS, ids=lambda v: v["id"])
def test_participant_main(vec: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    status = _conformance.main([str(CONFORMANCE / vec["path"])])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert out.count("\n") == 1 and err == ""
    if vec["result"] == "valid":
        assert status == 0
        expected = {k: vec[k] for k in ("etype", "ndims", "dims", "offset", "len_data", "sha256")}
        assert report == {"valid": True, **expected}
    else:
        assert status == wea._errors.error_class(vec["error"]).code
        assert report["valid"] is False and report["error"] == vec["error"]
        assert report["message"].startswith(vec["error"] + ": ")
        assert set(report) == {"valid", "error", "message"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wea._conformance", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_cli_as_a_process(tmp_path: Path) -> None:
    ex = spec_examples()[0]
    good = tmp_path / "good.wea"
    good.write_bytes(ex.block)
    out = run_cli(str(good))
    assert out.returncode == 0 and out.stderr == ""
    assert json.loads(out.stdout) == {
        "valid": True,
        "etype": 10,
        "ndims": 2,
        "dims": [2, 3],
        "offset": 64,
        "len_data": 48,
        "sha256": hashlib.sha256(ex.data).hexdigest(),
    }
    bad = tmp_path / "bad.wea"
    bad.write_bytes(block(dims=(-7,)))
    out = run_cli(str(bad))
    assert out.returncode == 8
    assert json.loads(out.stdout) == {
        "valid": False,
        "error": "invalid_dimension",
        "message": "invalid_dimension: dimension 0 is -7, expected at least 0 (WA-1 §6.1 R7)",
    }
    empty = tmp_path / "empty.wea"
    empty.write_bytes(b"")
    out = run_cli(str(empty))
    assert out.returncode == 1 and json.loads(out.stdout)["error"] == "truncated"


def test_cli_usage_and_io_errors(tmp_path: Path) -> None:
    for args in ((), ("a", "b"), ("--help",)):
        out = run_cli(*args)
        assert out.returncode == 64 and out.stdout == "" and "usage:" in out.stderr
    out = run_cli(str(tmp_path / "missing.wea"))
    assert out.returncode == 66 and out.stdout == "" and "missing.wea" in out.stderr
    out = run_cli(str(tmp_path))  # a directory
    assert out.returncode >= 64 and out.stdout == ""
