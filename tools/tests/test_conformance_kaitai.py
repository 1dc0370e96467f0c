"""The Kaitai participant: what the generated parser accepts and rejects.

In process, over every vector: the parser must agree with the manifest on
every vector not flagged ``beyond_kaitai``, and must really fail the flagged
ones (a flag it no longer needs is stale and must go). The command line is
checked on a few vectors for the runner contract's exit codes.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "conformance"
KAITAI_DIR = ROOT / "build" / "kaitai"

kp = importlib.import_module("kaitai_participant")
rc = importlib.import_module("run_conformance")

if not (KAITAI_DIR / "wea_block.py").exists():  # pragma: no cover
    raise RuntimeError(f"{KAITAI_DIR}/wea_block.py is missing: run `make spec`")

KAITAISTRUCT, WEA_BLOCK = kp.load_parser(KAITAI_DIR)
MANIFEST: dict[str, Any] = json.loads((CONFORMANCE / "manifest.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = MANIFEST["vectors"]


def verdict(vector: dict[str, Any]) -> str | None:
    result = kp.examine((CONFORMANCE / vector["path"]).read_bytes(), KAITAISTRUCT, WEA_BLOCK)
    result.pop("detail", None)
    return rc.judge(vector, kp.exit_code(result), json.dumps(result))


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS if "beyond_kaitai" not in v["flags"]],
    ids=lambda v: v["id"],
)
def test_kaitai_agrees(vector: dict[str, Any]) -> None:
    assert verdict(vector) is None


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS if "beyond_kaitai" in v["flags"]],
    ids=lambda v: v["id"],
)
def test_beyond_kaitai_flags_are_not_stale(vector: dict[str, Any]) -> None:
    assert verdict(vector) is not None, "Kaitai now gets this right: drop the flag"


def test_every_validation_of_the_parser_is_mapped() -> None:
    source = (KAITAI_DIR / "wea_block.py").read_text("utf-8")
    paths = set(re.findall(r'u"(/[a-z0-9_/]+)"\)', source))
    assert paths == set(kp.SRC_PATH_CATEGORY)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "kaitai_participant.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_prints_one_json_line_and_exits_0_when_valid() -> None:
    done = cli(str(CONFORMANCE / "valid" / "v-spec-11-1-float64-2x3.wea"))
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        "valid": True,
        "etype": 10,
        "ndims": 2,
        "dims": [2, 3],
        "offset": 64,
        "len_data": 48,
        "sha256": "562fb49dcc2f51c918a208b4bc9e20935a0894b66e72daf5759356f7e66a21db",
    }


def test_the_command_exits_with_the_category_number_when_invalid() -> None:
    done = cli(str(CONFORMANCE / "invalid" / "i-r5-offset-zero.wea"))
    assert done.returncode == 7
    assert json.loads(done.stdout) == {"valid": False, "error": "invalid_offset"}
    assert "fixed_header/seq/4" in done.stderr


def test_usage_and_io_errors_exit_64_or_more() -> None:
    assert cli().returncode == kp.EXIT_USAGE
    missing = cli(str(CONFORMANCE / "no-such-file.wea"))
    assert missing.returncode == kp.EXIT_NOINPUT
    assert missing.stdout == ""
    assert "no-such-file.wea" in missing.stderr
