"""The conformance runner: its verdicts, its inventory check, its table.

The end-to-end tests drive small participants written into a temporary
directory: an honest one (the generator's reference reader behind the
runner contract), a liar, and one that is not installed.
"""

from __future__ import annotations

import importlib
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"

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


def write_honest(directory: Path) -> None:
    """honest.py and, beside it (its sys.path[0]), the reference reader it uses."""
    (directory / "honest.py").write_text(HONEST.format(), "utf-8")
    shutil.copy(ROOT / "tools" / "gen_vectors.py", directory / "gen_vectors.py")


LIAR = 'print(\'{"valid": false, "error": "bad_magic"}\'); raise SystemExit(2)'


@pytest.fixture
def participants(tmp_path: Path) -> Path:
    write_honest(tmp_path)
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


def test_a_liar_fails_and_every_disagreement_is_listed_with_v(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "liar", "--vectors", "*-r5-offset-*", "-v") == 1
    out = capsys.readouterr().out
    r5 = [v for v in MANIFEST["vectors"] if v["id"].startswith("i-r5-offset-")]
    assert len(r5) > rc.SHOWN_FAILURES
    assert f"liar: {len(r5)} disagreement(s)" in out
    for vec in r5:
        assert f"  {vec['id']}: expected invalid_offset, exit 7; got bad_magic, exit 2" in out


