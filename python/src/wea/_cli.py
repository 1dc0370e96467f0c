"""The ``wea`` command line: look at, check, remove and convert WA-1 blocks.

Run ``wea --help`` (or ``python -m wea --help``). The commands are a thin
layer over the package: every header is read and validated by
:func:`wea.read_header`, :func:`wea.load`, :func:`wea.attach_shared_array`
or :func:`wea.list_shared_arrays`, and objects are removed by
:func:`wea.unlink_shared_array`. This module only chooses what to call and
how to print the answer.

* ``ls``: the WA-1 shared-memory objects of this machine;
* ``info``: the header of a shared-memory object or a file, and its verdict;
* ``head``: the first elements, printed as numpy prints them;
* ``rm``: remove shared-memory objects by name;
* ``convert``: between ``.npy`` files, ``.wea`` files and shared-memory
  objects, in every direction.

One convention names what a command reads or writes, here and in the C
``weatool``: an argument with a leading ``/`` and no other ``/`` (``/frames``)
is a shared-memory object; anything else (``a.wea``, ``./a``,
``/tmp/a.wea``) is a file. ``--shm`` and ``--file`` decide explicitly.

Exit codes: 0 success; 1 to 10 the block is invalid, the number being its
error category of spec §6.2; 64 and up the numbers of ``sysexits.h``, as
``weatool`` uses them. They are written once, in :data:`STATUSES` (and
:data:`EXIT_CODES`, made from it): ``wea --help`` and each command's help
print their lists from it, and a test holds ``docs/cli.md``'s table to
:func:`exit_codes_markdown`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import pwd
import stat
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from . import __version__, _accel
from ._atomic import atomic_write, check_destination
from ._errors import CATEGORIES, WeaError
from ._file import load, read_header, save
from ._format import DEFAULT_MODE, Header, sniff_format
from ._shm import (
    SharedArrayInfo,
    SharedExchangeArray,
    attach_shared_array,
    create_shared_array,
    list_shared_arrays,
    normalize_name,
    stat_shared_array,
    unlink_shared_array,
)

__all__ = ["EXIT_CODES", "STATUSES", "ExitStatus", "exit_codes_markdown", "main"]

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_OSERR = 71
EX_CANTCREAT = 73
EX_IOERR = 74
EX_NOPERM = 77
EX_INTERRUPTED = 130


@dataclass(frozen=True)
class ExitStatus:
    """An exit status of the command line, and what it means.

    Attributes
    ----------
    code : int
        The status.
    label : str
        The few words ``wea --help`` says of it.
    meaning : str
        Its row in ``docs/cli.md``'s table (Markdown).
    """

    code: int
    label: str
    meaning: str


#: What the command line adds to an error category's meaning.
_CATEGORY_NOTES = {
    "truncated": "fewer bytes than the header or the dims need",
    "bad_magic": "not a WA block; also `rm` of a non-WA object without `--force`",
}

#: Every exit status of the command line, in order: the one table that the
#: help texts are made from and docs/cli.md's table is tested against.
STATUSES: tuple[ExitStatus, ...] = (
    ExitStatus(EX_OK, "success (info: the block is valid)", "success (`info`: the block is valid)"),
    *(
        ExitStatus(
            cls.code,
            name,
            f"the block is invalid: `{name}`"
            + (f" ({_CATEGORY_NOTES[name]})" if name in _CATEGORY_NOTES else ""),
        )
        for name, cls in CATEGORIES.items()
    ),
    ExitStatus(
        EX_USAGE,
        "usage error",
        "usage error: a bad command line, an invalid shared-memory name, a file given to "
        "`rm`, or a `convert` side whose format its name does not tell",
    ),
    ExitStatus(
        EX_DATAERR,
        "data that cannot be converted",
        "`convert`: the source cannot be converted (not a `.npy`, a dtype WA-1 does not hold)",
    ),
    ExitStatus(
        EX_NOINPUT,
        "no such file or object",
        "no such file or shared-memory object (or a directory was given)",
    ),
    ExitStatus(
        EX_UNAVAILABLE,
        "not available on this system",
        "`ls`: not available on this system (no `/dev/shm`)",
    ),
    ExitStatus(
        EX_OSERR,
        "other system error",
        "another system error; also a FIFO or a device given as a file (not a regular file)",
    ),
    ExitStatus(
        EX_CANTCREAT,
        "the destination exists",
        "`convert`: the destination exists (use `--force`), or is a FIFO, a device or a socket",
    ),
    ExitStatus(EX_IOERR, "I/O error, no space", "I/O error, or no space left"),
    ExitStatus(EX_NOPERM, "permission denied", "permission denied"),
    ExitStatus(EX_INTERRUPTED, "interrupted (Ctrl-C)", "interrupted (Ctrl-C)"),
)

#: Every exit status of the command line, with what it means (plain text).
EXIT_CODES: dict[int, str] = {s.code: s.meaning.replace("`", "") for s in STATUSES}

_LABELS = {s.code: s.label for s in STATUSES}
_CATEGORY_CODES = (
    f"{min(c.code for c in CATEGORIES.values())}..{max(c.code for c in CATEGORIES.values())}"
)


def exit_codes_markdown() -> str:
    """Return the table of exit codes that ``docs/cli.md`` holds (Markdown).

    Returns
    -------
    str
        The table, a row a status of :data:`STATUSES`, without a final newline.
    """
    rows = ["| code | meaning |", "|---:|---|"]
    rows += [f"| {s.code} | {s.meaning} |" for s in STATUSES]
    return "\n".join(rows)


def _exit_codes_help(
    success: str,
    codes: Sequence[int],
    invalid: tuple[str, str] | None = None,
    categories: bool = False,
) -> str:
    """Return the ``exit codes:`` paragraph of a help text, labels from :data:`STATUSES`.

    Parameters
    ----------
    success : str
        What 0 means for the command.
    codes : sequence of int
        The other statuses it can end with (64 and up).
    invalid : (str, str), optional
        The error categories it can end with (``"1..10"``) and what they mean.
    categories : bool, optional
        Also name each category.
    """
    lines = ["exit codes:", f"  {EX_OK:<7} {success}"]
    if invalid is not None:
        lines.append(f"  {invalid[0]:<7} {invalid[1]}")
    if categories:
        names = [f"{cls.code}\u00a0{name}" for name, cls in CATEGORIES.items()]
        wrapped = textwrap.wrap(", ".join(names), width=68, break_on_hyphens=False)
        lines += [" " * 10 + line.replace("\u00a0", " ") for line in wrapped]
    lines += [f"  {code:<7} {_LABELS[code]}" for code in sorted(codes)]
    return "\n".join(lines)


_EPILOG = (
    _exit_codes_help(
        _LABELS[EX_OK],
        [s.code for s in STATUSES if s.code >= EX_USAGE],
        (_CATEGORY_CODES, "the block is invalid; its error category of spec §6.2:"),
        categories=True,
    )
    + """

