#!/usr/bin/env python3
"""The Kaitai-generated parser as a conformance participant.

usage: kaitai_participant.py [--parser-dir DIR] FILE

Reads one WA-1 block from FILE with the Python parser that the pinned
Kaitai Struct compiler generates from spec/wea.ksy (``build/kaitai/
wea_block.py``, class ``WeaBlock``) and follows the runner contract of
conformance/README.md: one JSON line on stdout, exit 0 for a valid block,
the category's number (spec §6.2) for an invalid one, 64 or more for a
usage or I/O error.

The parser decides; this wrapper only names its failures. A validation
error is mapped by the field that failed (its ``src_path``; R9 is the
validation of ``within_block``); an end of stream while the header or the
dims are read is ``truncated``, and while the data is read
``data_truncated``. The magic is one ``contents`` check,
so every failed magic is reported as ``bad_magic``: the vectors that
expect ``wrong_byte_order`` or ``unsupported_version`` (and those that
expect ``overflow``, which the .ksy cannot state) carry the manifest flag
``beyond_kaitai``, from which this participant is exempt.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PARSER_DIR = ROOT / "build" / "kaitai"

EXIT_USAGE = 64  # EX_USAGE
EXIT_NOINPUT = 66  # EX_NOINPUT: the file cannot be read
EXIT_SOFTWARE = 70  # EX_SOFTWARE: a failure this wrapper cannot name

# Error categories and their numbers (spec §6.2), from the registry.
CATEGORY_NUMBER: dict[str, int] = {
    str(c["name"]): int(c["number"])
    for c in json.loads((ROOT / "spec" / "registry.json").read_text(encoding="utf-8"))["categories"]
}

# The validations of spec/wea.ksy, by the src_path the generated parser
# reports, and the category each one stands for.
SRC_PATH_CATEGORY: dict[str, str] = {
    "/types/fixed_header/seq/0": "bad_magic",  # magic (contents), R2
    "/types/fixed_header/seq/1": "unsupported_type",  # etype (in-enum), R3
    "/types/fixed_header/seq/2": "invalid_ndims",  # num_dims (max 64), R4
    "/types/fixed_header/seq/4": "invalid_offset",  # ofs_data_hi (expr on both words), R5
    "/types/dim/seq/1": "invalid_dimension",  # a dim's high word (min 0), R7
    "/seq/2": "data_truncated",  # within_block (expr), R9
}


class UnmappedError(Exception):
    """A failure of the parser that this wrapper cannot name as a category."""


def load_parser(parser_dir: Path) -> tuple[ModuleType, ModuleType]:
    """Import the kaitaistruct runtime and the generated ``wea_block`` module."""
    if not (parser_dir / "wea_block.py").is_file():
        raise FileNotFoundError(
            f"{parser_dir / 'wea_block.py'} is missing: run `make build/kaitai/wea_block.py`"
        )
    sys.path.insert(0, str(parser_dir))
    import kaitaistruct
    import wea_block

    return kaitaistruct, wea_block


def examine(block: bytes, kaitaistruct: ModuleType, wea_block: ModuleType) -> dict[str, Any]:
    """Parse one block; return the contract's JSON object.

    An invalid result also has a key ``detail`` with the parser's own
    message, which :func:`main` prints on stderr. Raises :class:`UnmappedError`
    for a failure that has no category.
    """
    phase = "header"
    try:
        parsed = wea_block.WeaBlock.from_bytes(block)
        fields = {
            "etype": int(parsed.etype),
            "ndims": int(parsed.num_dims),
            "dims": [int(d.value) for d in parsed.dims],
            "offset": int(parsed.ofs_data),
        }
        phase = "data"
        data = parsed.data
        return {
            "valid": True,
            **fields,
            "len_data": int(parsed.len_data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    except kaitaistruct.ValidationFailedError as exc:
        category = SRC_PATH_CATEGORY.get(exc.src_path)
        if category is None:
            raise UnmappedError(
                f"validation failed at unmapped src_path {exc.src_path!r}: {exc}"
            ) from exc
        return {"valid": False, "error": category, "detail": f"{exc}"}
    except EOFError as exc:
        category = "truncated" if phase == "header" else "data_truncated"
        return {
            "valid": False,
            "error": category,
            "detail": f"reading the {phase}: {exc}",
        }
    except kaitaistruct.KaitaiStructError as exc:
        raise UnmappedError(f"{type(exc).__name__}: {exc}") from exc


def exit_code(result: dict[str, Any]) -> int:
    """Return the exit status the contract prescribes for a result."""
    return 0 if result["valid"] else CATEGORY_NUMBER[result["error"]]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Read one WA-1 block with the Kaitai parser.")
    parser.add_argument(
        "--parser-dir",
        type=Path,
        default=Path(os.environ.get("WEA_KAITAI_DIR", DEFAULT_PARSER_DIR)),
        help="where wea_block.py is (default: $WEA_KAITAI_DIR, else build/kaitai)",
    )
    parser.add_argument("file", type=Path, help="the block to read")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error; the contract wants >= 64
        return EXIT_USAGE if exc.code else 0
    try:
        kaitaistruct, wea_block = load_parser(args.parser_dir)
    except (ImportError, FileNotFoundError) as exc:
        print(f"kaitai_participant: {exc}", file=sys.stderr)
        return EXIT_SOFTWARE
    try:
        block = args.file.read_bytes()
    except OSError as exc:
        print(f"kaitai_participant: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_NOINPUT
    try:
        result = examine(block, kaitaistruct, wea_block)
    except UnmappedError as exc:
        print(f"kaitai_participant: {args.file}: {exc}", file=sys.stderr)
        return EXIT_SOFTWARE
    except (
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
        AttributeError,
        RuntimeError,
        MemoryError,
    ):  # a crash of the parser is no verdict
        traceback.print_exc()
        return EXIT_SOFTWARE
    detail = result.pop("detail", None)
    if detail:  # the parser's own words; the contract's "message" is the §6.3 text
        print(f"kaitai_participant: {args.file}: {detail}", file=sys.stderr)
    print(json.dumps(result))
    return exit_code(result)


if __name__ == "__main__":
    sys.exit(main())
