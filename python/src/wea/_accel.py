"""The optional compiled helper (``wea-accel``, python/accel), if installed.

wea is complete in pure Python. When the separate package ``wea-accel`` is
installed (``pip install ./python/accel``), its module ``_wea_accel``
takes over three steps that plain Python and numpy cannot make as fast
(bench/results/results.md has the figures with and without it):

* :data:`copy_transposed`: the cache-blocked transposing copy of
  :func:`wea._base.copy_into`;
* :data:`array_wrap`: numpy 2's ``__array_wrap__`` of wea arrays;
* :data:`shm_attach`: the shared-memory attach of spec §8.2.3, done by the
  C reference reader, which returns the fields of the header it validated
  (its refusals return None and the Python path reports them).

Each is None when the helper is missing, of an interface version this
package does not know, or turned off with ``WEA_PURE_PYTHON=1``; the
callers read them at call time, so :func:`pure_python` can turn the first
and the last off within one process.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["API", "array_wrap", "copy_transposed", "enabled", "pure_python", "shm_attach"]

#: The interface version of ``_wea_accel`` this package uses.
API = 1


def _load() -> Any:
    if os.environ.get("WEA_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        import _wea_accel  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return _wea_accel if getattr(_wea_accel, "API", None) == API else None


_MODULE = _load()

#: ``copy_transposed(dst, src) -> bool``: False if not a case for it.
copy_transposed: Callable[[Any, Any], bool] | None = getattr(_MODULE, "copy_transposed", None)
#: ``array_wrap(arr, context=None, return_scalar=False)``: numpy 2's hook.
array_wrap: Callable[..., Any] | None = getattr(_MODULE, "array_wrap", None)
#: ``shm_attach(name: str, writable)``: ``(memoryview, (etype, offset, dims,
#: len_data), length, dev, ino)``, or None if refused.
shm_attach: (
    Callable[[str, bool], tuple[Any, tuple[int, int, tuple[int, ...], int], int, int, int] | None]
    | None
) = getattr(_MODULE, "shm_attach", None)


def enabled() -> bool:
    """Return whether the compiled helper ``wea-accel`` is in use.

    Returns
    -------
    bool
        True if ``_wea_accel`` is installed with the interface this
        package knows and ``WEA_PURE_PYTHON`` is not set.
    """
    return _MODULE is not None


@contextlib.contextmanager
def pure_python() -> Iterator[None]:
    """Within the block, the copy and the attach take wea's pure-Python path.

    For tests and benchmarks that compare both paths in one process; not
    thread-safe. :data:`array_wrap` stays as it is: it was set on the
    array classes at import (only ``WEA_PURE_PYTHON=1`` keeps it out).
    """
    global copy_transposed, shm_attach
    saved = copy_transposed, shm_attach
    copy_transposed = shm_attach = None
    try:
        yield
    finally:
        copy_transposed, shm_attach = saved