Names and paths in text output are escaped as 'ls -b' does: a control
character, a byte that is not UTF-8 or a backslash is shown as \\n, \\x1b,
\\xff, \\\\ ... (--json output holds the exact names).

NAME|FILE: a leading '/' and no other '/' (/frames) is a shared-memory
object; anything else (frames.wea, ./frames, /tmp/frames.wea) is a file.
--shm and --file decide explicitly: 'wea info --file /frames' reads the file
/frames, 'wea info --shm frames' the object /frames. Names are shown with
their '/'.

documentation: docs/cli.md in the wea repository; 'wea --version' says
whether wea's compiled part is in use."""
)


def _version() -> str:
    """Return what ``--version`` prints: the versions, and whether wea is compiled."""
    python = sys.version.split()[0]
    return (
        f"%(prog)s {__version__} (numpy {np.__version__}, Python {python})\n"
        f"compiled part: {_accel.status()}"
    )


class CliError(Exception):
    """An error that ends a command with a message, a hint and an exit status."""

    def __init__(self, message: str, status: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.hint = hint


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 64 (EX_USAGE), not 2.

    Exit status 2 is taken by the error category ``bad_magic`` (spec §6.2),
    so a usage error must not use it.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: error: {message}\n")


class _Formatter(argparse.HelpFormatter):
    """Fill one-line texts to the terminal; keep texts with newlines as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


# -- what a NAME|FILE argument denotes ----------------------------------------------


@dataclass(frozen=True)
class Target:
    """A block on the command line: a file, or a shared-memory object.

    Attributes
    ----------
    kind : {"file", "shm"}
        Which of the two.
    name : str
        The path, or the shared-memory name with its leading ``/``.
    """

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{'file' if self.kind == 'file' else 'shared memory'} {self.name}"


def is_shm_name(arg: str) -> bool:
    """Tell whether an argument names shared memory by the convention: ``/word``.

    Parameters
    ----------
    arg : str
        A command-line argument.

    Returns
    -------
    bool
        True for a leading ``/`` followed by at least one character and no
        other ``/`` (``/frames``); False for anything else, which is a file
        (``frames.wea``, ``./frames``, ``/tmp/frames.wea``, ``/``).
    """
    return len(arg) > 1 and arg.startswith("/") and "/" not in arg[1:]


def resolve(arg: str, kind: str | None = None) -> Target:
    """Decide whether a command-line argument is a file or a shared-memory name.

    Parameters
    ----------
    arg : str
        The argument.
    kind : {"file", "shm", None}, optional
        Forced by ``--file`` or ``--shm``; None for the convention of
        :func:`is_shm_name` (the same as ``weatool``'s).

    Returns
    -------
    Target
        The target; a shared-memory name is checked and normalized (``x``
        forced with ``--shm`` is ``/x``).

    Raises
    ------
    CliError
        If the argument is an invalid shared-memory name (exit 64).
    """
    if kind is None:
        kind = "shm" if is_shm_name(arg) else "file"
    if kind == "file":
        return Target("file", arg)
    try:
        return Target("shm", normalize_name(arg))
    except ValueError as e:
        raise CliError(str(e), EX_USAGE) from None


# -- hints: what a source that is not a WA-1 block is, and what to do ---------------


def _read_head(path: str, size: int = 16) -> bytes:
    """Return the first bytes of a regular file; nothing (never a wait) for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.pread(fd, size, 0)
    except OSError:
        return b""
    finally:
        os.close(fd)


def format_hint(path: str, *, convert: bool = False, escape: bool = True) -> str | None:
    """Say what a file that is not a WA-1 block is, and what to do with it.

    Parameters
    ----------
    path : str
        A file that was given where a WA-1 block is expected.
    convert : bool, optional
        True when it is the SOURCE of ``wea convert``, where ``--from``
        is the way out.
    escape : bool, optional
        Escape the path for stderr (default), or leave it raw (for JSON,
        or for text that is escaped as a whole).

    Returns
    -------
    str or None
        The hint, or None when the file is no format known here.
    """
    kind = sniff_format(_read_head(path))
    p = shown(path, sys.stderr) if escape else path
    if kind == "npy":
        if convert:
            return f"{p} is a .npy file (numpy's format), not a WA-1 block: pass --from npy"
        if path.lower().endswith(".npy"):
            stem = shown(path[:-4], sys.stderr) if escape else path[:-4]
            command = f"wea convert {p} {stem}.wea"
        else:
            command = f"wea convert --from npy {p} OUT.wea"
        return f"{p} is a .npy file (numpy's format), not a WA-1 block: `{command}` converts it"
    if kind == "npz":
        return (
            f"{p} is a .npz archive (a zip of .npy files), not a WA-1 block: unzip it and "
            "`wea convert` each .npy, or numpy.load() it and wea.save() each array"
        )
    if kind == "safetensors":
        return (
            f"{p} is a safetensors file, not a WA-1 block: load it with "
            "safetensors.numpy.load_file() and wea.save() each array"
        )
    return None


def _not_found_hint(target: Target, command: str) -> str | None:
    """Point at the other meaning of the argument when that one exists."""
    if target.kind == "file":
        if "/" in target.name or not target.name:
            return None
        if _shm_exists("/" + target.name):
            return (
                f"a name without a leading '/' is a file; there is a shared-memory "
                f"object /{shown(target.name, sys.stderr)}: `wea {command} "
                f"/{shown(target.name, sys.stderr)}`"
            )
        return None
    body = target.name[1:]
    if os.path.isfile(body):
        return (
            f"'/{shown(body, sys.stderr)}' is a shared-memory name; for the file "
            f"{shown(body, sys.stderr)} here: `wea {command} {shown(body, sys.stderr)}`"
        )
    return "`wea ls` lists the shared-memory objects of this machine"


@contextlib.contextmanager
def _about(target: Target, command: str) -> Iterator[None]:
    """Name the source in the errors raised inside, with a hint of what to do.

    A format error (a :class:`wea.WeaError`) gets the file or object in
    front of its message, and for a ``bad_magic`` file, what the file is
    (:func:`format_hint`); a missing file or object, the other meaning of
    the argument when that one exists.
    """
    try:
        yield
    except WeaError as e:
        hint = None
        if target.kind == "file" and e.category == "bad_magic":
            hint = format_hint(target.name, convert=command == "convert")
        where = shown(target.name, sys.stderr)
        raise CliError(f"{where}: {_message_of(e, '')}", e.code, hint=hint) from None
    except FileNotFoundError as e:
        raise CliError(
            _message_of(e, target.name), EX_NOINPUT, hint=_not_found_hint(target, command)
        ) from None


@dataclass(frozen=True)
class ObjectStat:
    """What the system says about a file or shared-memory object."""

    size: int
    uid: int
    mode: int
    mtime: float

    @property
    def owner(self) -> str:
        """The owner's user name, or the uid when it has none."""
        return _owner(self.uid)

    @property
    def age(self) -> float:
        """Seconds since the object was last modified (not negative)."""
        return _age(self.mtime)


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _age(mtime: float) -> float:
    return max(0.0, time.time() - mtime)


def _stat_of(st: os.stat_result) -> ObjectStat:
    return ObjectStat(st.st_size, st.st_uid, stat.S_IMODE(st.st_mode), st.st_mtime)


def stat_target(target: Target) -> ObjectStat:
    """Stat a file, or a shared-memory object.

    A shared-memory object is asked of the library
    (``wea._shm.stat_shared_array``: ``shm_open`` read-only,
    then ``fstat``), never through a path under ``/dev/shm``, so this works
    wherever POSIX shared memory does.

    Parameters
    ----------
    target : Target
        The file or object.

    Returns
    -------
    ObjectStat
        Its size, owner, mode and modification time.

    Raises
    ------
    OSError
        If the file or object cannot be found or stat'ed;
        ``PermissionError`` for an object this user may not read (its
        owner is then unknown here: ``info`` and ``head`` attach an object
        before they stat it, so they never ask for one they cannot read,
        and ``ls`` has the owners of :func:`wea.list_shared_arrays`).
    """
    if target.kind == "file":
        return _stat_of(os.stat(target.name))
    return _stat_of(stat_shared_array(target.name))


def _shm_exists(name: str) -> bool:
    """Tell whether a shared-memory object of that name exists, readable or not.

    An object this user may not open exists all the same: ``shm_open``
    says so with ``EACCES``, without its stat. An invalid name (spec
    §8.2.1) names no object.
    """
    try:
        stat_shared_array(name)
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    return True


# -- output ------------------------------------------------------------------------

_C_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
}


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def _byte_escapes(ch: str) -> str:
    try:
        raw = os.fsencode(ch)  # a byte that was not UTF-8 comes back as itself
    except UnicodeError:  # a lone surrogate that no file name decoded to
        raw = ch.encode("utf-8", "surrogatepass")
    return "".join(f"\\x{b:02x}" for b in raw)


def shown(text: str, stream: IO[str] | None = None, *, backslash: bool = True) -> str:
    r"""Escape a name or path that came from elsewhere, as ``ls -b`` does.

    Another user chooses the names of their shared-memory objects and
    files: printed raw, an escape sequence in a name would reach the
    terminal (a title change, a screen clear) and a newline would forge a
    line of output. Here every character that is not printable, or that
    the output stream cannot encode, is shown as the C escapes of its bytes
    (``\n``, ``\t``, ``\x1b``; a byte that is not UTF-8, which the file
    system hands to Python as a surrogate, is ``\xff``), and a backslash
    as ``\\``, so that the output is one line and says which bytes the
    name holds.

    Parameters
    ----------
    text : str
        The name, path or message.
    stream : text stream, optional
        Where it will be printed (default ``sys.stdout``): characters its
        encoding cannot encode are escaped too.
    backslash : bool, optional
        Escape backslashes (default). False for a whole message, whose
        names are already escaped.

    Returns
    -------
    str
        The text, safe to print to `stream`.
    """
    encoding = getattr(stream if stream is not None else sys.stdout, "encoding", None) or "utf-8"
    printable = text.isprintable() and (text.isascii() or _encodable(text, encoding))
    if printable and not (backslash and "\\" in text):
        return text
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\" if backslash else ch)
        elif ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif ch.isprintable() and (ch.isascii() or _encodable(ch, encoding)):
            out.append(ch)
        else:
            out.append(_byte_escapes(ch))
    return "".join(out)


def _error(message: str) -> None:
    """Print an error message on stderr, every character of it printable."""
    print(f"{_prog}: {shown(message, sys.stderr, backslash=False)}", file=sys.stderr)


def human_age(seconds: float) -> str:
    """Format a duration as ``ls`` users read it: ``45s``, ``12m``, ``3h``, ``2d``."""
    s = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def _shape_text(shape: Sequence[int]) -> str:
    return str(tuple(int(d) for d in shape))


def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def json_value(x: Any) -> Any:
    """Make a value of ``ndarray.tolist()`` JSON-ready.

    NaN and infinities become the strings ``"nan"``, ``"inf"`` and
    ``"-inf"``, complex numbers ``[re, im]``, as ``weatool inspect --json``
    writes them.

    Parameters
    ----------
    x : Any
        A nested list of Python numbers.

    Returns
    -------
    Any
        The same, with every number JSON-ready.
    """
    if isinstance(x, list):
        return [json_value(v) for v in x]
    if isinstance(x, complex):
        return [json_value(x.real), json_value(x.imag)]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _print_json(obj: Any, out: IO[str]) -> None:
    json.dump(obj, out, allow_nan=False)
    out.write("\n")


def header_fields(header: Header, length: int | None) -> dict[str, Any]:
    """Return the fields of a valid header, as ``info --json`` prints them.

    Parameters
    ----------
    header : Header
        The validated header.
    length : int or None
        The block length ``len`` (the size of the file or object), if known.

    Returns
    -------
    dict
        ``valid``, ``etype``, ``etype_name``, ``itemsize``, ``ndims``,
        ``dims``, ``offset``, ``legacy_offset``, ``len_data``, ``count``,
        ``len_block``, ``trailing_bytes`` and ``julia_readable``.
    """
    return {
        "valid": True,
        "etype": header.etype,
        "etype_name": header.element_type.name,
        "itemsize": header.itemsize,
        "ndims": header.ndims,
        "dims": list(header.dims),
        "offset": header.offset,
        "legacy_offset": header.legacy_offset,
        "len_data": header.len_data,
        "count": header.count,
        "len_block": header.block_size,
        "trailing_bytes": None if length is None else length - header.block_size,
        "julia_readable": header.julia_readable,
    }


def error_fields(error: WeaError) -> dict[str, Any]:
    """Return the verdict on an invalid block, as ``info --json`` prints it.

    Parameters
    ----------
    error : WeaError
        The error of the first failed check.

    Returns
    -------
    dict
        ``valid`` (false), ``error`` (the category), ``code`` (its number,
        also the exit status), ``error_kind`` and ``message``.
    """
    return {
        "valid": False,
        "error": error.category,
        "code": error.code,
        "error_kind": error.kind,
        "message": error.message,
    }


# -- the commands ------------------------------------------------------------------


def cmd_ls(args: argparse.Namespace) -> int:
    """``wea ls``: the WA-1 shared-memory objects of this machine."""
    try:
        found: list[SharedArrayInfo] = list_shared_arrays(unpublished=args.all)
    except NotImplementedError as e:
        raise CliError(str(e), EX_UNAVAILABLE) from None
    if args.json:
        _print_json([_ls_entry(info) for info in found], sys.stdout)
        return EX_OK
    if not found:
        print("no WA-1 shared arrays on this machine", file=sys.stderr)
        return EX_OK
    rows = [["NAME", "DTYPE", "SHAPE", "BYTES", "OWNER", "MODE", "AGE"]]
    for info in found:
        if info.header is not None:
            dtype, shape = info.header.element_type.name, _shape_text(info.header.dims)
        else:
            dtype, shape = "-", f"invalid: {info.category}"
        rows.append(
            [
                shown(info.name),
                dtype,
                shape,
                str(info.size),
                shown(_owner(info.uid)),
                f"{info.mode:04o}",
                human_age(_age(info.mtime)),
            ]
        )
    print(_table(rows, right={3}))
    return EX_OK


def _ls_entry(info: SharedArrayInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": info.name,
        "valid": info.header is not None,
        "dtype": None if info.header is None else info.header.element_type.name,
        "shape": None if info.header is None else list(info.header.dims),
        "bytes": info.size,
        "uid": info.uid,
        "owner": _owner(info.uid),
        "mode": f"{info.mode:04o}",
        "mtime": info.mtime,
        "age_seconds": round(_age(info.mtime), 3),
        "category": info.category,
    }
    if info.header is None:
        cls = CATEGORIES.get(info.category or "")
        entry["error"] = info.category
        entry["code"] = cls.code if cls else None
        entry["message"] = info.error
    return entry


def _attach(target: Target) -> SharedExchangeArray:
    """Attach read-only; a missing object is said in words."""
    try:
        return attach_shared_array(target.name, readonly=True)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such shared-memory object", target.name) from None


def _no_directory(target: Target) -> None:
    if os.path.isdir(target.name):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", target.name)


def _stat_or_none(target: Target) -> ObjectStat | None:
    try:
        return stat_target(target)
    except OSError:  # removed or replaced in between, or no shm_open here
        return None


def _read_target(target: Target) -> tuple[Header | WeaError, ObjectStat | None]:
    """Read and validate a target's header; a format error is returned."""
    if target.kind == "file":
        _no_directory(target)
        with _about(target, "info"):
            st = stat_target(target)
        try:
            return read_header(target.name), st
        except WeaError as e:
            return e, st
    with _about(target, "info"):
        try:
            arr = _attach(target)
        except WeaError as e:
            return e, _stat_or_none(target)
    try:
        assert arr.header is not None
        return arr.header, _stat_or_none(target)
    finally:
        arr.close()


def cmd_info(args: argparse.Namespace) -> int:
    """``wea info``: the header fields and the validation verdict."""
    target = resolve(args.target, args.kind)
    verdict, st = _read_target(target)
    length = None if st is None else st.size
    hint = None
    if isinstance(verdict, WeaError) and verdict.category == "bad_magic" and target.kind == "file":
        hint = format_hint(target.name, escape=False)
    if args.json:
        report: dict[str, Any] = {"source": target.name, "kind": target.kind}
        report["len"] = length
        if st is not None:
            report.update(owner=st.owner, mode=f"{st.mode:04o}", mtime=st.mtime)
        if isinstance(verdict, WeaError):
            report.update(error_fields(verdict))
            if hint is not None:
                report["hint"] = hint
        else:
            report.update(header_fields(verdict, length))
        _print_json(report, sys.stdout)
    else:
        _print_info(target, verdict, st, hint)
    return verdict.code if isinstance(verdict, WeaError) else EX_OK


def _print_info(
    target: Target, verdict: Header | WeaError, st: ObjectStat | None, hint: str | None = None
) -> None:
    lines: list[tuple[str, str]] = [("source", str(target))]
    if st is not None:
        lines.append(("length", f"{st.size} bytes"))
        lines.append(("owner", f"{st.owner}, mode {st.mode:04o}, age {human_age(st.age)}"))
    if isinstance(verdict, WeaError):
        cat = verdict.category
        lines.append(("verdict", f"INVALID: {cat} (category {verdict.code}, {verdict.kind})"))
        lines.append(("message", verdict.message))
        if hint is not None:
            lines.append(("hint", hint))
    else:
        h = verdict
        offset_note = "legacy, as wea 0.1.3 wrote it" if h.legacy_offset else "canonical"
        lines += [
            ("verdict", "valid WA-1 block"),
            ("etype", f"{h.etype} ({h.element_type.name}, {h.itemsize} bytes)"),
            ("ndims", str(h.ndims)),
            ("dims", f"{_shape_text(h.dims)} (the numpy shape, Fortran order)"),
            ("data offset", f"{h.offset} ({offset_note})"),
            ("data length", f"{h.len_data} bytes, {h.count} elements"),
            ("block length", f"{h.block_size} bytes"),
        ]
        if st is not None:
            lines.append(("trailing", f"{st.size - h.block_size} bytes"))
        julia = "yes" if h.julia_readable else "no (WA-1 §2.4)"
        lines.append(("julia", f"readable by Julia's WrappedArray: {julia}"))
    width = max(len(k) for k, _ in lines) + 1
    for key, value in lines:
        print(f"{key + ':':<{width}} {shown(value)}")


@contextlib.contextmanager
def open_array(target: Target) -> Iterator[NDArray[Any]]:
    """Open a target's array read-only, without copying it.

    Parameters
    ----------
    target : Target
        A file (memory-mapped with :func:`wea.load`) or a shared-memory
        object (attached read-only with :func:`wea.attach_shared_array`).

    Yields
    ------
    numpy.ndarray
        The array, read-only.
    """
    if target.kind == "file":
        _no_directory(target)
        with _about(target, "head"):
            arr = load(target.name, mmap_mode="r")
        yield arr
        return
    with _about(target, "head"):
        shared = _attach(target)
    try:
        yield shared.view(np.ndarray)
    finally:
        shared.close()


def cmd_head(args: argparse.Namespace) -> int:
    """``wea head``: the first elements, printed as numpy prints them."""
    if args.count < 0:
        raise CliError(f"-n/--count must be at least 0, got {args.count}", EX_USAGE)
    target = resolve(args.target, args.kind)
    with open_array(target) as arr:
        if args.flat:
            part = arr.reshape(-1, order="F")[: args.count]
            what = f"first {part.size} of {arr.size} elements (memory order)"
        elif arr.ndim == 0:
            part = arr
            what = "its one element (0-d)"
        else:
            part = arr[: args.count]
            what = f"first {part.shape[0]} of {arr.shape[0]} rows (along axis 0)"
        if args.json:
            report = {
                "source": target.name,
                "kind": target.kind,
                "dtype": arr.dtype.name,
                "shape": list(arr.shape),
                "flat": bool(args.flat),
                "shown": list(part.shape),
                "values": json_value(part.tolist()),
            }
            _print_json(report, sys.stdout)
            return EX_OK
        if not args.quiet:
            shape = _shape_text(arr.shape)
            print(f"{shown(str(target))}: {arr.dtype.name} array of shape {shape}, {what}")
        print(str(part))
    return EX_OK


def cmd_rm(args: argparse.Namespace) -> int:
    """``wea rm``: remove shared-memory objects by name."""
    status = EX_OK
    results = []
    for arg in args.names:
        name = arg
        try:
            _check_rm_argument(arg)
            name = resolve(arg, "shm").name
            unlink_shared_array(name, force=args.force)
        except (CliError, WeaError, OSError) as e:
            code = _status_of(e)
            who = shown(name, sys.stderr)
            if isinstance(e, WeaError):
                message = (
                    f"{who}: not removed: it does not hold a WA-1 block "
                    f"({e.category}); use --force to remove it anyway"
                )
            elif isinstance(e, FileNotFoundError):
                message = f"{who}: no such shared-memory object (`wea ls` lists them)"
            elif isinstance(e, CliError):
                message = str(e)
            else:
                message = _message_of(e, name)
            results.append({"name": name, "removed": False, "code": code, "message": message})
            if not args.json:
                _error(message)
            status = status or code
            continue
        results.append({"name": name, "removed": True})
        if not args.json and not args.quiet:
            print(f"removed {shown(name)}")
    if args.json:
        _print_json(results, sys.stdout)
    return status


def _check_rm_argument(arg: str) -> None:
    """Refuse, in words, an argument of ``rm`` that is not ``/NAME``."""
    if is_shm_name(arg):
        return
    a = shown(arg, sys.stderr)
    if "/" in arg or os.path.lexists(arg):
        what = "a file path" if not os.path.lexists(arg) else "a file"
        message = (
            f"{a}: {what}, not a shared-memory name: wea rm removes shared-memory "
            "objects only (/NAME, as `wea ls` shows them); remove a file with rm(1)"
        )
    else:
        message = f"{a}: not a shared-memory name: they start with '/'"
    base = os.path.basename(arg.rstrip("/"))
    if base and _shm_exists("/" + base):
        message += f"; there is a shared-memory object /{shown(base, sys.stderr)}"
    elif "/" not in arg and not os.path.lexists(arg):
        message += f" (`wea rm /{a}`)"
    raise CliError(message, EX_USAGE)


# -- convert -------------------------------------------------------------------------

FORMATS = ("npy", "wea", "shm")


@dataclass(frozen=True)
class Endpoint:
    """A side of ``wea convert``: a ``.npy`` file, a ``.wea`` file or shared memory.

    Attributes
    ----------
    kind : {"npy", "wea", "shm"}
        The format.
    name : str
        The path, or the normalized shared-memory name.
    """

    kind: str
    name: str

    def __str__(self) -> str:
        return f"shared memory {self.name}" if self.kind == "shm" else self.name


def endpoint(arg: str, fmt: str | None, role: str) -> Endpoint:
    """Decide what a SOURCE or DEST of ``wea convert`` is.

    Parameters
    ----------
    arg : str
        The argument.
    fmt : {"npy", "wea", "shm", None}
        Given by ``--from`` (SOURCE) or ``--to`` (DEST); None to decide by
        the convention: ``/NAME`` is shared memory, a file ``*.npy`` or
        ``*.wea`` (any case) has that format.
    role : {"SOURCE", "DEST"}
        Which side, for the messages.

    Returns
    -------
    Endpoint
        The side, a shared-memory name normalized.

    Raises
    ------
    CliError
        Exit 64 if the format cannot be told (a file of another extension,
        which is never guessed), or the shared-memory name is invalid.
    """
    if fmt == "shm" or (fmt is None and is_shm_name(arg)):
        return Endpoint("shm", resolve(arg, "shm").name)
    if fmt is not None:
        return Endpoint(fmt, arg)
    ext = os.path.splitext(arg)[1].lower()
    if ext in (".npy", ".wea"):
        return Endpoint(ext[1:], arg)
    option = "--from" if role == "SOURCE" else "--to"
    hint = None
    if role == "SOURCE":
        kind = sniff_format(_read_head(arg))
        if kind in ("npy", "wea"):
            hint = f"its first bytes are those of a .{kind} file: pass --from {kind}"
        elif kind is not None:
            hint = format_hint(arg)
    raise CliError(
        f"{role} {shown(arg, sys.stderr)}: cannot tell its format from its name: name a "
        f"file *.npy or *.wea, shared memory /NAME, or pass {option} npy|wea|shm",
        EX_USAGE,
        hint=hint,
    )


def _load_npy(path: str) -> NDArray[Any]:
    """Open a ``.npy`` file memory-mapped (read into memory if numpy cannot map it).

    The file is opened once, with ``O_NONBLOCK``, and must be a regular
    file: a FIFO (whose open would wait for a writer), a device or a
    directory is refused at once. Its header and data are then read from
    that same descriptor, so the file checked is the file read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(mode):
            raise OSError(
                errno.EINVAL,
                "the file is not a regular file (a FIFO, a device ...); convert reads "
                "regular files only",
                path,
            )
        head = f.read(16)
        if not head.startswith(np.lib.format.MAGIC_PREFIX):
            kind = sniff_format(head)
            hint = format_hint(path) if kind not in (None, "wea") else None
            if kind == "wea":
                hint = f"{shown(path, sys.stderr)} is a WA-1 block: pass --from wea"
            raise CliError(
                f"{shown(path, sys.stderr)}: not a .npy file (no numpy magic)", EX_DATAERR, hint
            )
        f.seek(0)
        try:
            return _read_npy(f)
        except (ValueError, EOFError) as e:  # needs pickle, or is damaged
            raise CliError(f"{shown(path, sys.stderr)}: cannot convert: {e}", EX_DATAERR) from None


def _read_npy(f: IO[bytes]) -> NDArray[Any]:
    """Map the array of an open ``.npy`` file, or read it if it cannot be mapped."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(f)
    else:  # 3.0 (only for names no WA-1 type has) or unknown: as numpy reads it
        f.seek(0)
        return np.asarray(np.load(f, allow_pickle=False))
    if dtype.hasobject:
        raise ValueError("the array holds Python objects, which need pickle: refused")
    try:
        arr = np.memmap(
            f, dtype=dtype, mode="r", offset=f.tell(), shape=shape, order="F" if fortran else "C"
        )
    except (ValueError, OSError):  # empty, too short, or no mmap here: numpy reads or refuses it
        f.seek(0)
        return np.asarray(np.load(f, allow_pickle=False))
    return np.asarray(arr)


def _file_destination(src: Endpoint, dst: Endpoint, force: bool) -> None:
    """Refuse a file DEST that is the source, not a regular file, or exists (no --force)."""
    dest = dst.name
    both = src.kind != "shm" and os.path.exists(src.name) and os.path.exists(dest)
    if both and os.path.samefile(src.name, dest):
        raise CliError(f"{shown(dest, sys.stderr)} is the source file itself", EX_CANTCREAT)
    try:
        check_destination(dest)  # a FIFO or a device is never opened, nor replaced
    except IsADirectoryError:
        raise
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        raise CliError(
            f"{shown(dest, sys.stderr)}: not a regular file (a FIFO, a device ...); "
            "convert does not write in its place",
            EX_CANTCREAT,
        ) from None
    if os.path.lexists(dest) and not force:
        raise _exists(dst)


def _exists(dst: Endpoint) -> CliError:
    if dst.kind == "shm":
        return CliError(
            f"{shown(dst.name, sys.stderr)} exists; pass --force to replace it (the object is "
            "unlinked and a new one created), or `wea rm` it first",
            EX_CANTCREAT,
        )
    return CliError(
        f"{shown(dst.name, sys.stderr)} exists; pass --force to replace it", EX_CANTCREAT
    )


def _read_source(src: Endpoint, stack: contextlib.ExitStack) -> NDArray[Any]:
    """Open the SOURCE's array without copying it (a memory map, or an attach)."""
    if src.kind == "npy":
        return _load_npy(src.name)
    if src.kind == "wea":
        target = Target("file", src.name)
        _no_directory(target)
        with _about(target, "convert"):  # validated by load: an invalid one exits 1..10
            return load(src.name, mmap_mode="r")
    target = Target("shm", src.name)
    with _about(target, "convert"):
        shared = _attach(target)
    stack.callback(shared.close)
    return shared.view(np.ndarray)


def _write_file(dst: Endpoint, arr: NDArray[Any], force: bool) -> int:
    """Write a ``.wea`` or ``.npy`` file whole or not at all; return its size."""
    dest = dst.name
    # A new temporary file beside the destination (random name, O_EXCL,
    # O_NOFOLLOW), fsync'ed and then renamed: a failed conversion leaves
    # nothing, and no file planted by another user is ever written through.
    # Without --force it is published with link(), which fails if the
    # destination appeared meanwhile.
    try:
        with atomic_write(dest, overwrite=force, fsync=True) as f:
            if dst.kind == "wea":
                save(f, arr)  # any memory order and byte order, piece by piece
            else:
                np.save(f, arr, allow_pickle=False)  # Fortran order, no copy
    except FileExistsError as e:
        if e.filename != dest:
            raise
        raise _exists(dst) from None
    except OSError as e:
        if e.filename is None:  # a failed write: say which file
            raise type(e)(e.errno, e.strerror, dest) from None
        raise
    return os.path.getsize(dest)


def _write_shm(dst: Endpoint, arr: NDArray[Any], force: bool, mode: int) -> int:
    """Create the shared-memory DEST holding `arr`; return its size.

    The object is created with ``persistent=True``: it outlives this
    command, until ``wea rm`` or an ``unlink``. With `force`, an existing
    object that holds a WA block is unlinked and a new one created;
    processes attached to the old one keep its memory. The dtype is checked
    before anything is unlinked.
    """

    def create() -> int:
        made = create_shared_array(
            dst.name, arr.dtype, arr.shape, data=arr, mode=mode, persistent=True
        )
        try:
            assert made.header is not None
            return made.header.block_size
        finally:
            made.close()

    try:
        try:
            return create()
        except FileExistsError:
            if not force:
                raise _exists(dst) from None
        try:
            unlink_shared_array(dst.name)
        except WeaError as e:
            raise CliError(
                f"{shown(dst.name, sys.stderr)} exists and does not hold a WA block "
                f"({e.category}): not replaced; `wea rm --force {shown(dst.name, sys.stderr)}` "
                "removes it",
                EX_CANTCREAT,
            ) from None
        except FileNotFoundError:
            pass  # removed meanwhile: the name is free
        try:
            return create()
        except FileExistsError:
            raise CliError(
                f"{shown(dst.name, sys.stderr)} was created again by another process "
                "meanwhile; not replaced",
                EX_CANTCREAT,
            ) from None
    except OSError as e:
        if e.filename is None:  # no room in /dev/shm ...: say which object
            raise type(e)(e.errno, _message_of(e, ""), dst.name) from None
        raise


def _parse_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"expected octal permission bits 0 to 777, got {text!r}")
    return mode


