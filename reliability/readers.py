"""The WA-1 readers the reliability tests hold to the same answers.

Each reader takes a byte string and returns a :class:`cwea.Result`:

* ``python_reader``: the wea package (``wea._format.parse_header``, the
  reader every public entry point calls), plus ``wea.loads`` on valid
  blocks, whose array must hold exactly the data bytes;
* ``c_reader``: libwea's ``wea_parse`` through ctypes (:mod:`cwea`);
* ``kaitai_reader``: the parser generated from ``spec/wea.ksy``, named by
  ``tools/kaitai_participant.py`` exactly as the conformance runner names it;
* ``oracle``: the conformance generator's own transcription of spec §6.1
  (``tools/gen_vectors.reference_read``), which imports nothing of wea.

``BEYOND_KAITAI`` are the categories the ``.ksy`` cannot express (the
manifest's ``beyond_kaitai`` flag): there the Kaitai parser is exempt, but
it must still reject the block (as ``bad_magic`` for the R2 categories).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import cwea
import numpy as np
from cwea import Result

ROOT = Path(__file__).resolve().parents[1]
KAITAI_DIR = Path(os.environ.get("WEA_KAITAI_DIR", ROOT / "build" / "kaitai"))


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


_gen = _load("wea_gen_vectors", ROOT / "tools" / "gen_vectors.py")
BEYOND_KAITAI: frozenset[str] = _gen.BEYOND_KAITAI


def oracle(block: bytes) -> Result:
    """The conformance generator's reference reader (spec §6.1, big integers)."""
    status, dec = _gen.reference_read(block)
    if status is not None:
        return Result(False, error=status)
    return Result(
        True,
        etype=dec.etype,
        ndims=len(dec.dims),
        dims=tuple(dec.dims),
        offset=dec.offset,
        len_data=len(dec.data),
        sha256=hashlib.sha256(dec.data).hexdigest(),
    )


def python_reader(block: bytes) -> Result:
    """The wea package's reader; on a valid block, also ``wea.loads``."""
    import wea
    from wea._format import parse_header

    try:
        h = parse_header(block)
    except wea.WeaError as e:
        return Result(False, error=e.category, message=e.message)
    data = block[h.offset : h.offset + h.len_data]
    arr = wea.loads(block)
    if (
        arr.shape != h.dims
        or arr.dtype != h.dtype
        or arr.nbytes != h.len_data
        or np.asfortranarray(arr).tobytes(order="F") != data
    ):
        raise AssertionError(f"wea.loads disagrees with parse_header: {h}")
    return Result(
        True,
        etype=h.etype,
        ndims=h.ndims,
        dims=tuple(h.dims),
        offset=h.offset,
        len_data=h.len_data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def c_reader(block: bytes) -> Result:
    """libwea's ``wea_parse``, on an exact-size copy of the bytes."""
    return cwea.parse(block)


_kaitai: tuple[Any, Any, ModuleType] | None = None


def kaitai_available() -> bool:
    """Whether the generated parser (``build/kaitai/wea_block.py``) is built."""
    return (KAITAI_DIR / "wea_block.py").is_file()


def kaitai_reader(block: bytes) -> Result:
    """The Kaitai-generated parser, named as the conformance participant names it."""
    global _kaitai
    if _kaitai is None:
        part = _load("wea_kaitai_participant", ROOT / "tools" / "kaitai_participant.py")
        kaitaistruct, wea_block = part.load_parser(KAITAI_DIR)
        _kaitai = (kaitaistruct, wea_block, part)
    kaitaistruct, wea_block, part = _kaitai
    r = part.examine(block, kaitaistruct, wea_block)  # UnmappedError propagates
    if not r["valid"]:
        return Result(False, error=r["error"], message=r.get("detail"))
    return Result(
        True,
        etype=r["etype"],
        ndims=r["ndims"],
        dims=tuple(r["dims"]),
        offset=r["offset"],
        len_data=r["len_data"],
        sha256=r["sha256"],
    )


def kaitai_agrees(expected: Result, got: Result) -> bool:
    """Whether the Kaitai parser's answer is the expected one, less its exemptions.

    Where the expected category is beyond the ``.ksy`` (``BEYOND_KAITAI``),
    the R2 categories must come out as ``bad_magic`` (its single
    ``contents`` magic), and ``overflow`` is exempt altogether: the ``.ksy``
    computes sizes in big integers, so it reports ``data_truncated`` or,
    with a zero dimension, a valid empty array (the conformance runner lists
    the same answers for the ``i-r8-*`` vectors).
    """
    if expected.valid or expected.error not in BEYOND_KAITAI:
        return expected.key() == got.key()
    if expected.error in ("wrong_byte_order", "unsupported_version"):
        return not got.valid and got.error == "bad_magic"
    return True  # overflow
