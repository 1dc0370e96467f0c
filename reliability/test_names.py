"""Hostile object names: ``wea ls`` and ``wea rm`` print them safely.

Any local user names their own shared-memory objects, and ``wea ls`` shows
everybody's. Here WA-1 objects (and one unpublished leftover) are made
under names that hold escape sequences (colour, window title, screen
clear), a newline followed by a forged row, a carriage return, a tab, DEL,
backspace and bell, C1 controls (as UTF-8 and as raw bytes), a bidi
override and a line separator, bytes that are not UTF-8, a backslash, and
a name of the longest length (255 bytes).

* Human output (``wea ls``, ``wea ls --all``, ``wea rm``): exit status 0
  (``wea rm`` of a name that is not UTF-8: 0 or 64, spec §8.2.1), output
  that is valid UTF-8 (under ``PYTHONIOENCODING=ascii:strict``: ASCII) with
  no control, format or line-separator character but the newlines, and one
  line per object: no forged row. Under a strict UTF-8 stdout, under the C
  locale and under a strict ASCII stdout.
* ``--json``: it parses, and each name comes back exactly (a byte that is
  not UTF-8 as Python's file-system decoding gives it, ``os.fsdecode``);
  handing the name from the JSON back to ``wea rm`` removes the object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator

import numpy as np
import pytest
import wea
from conftest import PREFIX, ROOT

SHM = b"/dev/shm/"
# a row of `wea ls` (a name cannot hold "/": U+2215 looks like one)
FORGED = "\u2215".encode() + PREFIX.encode() + b"forged  float64  2x2  96  root  0600  1s"
HOSTILE: dict[str, bytes] = {
    "csi": b"\x1b[31mred\x1b[0m",
    "osc": b"\x1b]0;owned\x07",
    "clear": b"\x1b[2J\x1b[H",
    "newline": b"x\n" + FORGED,
    "cr": b"x\r" + FORGED,
    "tab": b"a\tb",
    "del": b"a\x7fb",
    "bs-bel": b"a\x08\x07b",
    "c1-csi": "\u009b31m".encode(),
    "c1-nel": "a\u0085b".encode(),
    "bidi": "a\u202eb".encode(),
    "line-sep": "a\u2028b".encode(),
    "not-utf8": b"\xff\xfe",
    "c1-byte": b"\x9b31m",
    "overlong": b"\xc0\xaf",
    "backslash": b"a\\x1b\\",
}
STRICT = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}
LOCALES = {
    "utf-8 strict": STRICT,
    "C locale": {"LC_ALL": "C"},
    "ascii strict": {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "ascii:strict"},
}


def bodies() -> dict[str, bytes]:
    """Tag (plain ASCII, unique) -> the full name body, bytes."""
    out = {}
    for i, (label, bad) in enumerate(HOSTILE.items()):
        tag = f"{PREFIX}h{i}-{label}-"
        out[tag] = tag.encode() + bad
    tag = f"{PREFIX}h{len(HOSTILE)}-long-"
    out[tag] = (tag.encode() + b"\x1b[0m\n" * 60)[:255]  # the longest name there is
    return out


UNPUBLISHED_TAG = f"{PREFIX}u-unpublished-"
UNPUBLISHED = UNPUBLISHED_TAG.encode() + b"\x1b[5m\n" + FORGED


def make(body: bytes, content: bytes) -> None:
    fd = os.open(SHM + body, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)


def exists(body: bytes) -> bool:
    return os.path.lexists(SHM + body)


@pytest.fixture
def hostile() -> Iterator[dict[str, bytes]]:
    """The objects, made fresh; all removed at the end, whatever happened."""
    made = bodies()
    block = bytes(wea.dumps(np.arange(3, dtype=np.uint8)))
    try:
        for body in made.values():
            make(body, block)
        make(UNPUBLISHED, bytes(128))
        yield made
    finally:
        for body in [*made.values(), UNPUBLISHED]:
            if exists(body):
                os.unlink(SHM + body)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "wea", *args],
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **env},
        check=False,
    )


def unsafe(out: bytes, encoding: str = "utf-8") -> list[str]:
    """What in `out` must not reach a terminal: not text, or a control character."""
    try:
        text = out.decode(encoding)
    except UnicodeDecodeError as e:
        return [f"not {encoding}: {e}"]
    bad = sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
        }
    )
    return [f"control characters {bad}"] if bad else []


def rows(out: bytes, tags: list[str]) -> list[str]:
    """Each tag on exactly one line, and every line naming this run on one tag's line."""
    lines = out.decode("utf-8", "replace").split("\n")
    problems = []
    for tag in tags:
        n = sum(tag in line for line in lines)
        if n != 1:
            problems.append(f"{tag!r} on {n} lines")
    for line in lines:
        if PREFIX in line and sum(tag in line for tag in tags) != 1:
            problems.append(f"a forged row: {line!r}")
    return problems