def cmd_convert(args: argparse.Namespace) -> int:
    """``wea convert``: between ``.npy`` files, ``.wea`` files and shared memory."""
    src = endpoint(args.source, args.from_format, "SOURCE")
    dst = endpoint(args.dest, args.to, "DEST")
    if args.mode is not None and dst.kind != "shm":
        raise CliError("--mode is for a shared-memory DEST only", EX_USAGE)
    if src.kind == dst.kind == "shm" and src.name == dst.name:
        raise CliError(f"{shown(dst.name, sys.stderr)} is the source object itself", EX_CANTCREAT)
    if dst.kind != "shm":
        _file_destination(src, dst, args.force)
    with contextlib.ExitStack() as stack:
        arr = _read_source(src, stack)
        try:
            if dst.kind == "shm":
                mode = DEFAULT_MODE if args.mode is None else args.mode
                size = _write_shm(dst, arr, args.force, mode)
            else:
                size = _write_file(dst, arr, args.force)
        except TypeError as e:  # a dtype with no WA-1 element type
            raise CliError(
                f"{shown(src.name, sys.stderr)}: {_message_of(e, '')}", EX_DATAERR
            ) from None
    if args.json:
        report = {
            "source": src.name,
            "destination": dst.name,
            "from": src.kind,
            "to": dst.kind,
            "dtype": arr.dtype.name,
            "shape": list(arr.shape),
            "bytes": size,
        }
        _print_json(report, sys.stdout)
    elif not args.quiet:
        what = f"{arr.dtype.name} array of shape {_shape_text(arr.shape)}, {size} bytes"
        if dst.kind == "shm":
            print(
                f"created shared memory {shown(dst.name)}: {what}; it stays until "
                f"`wea rm {shown(dst.name)}`"
            )
        else:
            print(f"wrote {shown(dst.name)}: {what} ({dst.kind})")
    return EX_OK


