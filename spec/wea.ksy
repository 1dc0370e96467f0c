meta:
  id: wea_block
  title: WA-1 Wrapped Exchange Array block
  application:
    - wea (Python package and C reader)
    - InterProcessCommunication.jl (WrappedArray)
  file-extension: wea
  license: MIT
  ks-version: '0.11'
  endian: le
doc: |
  One dense n-dimensional numeric array: a 16-byte header, the dimensions,
  padding to a 64-byte boundary, then the elements, packed, in column-major
  order. The block may be followed by trailing bytes, which are ignored
  (spec/wea.md §3.7).

  The normative text is spec/wea.md (WA-1 1.1); every attribute cites its
  clause. The fixed header and the dims are each read as a sized substream
  first, so that "needs more bytes" (R1, R6) is found before any value
  check, in the order of the spec's reader checks (§6.1).

  Every signed 64-bit field (the data offset and the dims) is read as a u4
  low word and an s4 high word, and its checks are stated on the words: a
  value is negative exactly when its high word is, and a valid offset has a
  high word of 0. So every target rejects a negative value, also one whose
  runtime reads s8 inexactly (JavaScript computes in doubles). `value` of a
  dim is `hi * 2^32 + lo`, exact where the target's integers are 64-bit or
  unbounded, rounded above 2^53 in JavaScript (a participant that must
  report exact dims combines the words itself).

  Checks this file cannot express, made by the Python package (wea._format)
  and the C reader (c/src/wea.c), and marked `beyond_kaitai` on the
  conformance vectors that need them:

  - R2 tells `wrong_byte_order` (bytes 57 41 2D ..) and `unsupported_version`
    (bytes .. 2D 41 57) apart from `bad_magic`; `contents` knows only "not
    equal", so here all three are a failed magic.
  - R8 (overflow): the sizes below are computed in the target's integers,
    and "exceeds 2^63-1" cannot be stated portably. Python's are unbounded:
    an overflowing shape fails `within_block` (R9) instead, or passes when a
    dim is 0 (then L = 0). JavaScript's are doubles: exact to 2^53, rounded
    beyond, never wrapped; the same holds there. Targets with 64-bit integers (C++, C#,
    Go, Java, Nim, Rust, ...) wrap around (in C++, signed overflow is
    undefined behaviour): a product that wraps to a small number passes
    `within_block`, which is exactly what R8 exists to refuse.

  R9 is `within_block`, an explicit comparison made before the padding and
  the data are read, so that no target's byte-array read sees an
  unchecked length (the JavaScript runtime truncates a length to 32 bits).
doc-ref: spec/wea.md §3
seq:
  - id: header
    size: 16
    type: fixed_header
    doc: The 16-byte fixed header (§3.2); fewer than 16 bytes fail R1.
    doc-ref: spec/wea.md §3.2, §6.1 R1
  - id: dims_table
    size: 8 * header.num_dims
    type: dims_table
    doc: The dimensions (§3.4); fewer bytes than they need fail R6.
    doc-ref: spec/wea.md §3.4, §6.1 R6
  - id: within_block
    size: 0
    valid:
      expr: header.ofs_data + len_data <= _io.size
    doc: |
      Reads nothing: R9, the block holds its data, `offset + L <= len`
      (§6.1 R9), checked before `body` is read.
    doc-ref: spec/wea.md §6.1 R9