@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("all_", [False, True], ids=["ls", "ls --all"])
def test_ls_human(locale: str, all_: bool, hostile: dict[str, bytes]) -> None:
    env = LOCALES[locale]
    r = cli("ls", *(["--all"] if all_ else []), env=env)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    encoding = "ascii" if "ascii" in locale else "utf-8"
    problems = unsafe(r.stdout, encoding) + [f"stderr: {p}" for p in unsafe(r.stderr, encoding)]
    tags = list(hostile) + ([UNPUBLISHED_TAG] if all_ else [])
    problems += rows(r.stdout, tags)
    if not all_ and UNPUBLISHED_TAG in r.stdout.decode("utf-8", "replace"):
        problems.append("the unpublished object is listed without --all")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("all_", [False, True], ids=["ls --json", "ls --all --json"])
def test_ls_json(all_: bool, hostile: dict[str, bytes]) -> None:
    r = cli("ls", "--json", *(["--all"] if all_ else []), env=STRICT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    entries = json.loads(r.stdout.decode("utf-8"))
    names = [e["name"] for e in entries]
    want = dict(hostile)
    if all_:
        want[UNPUBLISHED_TAG] = UNPUBLISHED
    problems = []
    for tag, body in want.items():
        name = "/" + os.fsdecode(body)
        if names.count(name) != 1:
            close = [n for n in names if tag in n]
            problems.append(f"{tag!r}: {names.count(name)} entries named exactly so; {close!r}")
    if not all_ and any(UNPUBLISHED_TAG in n for n in names):
        problems.append("the unpublished object is listed without --all")
    assert not problems, "\n".join(problems)


def test_rm(hostile: dict[str, bytes]) -> None:
    # the names as --json gives them, handed back to wea rm
    listed = json.loads(cli("ls", "--json", "--all", env=STRICT).stdout.decode("utf-8"))
    by_tag = {tag: [e["name"] for e in listed if tag in e["name"]] for tag in hostile}
    assert all(len(v) == 1 for v in by_tag.values()), by_tag
    utf8 = {t: b for t, b in hostile.items() if _is_utf8(b)}
    other = {t: b for t, b in hostile.items() if t not in utf8}
    problems = []

    r = cli("rm", *(by_tag[t][0] for t in utf8), env=STRICT)
    if r.returncode != 0:
        problems.append(f"rm: exit {r.returncode}: {r.stderr[-500:]!r}")
    problems += [
        f"rm: {p}" for p in unsafe(r.stdout) + unsafe(r.stderr) + rows(r.stdout, list(utf8))
    ]
    problems += [f"rm: {t!r} still there" for t, b in utf8.items() if exists(b)]

    # again: now missing, each said on one clean line of stderr
    r = cli("rm", *(by_tag[t][0] for t in utf8), env=STRICT)
    if r.returncode != 66:
        problems.append(f"rm of missing names: exit {r.returncode}, expected 66")
    problems += [f"rm missing: {p}" for p in unsafe(r.stdout) + unsafe(r.stderr)]
    problems += [f"rm missing: {p}" for p in rows(r.stderr, list(utf8))]

    # names that are not UTF-8: not valid names (spec §8.2.1); removed or refused, cleanly
    for tag, body in other.items():
        r = cli("rm", by_tag[tag][0], env=STRICT)
        if r.returncode not in (0, 64):
            problems.append(f"rm {tag!r}: exit {r.returncode}: {r.stderr[-300:]!r}")
        elif (r.returncode == 0) == exists(body):
            problems.append(f"rm {tag!r}: exit {r.returncode}, yet exists: {exists(body)}")
        problems += [f"rm {tag!r}: {p}" for p in unsafe(r.stdout) + unsafe(r.stderr)]

    # --json, --force: the unpublished leftover, by the name --json gave
    [unpub] = [e["name"] for e in listed if UNPUBLISHED_TAG in e["name"]]
    r = cli("rm", "--json", "--force", unpub, env=STRICT)
    if r.returncode != 0:
        problems.append(f"rm --json --force: exit {r.returncode}: {r.stderr[-300:]!r}")
    else:
        [entry] = json.loads(r.stdout.decode("utf-8"))
        if entry.get("name") != unpub or entry.get("removed") is not True:
            problems.append(f"rm --json --force: {entry!r}")
    if exists(UNPUBLISHED):
        problems.append("rm --force left the unpublished object")
    assert not problems, "\n".join(problems)


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_names_are_what_they_claim() -> None:
    """The fixture's names: at most 255 bytes, distinct tags, the long one exactly 255."""
    made = bodies()
    assert all(len(b) <= 255 and b"/" not in b and b"\0" not in b for b in made.values())
    assert max(len(b) for b in made.values()) == 255
    assert len(set(made)) == len(made) == len(HOSTILE) + 1
