"""Build wea's compiled part, the extension module ``wea._speedups``.

Everything else of the distribution is declared in pyproject.toml. The
module is compiled from csrc/_speedups.c and the C reference reader's
sources (csrc/wea*.c, *.h: links to c/src and c/include in the
repository, regular files in the sdist), so that its shared-memory attach
is the reader's own and no header logic is written twice.

The module is optional: where it cannot be built (no C compiler, no
Python headers, not POSIX), the install goes on and gives pure-Python wea,
with a one-line note; ``wea --version`` then says why it is pure. The
note's reason is written into the package as ``_speedups.missing``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LINUX = sys.platform.startswith("linux")
HERE = Path(__file__).resolve().parent
MISSING = "_speedups.missing"  # wea/_accel.py reads it

SPEEDUPS = Extension(
    "wea._speedups",
    sources=["csrc/_speedups.c", "csrc/wea.c", "csrc/wea_posix.c", "csrc/wea_shm.c"],
    include_dirs=["csrc"],
    depends=sorted(str(p.relative_to(HERE)) for p in (HERE / "csrc").glob("*.h")),
    define_macros=[("WEA_VERSION", '"python"')],
    # make test-accel builds it with -Wpedantic -Werror and the sanitizers
    extra_compile_args=["-O3", "-std=c99", "-Wall", "-Wextra"],
    # shm_open is in librt on older glibc; bind the symbols at import, not
    # in the first attach (GNU ld)
    libraries=["rt"] if LINUX else [],
    extra_link_args=["-Wl,-z,now"] if LINUX else [],
    optional=True,
)


class OptionalBuildExt(build_ext):
    """Build the extension if possible; otherwise note why and go on."""

    def run(self) -> None:
        self._clear_note()
        if os.name != "posix":
            self._note("not a POSIX system")
            return
        super().run()

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except Exception as e:  # any failure leaves pure Python
            cc = getattr(self.compiler, "compiler_so", None) or ["the C compiler"]
            self._note(f"{cc[0]} failed with {type(e).__name__}")

    def _targets(self) -> list[Path]:
        targets = [Path(self.build_lib) / "wea" / MISSING]
        if self.inplace:
            targets.append(HERE / "src" / "wea" / MISSING)
        return targets

    def _clear_note(self) -> None:
        for target in self._targets():
            target.unlink(missing_ok=True)

    def _note(self, why: str) -> None:
        reason = " ".join(why.split())[:300]
        sys.stderr.write(
            f"wea: the compiled part (wea._speedups) was not built ({reason}); "
            "installing pure-Python wea, which works the same, only slower; "
            "install a C compiler and the Python headers, then reinstall, to get it\n"
        )
        for target in self._targets():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(reason + "\n", encoding="utf-8")


def version() -> str:
    """The project's one version label: VERSION (a link to ../VERSION in the tree)."""
    return (HERE / "VERSION").read_text(encoding="utf-8").strip()


setup(
    version=version(),
    ext_modules=[SPEEDUPS],
    cmdclass={"build_ext": OptionalBuildExt},
)
