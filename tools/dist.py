"""Build and check the release artifacts of the wea Python package (``make dist``).

    python tools/dist.py build DIST_DIR    export, build, repair, then check
    python tools/dist.py check DIST_DIR [--build-log LOG]
    python tools/dist.py test DIST_DIR     the test suite against each install

``build`` copies the files of python/, c/src, c/include, VERSION and
LICENSE that git tracks or would track (not ignored: no build output, no
compiled module of an editable install) into build/dist/src, so that the
artifacts come from a clean tree, builds the sdist and, from the sdist,
the wheel (``python -m build``), gives the wheel a manylinux tag with
``auditwheel repair`` where the system is Linux with glibc, and writes
both into DIST_DIR, which it empties first; then it runs ``check``.

``check``: DIST_DIR holds exactly one sdist (``wea-<version>.tar.gz``) and
one wheel of ``wea``. Each check prints one line; the first failure ends
the run with status 1. What is checked:

* both: the version is the repository's VERSION; LICENSE is in both, the
  repository's own text; the metadata says ``License-Expression: MIT`` and
  ``License-File: LICENSE``, names Python 3.10 and later in its
  classifiers, and has no ``Project-URL`` (the project has no address of
  its own; another project's would mislead);
* the sdist: regular files and directories only (no link, inside or out of
  its root), the C sources of the compiled part (``csrc/``: ``_speedups.c``
  and the C reader's files), no tests (they need the repository);
* the wheel: the compiled part ``wea/_speedups*.so`` is in it, no
  ``_speedups.missing`` (the note of a failed build), ``py.typed``, and
  its platform tag is a manylinux one (on Linux with glibc);
* the build log, if given: no deprecation warning.

``test``: installs the artifacts of DIST_DIR as a user would, each into a
fresh venv under build/dist (the test extra's requirements first, then
wea alone, built without pip's cache), and runs python/tests against the
installed package (``WEA_TEST_INSTALLED`` makes the suite refuse any other
wea), in three ways: the wheel; the sdist, compiled here; the sdist with
``CC=false``, which must install pure-Python wea and say why.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "dist"
EXPORTED = ("python", "c/src", "c/include", "VERSION", "LICENSE")
C_READER = ("wea.c", "wea_posix.c", "wea_shm.c", "wea.h", "wea_internal.h", "wea_posix.h")
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


class Failed(Exception):
    """A check that did not hold."""


def check(ok: bool, what: str) -> None:
    """Print `what` as checked, or raise :class:`Failed`."""
    if not ok:
        raise Failed(what)
    print(f"dist: ok   {what}")


def only(dist: Path, pattern: str) -> Path:
    """The one file of `dist` that matches `pattern`."""
    found = sorted(dist.glob(pattern))
    check(len(found) == 1, f"one {pattern} in {dist} (found {[p.name for p in found]})")
    return found[0]


def check_metadata(meta: Message, where: str, version: str) -> None:
    """The metadata fields both artifacts must carry."""
    check(meta["Name"] == "wea" and meta["Version"] == version, f"{where}: wea {version}")
    check(meta["License-Expression"] == "MIT", f"{where}: License-Expression: MIT")
    check("LICENSE" in (meta.get_all("License-File") or []), f"{where}: License-File: LICENSE")
    classifiers = meta.get_all("Classifier") or []
    for py in PYTHONS:
        check(
            f"Programming Language :: Python :: {py}" in classifiers,
            f"{where}: classifier Python {py}",
        )
    check(
        not any(c.startswith("License ::") for c in classifiers),
        f"{where}: no License classifier beside the SPDX expression",
    )
    check(not meta.get_all("Project-URL"), f"{where}: no Project-URL")


def check_sdist(path: Path, version: str, license_text: bytes) -> None:
    """The sdist: self-contained, with the C sources, LICENSE, no tests."""
    top = f"wea-{version}"
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        links = [m.name for m in members if not (m.isfile() or m.isdir())]
        check(not links, f"sdist: regular files only (links: {links})")
        names = {m.name for m in members}
        check(all(n == top or n.startswith(top + "/") for n in names), f"sdist: all under {top}/")
        for f in ("_speedups.c", *C_READER):
            check(f"{top}/csrc/{f}" in names, f"sdist: csrc/{f}")
        check(not any("/tests/" in n for n in names), "sdist: no tests")
        lic = tar.extractfile(f"{top}/LICENSE")
        check(lic is not None and lic.read() == license_text, "sdist: LICENSE, the repository's")
        pkg = tar.extractfile(f"{top}/PKG-INFO")
        assert pkg is not None
        check_metadata(Parser().parsestr(pkg.read().decode()), "sdist", version)


def check_wheel(path: Path, version: str, license_text: bytes) -> None:
    """The wheel: the compiled part, LICENSE, a manylinux tag on Linux."""
    info = f"wea-{version}.dist-info"
    with zipfile.ZipFile(path) as whl:
        names = set(whl.namelist())
        so = [n for n in names if n.startswith("wea/_speedups") and n.endswith(".so")]
        check(len(so) == 1, f"wheel: the compiled part ({so})")
        check("wea/_speedups.missing" not in names, "wheel: no note of a failed build")
        check("wea/py.typed" in names, "wheel: py.typed")
        check(
            whl.read(f"{info}/licenses/LICENSE") == license_text,
            "wheel: LICENSE, the repository's",
        )
        check_metadata(Parser().parsestr(whl.read(f"{info}/METADATA").decode()), "wheel", version)
    if GLIBC:
        check("-manylinux_" in path.name, f"wheel: a manylinux tag ({path.name})")


GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def export(dest: Path) -> None:
    """Copy the files git tracks or would track under EXPORTED into `dest`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *EXPORTED],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    shutil.rmtree(dest, ignore_errors=True)
    for raw in sorted(set(filter(None, listed))):
        rel = Path(os.fsdecode(raw))
        src, dst = ROOT / rel, dest / rel
        if not src.is_symlink() and not src.exists():
            continue  # deleted in the working tree
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))  # the links stay links; the sdist resolves them
        else:
            shutil.copy2(src, dst)


