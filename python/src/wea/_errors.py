"""The error categories of WA-1 (spec §6.2) as an exception hierarchy.

Every format error derives from :class:`WeaError`, which derives from
:class:`ValueError`, so that callers that catch ``ValueError`` (as numpy's
own readers raise it) keep working. Each subclass carries the spec's
category name (``.category``), its number (``.code``, the C status value and
the exit code of the command-line tools) and its kind (``.kind``: whether
more bytes could help, or the block is invalid, or valid but not readable by
this reader).

Errors of the bindings (a missing shared-memory object, a taken name, a bad
name) are not format errors and use Python's own exceptions
(``FileNotFoundError``, ``FileExistsError``, ``ValueError``), as the spec says.
"""

from __future__ import annotations

from typing import ClassVar, Final, Literal

__all__ = [
    "CATEGORIES",
    "BadMagicError",
    "DataTruncatedError",
    "InvalidDimensionError",
    "InvalidNdimsError",
    "InvalidOffsetError",
    "SizeOverflowError",
    "TruncatedError",
    "UnsupportedTypeError",
    "UnsupportedVersionError",
    "WeaError",
    "WrongByteOrderError",
    "error_class",
]

Kind = Literal["incomplete", "invalid", "unsupported"]


class WeaError(ValueError):
    """Base class of every WA-1 format error (spec §6.2).

    Parameters
    ----------
    message : str
        The message, in the form of spec §6.3 (it starts with the category).

    Attributes
    ----------
    category : str
        The category name of spec §6.2, for example ``"truncated"``.
    code : int
        The category number of spec §6.2 (1 to 10), used as the C status and
        as the exit code of command-line tools.
    kind : {"incomplete", "invalid", "unsupported"}
        ``"incomplete"``: more bytes could make the block valid;
        ``"invalid"``: the block is invalid whatever follows;
        ``"unsupported"``: perhaps valid, but not readable by this reader.
    message : str
        The message without any decoration.
    """

    category: ClassVar[str] = "error"
    code: ClassVar[int] = 0
    kind: ClassVar[Kind] = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TruncatedError(WeaError):
    """Fewer bytes than the fixed header or the dims need (R1, R6)."""

    category = "truncated"
    code = 1
    kind = "incomplete"


class BadMagicError(WeaError):
    """The first 4 bytes are not a WA magic: not a WA block (R2)."""

    category = "bad_magic"
    code = 2
    kind = "invalid"


class WrongByteOrderError(WeaError):
    """A WA header written most significant byte first (R2)."""

    category = "wrong_byte_order"
    code = 3
    kind = "invalid"


class UnsupportedVersionError(WeaError):
    """A WA block of another version, ``WA-x`` with ``x`` not ``1`` (R2, §9)."""

    category = "unsupported_version"
    code = 4
    kind = "unsupported"


class UnsupportedTypeError(WeaError):
    """A reserved element type code (R3, §4.3)."""

    category = "unsupported_type"
    code = 5
    kind = "unsupported"


class InvalidNdimsError(WeaError):
    """More than 64 dimensions (R4)."""

    category = "invalid_ndims"
    code = 6
    kind = "invalid"


class InvalidOffsetError(WeaError):
    """A data offset other than ``C`` or ``C + 64`` (R5)."""

    category = "invalid_offset"
    code = 7
    kind = "invalid"


class InvalidDimensionError(WeaError):
    """A negative dimension (R7)."""

    category = "invalid_dimension"
    code = 8
    kind = "invalid"


class SizeOverflowError(WeaError):
    """A size exceeds ``2^63-1`` (R8)."""

    category = "overflow"
    code = 9
    kind = "invalid"


class DataTruncatedError(WeaError):
    """Fewer bytes than ``offset + L`` (R9)."""

    category = "data_truncated"
    code = 10
    kind = "incomplete"


for _cls in (WeaError, *WeaError.__subclasses__()):
    _cls.__module__ = "wea"  # shown as wea.BadMagicError, pickled by that name

#: The closed list of categories of spec §6.2, by name, in number order.
CATEGORIES: Final[dict[str, type[WeaError]]] = {
    cls.category: cls
    for cls in (
        TruncatedError,
        BadMagicError,
        WrongByteOrderError,
        UnsupportedVersionError,
        UnsupportedTypeError,
        InvalidNdimsError,
        InvalidOffsetError,
        InvalidDimensionError,
        SizeOverflowError,
        DataTruncatedError,
    )
}


def error_class(category: str) -> type[WeaError]:
    """Return the exception class of a category name of spec §6.2.

    Parameters
    ----------
    category : str
        A category name such as ``"bad_magic"``.

    Returns
    -------
    type[WeaError]
        The subclass of :class:`WeaError` for that category.

    Raises
    ------
    KeyError
        If `category` is not one of the ten names of spec §6.2.
    """
    return CATEGORIES[category]
