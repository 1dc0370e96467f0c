"""wea: the Wrapped Exchange Array, format WA-1.

Hand a numpy array to another process, another language or another machine
without copying it: through POSIX shared memory, as one byte buffer over any
transport, or as a memory-mapped file. The layout is specified in
``spec/wea.md`` (WA-1), shared with Julia's ``WrappedArray``.

The API of wea 0.1.3 is kept: :mod:`wea.shared_memory`,
:mod:`wea.buffered_memory` and the same names here at the top level.

================================  =============================================
``dumps(arr)`` / ``loads(buf)``   array to a block (one copy) / block to a view
``save(file, arr)``               array to a ``.wea`` file
``load(file, mmap_mode="r")``     ``.wea`` file to a memory-mapped array
``read_header(source)``           validate and read a header only
``create_shared_array`` ...       shared memory (0.1.3 names)
``create_buffered_array`` ...     byte buffers (0.1.3 names)
================================  =============================================
"""

from . import buffered_memory, shared_memory
from ._accel import enabled as accelerated
from ._buffer import (
    BufferedExchangeArray,
    block_size,
    create_buffered_array,
    dumps,
    load_buffered_array,
    loads,
)
from ._errors import (
    CATEGORIES,
    BadMagicError,
    DataTruncatedError,
    InvalidDimensionError,
    InvalidNdimsError,
    InvalidOffsetError,
    SizeOverflowError,
    TruncatedError,
    UnsupportedTypeError,
    UnsupportedVersionError,
    WeaError,
    WrongByteOrderError,
    error_class,
)
from ._file import load, read_header, save
from ._format import (
    ALIGNMENT,
    DEFAULT_MODE,
    DIM_SIZE,
    HEADER_SIZE,
    LEGACY_OFFSET_DELTA,
    MAGIC,
    MAX_NAME_BYTES,
    MAX_NDIMS,
    MAX_OFFSET,
    MAX_SIZE,
    SUPPORTED_DTYPES,
    Header,
)
from ._shm import (
    SharedArrayInfo,
    SharedExchangeArray,
    SharedSegment,
    attach_shared_array,
    create_shared_array,
    list_shared_arrays,
    unlink_shared_array,
)


def __getattr__(name: str) -> str:
    # __version__ is looked up on first use: importlib.metadata alone costs
    # tens of milliseconds of import time (PEP 562).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("wea")
        except PackageNotFoundError:  # pragma: no cover - not installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module 'wea' has no attribute {name!r}")


__all__ = [
    "ALIGNMENT",
    "CATEGORIES",
    "DEFAULT_MODE",
    "DIM_SIZE",
    "HEADER_SIZE",
    "LEGACY_OFFSET_DELTA",
    "MAGIC",
    "MAX_NAME_BYTES",
    "MAX_NDIMS",
    "MAX_OFFSET",
    "MAX_SIZE",
    "SUPPORTED_DTYPES",
    "BadMagicError",
    "BufferedExchangeArray",
    "DataTruncatedError",
    "Header",
    "InvalidDimensionError",
    "InvalidNdimsError",
    "InvalidOffsetError",
    "SharedArrayInfo",
    "SharedExchangeArray",
    "SharedSegment",
    "SizeOverflowError",
    "TruncatedError",
    "UnsupportedTypeError",
    "UnsupportedVersionError",
    "WeaError",
    "WrongByteOrderError",
    "__version__",
    "accelerated",
    "attach_shared_array",
    "block_size",
    "buffered_memory",
    "create_buffered_array",
    "create_shared_array",
    "dumps",
    "error_class",
    "list_shared_arrays",
    "load",
    "load_buffered_array",
    "loads",
    "read_header",
    "save",
    "shared_memory",
    "unlink_shared_array",
]
