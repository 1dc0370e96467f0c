#!/usr/bin/env python3
"""Check the conformance manifest and run every participant over it.

usage: run_conformance.py check [options]
       run_conformance.py run [--require NAME]... [--only NAME]... [-v] [options]

``check`` validates conformance/manifest.json against
conformance/manifest.schema.json (JSON Schema draft 2020-12) and checks the
inventory: every vector file listed, every listed file present, ids unique,
paths as the ids say, the count as stated, and the SHA-256 of each valid
vector's data as its bytes give it.

``run`` does the same, then runs each participant of
conformance/participants.json (and of every ``--add-participants`` file)
over every vector (the contract is in conformance/README.md) and prints one
table of participant x passed / failed / exempt. Disagreements are listed
(the first 10 per participant; all of them with ``-v``), exempt vectors
only with ``-v``. A participant that declares ``"messages": true`` must
also print each invalid vector's §6.3 message exactly; one whose
``"contract"`` is ``"julia"`` is judged by the vectors' ``julia_*`` flags
instead. A participant whose command is not available is reported as NOT
RUN; that fails the run only if it is named with ``--require``. Exit
status: 0 if every participant that ran agreed on every vector it is not
exempt from, and every required participant ran; 1 otherwise; 2 for a
broken manifest or participants file.

Output is UTF-8 (the messages cite clauses with "§").
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "conformance"


def category_numbers(schema: Any) -> dict[str, int]:
    """The error categories and their numbers (spec §6.2), from the manifest schema.

    The schema's ``error`` enum lists the categories in the order of their
    numbers, from 1 (it is generated from spec/registry.json, `make tables`).
    The number is a participant's exit status for an invalid block.
    """
    names = schema["$defs"]["invalidVector"]["properties"]["error"]["enum"]
    return {str(name): number for number, name in enumerate(names, start=1)}


CATEGORY_NUMBER: dict[str, int] = category_numbers(
    json.loads((CONFORMANCE / "manifest.schema.json").read_text(encoding="utf-8"))
)

VALID_KEYS = ("valid", "etype", "ndims", "dims", "offset", "len_data", "sha256")
INVALID_KEYS = ("valid", "error")
OPTIONAL_INVALID_KEYS = ("message",)
JULIA_KEYS = ("julia_accepts", "etype", "ndims", "dims", "offset")
CONTRACTS = ("wa1", "julia")
TIMEOUT_SECONDS = 30.0
MAX_VECTOR_BYTES = 4096
SHOWN_FAILURES = 10  # disagreements listed per participant without -v


class ManifestError(Exception):
    """The manifest, its schema or the participants file is broken."""


# ---------------------------------------------------------------------------
# Manifest: schema and inventory.
# ---------------------------------------------------------------------------


def load_json(path: Path) -> Any:
    """Read a JSON file, turning any failure into :class:`ManifestError`."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc


def validate_schema(manifest: Any, schema: Any) -> list[str]:
    """Return the schema violations of the manifest (empty if none)."""
    try:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - the venv has it
        raise ManifestError("the jsonschema package is missing: run `make venv`") from exc
    validator_cls = jsonschema.Draft202012Validator
    try:
        validator_cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ManifestError(
            f"manifest.schema.json is not a valid 2020-12 schema: {exc.message}"
        ) from exc
    errors = sorted(validator_cls(schema).iter_errors(manifest), key=lambda e: list(e.path))
    return [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]


