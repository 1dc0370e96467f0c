"""A small ctypes binding of the C reader (libwea), for the reliability tests.

The library is the C build's shared ``c/build/libwea.so`` (``make -C c
lib``; ``build/reliability/libwea.so`` links to it, and ``WEA_CLIB``, set
by ``mk/reliability.mk``, overrides the path). Only what the tests need is
bound: ``wea_parse`` (the reader, R1 to R9), ``wea_map_file``,
``wea_shm_create``, ``wea_shm_attach``, ``wea_unmap`` and
``wea_shm_unlink``. Structures mirror ``c/include/wea.h``.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB_PATH = Path(os.environ.get("WEA_CLIB", ROOT / "build" / "reliability" / "libwea.so"))

MAX_NDIMS = 64  # WA-1 1.1; the dims array of struct wea_header
ERROR_MESSAGE_SIZE = 512

# Status numbers of c/include/wea.h: 1..10 are the categories of spec §6.2.
CATEGORIES = {
    1: "truncated",
    2: "bad_magic",
    3: "wrong_byte_order",
    4: "unsupported_version",
    5: "unsupported_type",
    6: "invalid_ndims",
    7: "invalid_offset",
    8: "invalid_dimension",
    9: "overflow",
    10: "data_truncated",
}
BINDING_STATUSES = {
    11: "invalid_argument",
    12: "buffer_too_small",
    13: "invalid_name",
    14: "exists",
    15: "not_found",
    16: "permission",
    17: "no_space",
    18: "system",
}


class Header(ctypes.Structure):
    """``wea_header``."""

    _fields_ = [
        ("etype", ctypes.c_uint16),
        ("ndims", ctypes.c_uint16),
        ("offset", ctypes.c_int64),
        ("dims", ctypes.c_int64 * MAX_NDIMS),
        ("elsize", ctypes.c_size_t),
        ("count", ctypes.c_int64),
        ("len_data", ctypes.c_int64),
        ("block_size", ctypes.c_int64),
    ]


class Error(ctypes.Structure):
    """``wea_error``."""

    _fields_ = [
        ("status", ctypes.c_int),
        ("sys_errno", ctypes.c_int),
        ("message", ctypes.c_char * ERROR_MESSAGE_SIZE),
    ]


class Mapping(ctypes.Structure):
    """``wea_mapping``."""

    _fields_ = [
        ("addr", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("writable", ctypes.c_int),
        ("header", Header),
    ]


_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """Load libwea.so once; raise FileNotFoundError if it is not built."""
    global _lib
    if _lib is None:
        if not LIB_PATH.is_file():
            raise FileNotFoundError(
                f"{LIB_PATH} is missing: run `make -C c lib` (or `make test-reliability`)"
            )
        c = ctypes.CDLL(str(LIB_PATH), use_errno=True)
        c.wea_parse.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.POINTER(Header),
            ctypes.POINTER(Error),
        ]
        c.wea_parse.restype = ctypes.c_int
        c.wea_shm_attach.argtypes = [
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(Mapping),
            ctypes.POINTER(Error),
        ]
        c.wea_shm_attach.restype = ctypes.c_int
        c.wea_map_file.argtypes = [
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(Mapping),
            ctypes.POINTER(Error),
        ]
        c.wea_map_file.restype = ctypes.c_int
        c.wea_shm_create.argtypes = [
            ctypes.c_char_p,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_int64),
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.POINTER(Mapping),
            ctypes.POINTER(Error),
        ]
        c.wea_shm_create.restype = ctypes.c_int
        c.wea_unmap.argtypes = [ctypes.POINTER(Mapping), ctypes.POINTER(Error)]
        c.wea_unmap.restype = ctypes.c_int
        c.wea_shm_unlink.argtypes = [ctypes.c_char_p, ctypes.POINTER(Error)]
        c.wea_shm_unlink.restype = ctypes.c_int
        _lib = c
    return _lib


@dataclass(frozen=True)
class Result:
    """What a reader said about a block: the contract's fields, or a category."""

    valid: bool
    error: str | None = None
    etype: int | None = None
    ndims: int | None = None
    dims: tuple[int, ...] | None = None
    offset: int | None = None
    len_data: int | None = None
    sha256: str | None = None
    message: str | None = None

    def key(self) -> tuple[object, ...]:
        """What two readers must agree on (the message is not compared)."""
        if self.valid:
            return (
                True,
                self.etype,
                self.ndims,
                self.dims,
                self.offset,
                self.len_data,
                self.sha256,
            )
        return (False, self.error)


