"""Dry run of docs/porting.md "Adding an element type" with a fictitious type.

The test copies the repository (the files git knows, as they are in the
working tree) into a temporary directory, follows the checklist there by
script, runs the one regeneration command (`make tables`), and shows that
the result holds together: the Kaitai compiler accepts the generated .ksy,
the Python package imports and reads a block of the new type and its format
tests pass unchanged, the C library and weatool build (`make -C c all`),
weatool lists, writes and reads the new type, the C participant passes the
new type's vectors, the vectors regenerate byte for byte and the drift
tests pass. Nothing outside the temporary directory is touched.

The fictitious type is code 258 ``bfloat16`` (the next code WA-1 would
assign, §4.4): 2 bytes, the upper half of an IEEE 754 binary32. numpy has no
bfloat16, and a stand-in such as ``<u2`` would share numpy's (kind, size)
with uint16, so the writer could no longer tell the two apart (the registry
refuses that). The stand-in is ``|V2``, an opaque 2-byte element that
carries the bits unchanged: the kind ``ml_dtypes.bfloat16`` itself reports.
In C it is ``uint16_t`` holding the bits, as float16 is.

The checklist edits three files by hand (the registry, the spec's prose,
the independent vector generator); `make tables` writes everything else,
the C enums and tables included. HAND_EDITED lists them, and the test
checks that nothing else changed before `make tables`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.dryrun

NEW_TYPE = {
    "code": 258,
    "name": "bfloat16",
    "size": 2,
    "alignment": 2,
    "numpy": "|V2",
    "c_enum": "WEA_BFLOAT16",
    "c_type": "uint16_t",
    "c_note": " holding bfloat16 bits",
    "julia_type": "BFloat16",
    "julia": False,
    "description": "bfloat16, the upper 16 bits of an IEEE 754 binary32",
}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{path}: {old!r} found {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def copy_repository(dest: Path) -> None:
    """The files git tracks or would track, from the working tree."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    for name in sorted(set(out.decode().split("\0")) - {""}):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / "tools" / "node_modules").symlink_to(ROOT / "tools" / "node_modules")


# The files the checklist edits by hand (docs/porting.md §7), nothing else.
HAND_EDITED = ("spec/registry.json", "spec/wea.md", "tools/gen_vectors.py")


def snapshot(root: Path) -> dict[str, bytes]:
    """The bytes of every file under ``root``, by relative path (links not followed)."""
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                out[str(path.relative_to(root))] = path.read_bytes()
    return out


def follow_the_checklist(root: Path) -> None:
    """docs/porting.md, "Adding an element type", steps 1 to 3."""
    # 1. The registry.
    reg_path = root / "spec" / "registry.json"
    reg = json.loads(reg_path.read_text(encoding="utf-8"))
    reg["element_types"].append(NEW_TYPE)
    text = reg_path.read_text(encoding="utf-8")
    last = text.index('\n  ],\n  "categories"')
    row = json.dumps(NEW_TYPE, ensure_ascii=False)
    reg_path.write_text(text[:last] + ",\n    " + row + text[last:], encoding="utf-8")
    assert json.loads(reg_path.read_text(encoding="utf-8")) == reg
    # 2. The spec's prose: the reserved codes, the count, the vectors of §13.2.
    spec = root / "spec" / "wea.md"
    _edit(spec, "WA-1 adds two codes.", "WA-1 adds three codes.")
    _edit(spec, "(0, 13 to 255, 258 to 65535)", "(0, 13 to 255, 259 to 65535)")
    _edit(spec, "(0, 13, 255, 258, 65535, ...)", "(0, 13, 255, 259, 65535, ...)")
    # 3. The independent generator and oracle.
    gen = root / "tools" / "gen_vectors.py"
    _edit(
        gen, '    "float16": (257, 2),\n', '    "float16": (257, 2),\n    "bfloat16": (258, 2),\n'
    )
    _edit(gen, '    "bool": "B",\n', '    "bool": "B",\n    "bfloat16": "H",\n')
    _edit(  # pack() writes a float ramp value as the upper half of its binary32
        gen,
        "        else:\n            out += struct.pack(fmt, value)\n",
        '        elif tname == "bfloat16":\n'
        '            out += struct.pack("<f", value)[2:]  # exact: the ramp has few bits\n'
        "        else:\n            out += struct.pack(fmt, value)\n",
    )


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


