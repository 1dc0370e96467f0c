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

  The normative text is spec/wea.md; every attribute cites its clause. The
  fixed header and the dims are each read as a sized substream first, so that
  "needs more bytes" (R1, R6) is found before any value check, in the order
  of the spec's reader checks (§6.1).

  Checks this file cannot express, made by the Python package (wea._format)
  and the C reader (c/src/wea.c), and marked `beyond_kaitai` on the
  conformance vectors that need them:

  - R2 tells `wrong_byte_order` (bytes 57 41 2D ..) and `unsupported_version`
    (bytes .. 2D 41 57) apart from `bad_magic`; `contents` knows only "not
    equal", so here all three are a failed magic.
  - R8 (overflow): generated parsers compute sizes in the target language's
    integers (unbounded in Python, 64-bit elsewhere), so "exceeds 2^63-1"
    cannot be stated portably; an overflowing shape shows here as a data
    read that runs past the end.
  - R9 is checked when `data` is read (the instance is lazy), as an
    end-of-stream error.
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
    doc-ref: spec/wea.md §3.4
  len_header:
    value: 16 + 8 * header.num_dims
    doc: Bytes of the fixed header plus the dims.
    doc-ref: spec/wea.md §3.2
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
  has_zero_dim:
    value: 'header.num_dims > 0 and dims.min == 0'
    doc: A dimension of length 0 makes the array empty (§5.2).
    doc-ref: spec/wea.md §5.2
  num_elements:
    value: 'has_zero_dim ? 0 : (header.num_dims == 0 ? 1 : extent.value)'
    doc: Element count `K` (§3.6); 1 for a 0-d array.
    doc-ref: spec/wea.md §3.6
  extent:
    pos: 0
    size: 0
    type: dim_product(0)
    if: header.num_dims > 0
    doc: The product of the dimensions from the first one on.
    doc-ref: spec/wea.md §5.6
  len_data:
    value: len_elem * num_elements
    doc: Data length `L` in bytes (§3.6).
    doc-ref: spec/wea.md §3.6
  body:
    pos: len_header
    size: header.ofs_data - len_header + len_data
    type: body
    doc: |
      The padding and the data, read as one sized substream, so that a block
      that ends before its data offset fails R9 even when `len_data` is 0.
    doc-ref: spec/wea.md §3.8, §6.1 R9
  data:
    value: body.data
    doc: |
      The elements, packed, column-major, little-endian. Reading past the
      end of the block fails R9.
    doc-ref: spec/wea.md §3.6, §6.1 R9
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
          max: 32
        doc: Number of dimensions `N`, at most WEA_MAX_NDIMS = 32 (R4).
        doc-ref: spec/wea.md §5.3, §6.1 R4
      - id: ofs_data
        type: s8
        valid:
          expr: _ == ofs_canonical or _ == ofs_canonical + 64
        doc: |
          Byte offset of the first element: the canonical offset C(N), or
          C(N) + 64 as written by wea 0.1.3 (R5).
        doc-ref: spec/wea.md §3.5, §5.4, §6.1 R5
    instances:
      ofs_canonical:
        value: ((16 + 8 * num_dims + 63) / 64) * 64
        doc: C(N) = roundup(16 + 8*N, 64).
        doc-ref: spec/wea.md §3.5
  dims_table:
    doc-ref: spec/wea.md §3.4
    seq:
      - id: dims
        type: s8
        repeat: eos
        valid:
          min: 0
        doc: Dimension lengths, first (fastest-varying) first; each >= 0 (R7).
        doc-ref: spec/wea.md §3.4, §6.1 R7
  dim_product:
    doc: Product of max(dims[i], 1) for i >= idx, by recursion (§5.6).
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
      value:
        value: |
          (_root.dims[idx] > 0 ? _root.dims[idx] : 1)
          * (idx + 1 < _root.header.num_dims ? rest.value.as<s8> : 1)
enums:
  element_type:
    1:
      id: int8
      doc: int8_t, numpy int8, Julia Int8; 1 byte
    2:
      id: uint8
      doc: uint8_t, numpy uint8, Julia UInt8; 1 byte
    3:
      id: int16
      doc: int16_t, numpy int16, Julia Int16; 2 bytes
    4:
      id: uint16
      doc: uint16_t, numpy uint16, Julia UInt16; 2 bytes
    5:
      id: int32
      doc: int32_t, numpy int32, Julia Int32; 4 bytes
    6:
      id: uint32
      doc: uint32_t, numpy uint32, Julia UInt32; 4 bytes
    7:
      id: int64
      doc: int64_t, numpy int64, Julia Int64; 8 bytes
    8:
      id: uint64
      doc: uint64_t, numpy uint64, Julia UInt64; 8 bytes
    9:
      id: float32
      doc: IEEE 754 binary32, numpy float32, Julia Float32; 4 bytes
    10:
      id: float64
      doc: IEEE 754 binary64, numpy float64, Julia Float64; 8 bytes
    11:
      id: complex64
      doc: two float32 (real, imaginary), Julia ComplexF32; 8 bytes
    12:
      id: complex128
      doc: two float64 (real, imaginary), Julia ComplexF64; 16 bytes
    256:
      id: bool
      doc: |
        wea extension, not readable by Julia's WrappedArray: one byte,
        0 is false, 1 is true (§4.2)
    257:
      id: float16
      doc: |
        wea extension, not readable by Julia's WrappedArray: IEEE 754
        binary16; 2 bytes (§4.2)