def build(dist: Path) -> Path:
    """Export, build the sdist and the wheel, repair the wheel; return the build log."""
    src, raw, log = WORK / "src", WORK / "raw", WORK / "build.log"
    export(src)
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(raw), str(src / "python")],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    (sdist,) = raw.glob("wea-*.tar.gz")
    (wheel,) = raw.glob("wea-*.whl")
    shutil.copy2(sdist, dist)
    if GLIBC:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        subprocess.run(
            [sys.executable, "-m", "auditwheel", "repair", "-w", str(dist), str(wheel)],
            env=env,
            check=True,
        )
    else:
        print(f"dist: {wheel.name} keeps its tag: auditwheel repairs wheels for glibc Linux")
        shutil.copy2(wheel, dist)
    return log


#: (name, artifact pattern, extra environment of the install, compiled part expected)
SCENARIOS = (
    ("wheel", "wea-*.whl", {}, True),
    ("sdist", "wea-*.tar.gz", {}, True),
    ("sdist-no-cc", "wea-*.tar.gz", {"CC": "false"}, False),
)


def test_requirements() -> list[str]:
    """The requirements of wea's `test` extra, from python/pyproject.toml."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: tools/requirements-dist.txt installs tomli
        import tomli as tomllib

    project = tomllib.loads((ROOT / "python" / "pyproject.toml").read_text("utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def run(argv: list[str], **kw: object) -> None:
    """Run a command, printed first; fail on a non-zero status."""
    print("dist:", " ".join(argv), flush=True)
    subprocess.run(argv, check=True, **kw)  # type: ignore[call-overload]


def install_and_test(dist: Path, scenario: tuple[str, str, dict[str, str], bool]) -> None:
    """One scenario of ``test``: a fresh venv, the artifact, the suite."""
    name, pattern, install_env, compiled = scenario
    (artifact,) = dist.glob(pattern)
    venv = WORK / f"venv-{name}"
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)])
    py = str(venv / "bin" / "python")
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, *test_requirements()])
    run([*pip, "--no-deps", "--no-cache-dir", str(artifact)], env={**os.environ, **install_env})
    probe = "import wea, wea._accel as a; print(wea.accelerated()); print(wea.__file__)"
    env = {k: v for k, v in os.environ.items() if k not in ("WEA_PURE_PYTHON", "PYTHONPATH")}
    out = subprocess.run(
        [py, "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout.split("\n")
    check(out[0] == str(compiled), f"{name}: wea.accelerated() is {compiled}")
    check(out[1].startswith(str(venv)), f"{name}: wea is the installed one ({out[1]})")
    version = subprocess.run(
        [str(venv / "bin" / "wea"), "--version"], capture_output=True, text=True, env=env
    ).stdout
    want = "in use (" if compiled else "not in use, pure Python: wea._speedups was not built"
    check(f"compiled part: {want}" in version, f"{name}: wea --version says {want!r}")
    env["WEA_TEST_INSTALLED"] = str(venv)
    if compiled:
        env["WEA_REQUIRE_ACCEL"] = "1"
    run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=ROOT / "python", env=env)


def main(argv: list[str] | None = None) -> int:
    """Build and check, or check; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check", "test"])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--build-log", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        args.build_log = build(args.dist)
    version = (ROOT / "VERSION").read_text("utf-8").strip()
    license_text = (ROOT / "LICENSE").read_bytes()
    try:
        if args.command == "test":
            for scenario in SCENARIOS:
                install_and_test(args.dist, scenario)
            return 0
        check_sdist(only(args.dist, "wea-*.tar.gz"), version, license_text)
        check_wheel(only(args.dist, "wea-*.whl"), version, license_text)
        if args.build_log is not None:
            bad = [
                line.strip()
                for line in args.build_log.read_text("utf-8", "replace").splitlines()
                if "deprecat" in line.lower()
            ]
            check(not bad, f"build log: no deprecation warning {bad[:3]}")
    except (Failed, subprocess.CalledProcessError) as e:
        print(f"dist: FAIL {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