def check_inventory(manifest: dict[str, Any], directory: Path) -> list[str]:
    """Return inventory problems: files versus entries, ids, counts, digests."""
    problems: list[str] = []
    vectors: list[dict[str, Any]] = manifest["vectors"]
    if manifest["number_of_vectors"] != len(vectors):
        problems.append(
            f"number_of_vectors is {manifest['number_of_vectors']}, "
            f"but {len(vectors)} vectors are listed"
        )
    ids: set[str] = set()
    listed: set[str] = set()
    for vec in vectors:
        vid = vec["id"]
        if vid in ids:
            problems.append(f"{vid}: duplicate id")
        ids.add(vid)
        want = f"{vec['result']}/{vid}.wea"
        if vec["path"] != want:
            problems.append(f"{vid}: path {vec['path']!r}, expected {want!r}")
        listed.add(vec["path"])
        path = directory / vec["path"]
        if not path.is_file():
            problems.append(f"{vid}: {vec['path']} is listed but missing")
            continue
        block = path.read_bytes()
        if len(block) > MAX_VECTOR_BYTES:
            problems.append(f"{vid}: {len(block)} bytes, more than {MAX_VECTOR_BYTES}")
        if vec["result"] == "valid":
            if vec["ndims"] != len(vec["dims"]):
                problems.append(f"{vid}: ndims {vec['ndims']} but {len(vec['dims'])} dims")
            data = block[vec["offset"] : vec["offset"] + vec["len_data"]]
            if len(data) != vec["len_data"]:
                problems.append(f"{vid}: the file ends before offset + len_data")
            elif hashlib.sha256(data).hexdigest() != vec["sha256"]:
                problems.append(f"{vid}: sha256 does not match the data bytes")
    for sub in ("valid", "invalid"):
        folder = directory / sub
        present = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        for path in present:
            if f"{sub}/{path.name}" not in listed:
                problems.append(f"{sub}/{path.name}: present but not listed in the manifest")
    return problems


def load_manifest(directory: Path) -> dict[str, Any]:
    """Load, schema-validate and inventory-check the manifest; raise on any problem."""
    manifest = load_json(directory / "manifest.json")
    schema_name = manifest.get("schema") if isinstance(manifest, dict) else None
    if schema_name != "manifest.schema.json":
        raise ManifestError(f"manifest.json names the schema {schema_name!r}")
    schema = load_json(directory / schema_name)
    problems = validate_schema(manifest, schema)
    if problems:
        raise ManifestError("manifest.json violates its schema:\n  " + "\n  ".join(problems))
    problems = check_inventory(manifest, directory)
    if problems:
        raise ManifestError("inventory check failed:\n  " + "\n  ".join(problems))
    return manifest  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------