# -- errors to exit codes ----------------------------------------------------------

_prog = "wea"


def _status_of(e: BaseException) -> int:
    if isinstance(e, CliError):
        return e.status
    if isinstance(e, WeaError):
        return e.code
    if isinstance(e, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return EX_NOINPUT
    if isinstance(e, PermissionError):
        return EX_NOPERM
    if isinstance(e, FileExistsError):
        return EX_CANTCREAT
    if isinstance(e, OSError):
        if e.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EROFS):
            return EX_IOERR
        return EX_OSERR
    if isinstance(e, ValueError):
        return EX_USAGE
    return EX_OSERR  # pragma: no cover


def _message_of(e: BaseException, what: str) -> str:
    """Return the message of an error, the file or object it names escaped."""
    if isinstance(e, OSError) and e.strerror:
        text = e.strerror[len("wea: ") :] if e.strerror.startswith("wea: ") else e.strerror
        where = e.filename if e.filename is not None else what
        if isinstance(where, bytes):
            where = os.fsdecode(where)
        return f"{shown(str(where), sys.stderr)}: {text}" if where else text
    text = e.message if isinstance(e, WeaError) else str(e)  # without a 3.10 hint
    return text[len("wea: ") :] if text.startswith("wea: ") else text


# -- the parser --------------------------------------------------------------------


