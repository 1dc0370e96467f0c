"""Encode (array to bytes) and decode (bytes to array): wea and its peers.

Each peer is a pair of *inlined statements* (see timing.time_stmt) over a
namespace the peer prepares: ``encode`` turns the array ``a`` into the
peer's wire form in ``_r``; ``decode`` turns that wire form ``b`` back into
an ndarray in ``_r``. Peers whose package is missing are reported as such,
never silently dropped.

wea 0.1.3 shares wea's import name, so it is measured by legacy.py, in a
venv of its own, with the same statements as here (LEGACY_* below).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np


@dataclass
class Codec:
    """One way of turning an array into bytes and back."""

    key: str
    label: str
    package: str | None  # distribution whose version is reported
    encode: str | None  # statement: a -> _r
    decode: str | None  # statement: b -> _r
    prepare: Callable[[], dict[str, Any]] = field(default=dict)
    #: turns the encoder's _r into the decoder's b (the "received" form)
    received: Callable[[Any], Any] = field(default=lambda r: r)
    note: str = ""
    zero_copy_decode: bool = False

    def namespace(self) -> dict[str, Any]:
        """The statements' globals (imports the peer's package)."""
        return self.prepare()

    def version(self) -> str:
        """The peer's package version, or the reason it is not there."""
        if self.package is None:
            return "numpy " + np.__version__ if self.key in MEMCPY_KEYS else "stdlib"
        try:
            return f"{self.package} {version(self.package)}"
        except PackageNotFoundError:
            return "not installed"


MEMCPY_KEYS = {"memcpy", "frombuffer"}


def _ns_wea() -> dict[str, Any]:
    import wea

    return {"dumps": wea.dumps, "loads": wea.loads, "lba": wea.load_buffered_array}


def _ns_numpy() -> dict[str, Any]:
    return {"np": np, "copyto": np.copyto, "frombuffer": np.frombuffer, "f8": np.float64}


def _ns_npy() -> dict[str, Any]:
    return {"save": np.save, "load": np.load, "BytesIO": io.BytesIO}


def _ns_pickle() -> dict[str, Any]:
    return {"dumps": pickle.dumps, "loads": pickle.loads}


def _ns_safetensors() -> dict[str, Any]:
    from safetensors.numpy import load, save

    return {"save": save, "load": load}


def _ns_arrow() -> dict[str, Any]:
    import pyarrow as pa

    return {
        "Tensor": pa.Tensor,
        "BufferOutputStream": pa.BufferOutputStream,
        "BufferReader": pa.BufferReader,
        "write_tensor": pa.ipc.write_tensor,
        "read_tensor": pa.ipc.read_tensor,
    }


def _ns_msgpack() -> dict[str, Any]:
    import msgpack
    import msgpack_numpy

    return {
        "packb": msgpack.packb,
        "unpackb": msgpack.unpackb,
        "mn_encode": msgpack_numpy.encode,
        "mn_decode": msgpack_numpy.decode,
    }


_PROTO_CLASS: Any = None


def protobuf_message_class() -> Any:
    """A message ``weabench.Array {string dtype; repeated int64 shape; bytes data}``.

    Built at run time from a FileDescriptorProto, so no ``protoc`` is
    needed; the class is the same one generated code would give.
    """
    global _PROTO_CLASS
    if _PROTO_CLASS is not None:
        return _PROTO_CLASS
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(
        name="weabench_array.proto", package="weabench", syntax="proto3"
    )
    msg = fdp.message_type.add(name="Array")
    f = descriptor_pb2.FieldDescriptorProto
    msg.field.add(name="dtype", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    msg.field.add(name="shape", number=2, type=f.TYPE_INT64, label=f.LABEL_REPEATED)
    msg.field.add(name="data", number=3, type=f.TYPE_BYTES, label=f.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName("weabench.Array")
    if hasattr(message_factory, "GetMessageClass"):
        _PROTO_CLASS = message_factory.GetMessageClass(desc)
    else:  # protobuf < 4.22
        _PROTO_CLASS = message_factory.MessageFactory(pool).GetPrototype(desc)
    return _PROTO_CLASS


def _ns_protobuf() -> dict[str, Any]:
    return {"Msg": protobuf_message_class(), "frombuffer": np.frombuffer, "dtype": np.dtype}


def _oob_received(r: Any) -> Any:
    if r is None:
        return None
    p, bufs = r
    # What a receiver holds: the pickle and the raw out-of-band buffers.
    return (p, [b.raw() for b in bufs])


CODECS: list[Codec] = [
    Codec(
        "wea",
        "wea (dumps / loads)",
        "wea",
        "_r = dumps(a)",
        "_r = loads(b)",
        _ns_wea,
        zero_copy_decode=True,
    ),
    Codec(
        "memcpy",
        "memcpy bound (np.copyto, preallocated)",
        None,
        "copyto(dst, a)",
        "copyto(dst, a)",
        _ns_numpy,
        note="not a format: the copy every copying encoder pays at least",
    ),
    Codec(
        "frombuffer",
        "np.frombuffer (bare, no header)",
        None,
        None,
        "_r = frombuffer(b, f8)",
        _ns_numpy,
        received=lambda r: r,
        note="not a format: the floor of any zero-copy decoder in Python",
        zero_copy_decode=True,
    ),
    Codec(
        "npy",
        "np.save / np.load (BytesIO)",
        None,
        "_f = BytesIO(); save(_f, a); _r = _f.getvalue()",
        "_r = load(BytesIO(b))",
        _ns_npy,
    ),
    Codec(
        "pickle5",
        "pickle protocol 5, in-band",
        None,
        "_r = dumps(a, protocol=5)",
        "_r = loads(b)",
        _ns_pickle,
    ),
    Codec(
        "pickle5oob",
        "pickle protocol 5, out-of-band",
        None,
        "_bufs = []; _p = dumps(a, protocol=5, buffer_callback=_bufs.append); _r = (_p, _bufs)",
        "_r = loads(b[0], buffers=b[1])",
        _ns_pickle,
        received=_oob_received,
        note="not one byte string: a small pickle plus the array's own buffer",
        zero_copy_decode=True,
    ),
    Codec(
        "safetensors",
        "safetensors.numpy",
        "safetensors",
        "_r = save({'a': a})",
        "_r = load(b)['a']",
        _ns_safetensors,
    ),
    Codec(
        "arrow",
        "pyarrow tensor IPC",
        "pyarrow",
        "_s = BufferOutputStream(); write_tensor(Tensor.from_numpy(a), _s); _r = _s.getvalue()",
        "_r = read_tensor(BufferReader(b)).to_numpy()",
        _ns_arrow,
        zero_copy_decode=True,
    ),
    Codec(
        "msgpack",
        "msgpack-numpy",
        "msgpack-numpy",
        "_r = packb(a, default=mn_encode)",
        "_r = unpackb(b, object_hook=mn_decode)",
        _ns_msgpack,
    ),
    Codec(
        "protobuf",
        "Protocol Buffers (bytes field)",
        "protobuf",
        "_r = Msg(dtype=a.dtype.str, shape=a.shape, data=a.tobytes()).SerializeToString()",
        "_m = Msg(); _m.ParseFromString(b); "
        "_r = frombuffer(_m.data, dtype(_m.dtype)).reshape(tuple(_m.shape))",
        _ns_protobuf,
    ),
]

#: The statements legacy.py runs in the wea 0.1.3 venv (same import name).
LEGACY_ENCODE = "_w = create(a.dtype, a.shape); _w[...] = a; _r = _w.exchange_buffer"
LEGACY_DECODE = "_r = load(b)"