# Participants.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """One implementation's command, from participants.json."""

    name: str
    argv: tuple[str, ...]
    description: str = ""
    requires: tuple[str, ...] = ()
    probe: tuple[str, ...] = ()
    exempt_flags: tuple[str, ...] = ()
    messages: bool = False
    contract: str = "wa1"

    def command(self, file: Path) -> list[str]:
        """Return the argv for one vector: ``{file}`` replaced, or the file appended."""
        args = [_expand(a) for a in self.argv]
        if any("{file}" in a for a in args):
            return [a.replace("{file}", str(file)) for a in args]
        return [*args, str(file)]

    def unavailable(self, root: Path) -> str | None:
        """Return why the participant cannot run here, or None if it can."""
        for rel in self.requires:
            if not (root / rel).exists():
                return f"{rel} is missing"
        if self.probe:
            probe = [_expand(a) for a in self.probe]
            try:
                done = subprocess.run(
                    probe,
                    cwd=root,
                    capture_output=True,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"probe {' '.join(probe)} failed: {exc}"
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                return f"probe {' '.join(probe)} exited {done.returncode}: {last}"
        return None


def _expand(arg: str) -> str:
    return arg.replace("{python}", sys.executable)


def load_participants(path: Path, *extra: Path) -> list[Participant]:
    """Read participants.json, then add the participants of each ``extra`` file.

    A name may appear only once over all the files.
    """
    out: list[Participant] = []
    for number, file in enumerate((path, *extra)):
        raw = load_json(file)
        entries = raw.get("participants") if isinstance(raw, dict) else None
        if not isinstance(entries, dict) or (number == 0 and not entries):
            raise ManifestError(
                f"{file}: expected an object with a non-empty 'participants' object"
            )
        for name, entry in entries.items():
            if any(p.name == name for p in out):
                raise ManifestError(f"{file}: participant {name!r} is already defined")
            out.append(_participant(file, name, entry))
    return out


def _participant(file: Path, name: str, entry: Any) -> Participant:
    known = {"argv", "description", "requires", "probe", "exempt_flags", "messages", "contract"}
    if not isinstance(entry, dict) or not isinstance(entry.get("argv"), list):
        raise ManifestError(f"{file}: participant {name!r} needs an 'argv' list")
    extra = set(entry) - known
    if extra:
        raise ManifestError(f"{file}: participant {name!r} has unknown keys {sorted(extra)}")
    messages = entry.get("messages", False)
    if not isinstance(messages, bool):
        raise ManifestError(f"{file}: participant {name!r}: 'messages' must be true or false")
    contract = entry.get("contract", "wa1")
    if contract not in CONTRACTS:
        raise ManifestError(
            f"{file}: participant {name!r}: 'contract' must be one of {list(CONTRACTS)}"
        )
    return Participant(
        name=name,
        argv=tuple(entry["argv"]),
        description=entry.get("description", ""),
        requires=tuple(entry.get("requires", ())),
        probe=tuple(entry.get("probe", ())),
        exempt_flags=tuple(entry.get("exempt_flags", ())),
        messages=messages,
        contract=contract,
    )


# ---------------------------------------------------------------------------
# Comparing one answer with the manifest.
# ---------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def judge(
    vector: dict[str, Any], returncode: int, stdout: str, *, messages: bool = False
) -> str | None:
    """Compare a participant's answer with a manifest entry.

    With ``messages``, an invalid answer must also carry the vector's §6.3
    message, exactly. Returns None when it agrees, else a one-line reason.
    """
    lines = [line for line in stdout.splitlines() if line.strip()]
    if vector["result"] == "valid":
        expected = "valid, exit 0"
    else:
        expected = f"{vector['error']}, exit {CATEGORY_NUMBER[vector['error']]}"
    if returncode >= 64 or returncode < 0:
        return f"expected {expected}; the command failed with status {returncode}"
    if len(lines) != 1:
        return f"expected {expected}; got {len(lines)} lines on stdout, not one JSON line"
    try:
        answer = json.loads(lines[0])
    except ValueError:
        return f"expected {expected}; stdout is not JSON: {lines[0][:120]!r}"
    if not isinstance(answer, dict) or not isinstance(answer.get("valid"), bool):
        return f"expected {expected}; the JSON has no boolean 'valid': {lines[0][:120]}"
    said = _describe(answer, returncode)
    if vector["result"] == "valid":
        if answer["valid"] is not True or returncode != 0:
            return f"expected {expected}; got {said}"
        keys = set(answer)
        if keys != set(VALID_KEYS):
            return f"expected the keys {list(VALID_KEYS)}; got {sorted(keys)}"
        wrong = []
        for key in VALID_KEYS[1:]:
            got, want = answer[key], vector[key]
            if key == "dims":
                ok = isinstance(got, list) and all(_is_int(d) for d in got) and got == want
            elif key == "sha256":
                ok = isinstance(got, str) and got == want
            else:
                ok = _is_int(got) and got == want
            if not ok:
                wrong.append(f"{key} {json.dumps(got)} (expected {json.dumps(want)})")
        if wrong:
            return "valid, but " + "; ".join(wrong)
        return None
    if answer["valid"] is not False:
        return f"expected {expected}; got {said}"
    keys = set(answer)
    if not set(INVALID_KEYS) <= keys or keys - set(INVALID_KEYS) - set(OPTIONAL_INVALID_KEYS):
        allowed = [*INVALID_KEYS, *OPTIONAL_INVALID_KEYS]
        return f"expected the keys {allowed} (the last optional); got {sorted(keys)}"
    if answer["error"] != vector["error"] or returncode != CATEGORY_NUMBER[vector["error"]]:
        return f"expected {expected}; got {said}"
    if messages and answer.get("message") != vector["message"]:
        return (
            f"{vector['error']} as expected, but the message differs: expected "
            f"{vector['message']!r}; got {answer.get('message')!r}"
        )
    return None


def julia_expects(vector: dict[str, Any]) -> bool:
    """Whether Julia's reader accepts a vector, as its flags say (README, "Flags")."""
    if vector["result"] == "valid":
        return "julia_unreadable" not in vector["flags"]
    return "julia_accepts" in vector["flags"]


