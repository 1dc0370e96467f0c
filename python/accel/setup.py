"""Build the one extension module, ``_wea_accel``, of the optional helper.

It compiles the C reference reader (c/src, linked here as c_src and
c_include) into the module: its shared-memory attach is the one the
helper calls, so no header logic is written again.
"""

import sys
from glob import glob

from setuptools import Extension, setup

LINUX = sys.platform.startswith("linux")

C_READER = ["c_src/wea.c", "c_src/wea_posix.c", "c_src/wea_shm.c"]
HEADERS = sorted(glob("c_src/*.h") + glob("c_include/*.h"))

setup(
    ext_modules=[
        Extension(
            "_wea_accel",
            sources=["src/_wea_accel.c", *C_READER],
            include_dirs=["c_include", "c_src"],
            depends=HEADERS,  # a changed header builds it again
            define_macros=[("WEA_VERSION", '"accel"')],
            # make test-accel builds it with -Wpedantic -Werror too
            extra_compile_args=["-O3", "-std=c99", "-Wall", "-Wextra"],
            # shm_open is in librt on older glibc; bind the symbols at import,
            # not in the first attach (GNU ld)
            libraries=["rt"] if LINUX else [],
            extra_link_args=["-Wl,-z,now"] if LINUX else [],
        )
    ],
)
