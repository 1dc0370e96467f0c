"""The ``wea`` command line (wea._cli): every command, its JSON and exit codes."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wea
from wea import _cli

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
SHM_DIR = "/dev/shm"
needs_dev_shm = pytest.mark.skipif(
    not os.path.isdir(SHM_DIR), reason="listing shared memory needs /dev/shm (Linux)"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = _cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    status, out, _ = run(capsys, *argv, "--json")
    return status, json.loads(out)


@pytest.fixture
def seg(shm_name: Callable[[], str]) -> Iterator[str]:
    """A fresh shared-memory name (conftest's prefix), removed after the test."""
    name = shm_name()
    yield name
    for leftover in (name, name + "-b"):
        with contextlib.suppress(FileNotFoundError):
            wea.unlink_shared_array(leftover, force=True)


@pytest.fixture
def block_file(tmp_path: Path) -> Path:
    path = tmp_path / "a.wea"
    wea.save(path, np.arange(6.0).reshape(2, 3))
    return path


# -- the parser, help, usage --------------------------------------------------


@pytest.mark.parametrize("command", [[], ["ls"], ["info"], ["head"], ["rm"], ["convert"]])
def test_help_everywhere(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    status, out, _ = run(capsys, *command, "--help")
    assert status == 0
    assert out.startswith("usage: wea")
    assert "exit codes" in out


def test_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--help")
    for code in (64, 65, 66, 69, 71, 73, 74, 77, 130):
        assert str(code) in out
    for name in wea._errors.CATEGORIES:
        assert name in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    first, second = out.strip().splitlines()
    assert (
        first == f"wea {wea.__version__} (numpy {np.__version__}, Python {sys.version.split()[0]})"
    )
    assert second == f"compiled part: {wea._accel.status()}"
    assert second.startswith(
        "compiled part: in use ("
        if wea.accelerated()
        else "compiled part: not in use, pure Python: "
    )
    # one label for the project: the repository's VERSION file, which the
    # package's metadata and the C build read
    label = (Path(__file__).resolve().parents[2] / "VERSION").read_text("utf-8").strip()
    assert wea.__version__ == label


def test_help_points_to_the_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--help")
    assert "documentation: docs/cli.md in the wea repository" in out
    # no address of another project's repository
    assert "https://" not in out
    # every character of the help is printable: the escapes it describes
    # (\n, \x1b ...) are shown, not emitted
    assert all(c == "\n" or c.isprintable() for c in out), out
    assert "\\x1b" in out


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["info"], ["head", "x", "-n", "many"], ["convert", "a"]],
)
def test_usage_errors_exit_64(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    # 2 is the category bad_magic: a usage error must not say it.
    status, out, err = run(capsys, *argv)
    assert status == _cli.EX_USAGE == 64
    assert out == ""
    assert "usage:" in err


def test_negative_count_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], block_file: Path
) -> None:
    status, _, err = run(capsys, "head", str(block_file), "-n", "-1")
    assert status == 64
    assert "at least 0" in err


def test_exit_codes_are_one_table(capsys: pytest.CaptureFixture[str]) -> None:
    # STATUSES is the one table: docs/cli.md holds the table made from it,
    # row for row and no row more, and `wea --help` lists its labels.
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    table = _cli.exit_codes_markdown()
    assert table + "\n\n" in doc, f"docs/cli.md's exit-code table should read:\n{table}"
    assert list(_cli.EXIT_CODES) == [s.code for s in _cli.STATUSES]
    assert [s.code for s in _cli.STATUSES[1:11]] == [c.code for c in wea.CATEGORIES.values()]
    _, out, _ = run(capsys, "--help")
    for s in _cli.STATUSES:
        if s.code >= 64:
            assert f"\n  {s.code:<7} {s.label}\n" in out