def judge_julia(vector: dict[str, Any], returncode: int, stdout: str) -> str | None:
    """Compare a model of Julia's reader with a vector's ``julia_*`` flags.

    The answer is one JSON line with a boolean ``julia_accepts`` (exit 0
    either way); an accepted block also gives ``etype``, ``ndims``, ``dims``
    and ``offset``, which must be the manifest's for a valid vector.
    Returns None when it agrees, else a one-line reason.
    """
    want = julia_expects(vector)
    expected = "accepts" if want else "refuses"
    lines = [line for line in stdout.splitlines() if line.strip()]
    if returncode != 0:
        return f"expected Julia {expected}; the command failed with status {returncode}"
    if len(lines) != 1:
        return f"expected Julia {expected}; got {len(lines)} lines on stdout, not one JSON line"
    try:
        answer = json.loads(lines[0])
    except ValueError:
        return f"expected Julia {expected}; stdout is not JSON: {lines[0][:120]!r}"
    if not isinstance(answer, dict) or not isinstance(answer.get("julia_accepts"), bool):
        return f"expected Julia {expected}; the JSON has no boolean 'julia_accepts'"
    if answer["julia_accepts"] != want:
        got = "accepts" if answer["julia_accepts"] else "refuses"
        where = f" at {answer.get('line')}: {answer.get('message')}" if not want else ""
        flag = "julia_unreadable" if vector["result"] == "valid" else "julia_accepts"
        return f"the {flag} flag says Julia {expected}; the model {got}{where}"
    if want and vector["result"] == "valid":
        wrong = [
            f"{key} {json.dumps(answer.get(key))} (expected {json.dumps(vector[key])})"
            for key in JULIA_KEYS[1:]
            if answer.get(key) != vector[key]
        ]
        if wrong:
            return "Julia accepts, but reads " + "; ".join(wrong)
    return None


def _describe(answer: dict[str, Any], returncode: int) -> str:
    if answer.get("valid") is True:
        return f"valid, exit {returncode}"
    return f"{answer.get('error')}, exit {returncode}"