@dataclass(frozen=True)
class _Arg:
    """An argument of a command: what ``add_argument`` is given."""

    flags: tuple[str, ...]
    options: dict[str, Any]


def _arg(*flags: str, **options: Any) -> _Arg:
    return _Arg(flags, options)


@dataclass(frozen=True)
class _Command:
    """A sub-command: its name, help texts, arguments, handler and exit codes.

    `target` gives it the ``NAME|FILE`` argument with ``--shm``/``--file``;
    every command takes ``--json``. Its help ends with its exit codes:
    `success` (what 0 means), `invalid` (the error categories it can end
    with, and what they mean there) and `exits` (the others, labelled as in
    :data:`STATUSES`), after `examples`.
    """

    name: str
    help: str
    description: str
    handler: Callable[[argparse.Namespace], int]
    arguments: tuple[_Arg, ...] = ()
    target: bool = False
    success: str = "success"
    invalid: tuple[str, str] | None = None
    exits: tuple[int, ...] = (EX_USAGE,)
    examples: str = ""

    @property
    def epilog(self) -> str:
        """The end of its help: the examples, then the exit codes."""
        codes = _exit_codes_help(self.success, self.exits, self.invalid)
        return f"{self.examples}\n\n{codes}" if self.examples else codes


_QUIET = _arg("-q", "--quiet", action="store_true", help="print nothing on success")