READ_A_BFLOAT16_BLOCK = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import numpy as np
    import wea
    from wea import _format as F

    root = Path(sys.argv[1])
    assert Path(wea.__file__).is_relative_to(root), wea.__file__
    et = F.ELEMENT_TYPES[258]
    assert (et.name, et.itemsize, et.julia) == ("bfloat16", 2, False)
    assert F.etype_of(np.dtype("V2")) == 258 and F.etype_of("u2") == 4
    manifest = json.loads((root / "conformance" / "manifest.json").read_text())
    vec = next(v for v in manifest["vectors"] if v["id"] == "v-bfloat16-2d-3x4")
    block = (root / "conformance" / vec["path"]).read_bytes()
    arr = wea.loads(block)
    assert arr.dtype == np.dtype("V2") and arr.shape == (3, 4), arr
    data = block[vec["offset"] : vec["offset"] + vec["len_data"]]
    assert np.asfortranarray(arr).tobytes(order="F") == data
    assert wea.dumps(arr) == block
    try:
        F.parse_header(bytearray(block[:4]) + (259).to_bytes(2, "little") + block[6:])
    except wea.WeaError as e:
        print(e.message)
    """
)


def test_adding_an_element_type_is_the_checklist_and_make_tables(tmp_path: Path) -> None:
    copy = tmp_path / "wea"
    copy_repository(copy)
    before = snapshot(copy)
    follow_the_checklist(copy)
    after = snapshot(copy)
    assert sorted(k for k in after if after[k] != before.get(k)) == sorted(HAND_EDITED)

    run(["make", "--no-print-directory", "tables", f"PYTHON={sys.executable}"], copy)

    # The .ksy compiles and the generated parser is there for the drift test.
    run(["node", "tools/ksc.js", "spec/wea.ksy", "build/kaitai"], copy)
    # The vectors regenerate byte for byte; the new type has its vectors.
    run([sys.executable, "tools/gen_vectors.py", "--check", "conformance"], copy)
    manifest = json.loads((copy / "conformance" / "manifest.json").read_text(encoding="utf-8"))
    ids = {v["id"] for v in manifest["vectors"]}
    assert {"v-bfloat16-1d-5", "v-bfloat16-2d-3x4", "i-r3-etype-259"} <= ids
    assert "i-r3-etype-258" not in ids

    env = dict(os.environ, PYTHONPATH=str(copy / "python" / "src"))
    message = run([sys.executable, "-c", READ_A_BFLOAT16_BLOCK, str(copy)], copy, env)
    assert message.strip() == (
        "unsupported_type: element type code 259, expected 1 to 12 or 256 to 258 (WA-1 §6.1 R3)"
    )
    # The Python format tests take the types from the registry: no edit.
    run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_format.py"],
        copy / "python",
        env,
    )
    # C: the library and weatool build from the generated tables; weatool
    # lists the new type, writes a block of it and reads it back.
    run(["make", "--no-print-directory", "-C", "c", "all"], copy)
    weatool = str(copy / "c" / "build" / "weatool")
    usage = run([weatool, "create", "--help"], copy)
    assert "bfloat16" in usage.split("\n  --type TYPE", 1)[1].split("--shape", 1)[0]
    run([weatool, "create", "--type", "bfloat16", "--shape", "3,2", "--out", "b.wea"], copy)
    conform = json.loads(run([weatool, "conform", "b.wea"], copy))
    assert (conform["etype"], conform["dims"], conform["len_data"]) == (258, [3, 2], 12)
    # The C participant over the new type's vectors and the reserved codes'.
    out = run(
        [
            sys.executable,
            "tools/run_conformance.py",
            "run",
            "--only",
            "c",
            "--require",
            "c",
            "--vectors",
            "v-bfloat16-*",
            "--vectors",
            "i-r3-*",
        ],
        copy,
    )
    chosen = [v for v in ids if v.startswith(("v-bfloat16-", "i-r3-"))]
    assert f"conformance: {len(chosen)} passed, 0 failed, 0 exempt" in out, out
    # The drift tests (the generated C included), the spec's examples,
    # and the Kaitai parser over every vector, all in the copy.
    run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tools/tests/test_registry.py",
            "tools/tests/test_spec_examples.py",
            "tools/tests/test_conformance_kaitai.py",
        ],
        copy,
        env,
    )