# ---------------------------------------------------------------------------
# Running.
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one participant did with the whole manifest."""

    participant: Participant
    not_run: str | None = None
    passed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    exempt: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """The number of vectors it disagreed on (exempt ones not counted)."""
        return len(self.failures)


def run_one(
    participant: Participant, vector: dict[str, Any], directory: Path, root: Path
) -> tuple[str | None, str]:
    """Run a participant on one vector.

    Returns None if it agrees, else a reason; and the last line of its stderr.
    """
    file = (directory / vector["path"]).resolve()
    try:
        done = subprocess.run(
            participant.command(file),
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {TIMEOUT_SECONDS:.0f} s", ""
    except OSError as exc:
        return f"cannot run {participant.argv[0]}: {exc}", ""
    stderr = done.stderr.strip().splitlines()
    if participant.contract == "julia":
        why = judge_julia(vector, done.returncode, done.stdout)
    else:
        why = judge(vector, done.returncode, done.stdout, messages=participant.messages)
    return why, stderr[-1][:200] if stderr else ""


def run_participant(
    participant: Participant,
    vectors: Sequence[dict[str, Any]],
    directory: Path,
    root: Path,
    jobs: int,
) -> Outcome:
    """Run one participant over every vector."""
    outcome = Outcome(participant)
    reason = participant.unavailable(root)
    if reason is not None:
        outcome.not_run = reason
        return outcome
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        reasons = list(pool.map(lambda v: run_one(participant, v, directory, root), vectors))
    for vector, (why, stderr) in zip(vectors, reasons, strict=True):
        flags = set(vector["flags"]) & set(participant.exempt_flags)
        if flags:
            outcome.exempt.append((vector["id"], ",".join(sorted(flags)), why))
        elif why is None:
            outcome.passed += 1
        else:
            outcome.failures.append(
                (vector["id"], why + (f" [stderr: {stderr}]" if stderr else ""))
            )
    return outcome


def report(
    outcomes: Sequence[Outcome], required: set[str], total: int, *, verbose: bool = False
) -> int:
    """Print the table and the disagreements; return the exit status.

    Without ``verbose`` at most :data:`SHOWN_FAILURES` disagreements are listed
    per participant and exempt vectors are only counted; with it, all of both.
    """
    status = 0
    print()
    print(
        f"{'participant':<14}{'vectors':>8}{'passed':>8}{'failed':>8}{'exempt':>8}"
        f"{'checks':>10}  status"
    )
    print("-" * 72)
    for out in outcomes:
        name = out.participant.name
        checks = _checks(out.participant)
        if out.not_run is not None:
            verdict = "NOT RUN" + (" (required)" if name in required else "")
            print(f"{name:<14}{total:>8}{'-':>8}{'-':>8}{'-':>8}{checks:>10}  {verdict}")
            if name in required:
                status = 1
            continue
        verdict = "ok" if out.failed == 0 else "FAILED"
        if out.failed:
            status = 1
        print(
            f"{name:<14}{total:>8}{out.passed:>8}{out.failed:>8}{len(out.exempt):>8}"
            f"{checks:>10}  {verdict}"
        )
    for out in outcomes:
        name = out.participant.name
        if out.not_run is not None:
            print(f"\n*** NOT RUN: {name}: {out.not_run} ***")
            if name in required:
                print(f"*** {name} is required (--require {name}): this run fails ***")
            continue
        if out.failures:
            print(f"\n{name}: {out.failed} disagreement(s) with the manifest:")
            shown = out.failures if verbose else out.failures[:SHOWN_FAILURES]
            for vid, why in shown:
                print(f"  {vid}: {why}")
            if len(shown) < len(out.failures):
                print(f"  ... and {len(out.failures) - len(shown)} more (-v or V=1 lists them)")
        if out.exempt and verbose:
            flags = ", ".join(out.participant.exempt_flags)
            print(f"\n{name}: exempt from {len(out.exempt)} vector(s) flagged {flags}:")
            for vid, flag, reason in out.exempt:
                what = "agrees anyway (is the flag stale?)" if reason is None else reason
                print(f"  {vid} [{flag}]: {what}")
        stale = [vid for vid, _flag, reason in out.exempt if reason is None]
        if stale and not verbose:
            print(f"\n{name}: agrees anyway on {len(stale)} exempt vector(s) (is the flag stale?):")
            for vid in stale:
                print(f"  {vid}")
    passed = sum(o.passed for o in outcomes if o.not_run is None)
    failed = sum(o.failed for o in outcomes if o.not_run is None)
    exempt = sum(len(o.exempt) for o in outcomes if o.not_run is None)
    print()
    tail = "" if verbose or not exempt else " (-v or V=1 lists the exempt vectors)"
    print(f"conformance: {passed} passed, {failed} failed, {exempt} exempt{tail}")
    return status


def _checks(participant: Participant) -> str:
    """What the runner compares for a participant: its column in the table."""
    if participant.contract == "julia":
        return "julia"
    return "+messages" if participant.messages else "category"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("check", "run"), help="check the manifest, or also run")
    parser.add_argument("--dir", type=Path, default=CONFORMANCE, help="the conformance directory")
    parser.add_argument(
        "--participants",
        type=Path,
        help="participants file (default: DIR/participants.json)",
    )
    parser.add_argument(
        "--add-participants",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a further participants file whose participants are added (repeatable)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every disagreement and every exempt vector",
    )
    parser.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="NAME",
        help="fail if this participant cannot run (repeatable)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these participants",
    )
    parser.add_argument(
        "--vectors",
        action="append",
        default=[],
        metavar="GLOB",
        help="run only the vectors whose id matches this pattern (repeatable: any of them)",
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="commands run at once"
    )
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower() != "utf-8":
        sys.stdout.reconfigure(encoding="utf-8")  # the messages hold "§" whatever the locale
    directory: Path = args.dir
    try:
        manifest = load_manifest(directory)
    except ManifestError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    vectors = manifest["vectors"]
    n_valid = sum(v["result"] == "valid" for v in vectors)
    print(
        "conformance: manifest valid against its schema; inventory complete: "
        f"{len(vectors)} "
        f"vectors ({n_valid} valid, {len(vectors) - n_valid} invalid)"
    )
    if args.mode == "check":
        return 0
    try:
        participants = load_participants(
            args.participants or directory / "participants.json", *args.add_participants
        )
    except ManifestError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    names = {p.name for p in participants}
    unknown = (set(args.require) | set(args.only)) - names
    if unknown:
        print(f"conformance: unknown participant(s) {sorted(unknown)}", file=sys.stderr)
        return 2
    if args.only:
        participants = [p for p in participants if p.name in args.only]
    if args.vectors:
        vectors = [v for v in vectors if any(fnmatch.fnmatchcase(v["id"], g) for g in args.vectors)]
    root = ROOT
    outcomes = []
    for participant in participants:
        if args.verbose:
            shown = " ".join(participant.command(Path("{file}")))
            print(f"conformance: running {participant.name}: {shown}")
        outcomes.append(run_participant(participant, vectors, directory, root, max(1, args.jobs)))
    return report(outcomes, set(args.require), len(vectors), verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