_COMMANDS: tuple[_Command, ...] = (
    _Command(
        "ls",
        help="list the WA-1 shared-memory objects of this machine",
        description="List the POSIX shared-memory objects of this machine that hold a "
        "WA-1 block (their first bytes are the WA-1 magic): name, dtype, shape, "
        "bytes, owner, mode and age (since the object was last modified). An object "
        "whose header is invalid shows its error category. Objects this user cannot "
        "read are not shown.",
        handler=cmd_ls,
        arguments=(
            _arg(
                "-a",
                "--all",
                action="store_true",
                help="also list objects that look like an unpublished WA-1 create (spec "
                "§8.2.2): size 0 (truncated) or a zero magic (bad_magic). They may belong "
                "to a creator still at work, or to another program that zero-fills its "
                "objects",
            ),
        ),
        exits=(EX_UNAVAILABLE, EX_USAGE),
    ),
    _Command(
        "info",
        help="print a block's header fields and its validation verdict",
        description="Validate a block (checks R1 to R9 of spec §6.1) and print its "
        "header fields, or the error category and message of the first check that "
        "fails. Only the header is read: a file's first 640 bytes and its size; a "
        "shared-memory object is attached read-only.",
        handler=cmd_info,
        target=True,
        success="the block is valid",
        invalid=(_CATEGORY_CODES, "the block is invalid: its error category (spec §6.2)"),
        exits=(EX_USAGE, EX_NOINPUT, EX_NOPERM),
    ),
    _Command(
        "head",
        help="print the first elements, as numpy prints them",
        description="Print the first rows of the array (along its first axis), as "
        "numpy prints them (large rows are summarised with ...). With --flat, print "
        "the first elements in memory order (column-major, as weatool inspect does). "
        "Files are memory-mapped and shared memory is attached read-only: only what "
        "is printed is read.",
        handler=cmd_head,
        arguments=(
            _arg(
                "-n",
                "--count",
                type=int,
                default=10,
                metavar="N",
                help="how many rows, or elements with --flat (default 10)",
            ),
            _arg(
                "--flat",
                action="store_true",
                help="the first N elements in memory (column-major) order",
            ),
            _arg("-q", "--quiet", action="store_true", help="print the array only, no caption"),
        ),
        target=True,
        invalid=(_CATEGORY_CODES, "the block is invalid (spec §6.2)"),
        exits=(EX_USAGE, EX_NOINPUT, EX_NOPERM),
    ),
    _Command(
        "rm",
        help="remove shared-memory objects by name",
        description="Remove shared-memory objects by name (unlink). Processes that "
        "have them mapped keep their memory until they unmap it; the name is free at "
        "once (spec §8.2.4). Only objects that hold a WA block are removed, unless "
        "--force is given, so that a typo cannot remove another program's memory.",
        handler=cmd_rm,
        arguments=(
            _arg(
                "names",
                nargs="+",
                metavar="NAME",
                help="a shared-memory name, with its leading '/' (/x); a file is refused",
            ),
            _arg(
                "-f",
                "--force",
                action="store_true",
                help="remove it even if it does not hold a WA block",
            ),
            _QUIET,
        ),
        success="all removed; otherwise the status of the first failure:",
        invalid=("1..4", "not a WA-1 block (without --force)"),
        exits=(EX_USAGE, EX_NOINPUT, EX_NOPERM),
    ),
    _Command(
        "convert",
        help="convert between .npy files, .wea files and shared memory, every way",
        description="Copy an array from SOURCE to DEST, each a .npy file, a .wea file "
        "or a shared-memory object: /NAME is shared memory, a file's format is its "
        "extension (.npy or .wea); any other name needs --from or --to, it is never "
        "guessed. The source is memory-mapped or attached read-only and copied piece "
        "by piece. A file is written under a temporary name and renamed, so a failed "
        "conversion leaves nothing. A shared-memory DEST is created exclusively (mode "
        "0600, or --mode) and stays after wea exits, until `wea rm`. .npy files that "
        "need pickle (object arrays) are refused.",
        handler=cmd_convert,
        arguments=(
            _arg(
                "source", metavar="SOURCE", help="what to read: a .npy file, a .wea file, or /NAME"
            ),
            _arg("dest", metavar="DEST", help="what to write: a .npy file, a .wea file, or /NAME"),
            _arg(
                "--from",
                dest="from_format",
                choices=FORMATS,
                help="the format of SOURCE, whatever its name (shm: SOURCE is a shared-memory "
                "name)",
            ),
            _arg(
                "--to",
                choices=FORMATS,
                help="the format of DEST, whatever its name (shm: DEST is a shared-memory name)",
            ),
            _arg(
                "-f",
                "--force",
                action="store_true",
                help="replace DEST if it exists: a file is replaced by a rename (atomic); a "
                "shared-memory object that holds a WA block is unlinked and a new one is "
                "created (processes attached to the old one keep its memory)",
            ),
            _arg(
                "--mode",
                type=_parse_mode,
                metavar="OCTAL",
                help="permission bits of a shared-memory DEST (default 600: this user only)",
            ),
            _QUIET,
        ),
        invalid=(_CATEGORY_CODES, "invalid WA-1 source (spec §6.2)"),
        exits=(EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_CANTCREAT, EX_IOERR, EX_NOPERM),
        examples="examples:\n"
        "  wea convert a.npy a.wea        a .npy file to a .wea file, and back:\n"
        "  wea convert a.wea a.npy\n"
        "  wea convert a.npy /frames      a new shared-memory object /frames\n"
        "  wea convert /frames out.npy    an object's array to a .npy file\n"
        "  wea convert --from npy data /frames   a file without an extension",
    ),
)