def parse(block: bytes) -> Result:
    """Run ``wea_parse`` on an exact-size copy of `block`."""
    buf = ctypes.create_string_buffer(block, len(block)) if block else None
    return _parsed(buf, len(block), lambda h: block[h.offset : h.offset + h.len_data])


def parse_at(addr: int, length: int) -> Result:
    """Run ``wea_parse`` on `length` bytes at `addr`, in place (no copy).

    For memory that another process may change while it is read (the race
    tests): the data's SHA-256 is taken from the same memory after the call.
    """
    return _parsed(
        addr or None,
        length,
        lambda h: ctypes.string_at(addr + h.offset, h.len_data) if h.len_data else b"",
    )


def _parsed(buf: object, length: int, data_of: Callable[[Header], bytes]) -> Result:
    """``wea_parse(buf, length)`` as a Result; `data_of` gives the data it describes."""
    h = Header()
    err = Error()
    st = lib().wea_parse(buf, length, ctypes.byref(h), ctypes.byref(err))
    if st != 0:
        return Result(
            False,
            error=CATEGORIES.get(st, f"status-{st}"),
            message=err.message.decode("utf-8", "replace"),
        )
    return Result(
        True,
        etype=h.etype,
        ndims=h.ndims,
        dims=tuple(h.dims[i] for i in range(h.ndims)),
        offset=h.offset,
        len_data=h.len_data,
        sha256=hashlib.sha256(data_of(h)).hexdigest(),
    )


class CError(Exception):
    """A failed libwea call: status, its name, errno and message."""

    def __init__(self, status: int, err: Error) -> None:
        self.status = status
        self.name = CATEGORIES.get(status) or BINDING_STATUSES.get(status, "unknown")
        self.sys_errno = err.sys_errno
        self.message = err.message.decode("utf-8", "replace")
        super().__init__(f"{self.name} ({status}): {self.message}")


def shm_attach(name: str, writable: bool = False) -> Mapping:
    """``wea_shm_attach``; raise CError on failure. Release with unmap()."""
    m = Mapping()
    err = Error()
    st = lib().wea_shm_attach(name.encode(), int(writable), ctypes.byref(m), ctypes.byref(err))
    if st != 0:
        raise CError(st, err)
    return m


def map_file(path: str, writable: bool = False) -> Mapping:
    """``wea_map_file``; raise CError on failure. Release with unmap()."""
    m = Mapping()
    err = Error()
    st = lib().wea_map_file(os.fsencode(path), int(writable), ctypes.byref(m), ctypes.byref(err))
    if st != 0:
        raise CError(st, err)
    return m


def shm_create(
    name: str, etype: int, dims: tuple[int, ...], init: bytes | None = None, mode: int = 0o600
) -> Mapping:
    """``wea_shm_create``; raise CError on failure. Release with unmap()."""
    m = Mapping()
    err = Error()
    arr = (ctypes.c_int64 * max(1, len(dims)))(*dims)
    st = lib().wea_shm_create(
        name.encode(), etype, len(dims), arr, init, mode, ctypes.byref(m), ctypes.byref(err)
    )
    if st != 0:
        raise CError(st, err)
    return m


def unmap(m: Mapping) -> None:
    """``wea_unmap``."""
    err = Error()
    st = lib().wea_unmap(ctypes.byref(m), ctypes.byref(err))
    if st != 0:
        raise CError(st, err)


def shm_unlink(name: str) -> None:
    """``wea_shm_unlink``; raise CError on failure."""
    err = Error()
    st = lib().wea_shm_unlink(name.encode(), ctypes.byref(err))
    if st != 0:
        raise CError(st, err)


def mapping_data(m: Mapping) -> bytes:
    """A copy of the data bytes of a mapping (``addr + offset``, ``L`` bytes)."""
    h = m.header
    return ctypes.string_at(m.addr + h.offset, h.len_data) if h.len_data else b""
