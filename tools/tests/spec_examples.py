"""Extract the worked examples (§11) from spec/wea.md.

Each example is a fenced block with the info string ``wea-example``: lines
``key: value`` (the fields the spec states), a line ``---``, then a hex dump
in the form ``OFFSET: HEX HEX ...``. This module parses them so that tests
can feed the very bytes printed in the spec to every implementation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "spec" / "wea.md"

_FENCE = re.compile(r"^```wea-example\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One worked example: the fields the spec states and the block's bytes."""

    name: str
    etype: int
    ndims: int
    offset: int
    dims: tuple[int, ...]
    len_data: int
    data: bytes
    block: bytes


def _parse_dump(lines: list[str]) -> bytes:
    out = bytearray()
    for line in lines:
        addr, _, hexpart = line.partition(":")
        if int(addr, 16) != len(out):
            raise ValueError(f"hex dump line {line!r} starts at {addr}, expected {len(out):08x}")
        out += bytes.fromhex(hexpart)
    return bytes(out)


def load_examples(spec: Path = SPEC) -> list[Example]:
    """Return every ``wea-example`` block of the spec, in order."""
    examples = []
    for match in _FENCE.finditer(spec.read_text(encoding="utf-8")):
        head, sep, dump = match.group(1).partition("---\n")
        if not sep:
            raise ValueError("a wea-example block has no '---' line")
        fields = dict(line.split(": ", 1) for line in head.strip().splitlines())
        examples.append(
            Example(
                name=fields["name"],
                etype=int(fields["etype"]),
                ndims=int(fields["ndims"]),
                offset=int(fields["offset"]),
                dims=tuple(int(d) for d in fields["dims"].split()),
                len_data=int(fields["len_data"]),
                data=bytes.fromhex(fields["data"].replace(" ", "")),
                block=_parse_dump(dump.strip().splitlines()),
            )
        )
    return examples