def test_without_v_the_output_is_short(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One table, the manifest line once, 10 disagreements, exemptions only counted."""
    assert run(participants, "--only", "liar", "--vectors", "*-r5-offset-*") == 1
    out = capsys.readouterr().out
    r5 = [v for v in MANIFEST["vectors"] if v["id"].startswith("i-r5-offset-")]
    listed = [line for line in out.splitlines() if line.startswith("  i-r5-offset-")]
    assert len(listed) == rc.SHOWN_FAILURES
    assert f"  ... and {len(r5) - rc.SHOWN_FAILURES} more (-v or V=1 lists them)" in out
    assert out.count("manifest valid against its schema") == 1
    assert out.count("participant ") == 1
    assert "running liar" not in out


def test_exempt_vectors_are_counted_and_listed_by_name_with_v(
    participants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(participants, "--only", "liar", "--vectors", "v-spec-*") == 0
    out = capsys.readouterr().out
    assert "exempt from" not in out
    assert "conformance: 0 passed, 0 failed, 4 exempt (-v or V=1 lists the exempt vectors)" in out
    assert run(participants, "--only", "liar", "--vectors", "v-spec-*", "-v") == 0
    out = capsys.readouterr().out
    assert "liar: exempt from 4 vector(s) flagged spec_example:" in out
    assert "  v-spec-11-1-float64-2x3 [spec_example]: expected valid, exit 0; got bad_magic" in out


def test_a_stale_exemption_is_shown_without_v(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_honest(tmp_path)
    spec = {
        "participants": {
            "honest": {
                "argv": ["{python}", str(tmp_path / "honest.py")],
                "exempt_flags": ["spec_example"],
            }
        }
    }
    path = tmp_path / "participants.json"
    path.write_text(json.dumps(spec), "utf-8")
    assert run(path, "--vectors", "v-spec-*") == 0
    out = capsys.readouterr().out
    assert "honest: agrees anyway on 4 exempt vector(s) (is the flag stale?):" in out


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
    assert {"kaitai", "kaitai-js", "python", "c", "julia-model"} <= names.keys()
    assert names["kaitai"].exempt_flags == ("beyond_kaitai",)
    assert names["kaitai-js"].exempt_flags == ("beyond_kaitai",)
    assert names["python"].exempt_flags == ()
    assert names["c"].exempt_flags == ()
    assert names["python"].messages and names["c"].messages
    assert not names["kaitai"].messages
    assert names["julia-model"].contract == "julia"
    assert names["julia-model"].exempt_flags == ()


# --- messages (spec §6.3) ----------------------------------------------------------


def test_every_invalid_vector_has_its_message() -> None:
    for vec in MANIFEST["vectors"]:
        if vec["result"] == "invalid":
            assert vec["message"].startswith(vec["error"] + ": "), vec["id"]
            assert vec["message"].endswith(f"(WA-1 {vec['clause']})"), vec["id"]


def test_a_participant_that_claims_messages_must_give_them_exactly() -> None:
    base = {"valid": False, "error": "invalid_offset"}
    right = json.dumps({**base, "message": INVALID["message"]})
    assert rc.judge(INVALID, 7, right, messages=True) is None
    wrong = json.dumps({**base, "message": INVALID["message"] + "."})
    reason = rc.judge(INVALID, 7, wrong, messages=True)
    assert reason is not None
    assert "the message differs" in reason
    reason = rc.judge(INVALID, 7, json.dumps(base), messages=True)
    assert reason is not None
    assert "got None" in reason
    # without the claim, any message (or none) is fine
    assert rc.judge(INVALID, 7, wrong) is None
    assert rc.judge(INVALID, 7, json.dumps(base)) is None


def test_messages_are_compared_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "terse.py"
    script.write_text(
        "import json, sys\n"
        "print(json.dumps({'valid': False, 'error': 'invalid_offset', 'message': 'bad offset'}))\n"
        "sys.exit(7)\n",
        "utf-8",
    )
    spec = {"participants": {"terse": {"argv": ["{python}", str(script)], "messages": True}}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(spec), "utf-8")
    assert run(path, "--vectors", "i-r5-offset-zero") == 1
    out = capsys.readouterr().out
    assert "i-r5-offset-zero: invalid_offset as expected, but the message differs" in out
    assert "+messages" in out


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"argv": ["x"], "messages": "yes"}, "'messages' must be true or false"),
        ({"argv": ["x"], "contract": "fortran"}, "'contract' must be one of"),
        ({"argv": ["x"], "colour": 1}, "unknown keys"),
        ({"argv": "x"}, "needs an 'argv' list"),
    ],
)
def test_a_broken_participant_entry_is_refused(
    tmp_path: Path, entry: dict[str, Any], fragment: str
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"participants": {"p": entry}}), "utf-8")
    with pytest.raises(rc.ManifestError, match=fragment):
        rc.load_participants(path)


# --- adding participants without replacing the file ---------------------------------


def test_add_participants_adds_to_the_default_file(
    participants: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "mine.json"
    extra.write_text(
        json.dumps({"participants": {"mine": {"argv": ["{python}", str(tmp_path / "honest.py")]}}}),
        "utf-8",
    )
    loaded = rc.load_participants(participants, extra)
    assert [p.name for p in loaded][-1] == "mine"
    assert (
        run(
            participants,
            "--add-participants",
            str(extra),
            "--only",
            "mine",
            "--vectors",
            "v-spec-*",
        )
        == 0
    )
    assert "mine" in capsys.readouterr().out


def test_add_participants_refuses_a_name_twice(participants: Path, tmp_path: Path) -> None:
    extra = tmp_path / "again.json"
    extra.write_text(json.dumps({"participants": {"liar": {"argv": ["x"]}}}), "utf-8")
    with pytest.raises(rc.ManifestError, match="'liar' is already defined"):
        rc.load_participants(participants, extra)


# --- the Julia contract ------------------------------------------------------------


def julia_answer(accepts: bool, vector: dict[str, Any] | None = None) -> str:
    if not accepts:
        return json.dumps({"julia_accepts": False, "line": "src/wrappedarrays.jl:336"})
    assert vector is not None
    keys = ("etype", "ndims", "dims", "offset")
    return json.dumps({"julia_accepts": True, **{k: vector[k] for k in keys}})


def test_the_julia_contract_follows_the_flags() -> None:
    readable = VALID  # no julia_unreadable flag: Julia reads it
    assert rc.julia_expects(readable)
    assert rc.judge_julia(readable, 0, julia_answer(True, readable)) is None
    reason = rc.judge_julia(readable, 0, julia_answer(False))
    assert reason is not None
    assert "the julia_unreadable flag says Julia accepts; the model refuses" in reason
    unreadable = BY_ID["v-ndims-00"]
    assert not rc.julia_expects(unreadable)
    assert rc.judge_julia(unreadable, 0, julia_answer(False)) is None
    accepted = BY_ID["i-r4-ndims-65"]
    assert "julia_accepts" in accepted["flags"]
    assert rc.judge_julia(accepted, 0, json.dumps({"julia_accepts": True})) is None
    reason = rc.judge_julia(accepted, 0, julia_answer(False))
    assert reason is not None
    assert "the julia_accepts flag says Julia accepts" in reason
    assert rc.judge_julia(INVALID, 0, julia_answer(False)) is None


@pytest.mark.parametrize(
    ("code", "stdout", "fragment"),
    [
        (64, "", "failed with status 64"),
        (0, "", "got 0 lines"),
        (0, "yes", "not JSON"),
        (0, '{"julia_accepts": 1}', "no boolean 'julia_accepts'"),
        (
            0,
            '{"julia_accepts": true, "etype": 10, "ndims": 2, "dims": [3, 2], "offset": 64}',
            "reads dims [3, 2]",
        ),
    ],
)
def test_a_wrong_julia_answer_fails(code: int, stdout: str, fragment: str) -> None:
    reason = rc.judge_julia(VALID, code, stdout)
    assert reason is not None
    assert fragment in reason
