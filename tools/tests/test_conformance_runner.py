"""The conformance runner: its verdicts, its inventory check, its table.

The end-to-end tests drive small participants written into a temporary
directory: an honest one (the generator's reference reader behind the
runner contract), a liar, and one that is not installed.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"
sys.path.insert(0, str(ROOT / "tools"))

rc = importlib.import_module("run_conformance")

MANIFEST: dict[str, Any] = json.loads((CONFORMANCE / "manifest.json").read_text("utf-8"))
BY_ID = {v["id"]: v for v in MANIFEST["vectors"]}
VALID = BY_ID["v-spec-11-1-float64-2x3"]
INVALID = BY_ID["i-r5-offset-zero"]


def answer(vector: dict[str, Any]) -> tuple[int, str]:
    """Return the exit status and stdout the contract prescribes for a vector."""
    if vector["result"] == "valid":
        keys = ("etype", "ndims", "dims", "offset", "len_data", "sha256")
        return 0, json.dumps({"valid": True, **{k: vector[k] for k in keys}})
    return rc.CATEGORY_NUMBER[vector["error"]], json.dumps(
        {"valid": False, "error": vector["error"]}
    )


# --- judge ------------------------------------------------------------------------


def test_a_correct_valid_answer_passes() -> None:
    code, out = answer(VALID)
    assert rc.judge(VALID, code, out) is None
    shuffled = json.loads(out)
    assert rc.judge(VALID, 0, json.dumps(dict(reversed(shuffled.items())), indent=None)) is None


def test_a_correct_invalid_answer_passes_with_or_without_message() -> None:
    code, out = answer(INVALID)
    assert code == 7
    assert rc.judge(INVALID, code, out + "\n") is None
    with_message = {
        "valid": False,
        "error": "invalid_offset",
        "message": "invalid_offset: ...",
    }
    assert rc.judge(INVALID, 7, json.dumps(with_message)) is None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"dims": [3, 2]}, "dims [3, 2]"),
        ({"etype": True}, "etype true"),
        ({"offset": 64.0}, "offset 64.0"),
        ({"sha256": "X" * 64}, "sha256"),
        ({"extra": 1}, "expected the keys"),
    ],
)
def test_a_wrong_valid_answer_fails(change: dict[str, Any], fragment: str) -> None:
    _, out = answer(VALID)
    reason = rc.judge(VALID, 0, json.dumps({**json.loads(out), **change}))
    assert reason is not None
    assert fragment in reason


@pytest.mark.parametrize(
    ("code", "stdout", "fragment"),
    [
        (
            1,
            '{"valid": false, "error": "invalid_offset"}',
            "got invalid_offset, exit 1",
        ),
        (7, '{"valid": false, "error": "truncated"}', "got truncated, exit 7"),
        (0, '{"valid": true}', "got valid, exit 0"),
        (7, '{"valid": 0, "error": "invalid_offset"}', "no boolean 'valid'"),
        (
            7,
            '{"valid": false, "error": "invalid_offset", "why": 1}',
            "expected the keys",
        ),
        (7, "", "got 0 lines"),
        (7, '{"valid": false, "error": "invalid_offset"}\n{}', "got 2 lines"),
        (7, "invalid_offset", "not JSON"),
        (64, "", "failed with status 64"),
        (-11, "", "failed with status -11"),
    ],
)
def test_a_wrong_invalid_answer_fails(code: int, stdout: str, fragment: str) -> None:
    reason = rc.judge(INVALID, code, stdout)
    assert reason is not None
    assert fragment in reason, reason


def test_a_valid_answer_with_a_non_zero_status_fails() -> None:
    _, out = answer(VALID)
    reason = rc.judge(VALID, 1, out)
    assert reason is not None
    assert "exit 1" in reason


# --- manifest and inventory ------------------------------------------------------


def test_the_committed_manifest_passes_the_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert rc.main(["check"]) == 0
    assert "inventory complete" in capsys.readouterr().out


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "conformance"
    shutil.copytree(CONFORMANCE, target)
    return target


def test_a_missing_file_fails_the_inventory(copy_dir: Path) -> None:
    (copy_dir / VALID["path"]).unlink()
    with pytest.raises(rc.ManifestError, match="listed but missing"):
        rc.load_manifest(copy_dir)


def test_an_unlisted_file_fails_the_inventory(copy_dir: Path) -> None:
    (copy_dir / "invalid" / "i-not-listed.wea").write_bytes(b"")
    with pytest.raises(rc.ManifestError, match="present but not listed"):
        rc.load_manifest(copy_dir)


def test_a_changed_data_byte_fails_the_inventory(copy_dir: Path) -> None:
    path = copy_dir / VALID["path"]
    data = bytearray(path.read_bytes())
    data[VALID["offset"]] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(rc.ManifestError, match="sha256 does not match"):
        rc.load_manifest(copy_dir)


def test_a_wrong_count_fails(copy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.loads((copy_dir / "manifest.json").read_text("utf-8"))
    manifest["number_of_vectors"] += 1
    (copy_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert rc.main(["check", "--dir", str(copy_dir)]) == 2
    assert "number_of_vectors" in capsys.readouterr().err


def test_a_schema_violation_fails(copy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.loads((copy_dir / "manifest.json").read_text("utf-8"))
    manifest["vectors"][0]["unexpected"] = True
    (copy_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert rc.main(["check", "--dir", str(copy_dir)]) == 2
    assert "violates its schema" in capsys.readouterr().err


# --- running participants ----------------------------------------------------------

HONEST = textwrap.dedent(
    """
    import hashlib, json, sys
    sys.path.insert(0, {tools!r})
    from gen_vectors import CATEGORIES, reference_read
    status, dec = reference_read(open(sys.argv[1], "rb").read())
    if status is None:
        print(json.dumps({{"valid": True, "etype": dec.etype, "ndims": len(dec.dims),
            "dims": list(dec.dims), "offset": dec.offset, "len_data": len(dec.data),
            "sha256": hashlib.sha256(dec.data).hexdigest()}}))
        sys.exit(0)
    print(json.dumps({{"valid": False, "error": status}}))
    sys.exit(CATEGORIES.index(status) + 1)
    """
)

LIAR = 'print(\'{"valid": false, "error": "bad_magic"}\'); raise SystemExit(2)'


@pytest.fixture
def participants(tmp_path: Path) -> Path:
    (tmp_path / "honest.py").write_text(HONEST.format(tools=str(ROOT / "tools")), "utf-8")
    (tmp_path / "liar.py").write_text(LIAR, "utf-8")
    spec = {
        "participants": {
            "honest": {"argv": ["{python}", str(tmp_path / "honest.py")]},
            "liar": {
                "argv": ["{python}", str(tmp_path / "liar.py"), "{file}"],
                "exempt_flags": ["spec_example"],
            },
            "absent": {"argv": ["absent-tool", "{file}"], "requires": ["no/such/file"]},
            "unprobed": {
                "argv": ["x"],
                "probe": ["{python}", "-c", "raise SystemExit(3)"],
            },
        }
    }
    path = tmp_path / "participants.json"
    path.write_text(json.dumps(spec), "utf-8")
    return path


def run(participants: Path, *args: str) -> int:
    return rc.main(["run", "--participants", str(participants), "--jobs", "2", *args])


def test_an_honest_participant_passes_every_vector(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "honest", "--require", "honest") == 0
    out = capsys.readouterr().out
    total = len(MANIFEST["vectors"])
    assert f"conformance: {total} passed, 0 failed" in out


def test_a_liar_fails_and_every_disagreement_is_listed(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "liar", "--vectors", "*-r5-offset-*") == 1
    out = capsys.readouterr().out
    r5 = [v for v in MANIFEST["vectors"] if v["id"].startswith("i-r5-offset-")]
    assert f"liar: {len(r5)} disagreement(s)" in out
    for vec in r5:
        assert f"  {vec['id']}: expected invalid_offset, exit 7; got bad_magic, exit 2" in out


def test_exempt_vectors_are_run_and_listed_by_name(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "liar", "--vectors", "v-spec-*") == 0
    out = capsys.readouterr().out
    assert "liar: exempt from 4 vector(s) flagged spec_example:" in out
    assert "  v-spec-11-1-float64-2x3 [spec_example]: expected valid, exit 0; got bad_magic" in out


def test_a_missing_participant_is_not_run_loudly(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "absent", "--only", "unprobed") == 0
    out = capsys.readouterr().out
    assert "*** NOT RUN: absent: no/such/file is missing ***" in out
    assert "*** NOT RUN: unprobed: probe" in out


def test_a_required_missing_participant_fails(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "absent", "--require", "absent") == 1
    assert "absent is required" in capsys.readouterr().out


def test_an_unknown_participant_name_is_an_error(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--require", "fortran") == 2
    assert "unknown participant" in capsys.readouterr().err


def test_the_committed_participants_file_is_well_formed() -> None:
    names = {p.name: p for p in rc.load_participants(CONFORMANCE / "participants.json")}
    assert {"kaitai", "python", "c"} <= names.keys()
    assert names["kaitai"].exempt_flags == ("beyond_kaitai",)
    assert names["python"].exempt_flags == ()
    assert names["c"].exempt_flags == ()