@pytest.mark.parametrize("command", ["ls", "info", "head", "rm", "convert"])
def test_command_exit_codes_from_the_table(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    _, out, _ = run(capsys, command, "--help")
    listed = re.findall(r"^  (\d+) +(.+)$", out.split("\nexit codes:\n", 1)[1], re.M)
    labels = {s.code: s.label for s in _cli.STATUSES}
    assert listed[0][0] == "0"
    assert any(int(code) >= 64 for code, _ in listed)
    for code, label in listed[1:]:
        assert label == labels[int(code)], (code, label)


# -- what NAME|FILE denotes ---------------------------------------------------


def test_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One convention (the C weatool's too): a leading '/' and no other '/'
    # is shared memory, anything else a file, whether it exists or not.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.wea").write_bytes(b"")
    assert _cli.resolve("here.wea") == _cli.Target("file", "here.wea")
    assert _cli.resolve("nothere") == _cli.Target("file", "nothere")
    assert _cli.resolve("./x") == _cli.Target("file", "./x")
    assert _cli.resolve("dir/x.wea") == _cli.Target("file", "dir/x.wea")
    assert _cli.resolve("/tmp/x.wea") == _cli.Target("file", "/tmp/x.wea")
    assert _cli.resolve("/") == _cli.Target("file", "/")
    assert _cli.resolve("/seg") == _cli.Target("shm", "/seg")
    assert _cli.resolve("here.wea", "shm") == _cli.Target("shm", "/here.wea")
    assert _cli.resolve("/seg", "file") == _cli.Target("file", "/seg")
    with pytest.raises(_cli.CliError) as info:
        _cli.resolve("a\0b", "shm")
    assert info.value.status == 64


def test_a_bare_word_is_a_file_even_when_an_object_has_its_name(
    capsys: pytest.CaptureFixture[str],
    seg: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    wa = wea.create_shared_array(seg, np.int8, 3)
    status, _, err = run(capsys, "info", seg[1:])
    assert status == 66
    assert f"wea: {seg[1:]}: No such file or directory" in err
    assert (
        f"hint: a name without a leading '/' is a file; there is a shared-memory object {seg}: `wea info {seg}`"
        in err
    )
    status, _, err = run(capsys, "head", seg[1:])
    assert status == 66
    assert f"`wea head {seg}`" in err
    # and /NAME is shared memory even when a file has that name here
    wea.save(tmp_path / seg[1:], np.arange(5.0))
    status, report = run_json(capsys, "info", seg)
    assert (status, report["kind"], report["dims"]) == (0, "shm", [3])
    status, report = run_json(capsys, "info", seg[1:])
    assert (status, report["kind"], report["dims"]) == (0, "file", [5])
    wa.unlink()
    status, _, err = run(capsys, "info", seg)
    assert status == 66
    assert (
        f"'{seg}' is a shared-memory name; for the file {seg[1:]} here: `wea info {seg[1:]}`" in err
    )


# -- info ---------------------------------------------------------------------


def test_info_file(capsys: pytest.CaptureFixture[str], block_file: Path) -> None:
    status, out, _ = run(capsys, "info", str(block_file))
    assert status == 0
    assert "valid WA-1 block" in out
    assert "10 (float64, 8 bytes)" in out
    assert "(2, 3)" in out
    status, report = run_json(capsys, "info", str(block_file))
    assert status == 0
    assert report["valid"] is True
    assert report["kind"] == "file"
    assert report["etype"] == 10
    assert report["etype_name"] == "float64"
    assert report["dims"] == [2, 3]
    assert report["offset"] == 64
    assert report["len_data"] == 48
    assert report["len"] == report["len_block"] == 112
    assert report["trailing_bytes"] == 0
    assert report["legacy_offset"] is False
    assert report["julia_readable"] is True


def _vectors(result: str) -> list[dict[str, Any]]:
    manifest = json.loads((CONFORMANCE / "manifest.json").read_text())
    return [v for v in manifest["vectors"] if v["result"] == result]


def test_info_agrees_with_every_conformance_vector(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The verdict and the exit status are the spec's, on all 300+ vectors."""
    for vector in _vectors("valid") + _vectors("invalid"):
        status, report = run_json(capsys, "info", "--file", str(CONFORMANCE / vector["path"]))
        if vector["result"] == "valid":
            assert status == 0, vector["id"]
            for key in ("etype", "ndims", "dims", "offset", "len_data"):
                assert report[key] == vector[key], (vector["id"], key)
        else:
            cls = wea._errors.CATEGORIES[vector["error"]]
            assert status == cls.code, vector["id"]
            assert report["valid"] is False
            assert report["error"] == vector["error"], vector["id"]
            assert report["code"] == cls.code
            assert report["message"].startswith(vector["error"] + ":")


@pytest.mark.parametrize(
    ("vector", "category", "code"),
    [
        ("i-r1-cut-at-0", "truncated", 1),
        ("i-r2-magic-wa-2", "unsupported_version", 4),
        ("i-r2-big-endian-block", "wrong_byte_order", 3),
    ],
)
def test_info_invalid_text(
    capsys: pytest.CaptureFixture[str], vector: str, category: str, code: int
) -> None:
    status, out, _ = run(capsys, "info", str(CONFORMANCE / "invalid" / f"{vector}.wea"))
    assert status == code
    assert f"INVALID: {category} (category {code}" in out
    assert "WA-1 §6.1" in out


def test_info_legacy_offset(capsys: pytest.CaptureFixture[str]) -> None:
    path = CONFORMANCE / "valid" / "v-spec-11-4-float32-legacy-offset.wea"
    status, out, _ = run(capsys, "info", str(path))
    assert status == 0
    assert "legacy" in out
    assert "readable by Julia's WrappedArray: no" in out


def test_info_shared_memory(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    wa = wea.create_shared_array(seg, np.int16, (3, 4))
    status, report = run_json(capsys, "info", seg)
    assert status == 0
    assert report["kind"] == "shm"
    assert report["source"] == seg
    assert report["etype_name"] == "int16"
    assert report["dims"] == [3, 4]
    # a bare word is the same object, when no file has that name
    status, report = run_json(capsys, "info", "--shm", seg[1:])
    assert status == 0
    assert report["source"] == seg
    wa.unlink()


@needs_dev_shm
def test_info_shared_memory_invalid(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    # An object whose creator died before publishing it: zero magic.
    fd = os.open(os.path.join(SHM_DIR, seg[1:]), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    os.ftruncate(fd, 4096)
    os.close(fd)
    status, report = run_json(capsys, "info", seg)
    assert status == 2
    assert report["error"] == "bad_magic"
    assert report["len"] == 4096


def test_info_not_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "info", str(tmp_path / "missing.wea"))
    assert status == 66
    assert out == ""
    assert "No such file" in err
    name = f"/wea-test-cli-missing-{os.getpid()}"
    status, _, err = run(capsys, "info", name)
    assert status == 66
    assert f"wea: {name}: no such shared-memory object" in err
    assert "hint: `wea ls` lists the shared-memory objects" in err


def test_info_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "info", str(tmp_path) + "/")
    assert status == 66
    assert "directory" in err


NOBODY = 65534


def run_as_nobody(reach: Path, *argv: str) -> tuple[int, str, str]:
    """Run the command line in a forked child that dropped root to nobody.

    The child first checks that it can reach `reach` (stat it), so that a
    refusal is the file's own and not that of a directory on its way.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # 3.12+: "multi-threaded, fork() may deadlock"
        warnings.simplefilter("ignore", DeprecationWarning)  # the child only runs main()
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        result: dict[str, Any] = {}
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.stat(reach)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            result["status"] = _cli.main(list(argv))
            result["out"], result["err"] = sys.stdout.getvalue(), sys.stderr.getvalue()
        except BaseException as e:
            result = {"status": -1, "out": "", "err": f"child failed: {e!r}"}
        finally:
            with os.fdopen(write_end, "w") as w:
                json.dump(result, w)
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as r:
        result = json.loads(r.read())
    os.waitpid(pid, 0)
    return result["status"], result["out"], result["err"]


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A directory that every user can enter (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="wea-test-cli-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_info_permission_denied(capsys: pytest.CaptureFixture[str], public_dir: Path) -> None:
    # As root (CI), the check runs in a child that dropped to nobody, against
    # a root-owned 0600 file in a directory nobody may enter: the file's own
    # mode is what refuses.
    path = public_dir / "a.wea"
    wea.save(path, np.arange(3))
    if os.geteuid() != 0:
        path.chmod(0)
        status, out, err = run(capsys, "info", str(path))
    else:
        path.chmod(0o600)
        status, out, err = run_as_nobody(path, "info", str(path))
    assert status == 77, err
    assert out == ""
    assert err == f"wea: {path}: Permission denied\n"


@needs_dev_shm
def test_hint_names_an_object_this_user_cannot_read(
    capsys: pytest.CaptureFixture[str],
    seg: str,
    public_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hint that a bare word is also a shared-memory object holds for an
    # object this user may not open (shm_open: EACCES): it exists all the same.
    monkeypatch.chdir(public_dir)
    wea.create_shared_array(seg, np.int8, 3).close()  # mode 0600, this user's
    word = seg[1:]
    if os.geteuid() != 0:
        os.chmod(os.path.join(SHM_DIR, word), 0)

        def as_other(*argv: str) -> tuple[int, str, str]:
            return run(capsys, *argv)
    else:

        def as_other(*argv: str) -> tuple[int, str, str]:
            return run_as_nobody(public_dir, *argv)

    status, _, err = as_other("info", word)
    assert status == 66, err
    assert f"there is a shared-memory object {seg}: `wea info {seg}`" in err
    status, _, err = as_other("rm", word)
    assert status == 64, err
    assert f"there is a shared-memory object {seg}" in err
    status, _, err = as_other("info", seg)
    assert status == 77, err


def test_info_bad_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "info", "--shm", "..")
    assert status == 64
    assert "invalid shared-memory name" in err


# -- head ---------------------------------------------------------------------


def test_head_prints_as_numpy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = np.arange(40, dtype=np.int32).reshape(20, 2)
    wea.save(tmp_path / "x.wea", a)
    status, out, _ = run(capsys, "head", str(tmp_path / "x.wea"), "-n", "3")
    assert status == 0
    caption, body = out.split("\n", 1)
    assert "int32 array of shape (20, 2), first 3 of 20 rows" in caption
    assert body == str(a[:3]) + "\n"
    status, out, _ = run(capsys, "head", "-q", str(tmp_path / "x.wea"), "-n", "0")
    assert out == str(a[:0]) + "\n"


def test_head_summarises_large_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = np.linspace(0, 1, 5000).reshape(1, 5000)
    wea.save(tmp_path / "x.wea", a)
    status, out, _ = run(capsys, "head", "-q", str(tmp_path / "x.wea"))
    assert status == 0
    assert "..." in out
    assert out == str(a) + "\n"


def test_head_flat_is_memory_order(capsys: pytest.CaptureFixture[str], block_file: Path) -> None:
    status, report = run_json(capsys, "head", "--flat", str(block_file), "-n", "4")
    assert status == 0
    assert report["values"] == [0.0, 3.0, 1.0, 4.0]  # column-major
    assert report["shape"] == [2, 3]
    assert report["shown"] == [4]


def test_head_json_special_values(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wea.save(tmp_path / "f.wea", np.array([np.nan, np.inf, -np.inf, 1.5]))
    wea.save(tmp_path / "c.wea", np.array([1 + 2j, np.nan], dtype=np.complex64))
    wea.save(tmp_path / "b.wea", np.array([True, False]))
    wea.save(tmp_path / "z.wea", np.float16(2.5))
    assert run_json(capsys, "head", str(tmp_path / "f.wea"))[1]["values"] == [
        "nan",
        "inf",
        "-inf",
        1.5,
    ]
    values = run_json(capsys, "head", str(tmp_path / "c.wea"))[1]["values"]
    assert values == [[1.0, 2.0], ["nan", 0.0]]
    assert run_json(capsys, "head", str(tmp_path / "b.wea"))[1]["values"] == [
        True,
        False,
    ]
    report = run_json(capsys, "head", str(tmp_path / "z.wea"))[1]
    assert report["values"] == 2.5
    assert report["shape"] == []


def test_head_zero_d_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wea.save(tmp_path / "z.wea", np.array(7, dtype=np.int64))
    status, out, _ = run(capsys, "head", str(tmp_path / "z.wea"))
    assert status == 0
    assert out.splitlines() == [
        f"file {tmp_path / 'z.wea'}: int64 array of shape (), its one element (0-d)",
        "7",
    ]


def test_head_shared_memory(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    data = np.arange(12, dtype=np.uint8).reshape(3, 4)
    wa = wea.create_shared_array(seg, np.uint8, (3, 4), data=data)
    status, report = run_json(capsys, "head", seg, "-n", "2")
    assert status == 0
    assert report["values"] == data[:2].tolist()
    wa.unlink()


def test_head_names_the_source_of_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seg: str
) -> None:
    # `wea head trunc.wea` said `wea: data_truncated: ...`, not which file
    block = wea.dumps(np.arange(6.0))
    (tmp_path / "trunc.wea").write_bytes(bytes(block)[:70])
    status, out, err = run(capsys, "head", str(tmp_path / "trunc.wea"))
    assert (status, out) == (10, "")
    assert err.startswith(f"wea: {tmp_path}/trunc.wea: data_truncated: the block has 70 bytes")
    with open(os.path.join(SHM_DIR, seg[1:]), "xb") as f:
        f.write(bytes(block)[:4] + bytes(60))
    status, _, err = run(capsys, "head", seg)
    assert status == 5  # etype 0
    assert err.startswith(f"wea: {seg}: unsupported_type:")


SAFETENSORS = (11).to_bytes(8, "little") + b'{"a": true}'


@pytest.mark.parametrize(
    ("name", "content", "hint"),
    [
        (
            "x.npy",
            None,
            "x.npy is a .npy file (numpy's format), not a WA-1 block: `wea convert x.npy x.wea` converts it",
        ),
        (
            "x.wea",
            None,
            "x.wea is a .npy file (numpy's format), not a WA-1 block: `wea convert --from npy x.wea OUT.wea` converts it",
        ),
        ("x.npz", "npz", "x.npz is a .npz archive (a zip of .npy files), not a WA-1 block"),
        ("x.safetensors", SAFETENSORS, "x.safetensors is a safetensors file, not a WA-1 block"),
        ("x.bin", b"hello, world: no known format", None),
    ],
    ids=["npy", "npy-named-wea", "npz", "safetensors", "unknown"],
)
def test_well_known_formats_get_a_hint(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes | str | None,
    hint: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is None:
        with open(name, "wb") as f:
            np.save(f, np.arange(4.0))
    elif content == "npz":
        np.savez(name, a=np.arange(4.0))
    else:
        assert isinstance(content, bytes)
        Path(name).write_bytes(content)
    status, out, err = run(capsys, "head", name)
    assert status == 2  # bad_magic
    assert err.startswith(f"wea: {name}: bad_magic: magic bytes ")
    if hint is None:
        assert "hint" not in err
    else:
        assert err.endswith(f"\nwea: hint: {hint}\n") or f"\nwea: hint: {hint}" in err
    status, out, _ = run(capsys, "info", name)
    assert status == 2
    assert ("hint:" in out) == (hint is not None)
    if hint is not None:
        assert hint in out
    status, report = run_json(capsys, "info", name)
    if hint is None:
        assert "hint" not in report
    else:
        assert hint in report["hint"]


def test_convert_hints_at_the_source_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    np.save("real.npy", np.arange(3))
    os.rename("real.npy", "misnamed.wea")
    status, _, err = run(capsys, "convert", "misnamed.wea", "out.npy")
    assert status == 2
    assert (
        "wea: hint: misnamed.wea is a .npy file (numpy's format), not a WA-1 block: pass --from npy"
        in err
    )
    wea.save("block.npy", np.arange(3))  # a WA-1 block named .npy
    status, _, err = run(capsys, "convert", "block.npy", "out.wea")
    assert status == 65
    assert "block.npy: not a .npy file (no numpy magic)" in err
    assert "hint: block.npy is a WA-1 block: pass --from wea" in err
    assert sorted(os.listdir()) == ["block.npy", "misnamed.wea"]


def test_head_invalid_exits_with_category(capsys: pytest.CaptureFixture[str]) -> None:
    path = CONFORMANCE / "invalid" / "i-r2-magic-wa-2.wea"
    status, out, err = run(capsys, "head", str(path))
    assert status == 4
    assert out == ""
    assert err.startswith(f"wea: {path}: unsupported_version:")


# -- ls -----------------------------------------------------------------------


@needs_dev_shm
def test_ls(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    wa = wea.create_shared_array(seg, np.float32, (5, 7))
    status, out, _ = run(capsys, "ls")
    assert status == 0
    assert out.splitlines()[0].split() == [
        "NAME",
        "DTYPE",
        "SHAPE",
        "BYTES",
        "OWNER",
        "MODE",
        "AGE",
    ]
    line = next(line for line in out.splitlines() if line.startswith(seg + " "))
    assert "float32" in line
    assert "(5, 7)" in line
    assert "0600" in line
    status, listing = run_json(capsys, "ls")
    assert status == 0
    (entry,) = [e for e in listing if e["name"] == seg]
    assert entry["valid"] is True
    assert entry["dtype"] == "float32"
    assert entry["shape"] == [5, 7]
    assert entry["bytes"] == wea.block_size(np.float32, (5, 7))
    assert entry["uid"] == os.getuid()
    assert entry["mode"] == "0600"
    assert entry["category"] is None
    assert 0 <= entry["age_seconds"] < 600
    wa.unlink()
    status, listing = run_json(capsys, "ls")
    assert seg not in [e["name"] for e in listing]


@needs_dev_shm
def test_ls_shows_invalid_header(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    # the WA-1 magic, then ndims 200: invalid_ndims
    with open(os.path.join(SHM_DIR, seg[1:]), "xb") as f:
        f.write(b"\x31\x2d\x41\x57\x0a\x00\xc8\x00" + bytes(56))
    status, listing = run_json(capsys, "ls")
    assert status == 0
    (entry,) = [e for e in listing if e["name"] == seg]
    assert entry["valid"] is False
    assert entry["error"] == entry["category"] == "invalid_ndims"
    assert entry["code"] == 6
    _, out, _ = run(capsys, "ls")
    assert "invalid: invalid_ndims" in out


@needs_dev_shm
def test_ls_all_shows_unpublished_objects(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    # What a creator killed before publishing leaves: zero magic, or size 0.
    empty = seg + "-b"  # removed by the fixture too
    for name, size in ((seg, 4096), (empty, 0)):
        fd = os.open(os.path.join(SHM_DIR, name[1:]), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        os.ftruncate(fd, size)
        os.close(fd)
    status, listing = run_json(capsys, "ls")
    assert status == 0
    assert {seg, empty}.isdisjoint(e["name"] for e in listing)
    _, out, _ = run(capsys, "ls")
    assert seg not in out
    for flag in ("--all", "-a"):
        status, listing = run_json(capsys, "ls", flag)
        assert status == 0
        entries = {e["name"]: e for e in listing if e["name"] in (seg, empty)}
        assert entries[seg]["valid"] is False
        assert entries[seg]["category"] == entries[seg]["error"] == "bad_magic"
        assert entries[seg]["code"] == 2
        assert entries[seg]["bytes"] == 4096
        assert entries[empty]["category"] == "truncated"
        assert entries[empty]["code"] == 1
        assert 0 <= entries[seg]["age_seconds"] < 600
        status, out, _ = run(capsys, "ls", flag)
        assert status == 0
        line = next(line for line in out.splitlines() if line.startswith(seg + " "))
        assert "invalid: bad_magic" in line
        line = next(line for line in out.splitlines() if line.startswith(empty + " "))
        assert "invalid: truncated" in line


def test_ls_unavailable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*, unpublished: bool = False) -> list[wea.SharedArrayInfo]:
        raise NotImplementedError("wea: listing shared memory needs /dev/shm (Linux)")

    monkeypatch.setattr(_cli, "list_shared_arrays", unavailable)
    status, _, err = run(capsys, "ls")
    assert status == 69
    assert "/dev/shm" in err


def test_human_age() -> None:
    assert [_cli.human_age(s) for s in (0, 59.9, 60, 3599, 3600, 86400 * 3)] == [
        "0s",
        "59s",
        "1m",
        "59m",
        "1h",
        "3d",
    ]


# -- rm -----------------------------------------------------------------------


def test_rm(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    wa = wea.create_shared_array(seg, np.float64, (4,))
    wa[:] = 1.0
    status, out, _ = run(capsys, "rm", seg)
    assert status == 0
    assert out == f"removed {seg}\n"
    assert float(wa.sum()) == 4.0  # the mapping outlives the name
    with pytest.raises(FileNotFoundError):
        wea.attach_shared_array(seg)
    status, _, err = run(capsys, "rm", seg)
    assert status == 66
    assert "no such shared-memory object" in err


def test_rm_many_json(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    other = seg + "-b"
    wea.create_shared_array(seg, np.int8, 1)
    wea.create_shared_array(other, np.int8, 1)
    status, report = run_json(capsys, "rm", seg, "/missing-" + seg[1:], other)
    assert status == 66  # the first failure
    assert [r["removed"] for r in report] == [True, False, True]
    assert report[1]["code"] == 66


@needs_dev_shm
def test_rm_refuses_what_is_not_a_block(capsys: pytest.CaptureFixture[str], seg: str) -> None:
    path = os.path.join(SHM_DIR, seg[1:])
    with open(path, "xb") as f:
        f.write(b"another program's memory")
    status, _, err = run(capsys, "rm", seg)
    assert status == 2  # bad_magic
    assert "--force" in err
    assert os.path.exists(path)
    status, _, _ = run(capsys, "rm", "-q", "--force", seg)
    assert status == 0
    assert not os.path.exists(path)


def test_rm_bad_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "rm", "/a\0b")
    assert status == 64
    assert "invalid shared-memory name" in err


def test_rm_of_a_path_is_answered_as_such(
    capsys: pytest.CaptureFixture[str],
    seg: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `wea rm a.wea` was answered as if a.wea were an object's name
    monkeypatch.chdir(tmp_path)
    wea.save("a.wea", np.arange(3))
    status, out, err = run(capsys, "rm", "a.wea")
    assert (status, out) == (64, "")
    assert err == (
        "wea: a.wea: a file, not a shared-memory name: wea rm removes shared-memory "
        "objects only (/NAME, as `wea ls` shows them); remove a file with rm(1)\n"
    )
    assert (tmp_path / "a.wea").exists()
    status, _, err = run(capsys, "rm", "dir/b.wea")
    assert status == 64
    assert "dir/b.wea: a file path, not a shared-memory name" in err
    status, _, err = run(capsys, "rm", "nothing-here")
    assert status == 64
    assert (
        "nothing-here: not a shared-memory name: they start with '/' (`wea rm /nothing-here`)"
        in err
    )
    # a bare word that is an object's name: pointed at it, not removed
    wea.create_shared_array(seg, np.int8, 1)
    status, report = run_json(capsys, "rm", seg[1:])
    assert status == 64
    assert report[0]["removed"] is False
    assert f"there is a shared-memory object {seg}" in report[0]["message"]
    assert wea.attach_shared_array(seg).shape == (1,)
    status, _, _ = run(capsys, "rm", "-q", seg)
    assert status == 0


# -- convert ------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=">i4").reshape(2, 3, 4),  # big-endian, C order
        np.asfortranarray(np.linspace(0, 1, 12).reshape(3, 4)),
        np.arange(10, dtype=np.float16)[::2],
        np.array([True, False, True]),
        np.array(3 + 4j, dtype=np.complex128),
        np.zeros((0, 3), dtype=np.uint64),
    ],
    ids=["int32-be-c", "float64-f", "float16-strided", "bool", "complex-0d", "empty"],
)
def test_convert_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, array: np.ndarray[Any, Any]
) -> None:
    npy, block, back = tmp_path / "a.npy", tmp_path / "a.wea", tmp_path / "b.npy"
    np.save(npy, array)
    status, report = run_json(capsys, "convert", str(npy), str(block))
    assert status == 0
    assert report["to"] == "wea"
    assert report["bytes"] == block.stat().st_size
    loaded = wea.load(block)
    assert loaded.shape == array.shape
    assert loaded.dtype == array.dtype.newbyteorder("<")
    np.testing.assert_array_equal(loaded, array)
    status, out, _ = run(capsys, "convert", str(block), str(back))
    assert status == 0
    assert out.startswith(f"wrote {back}:")
    np.testing.assert_array_equal(np.load(back), array)
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_convert_wea_to_npy_is_fortran_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, block_file: Path
) -> None:
    status, _, _ = run(capsys, "convert", str(block_file), str(tmp_path / "x.npy"))
    assert status == 0
    with open(tmp_path / "x.npy", "rb") as f:
        np.lib.format.read_magic(f)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    assert (shape, fortran, dtype) == ((2, 3), True, np.dtype("<f8"))


def test_convert_never_guesses_a_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `wea convert x.npy out.txt` silently wrote WA-1 bytes into out.txt
    monkeypatch.chdir(tmp_path)
    np.save("a.npy", np.arange(3))
    status, out, err = run(capsys, "convert", "a.npy", "out.txt")
    assert (status, out) == (64, "")
    assert err == (
        "wea: DEST out.txt: cannot tell its format from its name: name a file *.npy or "
        "*.wea, shared memory /NAME, or pass --to npy|wea|shm\n"
    )
    assert sorted(os.listdir()) == ["a.npy"]
    status, _, _ = run(capsys, "convert", "--to", "wea", "a.npy", "out.txt")
    assert status == 0
    assert wea.read_header("out.txt").dims == (3,)
    # a SOURCE of another extension: refused, with what its bytes are
    os.rename("a.npy", "data")
    status, _, err = run(capsys, "convert", "data", "out.wea")
    assert status == 64
    assert "SOURCE data: cannot tell its format from its name" in err
    assert "--from npy|wea|shm" in err
    assert "hint: its first bytes are those of a .npy file: pass --from npy" in err
    status, _, err = run(capsys, "convert", "out.txt", "o.npy")
    assert status == 64
    assert "hint: its first bytes are those of a .wea file: pass --from wea" in err
    status, _, _ = run(capsys, "convert", "--from", "npy", "data", "o.wea")
    assert status == 0
    status, _, _ = run(capsys, "convert", "--from", "wea", "out.txt", "o.npy")
    assert status == 0
    np.testing.assert_array_equal(np.load("o.npy"), np.arange(3))
    # the extension's case does not matter; --to beats the extension
    status, _, _ = run(capsys, "convert", "o.npy", "O2.WEA")
    assert status == 0
    status, _, _ = run(capsys, "convert", "--to", "npy", "o.npy", "really-npy.wea")
    assert status == 0
    np.testing.assert_array_equal(np.load("really-npy.wea"), np.arange(3))


def test_convert_same_format_is_a_copy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # .wea to .wea rewrites a block with the canonical offset (Julia reads it)
    legacy = CONFORMANCE / "valid" / "v-spec-11-4-float32-legacy-offset.wea"
    status, _, _ = run(capsys, "convert", str(legacy), str(tmp_path / "new.wea"))
    assert status == 0
    h = wea.read_header(tmp_path / "new.wea")
    assert not h.legacy_offset
    np.testing.assert_array_equal(wea.load(tmp_path / "new.wea"), wea.load(legacy))


@pytest.mark.parametrize("source", ["npy", "wea"])
def test_convert_into_shared_memory_and_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seg: str, source: str
) -> None:
    # `wea convert x.npy /name` wrote a regular file /name at the root.
    array = np.arange(24, dtype=">i4").reshape(2, 3, 4)  # big-endian, C order
    src = tmp_path / f"a.{source}"
    if source == "npy":
        np.save(src, array)
    else:
        wea.save(src, array)
    status, out, err = run(capsys, "convert", str(src), seg)
    assert status == 0, err
    assert out == (
        f"created shared memory {seg}: int32 array of shape (2, 3, 4), 160 bytes; "
        f"it stays until `wea rm {seg}`\n"
    )
    assert not os.path.lexists(seg)  # no file at the root of the file system
    wb = wea.attach_shared_array(seg, readonly=True)
    np.testing.assert_array_equal(wb, array)
    assert wb.dtype == np.dtype("<i4")
    assert stat.S_IMODE(os.stat(os.path.join(SHM_DIR, seg[1:])).st_mode) == 0o600
    # and out again, into each file format, and into another object
    for dest in (tmp_path / "b.npy", tmp_path / "b.wea"):
        status, report = run_json(capsys, "convert", seg, str(dest))
        assert status == 0
        assert (report["from"], report["to"]) == ("shm", dest.suffix[1:])
        assert report["source"] == seg
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), array)
    np.testing.assert_array_equal(wea.load(tmp_path / "b.wea"), array)
    other = seg + "-b"
    status, report = run_json(capsys, "convert", seg, other)
    assert status == 0
    assert report == {
        "source": seg,
        "destination": other,
        "from": "shm",
        "to": "shm",
        "dtype": "int32",
        "shape": [2, 3, 4],
        "bytes": 160,
    }
    np.testing.assert_array_equal(wea.attach_shared_array(other), array)
    wb.close()


def test_convert_into_shared_memory_outlives_the_command(tmp_path: Path, seg: str) -> None:
    # the object is made persistent: the wea process's exit leaves it
    np.save(tmp_path / "a.npy", np.arange(4.0))
    proc = subprocess.run(
        [sys.executable, "-m", "wea", "convert", "-q", str(tmp_path / "a.npy"), seg],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    np.testing.assert_array_equal(wea.attach_shared_array(seg), np.arange(4.0))


def test_convert_into_an_existing_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seg: str
) -> None:
    np.save(tmp_path / "a.npy", np.arange(4.0))
    old = wea.create_shared_array(seg, np.int8, 2, data=[7, 7])
    status, out, err = run(capsys, "convert", str(tmp_path / "a.npy"), seg)
    assert (status, out) == (73, "")
    assert err == (
        f"wea: {seg} exists; pass --force to replace it (the object is unlinked and a "
        "new one created), or `wea rm` it first\n"
    )
    assert wea.attach_shared_array(seg).tolist() == [7, 7]
    # a dtype WA-1 cannot hold is refused before the old object is unlinked
    np.save(tmp_path / "s.npy", np.array(["x"]))
    status, _, err = run(capsys, "convert", "--force", str(tmp_path / "s.npy"), seg)
    assert status == 65
    assert wea.attach_shared_array(seg).tolist() == [7, 7]
    # --force: a new object; the old one's attachers keep the old memory
    status, _, _ = run(
        capsys, "convert", "-q", "--force", "--mode", "640", str(tmp_path / "a.npy"), seg
    )
    assert status == 0
    np.testing.assert_array_equal(wea.attach_shared_array(seg), np.arange(4.0))
    assert stat.S_IMODE(os.stat(os.path.join(SHM_DIR, seg[1:])).st_mode) == 0o640
    assert old.tolist() == [7, 7]
    # the source itself
    status, _, err = run(capsys, "convert", "--force", seg, seg)
    assert status == 73
    assert "is the source object itself" in err
    # --mode is for shared memory only
    status, _, err = run(capsys, "convert", "--mode", "600", seg, str(tmp_path / "x.wea"))
    assert status == 64
    assert "--mode is for a shared-memory DEST only" in err


@needs_dev_shm
def test_convert_force_does_not_remove_another_programs_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seg: str
) -> None:
    path = os.path.join(SHM_DIR, seg[1:])
    with open(path, "xb") as f:
        f.write(b"another program's memory")
    np.save(tmp_path / "a.npy", np.arange(4.0))
    status, _, err = run(capsys, "convert", "--force", str(tmp_path / "a.npy"), seg)
    assert status == 73
    assert "does not hold a WA block (bad_magic): not replaced" in err
    assert f"`wea rm --force {seg}`" in err
    with open(path, "rb") as f:
        assert f.read() == b"another program's memory"


def test_convert_from_a_missing_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = f"/wea-test-cli-missing-{os.getpid()}"
    status, _, err = run(capsys, "convert", name, str(tmp_path / "a.npy"))
    assert status == 66
    assert f"wea: {name}: no such shared-memory object\n" in err
    assert list(tmp_path.iterdir()) == []


def test_convert_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, block_file: Path
) -> None:
    dest = tmp_path / "x.npy"
    dest.write_bytes(b"keep me")
    status, _, err = run(capsys, "convert", str(block_file), str(dest))
    assert status == 73
    assert "--force" in err
    assert dest.read_bytes() == b"keep me"
    status, _, _ = run(capsys, "convert", "-q", "--force", str(block_file), str(dest))
    assert status == 0
    np.testing.assert_array_equal(np.load(dest), np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (np.array(["ab", "c"]), 65),  # no WA-1 element type
        (np.array([1, None], dtype=object), 65),  # needs pickle
        (np.zeros(3, dtype="datetime64[s]"), 65),
    ],
    ids=["str", "object", "datetime"],
)
def test_convert_refuses_what_wea_cannot_hold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Any, code: int
) -> None:
    np.save(tmp_path / "a.npy", content, allow_pickle=True)
    status, _, err = run(capsys, "convert", str(tmp_path / "a.npy"), str(tmp_path / "a.wea"))
    assert status == code
    assert err.startswith("wea: ")
    assert not (tmp_path / "a.wea").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "a.npy"]


def test_convert_not_a_npy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.npy").write_bytes(b"hello")
    status, _, err = run(capsys, "convert", str(tmp_path / "a.npy"), str(tmp_path / "a.wea"))
    assert status == 65
    assert "not a .npy file" in err


def test_convert_invalid_wea(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = CONFORMANCE / "invalid" / "i-r2-big-endian-block.wea"
    status, _, err = run(capsys, "convert", str(src), str(tmp_path / "a.npy"))
    assert status == 3
    assert "wrong_byte_order" in err
    assert list(tmp_path.iterdir()) == []


def test_convert_missing_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, _ = run(capsys, "convert", str(tmp_path / "no.npy"), str(tmp_path / "a.wea"))
    assert status == 66


def test_convert_into_itself(capsys: pytest.CaptureFixture[str], block_file: Path) -> None:
    status, _, err = run(capsys, "convert", "--to", "wea", "-f", str(block_file), str(block_file))
    assert status == 73
    assert "itself" in err


# -- convert: the temporary file (issue #12) ----------------------------------


def _npy(tmp_path: Path) -> Path:
    src = tmp_path / "a.npy"
    np.save(src, np.arange(5, dtype=np.int32))
    return src


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp" in p.name)


@pytest.mark.parametrize("force", [False, True], ids=["new", "force"])
def test_convert_never_follows_planted_symlinks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, force: bool
) -> None:
    # Another user who can write DEST's directory plants symbolic links at
    # every name a predictable scheme would use (DEST.tmp-<pid> for this
    # process and its neighbours, DEST.tmp, DEST~ ...): none is followed.
    src, dest = _npy(tmp_path), tmp_path / "a.wea"
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    if force:
        dest.write_bytes(b"old")
    pid = os.getpid()
    planted = [f"{dest}.tmp-{p}" for p in range(max(1, pid - 50), pid + 50)]
    planted += [f"{dest}.tmp", f"{dest}~", f"{dest}.tmp-0", str(tmp_path / ".a.wea.tmp")]
    for name in planted:
        os.symlink(victim, name)
    argv = ["convert", "-q", str(src), str(dest)] + (["--force"] if force else [])
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (0, "", "")
    assert victim.read_bytes() == b"precious"
    for name in planted:
        assert os.readlink(name) == str(victim), name
    assert stat.S_ISREG(dest.lstat().st_mode)
    np.testing.assert_array_equal(wea.load(dest), np.arange(5))
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".a.wea.tmp-")]


def test_convert_planted_fifo_does_not_hang(tmp_path: Path) -> None:
    # A FIFO at DEST.tmp-<pid> made the old writer wait forever for a reader.
    src, dest = _npy(tmp_path), tmp_path / "a.wea"
    code = (
        "import os, sys\n"
        "from wea._cli import main\n"
        "os.mkfifo(sys.argv[2] + '.tmp-' + str(os.getpid()))\n"
        "sys.exit(main(['convert', '-q', sys.argv[1], sys.argv[2]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(src), str(dest)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(wea.load(dest), np.arange(5))


@pytest.mark.parametrize("force", [False, True], ids=["new", "force"])
def test_convert_failure_mid_write_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    force: bool,
) -> None:
    src, dest = _npy(tmp_path), tmp_path / "a.wea"
    if force:
        dest.write_bytes(b"old")

    def no_space(f: Any, arr: Any) -> None:
        f.write(wea.dumps(arr)[:70])
        f.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_cli, "save", no_space)
    argv = ["convert", str(src), str(dest)] + (["--force"] if force else [])
    status, out, err = run(capsys, *argv)
    assert status == 74
    assert out == ""
    assert err == f"wea: {dest}: No space left on device\n"
    if force:
        assert dest.read_bytes() == b"old"
    else:
        assert not dest.exists()
    assert _leftovers(tmp_path) == []


def test_convert_does_not_replace_a_destination_made_meanwhile(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Without --force, a DEST that appears after the check (another process)
    # is kept: the new file takes the name with link(), which fails then.
    src, dest = _npy(tmp_path), tmp_path / "a.wea"
    real_save = wea.save

    def racer(f: Any, arr: Any) -> None:
        dest.write_bytes(b"someone else's")
        real_save(f, arr)

    monkeypatch.setattr(_cli, "save", racer)
    status, _, err = run(capsys, "convert", str(src), str(dest))
    assert status == 73
    assert "exists; pass --force" in err
    assert dest.read_bytes() == b"someone else's"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("force", [False, True], ids=["no-force", "force"])
def test_convert_refuses_a_fifo_destination(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, force: bool
) -> None:
    src, dest = _npy(tmp_path), tmp_path / "a.wea"
    os.mkfifo(dest)
    argv = ["convert", str(src), str(dest)] + (["--force"] if force else [])
    status, out, err = run(capsys, *argv)
    assert status == 73
    assert out == ""
    assert err.startswith(f"wea: {dest}: not a regular file")
    assert stat.S_ISFIFO(dest.lstat().st_mode)
    assert _leftovers(tmp_path) == []


# -- FIFOs are refused at once (issue #12) ------------------------------------


@pytest.mark.parametrize(
    ("argv", "fifo"),
    [
        (["info", "{}"], "f.wea"),
        (["info", "--file", "{}"], "f.wea"),
        (["head", "{}"], "f.wea"),
        (["convert", "{}", "out.wea"], "f.npy"),
        (["convert", "{}", "out.npy"], "f.wea"),
    ],
    ids=["info", "info-file", "head", "convert-npy", "convert-wea"],
)
def test_a_fifo_is_refused_at_once(tmp_path: Path, argv: list[str], fifo: str) -> None:
    os.mkfifo(tmp_path / fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "wea", *(a.format(fifo) for a in argv)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 71, proc.stderr
    assert proc.stdout == ""
    assert f"wea: {fifo}: the file is not a regular file (a FIFO, a device ...)" in proc.stderr
    assert sorted(os.listdir(tmp_path)) == [fifo]


def test_convert_refuses_a_directory_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "d.npy").mkdir()
    status, _, err = run(capsys, "convert", str(tmp_path / "d.npy"), str(tmp_path / "a.wea"))
    assert status == 66
    assert "Is a directory" in err


# -- names from elsewhere are escaped (issue #12) -----------------------------

# A title change, a screen clear, a bell, a newline that forges a row, and a
# backslash (escaped too, so that the output is unambiguous).
EVIL = "evil\x1b]0;owned\x07\x1b[2J\nforged row\\"
EVIL_SHOWN = "evil\\x1b]0;owned\\a\\x1b[2J\\nforged row\\\\"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("plain-name.wea", "utf-8", "plain-name.wea"),
        (EVIL, "utf-8", EVIL_SHOWN),
        ("tab\tcr\r", "utf-8", "tab\\tcr\\r"),
        ("bad\udcff", "utf-8", "bad\\xff"),  # the byte 0xff, not UTF-8
        ("\x9b31m", "utf-8", "\\xc2\\x9b31m"),  # the C1 control CSI
        ("rtl\u202eoverride", "utf-8", "rtl\\xe2\\x80\\xaeoverride"),
        ("caf\u00e9", "utf-8", "caf\u00e9"),  # printable: kept
        ("caf\u00e9", "ascii", "caf\\xc3\\xa9"),  # but not where it cannot be encoded
    ],
    ids=["plain", "escapes", "c-escapes", "not-utf8", "c1", "bidi", "utf8", "ascii"],
)
def test_shown(text: str, encoding: str, expected: str) -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert _cli.shown(text, stream) == expected


def test_shown_keeps_backslashes_of_a_message() -> None:
    assert _cli.shown("a\\b\nc", backslash=False) == "a\\b\\nc"


@pytest.fixture
def odd_objects(shm_name: Callable[[], str]) -> Iterator[tuple[bytes, bytes]]:
    """Two WA-1 objects named as another local user may name them.

    One name holds terminal escape sequences and a newline, the other a
    byte that is not UTF-8 (b'\\xff'). Both are removed after the test.
    """
    base = os.fsencode(shm_name()[1:])
    made = (base + b"-" + os.fsencode(EVIL), base + b"-bad\xff")
    block = wea.dumps(np.zeros(2))
    try:
        for raw in made:
            fd = os.open(b"/dev/shm/" + raw, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(block)
        yield made
    finally:
        for raw in made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(b"/dev/shm/" + raw)


@needs_dev_shm
def test_ls_escapes_names(
    capsys: pytest.CaptureFixture[str], odd_objects: tuple[bytes, bytes]
) -> None:
    evil, bad = (os.fsdecode(raw) for raw in odd_objects)
    prefix = evil[: -len(EVIL)]
    status, out, err = run(capsys, "ls")
    assert status == 0, err
    assert not {"\x1b", "\x07", "\r"} & set(out)
    assert out.isascii() or "\udcff" not in out
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("forged")]
    (row,) = [line for line in lines if line.startswith(f"/{prefix}{EVIL_SHOWN} ")]
    assert row.split()[-6:-4] == ["float64", "(2,)"]
    assert [line for line in lines if line.startswith(f"/{prefix}bad\\xff ")]
    # --json holds the exact names: ASCII JSON, each name decoding to its bytes
    status, out, _ = run(capsys, "ls", "--json")
    assert status == 0
    assert out.isascii()
    names = {os.fsencode(entry["name"][1:]) for entry in json.loads(out)}
    assert set(odd_objects) <= names
    assert "/" + bad in {entry["name"] for entry in json.loads(out)}


@needs_dev_shm
@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_ls_survives_a_name_that_is_not_utf8_under_strict_stdout(
    odd_objects: tuple[bytes, bytes], json_flag: list[str]
) -> None:
    # Any local user can create /dev/shm/bad\xff; under a strict UTF-8
    # stdout, printing it raw raised UnicodeEncodeError and listed nothing.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    proc = subprocess.run(
        [sys.executable, "-m", "wea", "ls", *json_flag],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    bad = odd_objects[1]
    if json_flag:
        names = {os.fsencode(e["name"][1:]) for e in json.loads(proc.stdout)}
        assert bad in names
    else:
        shown = b"/" + bad[:-1] + b"\\xff "
        assert [line for line in proc.stdout.splitlines() if line.startswith(shown)]


@needs_dev_shm
def test_info_and_rm_escape_object_names(
    capsys: pytest.CaptureFixture[str], odd_objects: tuple[bytes, bytes]
) -> None:
    name = "/" + os.fsdecode(odd_objects[0])
    escaped = name[: -len(EVIL)] + EVIL_SHOWN
    status, out, _ = run(capsys, "info", "--shm", name)
    assert status == 0
    assert "\x1b" not in out
    assert out.splitlines()[0] == f"source:       shared memory {escaped}"
    status, out, _ = run(capsys, "head", "--shm", name)
    assert status == 0
    assert out.splitlines()[0].startswith(f"shared memory {escaped}: float64 array")
    status, out, _ = run(capsys, "rm", name)
    assert (status, out) == (0, f"removed {escaped}\n")
    status, out, err = run(capsys, "rm", name)
    assert (status, out) == (66, "")
    assert err == f"wea: {escaped}: no such shared-memory object (`wea ls` lists them)\n"
    # a name that is not UTF-8 is no valid shared-memory name: refused, escaped
    bad = "/" + os.fsdecode(odd_objects[1])
    for argv in (["info", "--shm", bad], ["rm", bad]):
        status, out, err = run(capsys, *argv)
        assert status == 64
        assert "\udcff" not in err
        assert "invalid shared-memory name" in err


def test_file_paths_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / f"x-{EVIL}.wea"
    escaped = f"{tmp_path}/x-{EVIL_SHOWN}.wea"
    wea.save(path, np.arange(3.0))
    status, out, _ = run(capsys, "info", str(path))
    assert status == 0
    assert out.splitlines()[0] == f"source:       file {escaped}"
    status, out, _ = run(capsys, "head", str(path))
    assert out.splitlines()[0].startswith(f"file {escaped}: float64 array")
    npy = tmp_path / f"y-{EVIL}.npy"
    status, out, _ = run(capsys, "convert", str(path), str(npy))
    assert status == 0
    assert out.startswith(f"wrote {tmp_path}/y-{EVIL_SHOWN}.npy: float64 array")
    status, _, err = run(capsys, "convert", str(path), str(npy))
    assert status == 73
    assert err == f"wea: {tmp_path}/y-{EVIL_SHOWN}.npy exists; pass --force to replace it\n"
    missing = tmp_path / f"gone-{EVIL}.wea"
    status, _, err = run(capsys, "info", str(missing))
    assert status == 66
    assert err == f"wea: {tmp_path}/gone-{EVIL_SHOWN}.wea: No such file or directory\n"
    status, _, err = run(capsys, "convert", str(missing), str(tmp_path / "z.npy"))
    assert status == 66
    assert "\x1b" not in err
    assert EVIL_SHOWN in err
    # --json has the exact path
    status, report = run_json(capsys, "info", str(path))
    assert report["source"] == str(path)


# -- the programs -------------------------------------------------------------


def test_python_dash_m(tmp_path: Path, block_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wea", "info", "--json", str(block_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dims"] == [2, 3]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wea",
            "info",
            str(CONFORMANCE / "invalid" / "i-r2-magic-wa-2.wea"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 4
    assert proc.stdout.startswith("source:")


def test_console_script() -> None:
    script = Path(sys.executable).with_name("wea")
    assert script.exists(), f"{script}: the [project.scripts] entry is not installed"
    proc = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: wea ")


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    a = np.arange(200_000, dtype=np.int64).reshape(-1, 1)
    wea.save(tmp_path / "big.wea", a)
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-m', 'wea', 'head', '--flat',"
        " '--json', '-n', '200000', sys.argv[1]],"
        " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "p.stdout.read(10); p.stdout.close()\n"
        "err = p.stderr.read(); sys.exit(0 if p.wait(60) == 0 and not err else 1)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "big.wea")],
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (PermissionError(13, "Permission denied", "x.wea"), 77),
        (OSError(28, "No space left on device", "x.wea"), 74),
        (OSError(5, "Input/output error", "x.wea"), 74),
        (OSError(22, "Invalid argument", "x.wea"), 71),
        (KeyboardInterrupt(), 130),
    ],
    ids=["permission", "no-space", "io", "other", "interrupt"],
)
def test_system_errors(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    block_file: Path,
    error: BaseException,
    code: int,
) -> None:
    def fail(path: object) -> wea.Header:
        raise error

    monkeypatch.setattr(_cli, "read_header", fail)
    status, out, err = run(capsys, "info", str(block_file))
    assert status == code
    assert out == ""
    assert code == 130 or err.startswith("wea: x.wea: ")
