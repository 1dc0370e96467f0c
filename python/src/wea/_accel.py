"""wea's compiled part, ``wea._speedups``, chosen once at import.

wea is complete in pure Python. The install compiles the extension module
``wea._speedups`` when a C compiler and the Python headers are there
(python/setup.py); it then owns four jobs that plain Python and numpy
cannot do as fast (bench/results/results.md has the figures with and
without it):

* :data:`copy_transposed`: the cache-blocked transposing copy of
  :func:`wea._base.copy_into`;
* :data:`new_block`: the memory of a new block, advised for huge pages;
* :data:`array_wrap`: numpy 2's ``__array_wrap__`` of wea arrays;
* :data:`shm_attach`: the shared-memory attach of spec §8.2.3, done by the
  C reference reader, which returns the fields of the header it validated,
  or its refusal (category, errno, message), which :mod:`wea._shm` raises.

Each is None when the module is missing, of an interface version this
package does not know, or turned off with ``WEA_PURE_PYTHON=1``;
:func:`status` says which and why. :func:`pure_python` turns the copy and
the attach off within one process, for tests and benchmarks that compare
both paths.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator
from importlib import resources
from types import ModuleType
from typing import Any

__all__ = [
    "API",
    "array_wrap",
    "copy_transposed",
    "enabled",
    "new_block",
    "pure_python",
    "shm_attach",
    "status",
]

#: The interface version of ``wea._speedups`` this package uses.
API = 3

#: The refusal of :data:`shm_attach`: the name of the C reader's status
#: (``wea_status_category``: a category of spec §6.2, or ``"not_found"``,
#: ``"permission"`` ...), the errno of a failed system call, the message.
Refusal = tuple[str, int, str]
#: What :data:`shm_attach` returns on success: a view of the whole mapping,
#: the validated header's fields (etype, offset, dims, len_data), the length
#: checked, st_dev and st_ino.
Attached = tuple[Any, tuple[int, int, tuple[int, ...], int], int, int, int]


def _missing_note() -> str:
    """Return what the install wrote when it could not build the module, or ''."""
    try:
        return (resources.files(__package__) / "_speedups.missing").read_text("utf-8").strip()
    except (OSError, ValueError):
        return ""


def _load() -> tuple[ModuleType | None, str]:
    """Return the module to use, and what it is or why there is none."""
    if os.environ.get("WEA_PURE_PYTHON", "") not in ("", "0"):
        return None, "turned off by WEA_PURE_PYTHON=1"
    try:
        speedups = importlib.import_module(f"{__package__}._speedups")
    except ImportError as e:
        if not (isinstance(e, ModuleNotFoundError) and e.name == f"{__package__}._speedups"):
            return None, f"wea._speedups does not load: {e}"
        why = _missing_note() or "no C compiler or Python headers"
        return None, (
            f"wea._speedups was not built when wea was installed ({why}); "
            "reinstall wea where a C compiler and the Python headers are, to get it"
        )
    got = getattr(speedups, "API", None)
    if got != API:
        return None, f"wea._speedups has interface {got}, this wea needs {API}: reinstall wea"
    return speedups, f"wea._speedups, {speedups.__file__}"


_MODULE, _WHY = _load()

#: ``copy_transposed(dst, src) -> bool``: False if not a case for it.
copy_transposed: Callable[[Any, Any], bool] | None = getattr(_MODULE, "copy_transposed", None)
#: ``new_block(size) -> bytearray``: not yet written, advised for huge pages.
new_block: Callable[[int], bytearray] | None = getattr(_MODULE, "new_block", None)
#: ``array_wrap(arr, context=None, return_scalar=False)``: numpy 2's hook.
array_wrap: Callable[..., Any] | None = getattr(_MODULE, "array_wrap", None)
#: ``shm_attach(name: str, writable) -> Attached | Refusal``.
shm_attach: Callable[[str, bool], Attached | Refusal] | None = getattr(_MODULE, "shm_attach", None)


def enabled() -> bool:
    """Return whether wea's compiled part (``wea._speedups``) is in use.

    Returns
    -------
    bool
        True if the install built ``wea._speedups``, it has the interface
        this package knows, and ``WEA_PURE_PYTHON`` is not set. When False,
        wea works the same in pure Python, only some steps are slower;
        :func:`status` says why.
    """
    return _MODULE is not None


def status() -> str:
    """Return one line: whether the compiled part is in use, and why not.

    Returns
    -------
    str
        ``"in use (wea._speedups, <its file>)"``, or ``"not in use, pure
        Python: <the reason>"``, as ``wea --version`` prints it.
    """
    if _MODULE is not None:
        return f"in use ({_WHY})"
    return f"not in use, pure Python: {_WHY}"


@contextlib.contextmanager
def pure_python() -> Iterator[None]:
    """Within the block, the copy and the attach take wea's pure-Python path.

    For tests and benchmarks that compare both paths in one process; not
    thread-safe. :data:`array_wrap` stays as it is: it was set on the
    array classes at import (only ``WEA_PURE_PYTHON=1`` keeps it out).
    """
    global copy_transposed, shm_attach, new_block
    saved = copy_transposed, shm_attach, new_block
    copy_transposed = shm_attach = new_block = None
    try:
        yield
    finally:
        copy_transposed, shm_attach, new_block = saved
