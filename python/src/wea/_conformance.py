"""The Python reader as a participant of ``make conformance``.

Usage::

    python -m wea._conformance FILE

Reads the block in FILE (memory-mapped) with the package's reader and prints
one JSON line:

* valid: ``{"valid": true, "etype": ..., "ndims": ..., "dims": [...],
  "offset": ..., "len_data": ..., "sha256": "<hex digest of the L data
  bytes>"}``, exit status 0;
* invalid: ``{"valid": false, "error": "<category>", "message": "<spec §6.3
  text>"}``, exit status the category's number of spec §6.2 (1 to 10).

Usage and I/O errors print a message on stderr and exit with 64 (usage) or
66 (the file cannot be read), as ``sysexits.h`` says.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence

from ._errors import WeaError
from ._file import map_path
from ._format import parse_header

EX_USAGE = 64
EX_NOINPUT = 66

USAGE = "usage: python -m wea._conformance FILE"


def run(path: str) -> tuple[dict[str, object], int]:
    """Read one file and return its JSON report and exit status.

    Parameters
    ----------
    path : str
        The file holding one block.

    Returns
    -------
    tuple
        The report (a JSON-ready dict) and the exit status.

    Raises
    ------
    OSError
        If the file cannot be opened or mapped.
    """
    mv = map_path(path, "r")
    try:
        header = parse_header(mv)
    except WeaError as e:
        return {"valid": False, "error": e.category, "message": e.message}, e.code
    data = mv[header.offset : header.block_size]
    return {
        "valid": True,
        "etype": header.etype,
        "ndims": header.ndims,
        "dims": list(header.dims),
        "offset": header.offset,
        "len_data": header.len_data,
        "sha256": hashlib.sha256(data).hexdigest(),
    }, 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the participant on the command line's arguments.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return EX_USAGE
    try:
        report, status = run(args[0])
    except OSError as e:
        print(f"wea._conformance: cannot read {args[0]}: {e}", file=sys.stderr)
        return EX_NOINPUT
    print(json.dumps(report))
    return status


if __name__ == "__main__":
    sys.exit(main())