instances:
  etype:
    value: header.etype
    doc-ref: spec/wea.md §4
  num_dims:
    value: header.num_dims
    doc-ref: spec/wea.md §3.3
  ofs_data:
    value: header.ofs_data
    doc-ref: spec/wea.md §3.5
  dims:
    value: dims_table.dims
    doc: The dims, each a `dim` (its `value`, or its words `lo` and `hi`).
    doc-ref: spec/wea.md §3.4
  len_header:
    value: 16 + 8 * header.num_dims
    doc: Bytes of the fixed header plus the dims.
    doc-ref: spec/wea.md §3.2
  # BEGIN GENERATED len_elem: from spec/registry.json by `make tables`; do not edit
  len_elem:
    value: |
      header.etype == element_type::int8 ? 1
      : header.etype == element_type::uint8 ? 1
      : header.etype == element_type::int16 ? 2
      : header.etype == element_type::uint16 ? 2
      : header.etype == element_type::int32 ? 4
      : header.etype == element_type::uint32 ? 4
      : header.etype == element_type::int64 ? 8
      : header.etype == element_type::uint64 ? 8
      : header.etype == element_type::float32 ? 4
      : header.etype == element_type::float64 ? 8
      : header.etype == element_type::complex64 ? 8
      : header.etype == element_type::complex128 ? 16
      : header.etype == element_type::bool ? 1
      : 2
    doc: Element size `S` in bytes (§4.1, §4.2).
    doc-ref: spec/wea.md §4
  # END GENERATED len_elem
  shape:
    pos: 0
    size: 0
    type: dim_product(0)
    if: header.num_dims > 0
    doc: |
      The extent `E` (the product of max(d, 1) over the dims) and whether a
      dim is 0, by recursion over the dims (§3.6, §5.6).
    doc-ref: spec/wea.md §3.6, §5.6
  num_elements:
    value: 'header.num_dims == 0 ? 1 : (shape.has_zero ? 0 : shape.extent)'
    doc: |
      Element count `K` (§3.6): 1 for a 0-d array, 0 when a dim is 0, else
      `E` (which equals the product of the dims when none is 0).
    doc-ref: spec/wea.md §3.6
  len_data:
    value: len_elem * num_elements
    doc: Data length `L` in bytes (§3.6).
    doc-ref: spec/wea.md §3.6
  body:
    pos: len_header
    size: header.ofs_data - len_header + len_data
    type: body
    doc: The padding and the data, read as one sized substream.
    doc-ref: spec/wea.md §3.8, §3.6
  data:
    value: body.data
    doc: The elements, packed, column-major, little-endian.
    doc-ref: spec/wea.md §3.6
