"""The JavaScript Kaitai participant: spec/wea.ksy beyond Python.

The parser generated for JavaScript by the pinned compiler runs on the
pinned kaitai-struct runtime (tools/package.json) under node. It must agree
with the manifest on every vector not flagged ``beyond_kaitai`` and really
fail the flagged ones. The runtime's known limits (docs/porting.md) are
pinned here too, so that the guide and the .ksy's workarounds stay needed
and true.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"
PARSER = ROOT / "build" / "kaitai-js" / "WeaBlock.js"
PARTICIPANT = ROOT / "tools" / "kaitai_participant.js"
RUNTIME = ROOT / "tools" / "node_modules" / "kaitai-struct" / "KaitaiStream.js"

rc = importlib.import_module("run_conformance")
kp = importlib.import_module("kaitai_participant")

if shutil.which("node") is None or not PARSER.exists() or not RUNTIME.exists():  # pragma: no cover
    raise RuntimeError(
        f"node, {PARSER} and {RUNTIME} are needed: run `make tools build/kaitai-js/WeaBlock.js`"
    )

MANIFEST: dict[str, Any] = json.loads((CONFORMANCE / "manifest.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = MANIFEST["vectors"]

# One node process reads every vector with the participant's own examine().
BATCH = r"""
const fs = require('fs');
const path = require('path');
// node -e SCRIPT A B C: process.argv is [node, A, B, C]
const kp = require(process.argv[1]);
const parser = kp.loadParser(process.argv[2]);
const manifest = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
for (const v of manifest.vectors) {
  const b = fs.readFileSync(path.join(path.dirname(process.argv[3]), v.path));
  const u = new Uint8Array(b.length); u.set(b);
  let r;
  try { r = kp.examine(u.buffer, parser.KaitaiStream, parser.WeaBlock, parser.file); }
  catch (e) { r = { crash: String(e) }; }
  delete r.detail;
  const status = r.crash ? 70 : (r.valid ? 0 : kp.CATEGORY_NUMBER[r.error]);
  process.stdout.write(JSON.stringify([v.id, status,
    JSON.stringify(r, (k, x) => typeof x === 'bigint' ? `big:${x}` : x)]) + '\n');
}
"""


def _batch() -> dict[str, tuple[int, dict[str, Any]]]:
    done = subprocess.run(
        [
            "node",
            "-e",
            BATCH,
            str(PARTICIPANT),
            str(PARSER.parent),
            str(CONFORMANCE / "manifest.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "tools",
    )
    out = {}
    for line in done.stdout.splitlines():
        vid, status, answer = json.loads(line)
        parsed = json.loads(answer)
        if "dims" in parsed:  # exact: the participant's BigInts came as "big:N"
            parsed["dims"] = [int(d[4:]) if isinstance(d, str) else d for d in parsed["dims"]]
        out[vid] = (status, parsed)
    return out


RESULTS = _batch()


def verdict(vector: dict[str, Any]) -> str | None:
    status, answer = RESULTS[vector["id"]]
    return rc.judge(vector, status, json.dumps(answer))


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if "beyond_kaitai" not in v["flags"]], ids=lambda v: v["id"]
)
def test_kaitai_js_agrees(vector: dict[str, Any]) -> None:
    assert verdict(vector) is None


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if "beyond_kaitai" in v["flags"]], ids=lambda v: v["id"]
)
def test_beyond_kaitai_flags_are_not_stale_in_javascript(vector: dict[str, Any]) -> None:
    assert verdict(vector) is not None, "the JavaScript parser now gets this right: drop the flag"


@pytest.mark.parametrize(
    ("vid", "category"),
    [
        ("i-r7-dim-negative-low-word-3", "invalid_dimension"),
        ("i-r5-offset-negative-low-word-64", "invalid_offset"),
        ("i-r9-claims-2-pow-40", "data_truncated"),
    ],
)
def test_the_three_blocks_javascript_once_read_as_valid_are_refused(
    vid: str, category: str
) -> None:
    """The .ksy checks the s8 words itself and compares offset + L with the length (R9)."""
    status, answer = RESULTS[vid]
    assert answer == {"valid": False, "error": category}
    assert status == rc.CATEGORY_NUMBER[category]


def test_both_participants_map_the_same_validations() -> None:
    source = PARTICIPANT.read_text("utf-8")
    for src_path, category in kp.SRC_PATH_CATEGORY.items():
        assert f"'{src_path}': '{category}'" in source
    generated = PARSER.read_text("utf-8")
    assert set(re.findall(r'"(/[a-z0-9_/]+)"\);', generated)) == set(kp.SRC_PATH_CATEGORY)


def test_dims_beyond_2_pow_53_are_reported_exactly() -> None:
    status, answer = RESULTS["v-zero-with-max-dim"]
    assert status == 0
    assert answer["dims"] == [0, 2**63 - 1]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(PARTICIPANT), *args], capture_output=True, text=True, check=False
    )


def test_the_command_follows_the_runner_contract() -> None:
    done = cli(str(CONFORMANCE / "valid" / "v-spec-11-1-float64-2x3.wea"))
    assert done.returncode == 0
    assert json.loads(done.stdout)["dims"] == [2, 3]
    done = cli(str(CONFORMANCE / "invalid" / "i-r5-offset-zero.wea"))
    assert done.returncode == 7
    assert json.loads(done.stdout) == {"valid": False, "error": "invalid_offset"}
    assert "/types/fixed_header/seq/4" in done.stderr
    assert cli().returncode == 64
    missing = cli(str(CONFORMANCE / "no-such-file.wea"))
    assert missing.returncode == 66
    assert missing.stdout == ""


# --- the runtime's known limits (docs/porting.md, "Kaitai targets") -----------------

LIMITS = r"""
const KaitaiStream = require(process.argv[1]);
const s8 = new Uint8Array(8);
new DataView(s8.buffer).setBigInt64(0, -(2n ** 32n) + 3n, true);
const big = new Uint8Array(64);
const out = {
  readS8le: new KaitaiStream(s8.buffer).readS8le(),
  mapped: new KaitaiStream(big.buffer).readBytes(2 ** 43).length,
  srcPath: new KaitaiStream.ValidationExprError(1, null, '/seq/2').srcPath === undefined,
};
process.stdout.write(JSON.stringify(out));
"""


def test_the_runtime_limits_the_ksy_works_around_are_still_there() -> None:
    """If one goes away, the porting guide and the .ksy's workaround can be revisited."""
    done = subprocess.run(
        ["node", "-e", LIMITS, str(RUNTIME)], capture_output=True, text=True, check=True
    )
    limits = json.loads(done.stdout)
    assert limits["readS8le"] == 3  # -2^32 + 3 misread: v1 ^ 0xffffffff is signed 32-bit
    assert limits["mapped"] == 0  # a length of 2^43 bytes truncated to 32 bits: 0
    assert limits["srcPath"] is True  # validation errors keep no srcPath
