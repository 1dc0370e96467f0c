"""Write a file whole or not at all: a temporary file, then a rename.

:func:`atomic_write` is how ``wea.save(path, arr)`` and ``wea convert``
write a file. The content goes to a new temporary file beside the
destination, which then takes the destination's name in one step
(``rename``), so that a reader sees the old file or the new one, never a
half-written one, and a failed write leaves nothing behind.

The temporary file is made so that another local user who can write the
destination's directory cannot turn the write against anyone (issue #12):

* its name is unpredictable: ``.DEST.tmp-`` and 16 random hexadecimal
  digits (64 bits from :mod:`secrets`), never the process id;
* it is created exclusively (``O_CREAT | O_EXCL``) and without following a
  symbolic link (``O_NOFOLLOW``): a file, a symbolic link or a FIFO planted
  at that name is never opened, written through or waited on; another
  random name is tried instead;
* its mode is ``0o666`` less the umask, as for any new file.

Nothing at the destination's name is ever opened: an existing file or
symbolic link there is replaced (not written through); a directory, FIFO,
device or socket there is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_write", "check_destination"]

PathLike = str | os.PathLike[str]

#: How many random names are tried before giving up (each is 64 random bits:
#: more than one try only happens when someone plants files at random).
_TRIES = 100

#: How many bytes of the destination's name the temporary name repeats, so
#: that it stays under NAME_MAX (255) with its prefix and suffix.
_NAME_KEEP = 200

_CREATE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

#: Errors of link() that mean "this file system has no hard links".
_NO_HARD_LINKS = frozenset(
    e
    for e in (
        errno.EPERM,
        errno.EOPNOTSUPP,
        getattr(errno, "ENOTSUP", errno.EOPNOTSUPP),
        errno.ENOSYS,
    )
)


def _token() -> str:
    """Return the random part of a temporary name (tests replace it)."""
    return secrets.token_hex(8)


def check_destination(path: PathLike) -> None:
    """Check that a file may be written at `path` by replacing what is there.

    Nothing is opened: ``lstat`` only. Absent, a regular file or a symbolic
    link (which is replaced, not followed) are fine.

    Parameters
    ----------
    path : str or os.PathLike
        The destination.

    Raises
    ------
    IsADirectoryError
        If `path` is a directory.
    OSError
        ``EINVAL`` if `path` is a FIFO, a device or a socket, which a file
        must not replace; or the error of ``lstat`` other than "not found".
    """
    dest = os.fspath(path)
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), dest)
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise OSError(
            errno.EINVAL,
            "wea: not a regular file (a FIFO, a device ...); a file is not written in its place",
            dest,
        )


def _create_temporary(dest: str) -> tuple[int, str]:
    """Create a new temporary file beside `dest`; return its descriptor and path."""
    directory, base = os.path.split(dest)
    keep = os.fsdecode(os.fsencode(base)[:_NAME_KEEP])
    for _ in range(_TRIES):
        tmp = os.path.join(directory, f".{keep}.tmp-{_token()}")
        try:
            return os.open(tmp, _CREATE_FLAGS, 0o666), tmp
        except FileExistsError:
            continue  # planted, or (one chance in 2**64) taken: another name
        except OSError as e:  # no such directory, no permission ...: say the destination
            raise type(e)(e.errno, e.strerror, dest) from None
    raise FileExistsError(
        errno.EEXIST, f"wea: {_TRIES} temporary names beside it were all taken", dest
    )


def _fsync_directory(dest: str) -> None:
    """Make the rename durable; file systems that cannot are not an error."""
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(dest) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exists_error(dest: str) -> FileExistsError:
    return FileExistsError(errno.EEXIST, "wea: the destination exists; not replaced", dest)


def _publish(tmp: str, dest: str, overwrite: bool) -> None:
    """Give the temporary file the destination's name."""
    if overwrite:
        os.replace(tmp, dest)
        return
    # link() fails with EEXIST if anything has the name, atomically: no one
    # can create the destination between a check and the rename.
    link = getattr(os, "link", None)
    try:
        if link is None:  # pragma: no cover - no hard links on this system
            raise OSError(errno.ENOSYS, "no link()")
        if link in os.supports_follow_symlinks:
            link(tmp, dest, follow_symlinks=False)
        else:  # pragma: no cover - not Linux
            link(tmp, dest)
    except FileExistsError:
        raise _exists_error(dest) from None
    except OSError as e:
        if e.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here (FAT, some network and FUSE file systems): check,
        # then rename. A file created at the destination in between is replaced.
        if os.path.lexists(dest):
            raise _exists_error(dest) from None
        os.replace(tmp, dest)
        return
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_write(
    path: PathLike, *, overwrite: bool = True, fsync: bool = False
) -> Iterator[IO[bytes]]:
    """Write a file under a temporary name, then give it the name `path`.

    Parameters
    ----------
    path : str or os.PathLike
        The destination.
    overwrite : bool, optional
        Replace an existing file or symbolic link at `path` (default). If
        False, `path` must not exist, also at the very moment of the rename:
        the file is published with ``link()``, which fails if the name is
        taken, so no one can slip a file in after a check. On file systems
        without hard links, the check is made just before the rename, and a
        file created at `path` in between is replaced.
    fsync : bool, optional
        ``fsync`` the file before the rename, and its directory after it, so
        that the new file survives a crash of the machine. Default False (as
        ``numpy.save``): readers see the old file or the new one either way.

    Yields
    ------
    IO[bytes]
        The temporary file, open for writing (buffered).

    Raises
    ------
    FileExistsError
        If `overwrite` is False and `path` exists.
    IsADirectoryError
        If `path` is a directory.
    OSError
        ``EINVAL`` if `path` is a FIFO, a device or a socket (checked
        before anything is written); or the error of creating, writing or
        renaming the file. On any error, and on any exception raised in the
        ``with`` block, the temporary file is removed and `path` is left as
        it was.
    """
    dest = os.fspath(path)
    check_destination(dest)
    if not overwrite and os.path.lexists(dest):  # early: before writing anything
        raise _exists_error(dest)
    fd, tmp = _create_temporary(dest)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        _publish(tmp, dest, overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_directory(dest)