types:
  body:
    doc-ref: spec/wea.md §3.8
    seq:
      - id: padding
        size: _root.header.ofs_data - _root.len_header
        doc: Ignored by readers (§3.8).
      - id: data
        size: _root.len_data
  fixed_header:
    doc-ref: spec/wea.md §3.2
    seq:
      - id: magic
        contents: [0x31, 0x2d, 0x41, 0x57]
        doc: The bytes of the little-endian u4 0x57412D31 ("WA-1").
        doc-ref: spec/wea.md §3.3, §6.1 R2
      - id: etype
        type: u2
        enum: element_type
        valid:
          in-enum: true
        doc: Element type code; a reserved code fails R3.
        doc-ref: spec/wea.md §4, §6.1 R3
      - id: num_dims
        type: u2
        valid:
          max: 64
        doc: Number of dimensions `N`, at most WEA_MAX_NDIMS = 64 (R4).
        doc-ref: spec/wea.md §5.3, §6.1 R4
      - id: ofs_data_lo
        type: u4
        doc: The low 32 bits of the s8 data offset.
        doc-ref: spec/wea.md §3.5
      - id: ofs_data_hi
        type: s4
        valid:
          expr: |
            _ == 0 and (ofs_data_lo == ofs_canonical
                        or ofs_data_lo == ofs_canonical + 64)
        doc: |
          The high 32 bits of the s8 data offset, which must be 0: the offset
          is the canonical offset C(N), or C(N) + 64 as written by wea 0.1.3
          (R5).
        doc-ref: spec/wea.md §3.5, §5.4, §6.1 R5
    instances:
      ofs_canonical:
        value: ((16 + 8 * num_dims + 63) / 64) * 64
        doc: C(N) = roundup(16 + 8*N, 64).
        doc-ref: spec/wea.md §3.5
      ofs_data:
        value: ofs_data_lo
        doc: Byte offset of the first element (its high word is 0).
        doc-ref: spec/wea.md §3.5
  dims_table:
    doc-ref: spec/wea.md §3.4
    seq:
      - id: dims
        type: dim
        repeat: eos
        doc: Dimension lengths, first (fastest-varying) first; each >= 0 (R7).
        doc-ref: spec/wea.md §3.4, §6.1 R7
  dim:
    doc: One s8 dimension, as its two 32-bit words.
    doc-ref: spec/wea.md §3.4
    seq:
      - id: lo
        type: u4
        doc: The low 32 bits.
      - id: hi
        type: s4
        valid:
          min: 0
        doc: The high 32 bits, signed; the dim is negative exactly when this is (R7).
        doc-ref: spec/wea.md §6.1 R7
    instances:
      value:
        value: hi * 4294967296 + lo
        doc: The dimension, `hi * 2^32 + lo` (rounded above 2^53 in JavaScript).
  dim_product:
    doc: |
      Over the dims from `idx` on, by recursion (§5.6): `extent`, the product
      of max(dims[i], 1) (zero-length dims count as 1), and `has_zero`,
      whether one of them is 0.
    doc-ref: spec/wea.md §5.6
    params:
      - id: idx
        type: u2
    instances:
      rest:
        pos: 0
        size: 0
        type: dim_product(idx + 1)
        if: idx + 1 < _root.header.num_dims
      dim:
        value: _root.dims[idx].value
      extent:
        value: |
          (dim > 0 ? dim : 1)
          * (idx + 1 < _root.header.num_dims ? rest.extent.as<s8> : 1)
      has_zero:
        value: |
          dim == 0 or (idx + 1 < _root.header.num_dims ? rest.has_zero.as<bool> : false)
enums:
  # BEGIN GENERATED element_type: from spec/registry.json by `make tables`; do not edit
  element_type:
    1:
      id: int8
      doc: "two's complement; numpy int8, C int8_t, Julia Int8; 1 byte"
    2:
      id: uint8
      doc: "unsigned; numpy uint8, C uint8_t, Julia UInt8; 1 byte"
    3:
      id: int16
      doc: "two's complement; numpy int16, C int16_t, Julia Int16; 2 bytes"
    4:
      id: uint16
      doc: "unsigned; numpy uint16, C uint16_t, Julia UInt16; 2 bytes"
    5:
      id: int32
      doc: "two's complement; numpy int32, C int32_t, Julia Int32; 4 bytes"
    6:
      id: uint32
      doc: "unsigned; numpy uint32, C uint32_t, Julia UInt32; 4 bytes"
    7:
      id: int64
      doc: "two's complement; numpy int64, C int64_t, Julia Int64; 8 bytes"
    8:
      id: uint64
      doc: "unsigned; numpy uint64, C uint64_t, Julia UInt64; 8 bytes"
    9:
      id: float32
      doc: "IEEE 754 binary32; numpy float32, C float, Julia Float32; 4 bytes"
    10:
      id: float64
      doc: "IEEE 754 binary64; numpy float64, C double, Julia Float64; 8 bytes"
    11:
      id: complex64
      doc: "two float32, the real part then the imaginary part; numpy complex64, C float[2], Julia ComplexF32; 8 bytes"
    12:
      id: complex128
      doc: "two float64, the real part then the imaginary part; numpy complex128, C double[2], Julia ComplexF64; 16 bytes"
    256:
      id: bool
      doc: "one byte, 0 is false, 1 is true; numpy bool, C uint8_t, Julia Bool, not readable by Julia's WrappedArray (§4.2); 1 byte"
    257:
      id: float16
      doc: "IEEE 754 binary16; numpy float16, C uint16_t, Julia Float16, not readable by Julia's WrappedArray (§4.2); 2 bytes"
  # END GENERATED element_type