def _common_options() -> tuple[_Parser, _Parser]:
    """Return the parents of the sub-commands: ``--json``, and ``NAME|FILE``."""
    json_opt = _Parser(add_help=False)
    json_opt.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON for scripts instead of text",
    )
    target_opts = _Parser(add_help=False)
    target_opts.add_argument("target", metavar="NAME|FILE", help="a shared-memory name or a file")
    where = target_opts.add_mutually_exclusive_group()
    for kind, what in (("shm", "a shared-memory name"), ("file", "a file")):
        where.add_argument(
            f"--{kind}",
            dest="kind",
            action="store_const",
            const=kind,
            help=f"NAME|FILE is {what}",
        )
    return json_opt, target_opts


def build_parser(prog: str = "wea") -> argparse.ArgumentParser:
    """Build the argument parser of the ``wea`` command line, from ``_COMMANDS``.

    Parameters
    ----------
    prog : str, optional
        The program name shown in the help.

    Returns
    -------
    argparse.ArgumentParser
        The parser; each sub-command sets ``func``.
    """
    json_opt, target_opts = _common_options()
    parser = _Parser(
        prog=prog,
        description="Look at, check, remove and convert WA-1 blocks (the Wrapped "
        "Exchange Array): in POSIX shared memory and in .wea files.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument(
        "--json", action="store_true", help="print JSON for scripts instead of text"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in _COMMANDS:
        p = sub.add_parser(
            command.name,
            parents=[target_opts, json_opt] if command.target else [json_opt],
            help=command.help,
            description=command.description,
            epilog=command.epilog,
            formatter_class=_Formatter,
        )
        for argument in command.arguments:
            p.add_argument(*argument.flags, **argument.options)
        p.set_defaults(func=command.handler)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "wea") -> int:
    """Run the ``wea`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).
    prog : str, optional
        The program name used in messages.

    Returns
    -------
    int
        The exit status (see :data:`EXIT_CODES`).
    """
    global _prog
    _prog = prog
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors
        return int(e.code or 0) if not isinstance(e.code, str) else EX_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(
            f"{prog}: error: a command is required (try '{prog} --help')",
            file=sys.stderr,
        )
        return EX_USAGE
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return EX_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`wea ls | head -1`): stop quietly.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EX_OK
    except (CliError, WeaError, OSError, ValueError) as e:
        _error(_message_of(e, getattr(args, "target", "") or ""))
        if isinstance(e, CliError) and e.hint:
            _error(f"hint: {e.hint}")
        return _status_of(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
