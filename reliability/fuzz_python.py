"""atheris (libFuzzer for Python) target: the wea package's readers.

Run it through ``run_fuzz_python.py`` (``make fuzz-python``), which seeds it
with the conformance vectors and counts what it did. Each input is read by
every reading entry point of the package, and any of these is a finding:

* an exception other than a :class:`wea.WeaError` (a crash of the reader);
* a verdict other than the oracle's: the conformance generator's own
  transcription of spec §6.1 (``tools/gen_vectors.reference_read``), which
  imports nothing of wea; or the C library's, through ctypes;
* entry points that disagree with each other: ``parse_header`` on bytes,
  a bytearray and an unaligned memoryview, ``parse_fixed_header`` (R1-R5),
  ``read_header``, ``loads`` twice (the second through the header cache),
  ``load_buffered_array``, and ``load`` of a stream, which must also stop
  right after the block;
* a valid array whose shape, dtype or bytes are not the header's and data's;
* a §6.3 message that does not start with its category, or differs from C's.

The same bytes, decoded as UTF-8 with surrogates escaped, are also fed to
the shared-memory name check (§8.2.1), which may only raise ``ValueError``.
"""

from __future__ import annotations

import io
import os
import sys

import atheris

# readers and cwea: run as a script (run_fuzz_python.py), this file's
# directory is sys.path[0].
with atheris.instrument_imports(include=["wea"]):
    import wea
    from wea._format import parse_fixed_header, parse_header
    from wea._shm import normalize_name

import numpy as np
import readers

USE_C = os.environ.get("WEA_FUZZ_NO_C", "") == ""
if USE_C:
    import cwea

    cwea.lib()


def _category(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return ("ok", fn(*args))
    except wea.WeaError as e:
        if not e.message.startswith(e.category + ": "):
            raise AssertionError(f"message without its category: {e.message!r}") from e
        return (e.category, e.message)


def check(data: bytes) -> None:
    expect = readers.oracle(data)
    verdict = "ok" if expect.valid else expect.error

    got = _category(parse_header, data)
    if got[0] != verdict:
        raise AssertionError(f"parse_header says {got[0]}, the oracle {verdict}")
    message = None if verdict == "ok" else got[1]
    for other in (bytearray(data), memoryview(b"\0" + data)[1:]):
        again = _category(parse_header, other)
        if again[0] != verdict or (message is not None and again[1] != message):
            raise AssertionError(f"parse_header on {type(other).__name__}: {again}")
    if _category(wea.read_header, data)[0] != verdict:
        raise AssertionError("read_header disagrees")

    # R1-R5 from the fixed header alone.
    fixed = _category(parse_fixed_header, data[:16])
    if verdict in ("ok", "invalid_dimension", "overflow", "data_truncated") or (
        verdict == "truncated" and len(data) >= 16
    ):
        if fixed[0] != "ok":
            raise AssertionError(f"parse_fixed_header fails ({fixed[0]}) where R1-R5 pass")
    elif fixed[0] != verdict:
        raise AssertionError(f"parse_fixed_header says {fixed[0]}, the oracle {verdict}")

    if USE_C:
        c = cwea.parse(data)
        if c.key() != expect.key():
            raise AssertionError(f"C says {c}, the oracle {expect}")
        if message is not None and c.message != message:
            raise AssertionError(f"messages differ: C {c.message!r}, Python {message!r}")

    stream = io.BytesIO(data)
    streamed = _category(wea.load, stream)
    if streamed[0] != verdict:
        raise AssertionError(f"load(stream) says {streamed[0]}, the oracle {verdict}")

    if verdict != "ok":
        for fn in (wea.loads, wea.load_buffered_array):
            if _category(fn, data)[0] != verdict:
                raise AssertionError(f"{fn.__name__} disagrees")
        return

    h = parse_header(data)
    want = data[h.offset : h.offset + h.len_data]
    if (h.etype, h.dims, h.offset, h.len_data) != (
        expect.etype,
        expect.dims,
        expect.offset,
        expect.len_data,
    ):
        raise AssertionError(f"header {h} differs from the oracle's {expect}")
    arrays = [
        wea.loads(data),
        wea.loads(data),  # through the cache of validated headers
        wea.loads(bytearray(data)),
        wea.load_buffered_array(bytearray(data)),
        streamed[1],
    ]
    for a in arrays:
        if a.shape != h.dims or a.dtype != h.dtype:
            raise AssertionError(f"array {a.shape} {a.dtype} is not the header's {h}")
        if np.asfortranarray(a).tobytes(order="F") != want:
            raise AssertionError("array bytes are not the block's data")
    if stream.tell() != h.block_size:
        raise AssertionError(f"load(stream) stopped at {stream.tell()}, not {h.block_size}")


def check_name(data: bytes) -> None:
    text = data[:300].decode("utf-8", "surrogateescape")
    try:
        out = normalize_name(text)
    except ValueError:
        return
    body = text[1:] if text.startswith("/") else text
    if out != "/" + body or "/" in body or "\0" in body or not 1 <= len(body.encode()) <= 255:
        raise AssertionError(f"normalize_name accepted {text!r} as {out!r}")


def TestOneInput(data: bytes) -> None:  # atheris' name
    check(data)
    check_name(data)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
