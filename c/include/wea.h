/**
 * \file wea.h
 * \brief The C99 reference reader and header writer of the WA-1 format
 *        (the Wrapped Exchange Array), with a POSIX binding for files and
 *        shared memory.
 *
 * The normative text is spec/wea.md; clause numbers (§3.5, R7, ...) below
 * refer to it.
 *
 * The library has two parts:
 *
 * - The pure part (src/wea.c) needs only the C99 standard library, never
 *   allocates and keeps no global state: wea_parse() validates a block held
 *   in any byte buffer, wea_write_header() writes one.
 * - The POSIX part (src/wea_posix.c, the steps files and shared memory
 *   share; src/wea_file.c; src/wea_shm.c) maps `.wea` files and creates,
 *   attaches and unlinks POSIX shared-memory objects (wea_map_file(),
 *   wea_shm_create(), wea_shm_attach(), wea_unmap(), wea_shm_unlink()).
 *
 * Names follow the spec's vocabulary (docs/vocabulary.md maps the spec's,
 * the Python package's and these names): canonical offset `C(N)`, data
 * length `L`, extent `E`, block length. A few older names remain for one
 * release as deprecated aliases (see "Deprecated names" at the end).
 *
 * Conventions shared by every function:
 *
 * - Fallible functions return a ::wea_status; ::WEA_OK (0) is success.
 *   Statuses 1 to 10 are the error categories of spec §6.2, with the same
 *   numbers; statuses from 11 on are the binding's own (§6.2, last
 *   paragraph).
 * - They take an optional, caller-owned ::wea_error as their last argument.
 *   NULL is always allowed. When it is not NULL the function sets it on every
 *   return: on success its status is ::WEA_OK and its message empty; on
 *   failure it holds the status, the errno of a failed system call (0 for a
 *   format error) and a message. Format errors use exactly the texts of spec
 *   §6.3.
 * - Output structures are caller-owned (on the stack, static, anywhere).
 *   A function never keeps a pointer to any of its arguments after it
 *   returns.
 * - The functions are reentrant and thread-safe as long as two threads do
 *   not write to the same output structure.
 */
#ifndef WEA_H
#define WEA_H

#include <stddef.h>
#include <stdint.h>

/** \brief Marks the functions of the public API, the only symbols that
 *  libwea.so exports.
 *
 *  The library's sources are compiled with `-fvisibility=hidden`, so its
 *  internal `wea__` helpers stay inside it; every function declared here
 *  carries `WEA_API`, which with GCC and Clang (4 and later) is
 *  `__attribute__((visibility("default")))`, the same when building the
 *  library and when using it (static or shared), and is empty with other
 *  compilers. Define `WEA_API` before including wea.h to override it. */
#ifndef WEA_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define WEA_API __attribute__((visibility("default")))
#else
#define WEA_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** \defgroup wea_constants Named constants (spec §12)
 *  @{ */

/** The magic number `0x57412D31`, stored as the bytes `31 2D 41 57` (§3.3). */
#define WEA_MAGIC 0x57412D31u
/** Size in bytes of the fixed header (§3.2). */
#define WEA_HEADER_SIZE 16
/** Size in bytes of one dimension (§3.4). */
#define WEA_DIM_SIZE 8
/** Alignment of the data offset relative to the block (§3.5). */
#define WEA_ALIGNMENT 64
/** Difference between the legacy offset of wea 0.1.3 and `C` (§5.4). */
#define WEA_LEGACY_OFFSET_DELTA 64
/** Largest number of dimensions (§5.3): 64, numpy 2's limit (32 before
 *  WA-1 1.1). The largest header with its dims is `16 + 8*64 = 528` bytes
 *  and `C(64) = 576`. */
#define WEA_MAX_NDIMS 64
/** Largest data offset a reader accepts (§5.3): the legacy offset
 *  `C(64) + 64` (384 before WA-1 1.1). */
#define WEA_MAX_OFFSET 640
/** Largest extent, data length and block length: `2^63-1` (§5.6). */
#define WEA_MAX_SIZE INT64_MAX
/** Largest length in bytes of a shared-memory name's body (§8.2.1). */
#define WEA_MAX_NAME_BYTES 255
/** Default permission bits of a new shared-memory object (§8.2.2). */
#define WEA_DEFAULT_MODE 0600

/** Size of the buffer that wea_shm_name_normalize() fills: `/`, at most
 *  255 bytes of body and the terminating NUL. */
#define WEA_SHM_NAME_SIZE (1 + WEA_MAX_NAME_BYTES + 1)
/** Size of the message buffer of ::wea_error, terminating NUL included. */
#define WEA_ERROR_MESSAGE_SIZE 512

/** @} */

/** \defgroup wea_types Element type codes (spec §4)
 *  @{ */

/* BEGIN GENERATED etypes: from spec/registry.json, `make tables` */
/** The element type codes: 1 to 12, the core of spec §4.1, and
 *  256 to 257, WA-1's extensions of §4.2. Every other code is
 *  reserved (§4.3). */
enum wea_etype {
    WEA_INT8 = 1,        /**< int8_t: two's complement, 1 byte */
    WEA_UINT8 = 2,       /**< uint8_t: unsigned, 1 byte */
    WEA_INT16 = 3,       /**< int16_t: two's complement, 2 bytes */
    WEA_UINT16 = 4,      /**< uint16_t: unsigned, 2 bytes */
    WEA_INT32 = 5,       /**< int32_t: two's complement, 4 bytes */
    WEA_UINT32 = 6,      /**< uint32_t: unsigned, 4 bytes */
    WEA_INT64 = 7,       /**< int64_t: two's complement, 8 bytes */
    WEA_UINT64 = 8,      /**< uint64_t: unsigned, 8 bytes */
    WEA_FLOAT32 = 9,     /**< float: IEEE 754 binary32, 4 bytes */
    WEA_FLOAT64 = 10,    /**< double: IEEE 754 binary64, 8 bytes */
    WEA_COMPLEX64 = 11,  /**< float[2]: two float32, the real part then the
                              imaginary part, 8 bytes */
    WEA_COMPLEX128 = 12, /**< double[2]: two float64, the real part then the
                              imaginary part, 16 bytes */
    WEA_BOOL = 256,      /**< uint8_t: one byte, 0 is false, 1 is true
                              (extension, §4.2) */
    WEA_FLOAT16 = 257    /**< uint16_t: IEEE 754 binary16, 2 bytes
                              (extension, §4.2) */
};
/* END GENERATED etypes */

/** @} */

/** \defgroup wea_status Statuses and errors
 *  @{ */

/** The status every fallible function returns.
 *
 *  1 to 10 are the error categories of spec §6.2, one to one, with the
 *  spec's numbers; wea_status_category() gives their names. ::WEA_ERR_TRUNCATED
 *  and ::WEA_ERR_DATA_TRUNCATED mean "needs more bytes"
 *  (wea_status_is_incomplete()); every other format status means the block
 *  is invalid or unsupported whatever follows.
 *
 *  From 11 on are the binding's own statuses, which are not format errors. */
typedef enum wea_status {
    WEA_OK = 0,                     /**< success */
    /* BEGIN GENERATED statuses: from spec/registry.json, `make tables` */
    WEA_ERR_TRUNCATED = 1,          /**< `truncated` (R1, R6) */
    WEA_ERR_BAD_MAGIC = 2,          /**< `bad_magic` (R2) */
    WEA_ERR_WRONG_BYTE_ORDER = 3,   /**< `wrong_byte_order` (R2) */
    WEA_ERR_UNSUPPORTED_VERSION = 4, /**< `unsupported_version` (R2) */
    WEA_ERR_UNSUPPORTED_TYPE = 5,   /**< `unsupported_type` (R3) */
    WEA_ERR_INVALID_NDIMS = 6,      /**< `invalid_ndims` (R4) */
    WEA_ERR_INVALID_OFFSET = 7,     /**< `invalid_offset` (R5) */
    WEA_ERR_INVALID_DIMENSION = 8,  /**< `invalid_dimension` (R7) */
    WEA_ERR_OVERFLOW = 9,           /**< `overflow` (R8) */
    WEA_ERR_DATA_TRUNCATED = 10,    /**< `data_truncated` (R9) */
    /* END GENERATED statuses */
    /* The binding's statuses (not format errors). */
    WEA_ERR_INVALID_ARGUMENT = 11,  /**< a NULL pointer or an argument out of range */
    WEA_ERR_BUFFER_TOO_SMALL = 12,  /**< the caller's buffer cannot hold what is to be written */
    WEA_ERR_NAME = 13,              /**< an invalid shared-memory name (§8.2.1) */
    WEA_ERR_EXISTS = 14,            /**< the name exists already (`EEXIST`) */
    WEA_ERR_NOT_FOUND = 15,         /**< no such object or file (`ENOENT`) */
    WEA_ERR_PERMISSION = 16,        /**< access denied (`EACCES`, `EPERM`, `EROFS`) */
    WEA_ERR_NO_SPACE = 17,          /**< no room to back the object (`ENOSPC`, `ENOMEM`, `EFBIG`) */
    WEA_ERR_SYSTEM = 18             /**< any other failed system call; see wea_error::sys_errno */
} wea_status;

/** The largest status value. */
#define WEA_STATUS_MAX WEA_ERR_SYSTEM

/** Caller-owned error details. Zero-initialise it or not: every function
 *  that takes one sets every field. */
typedef struct wea_error {
    /** The status the function returned. */
    wea_status status;
    /** errno of the system call that failed, 0 for every other failure. */
    int sys_errno;
    /** NUL-terminated message, empty on success. Format errors: exactly
     *  the spec §6.3 text (no trailing period). Longer texts are cut. */
    char message[WEA_ERROR_MESSAGE_SIZE];
} wea_error;

/**
 * \brief The name of a status.
 *
 * For 1 to 10 it is the spec's error category (`"truncated"`,
 * `"bad_magic"`, ...), the string that messages start with and conformance
 * tools print. ::WEA_OK gives `"ok"`; the binding's statuses give
 * `"invalid_argument"`, `"buffer_too_small"`, `"invalid_name"`, `"exists"`,
 * `"not_found"`, `"permission"`, `"no_space"` and `"system"`; any other
 * value gives `"unknown"`.
 *
 * \param status any value.
 * \return a static string; never NULL; never to be freed.
 */
WEA_API const char *wea_status_category(wea_status status);

/**
 * \brief Whether a status means "needs more bytes".
 *
 * \return 1 for ::WEA_ERR_TRUNCATED and ::WEA_ERR_DATA_TRUNCATED (the block
 *         may become valid when more bytes arrive), 0 for every other value.
 */
WEA_API int wea_status_is_incomplete(wea_status status);

/** @} */

/** \defgroup wea_etype_fn Element types
 *  @{ */

/**
 * \brief The size in bytes of one element of a type (§4).
 * \param etype an element type code.
 * \return 1, 2, 4, 8 or 16; 0 for a reserved code (§4.3).
 */
WEA_API size_t wea_etype_size(unsigned etype);

/**
 * \brief The name of an element type, as in spec §4 (`"float64"`, `"bool"`).
 * \param etype an element type code.
 * \return a static string; NULL for a reserved code.
 */
WEA_API const char *wea_etype_name(unsigned etype);

/**
 * \brief The code of an element type given by its spec §4 name.
 *
 * \param name a name of §4 (`"int8"`, `"float64"`, `"bool"`, ...: what
 *        wea_etype_name() returns), case-sensitive; NULL is rejected.
 * \param[out] etype receives the code; untouched on failure.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_UNSUPPORTED_TYPE if no type has that name;
 *         ::WEA_ERR_INVALID_ARGUMENT if \p name or \p etype is NULL.
 */
WEA_API wea_status wea_etype_from_name(const char *name, uint16_t *etype,
                                       wea_error *err);

/** @} */

/** \defgroup wea_reader Reader
 *  @{ */

/** A validated header: caller-owned, filled by wea_parse(),
 *  wea_write_header() and the POSIX functions. It holds no pointer, so it
 *  stays valid after the block is gone; the data pointer is computed from
 *  the block with wea_data(). Read it with the accessors or directly.
 *
 *  ABI: WA-1 1.1 raised ::WEA_MAX_NDIMS from 32 to 64, so
 *  `dims` and sizeof(wea_header) (and sizeof(wea_mapping)) grew: code
 *  compiled against an older wea.h must be recompiled, never linked with
 *  this library as it is. */
typedef struct wea_header {
    uint16_t etype;   /**< element type code (§4) */
    uint16_t ndims;   /**< number of dimensions, 0 to 64 */
    int64_t offset;   /**< data offset: `C(ndims)` or `C(ndims) + 64` */
    int64_t dims[WEA_MAX_NDIMS]; /**< dims[0 .. ndims-1]; the rest are 0 */
    size_t elsize;    /**< element size `S` in bytes */
    int64_t count;    /**< element count `K` */
    int64_t len_data; /**< data length `L = S * K` in bytes */
    int64_t block_size; /**< bytes the block needs: `offset + L` */
} wea_header;

/** \brief The number of bytes of the header with its dims for \p ndims
 *  dimensions: `16 + 8*ndims`; 0 if \p ndims is more than 64. */
WEA_API size_t wea_header_size(unsigned ndims);

/** \brief The canonical offset `C(ndims) = roundup(16 + 8*ndims, 64)`
 *  (§3.5), where a writer puts the data; 0 if \p ndims is more than 64.
 *  (Formerly wea_data_offset(), now a deprecated alias.) */
WEA_API size_t wea_canonical_offset(unsigned ndims);

/**
 * \brief Checks R1 to R5 on the first 16 bytes of a block (the fixed
 *        header) and tells how many bytes the header with its dims needs.
 *
 * (Formerly wea_peek(), now a deprecated alias.)
 *
 * Use it on a stream: after 16 bytes it decides R1 to R5, and
 * \p header_bytes says how many bytes wea_parse() needs to decide R6 to R8
 * (it then says, through wea_header::block_size, how many the whole block
 * needs). Reads at most 16 bytes of \p block.
 *
 * \param block the first bytes of the block; not kept. May be NULL when
 *        \p len is 0.
 * \param len the number of bytes available at \p block.
 * \param[out] header_bytes optional; receives `16 + 8*ndims` on success,
 *        untouched on failure.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_TRUNCATED (fewer than 16 bytes);
 *         ::WEA_ERR_BAD_MAGIC, ::WEA_ERR_WRONG_BYTE_ORDER,
 *         ::WEA_ERR_UNSUPPORTED_VERSION, ::WEA_ERR_UNSUPPORTED_TYPE,
 *         ::WEA_ERR_INVALID_NDIMS, ::WEA_ERR_INVALID_OFFSET (R2 to R5);
 *         ::WEA_ERR_INVALID_ARGUMENT if \p block is NULL and \p len is not 0.
 */
WEA_API wea_status wea_parse_fixed_header(const void *block, size_t len,
                                          size_t *header_bytes,
                                          wea_error *err);

/**
 * \brief Validates a block with the checks R1 to R9, in the spec's order,
 *        and decodes its header.
 *
 * Never allocates, never reads a byte at or beyond \p len, never assumes
 * \p block is aligned, and has no undefined behaviour on any input. The
 * first check that fails is reported (§6.1). Trailing bytes after
 * `offset + L` are accepted (§3.7).
 *
 * \param block the block; not kept. May be NULL when \p len is 0.
 * \param len the block length: the bytes available at \p block.
 * \param[out] out receives the header. On ::WEA_OK and on
 *        ::WEA_ERR_DATA_TRUNCATED it is filled completely (so that
 *        wea_header::block_size tells how many bytes the block needs); on any
 *        other failure it is zeroed.
 * \param[out] err optional; on failure the message is the spec §6.3 text.
 * \return ::WEA_OK; ::WEA_ERR_TRUNCATED (R1, R6); ::WEA_ERR_BAD_MAGIC,
 *         ::WEA_ERR_WRONG_BYTE_ORDER, ::WEA_ERR_UNSUPPORTED_VERSION (R2);
 *         ::WEA_ERR_UNSUPPORTED_TYPE (R3); ::WEA_ERR_INVALID_NDIMS (R4);
 *         ::WEA_ERR_INVALID_OFFSET (R5); ::WEA_ERR_INVALID_DIMENSION (R7);
 *         ::WEA_ERR_OVERFLOW (R8); ::WEA_ERR_DATA_TRUNCATED (R9);
 *         ::WEA_ERR_INVALID_ARGUMENT if \p out is NULL, or \p block is
 *         NULL and \p len is not 0.
 */
WEA_API wea_status wea_parse(const void *block, size_t len, wea_header *out,
                             wea_error *err);

/** \name Header accessors: the FFI surface
 *
 *  C code reads ::wea_header's fields directly. These functions are for
 *  callers that cannot see the struct: bindings through a foreign-function
 *  interface (ctypes, cffi, Julia's ccall, ...) that would otherwise have to
 *  mirror its layout, which changed when ::WEA_MAX_NDIMS grew in WA-1 1.1.
 *  Through them such a binding depends only on the function signatures,
 *  not on sizeof(wea_header); they are kept stable for that purpose.
 *  @{ */

/** \brief Element type code. \p h must not be NULL (as for every accessor). */
WEA_API unsigned wea_header_etype(const wea_header *h);
/** \brief Element size `S` in bytes. */
WEA_API size_t wea_header_elsize(const wea_header *h);
/** \brief Number of dimensions, 0 to 64. */
WEA_API unsigned wea_header_ndims(const wea_header *h);
/** \brief Length of dimension \p i (zero-based, first dimension varies
 *  fastest); -1 if \p i is not less than the number of dimensions. */
WEA_API int64_t wea_header_dim(const wea_header *h, unsigned i);
/** \brief Data offset in bytes from the first byte of the block. */
WEA_API int64_t wea_header_offset(const wea_header *h);
/** \brief Data length `L` in bytes. */
WEA_API int64_t wea_header_len_data(const wea_header *h);
/** \brief Element count `K` (1 for 0 dimensions, 0 if a dimension is 0). */
WEA_API int64_t wea_header_count(const wea_header *h);
/** \brief Bytes the block needs: `offset + L`. */
WEA_API int64_t wea_header_block_size(const wea_header *h);

/** @} */

/**
 * \brief A pointer to the first element of a validated block, in place.
 *
 * The pointer lies inside \p block (or one past its end when `L` is 0), is
 * valid as long as the block is, and may be unaligned in memory (§8.1.2):
 * copy elements out with memcpy() or check the alignment before a typed
 * load. Elements are little-endian, in column-major order.
 *
 * \param block the block that \p h was parsed from (wea_parse() returned
 *        ::WEA_OK on it).
 * \param h its header.
 * \return `block + offset`; NULL if \p block or \p h is NULL.
 */
WEA_API const void *wea_data(const void *block, const wea_header *h);

/** \brief As wea_data(), for a writable block. */
WEA_API void *wea_data_mut(void *block, const wea_header *h);

/** @} */

/** \defgroup wea_writer Writer
 *  @{ */

/**
 * \brief Checks a shape for a writer (§7.1) and computes the header a writer
 *        would write, without writing anything.
 *
 * (Formerly wea_make_header(), now a deprecated alias.)
 *
 * The checks are the reader's, in the reader's order, with its categories
 * (§7.1): the type, then the number of dimensions, then each dimension,
 * then the sizes. Messages cite §7.1:
 * - a reserved or unknown code (0, 13 to 255, 258 and above, also above
 *   65535): ::WEA_ERR_UNSUPPORTED_TYPE, `unsupported_type: element type
 *   code {etype}, expected 1 to 12, 256 or 257 (WA-1 §7.1)`;
 * - more than 64 dimensions: ::WEA_ERR_INVALID_NDIMS, `invalid_ndims:
 *   ndims is {ndims}, expected at most 64 (WA-1 §7.1)`;
 * - a negative dimension (the first): ::WEA_ERR_INVALID_DIMENSION,
 *   `invalid_dimension: dimension {i} is {d}, expected at least 0
 *   (WA-1 §7.1)`;
 * - a dimension too large, or a product that overflows (R8's three
 *   sums, in its order): ::WEA_ERR_OVERFLOW with R8's messages.
 *
 * \param etype a code of §4.1 or §4.2.
 * \param ndims 0 to 64.
 * \param dims \p ndims lengths, each at least 0; may be NULL when \p ndims
 *        is 0; not kept.
 * \param[out] out receives the header (canonical offset `C(ndims)`); zeroed
 *        on failure.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_UNSUPPORTED_TYPE; ::WEA_ERR_INVALID_NDIMS;
 *         ::WEA_ERR_INVALID_DIMENSION (a negative length);
 *         ::WEA_ERR_OVERFLOW (`E`, `S*E` or `offset + L` exceeds `2^63-1`);
 *         ::WEA_ERR_INVALID_ARGUMENT if \p out is NULL, or \p dims is NULL
 *         and \p ndims is not 0 (checked after the number of dimensions).
 */
WEA_API wea_status wea_make_header(unsigned etype, unsigned ndims,
                                   const int64_t *dims, wea_header *out,
                                   wea_error *err);

/**
 * \brief Writes a valid header, dims and zero padding: the first
 *        `C(ndims)` bytes of a block (§7.1).
 *
 * The data (`L` bytes at wea_header::offset) is not touched: the caller
 * writes it, so that a block of wea_header::block_size bytes results. The
 * buffer may be unaligned.
 *
 * \param buf where to write; not kept.
 * \param cap bytes available at \p buf; at least `C(ndims)`
 *        (wea_canonical_offset()).
 * \param etype, ndims, dims as for wea_make_header().
 * \param[out] out optional; receives the header written.
 * \param[out] err optional.
 * \return the statuses of wea_make_header(); ::WEA_ERR_BUFFER_TOO_SMALL if \p cap is
 *         less than `C(ndims)` (nothing is written);
 *         ::WEA_ERR_INVALID_ARGUMENT if \p buf is NULL.
 */
WEA_API wea_status wea_write_header(void *buf, size_t cap, unsigned etype,
                                    unsigned ndims, const int64_t *dims,
                                    wea_header *out, wea_error *err);

/**
 * \brief As wea_write_header(), but writes zeros in place of the 4 magic
 *        bytes: the block stays unpublished until wea_publish().
 *
 * For blocks that other processes may read while they are being written
 * (shared memory, §8.2.2 steps C6 and C7): a reader rejects an unpublished
 * block with ::WEA_ERR_BAD_MAGIC, never as a valid array of garbage.
 */
WEA_API wea_status wea_prepare_header(void *buf, size_t cap, unsigned etype,
                                      unsigned ndims, const int64_t *dims,
                                      wea_header *out, wea_error *err);

/**
 * \brief Publishes a block prepared by wea_prepare_header(): writes the 4
 *        magic bytes, last, with one naturally aligned 32-bit atomic store
 *        with release semantics (§8.2.2 C7).
 *
 * Everything written to the block before the call (header, padding,
 * elements) is visible to a reader whose acquire load of the magic, or
 * whose load followed by an acquire fence, sees the magic. With GCC and
 * Clang the store is `__atomic_store_n(..., __ATOMIC_RELEASE)` (builtins,
 * valid in C99 mode); other compilers get a volatile 32-bit store with no
 * ordering (see the README). The store needs a 4-byte aligned block
 * (shared memory is page aligned): an unaligned one cannot be published
 * atomically, and is refused without writing anything.
 *
 * \param block the block's first byte, 4-byte aligned, at least 4
 *        writable bytes.
 * \return ::WEA_OK; ::WEA_ERR_INVALID_ARGUMENT if \p block is NULL or not
 *         a multiple of 4.
 */
WEA_API wea_status wea_publish(void *block);

/** @} */

/** \defgroup wea_names Shared-memory names
 *  @{ */

/**
 * \brief Checks a shared-memory name (§8.2.1) and gives it with its
 *        leading `/`.
 *
 * Valid: an optional `/`, then a body of 1 to 255 bytes of valid UTF-8 with
 * no `/`, other than `.` and `..`. Pure: touches no system object.
 *
 * \param name the name; `x` and `/x` denote the same object.
 * \param[out] out receives `/` + body + NUL; untouched on failure.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_NAME if the name is invalid;
 *         ::WEA_ERR_INVALID_ARGUMENT if \p name or \p out is NULL.
 */
WEA_API wea_status wea_shm_name_normalize(const char *name,
                                          char out[WEA_SHM_NAME_SIZE],
                                          wea_error *err);

/** @} */

/** \defgroup wea_posix POSIX binding: files and shared memory
 *
 * Declared everywhere, defined only where the POSIX sources
 * (src/wea_posix.c, src/wea_file.c, src/wea_shm.c) are built
 * (POSIX systems).
 *  @{ */

/** A validated block mapped into memory: caller-owned, filled by
 *  wea_map_file(), wea_shm_attach() and wea_shm_create(), released with
 *  wea_unmap(). Copying the struct does not copy the mapping: unmap it
 *  once. */
typedef struct wea_mapping {
    void *addr;       /**< the first byte of the mapping (the block) */
    size_t len;       /**< the mapping's length: the block length `len` */
    int writable;     /**< 1 if mapped read-write, 0 if read-only */
    wea_header header; /**< the block's validated header */
} wea_mapping;

/** \brief Pointer to the elements of a mapping (`addr + offset`); valid
 *  until wea_unmap(). NULL if \p m is NULL or not mapped. */
WEA_API const void *wea_mapping_data(const wea_mapping *m);

/** \brief As wea_mapping_data(), but writable; NULL if the mapping is
 *  read-only. */
WEA_API void *wea_mapping_data_mut(wea_mapping *m);

/**
 * \brief Maps a `.wea` file (§8.3) and validates it with R1 to R9.
 *
 * The header is read from the descriptor with pread (at most
 * ::WEA_MAX_OFFSET bytes, into a buffer on the stack) and checked with R1
 * to R9 against the file's size before anything is mapped; then the file
 * is mapped whole (`len` is the size checked), shared, read-only or
 * read-write, its size is taken again, and the descriptor is closed before
 * returning. So a file that another process truncates during the call is
 * refused with ::WEA_ERR_TRUNCATED or ::WEA_ERR_DATA_TRUNCATED (also when
 * it became shorter than its block while it was being mapped), never with
 * SIGBUS. wea_mapping::header is the header that was read and checked; it
 * is never read again from the mapping. A read-write mapping writes
 * through to the file; the header must not be changed. A truncation after
 * the call returns still makes access beyond the new end raise SIGBUS
 * (§8.3.2): a reader that does not trust the file's writers compares
 * fstat() with the block length before a long access.
 *
 * \param path the file's path; not kept.
 * \param writable 0 for read-only, 1 for read-write.
 * \param[out] out receives the mapping; zeroed on failure (nothing stays
 *        mapped or open). Release it with wea_unmap().
 * \param[out] err optional.
 * \return ::WEA_OK; a format status 1 to 10 if the file is not a valid
 *         block; ::WEA_ERR_NOT_FOUND; ::WEA_ERR_PERMISSION;
 *         ::WEA_ERR_SYSTEM (other open/fstat/pread/mmap failures, also a
 *         path that is not a regular file); ::WEA_ERR_INVALID_ARGUMENT if \p path
 *         or \p out is NULL or \p writable is not 0 or 1.
 */
WEA_API wea_status wea_map_file(const char *path, int writable,
                                wea_mapping *out, wea_error *err);

/**
 * \brief Attaches an existing POSIX shared-memory object by name (§8.2.3)
 *        and validates it with R1 to R9 and A1.
 *
 * Opens the object (`O_RDONLY` or `O_RDWR`: a read-only attach needs only
 * read permission), takes `len` from fstat, reads the header from the
 * descriptor with pread (the 4 magic bytes first, then, after an acquire
 * fence that pairs with the release store of C7, the rest; at most
 * ::WEA_MAX_OFFSET bytes) and checks R1 to R9 against `len` before mapping
 * anything. Because pread may copy the magic one byte at a time, 4 bytes
 * that are each 0 or the magic's (a read that raced the store) are read
 * once more. Then rule A1 (§8.2.3): a block whose data length `L` is 0 in
 * an object of more than `offset` bytes is a header published before its
 * dims, as Julia and wea 0.1.3 write it, and is refused with
 * ::WEA_ERR_TRUNCATED and the message `truncated: the data length is 0
 * but the object has {len} bytes, more than the data offset {offset}: not
 * yet published (WA-1 §8.2.3 A1)` followed by the "may still be being created"
 * note (a real empty array made by wea_shm_create() is exactly `offset`
 * bytes). Then it maps the whole object with the matching protection,
 * takes its size again, and closes the descriptor. An object that its writers shrink during the call is
 * refused with ::WEA_ERR_TRUNCATED or ::WEA_ERR_DATA_TRUNCATED, never with
 * SIGBUS; wea_mapping::header is the header read and checked, never read
 * again from the mapping. A shrink after the call returns still makes
 * access to the lost pages raise SIGBUS (§8.2.6). A read-only mapping
 * faults on a write. Never writes the header and never unlinks the object
 * (§8.2.4). An object whose magic bytes are all zero (a creator that has
 * not published, or died) is rejected with ::WEA_ERR_BAD_MAGIC, an empty
 * one with ::WEA_ERR_TRUNCATED, each with the same note. These refusals
 * and A1's mean "not published yet": a caller that knows the object is
 * being created may attach again later; a creator that died leaves it so
 * for good, so retry a bounded number of times. Synchronising with a
 * creator that does not follow C7 is the application's business.
 *
 * \param name the object's name (§8.2.1), with or without its `/`.
 * \param writable 0 for read-only, 1 for read-write.
 * \param[out] out receives the mapping; zeroed on failure. Release it with
 *        wea_unmap().
 * \param[out] err optional.
 * \return ::WEA_OK; a format status 1 to 10; ::WEA_ERR_NAME (checked before
 *         any system call); ::WEA_ERR_NOT_FOUND; ::WEA_ERR_PERMISSION;
 *         ::WEA_ERR_SYSTEM; ::WEA_ERR_INVALID_ARGUMENT as for wea_map_file().
 */
WEA_API wea_status wea_shm_attach(const char *name, int writable,
                                  wea_mapping *out, wea_error *err);

/**
 * \brief Creates a new POSIX shared-memory object holding a block, with the
 *        creation protocol of spec §8.2.2 (C1 to C7).
 *
 * C1 checks the name and the shape; C2 creates the object exclusively
 * (`O_CREAT | O_EXCL | O_RDWR`), so an existing object is never touched;
 * C3 sets the permission bits to exactly \p mode (fchmod, umask ignored);
 * C4 sets the size to `offset + L`; C5 reserves the memory
 * (posix_fallocate, or, where it is not supported, a pwrite to every page,
 * whose first failure fails the create), so a full /dev/shm fails here; C6 maps the object read-write and writes the
 * header, the padding and, if \p init is not NULL, the elements; C7 writes
 * the magic last, with one 32-bit atomic release store (wea_publish()).
 * If a step from C3 on fails,
 * the name is unlinked and everything opened is closed before returning.
 *
 * The caller owns the name (§8.2.4) and removes it with wea_shm_unlink();
 * wea_unmap() only unmaps.
 *
 * \param name the new object's name (§8.2.1), with or without its `/`.
 * \param etype, ndims, dims the array, as for wea_make_header().
 * \param init optional; `L` bytes of elements (little-endian, column-major)
 *        copied in before publication; NULL leaves them zero.
 * \param mode permission bits, 0 to 0777; ::WEA_DEFAULT_MODE is the
 *        default of the spec.
 * \param[out] out receives the read-write mapping; zeroed on failure.
 * \param[out] err optional.
 * \return ::WEA_OK; the statuses of wea_make_header(); ::WEA_ERR_NAME;
 *         ::WEA_ERR_EXISTS (the name is taken; nothing was touched);
 *         ::WEA_ERR_PERMISSION; ::WEA_ERR_NO_SPACE (the object cannot be
 *         backed); ::WEA_ERR_SYSTEM; ::WEA_ERR_INVALID_ARGUMENT if \p name
 *         or \p out is NULL or \p mode exceeds 0777.
 */
WEA_API wea_status wea_shm_create(const char *name, unsigned etype,
                                  unsigned ndims, const int64_t *dims,
                                  const void *init, unsigned mode,
                                  wea_mapping *out, wea_error *err);

/**
 * \brief Releases a mapping made by wea_map_file(), wea_shm_attach() or
 *        wea_shm_create() (detach). Never unlinks anything.
 *
 * Pointers into the mapping are invalid afterwards. \p m is zeroed, so a
 * second call is harmless.
 *
 * \param m the mapping; a zeroed one is accepted and does nothing.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_SYSTEM if munmap fails;
 *         ::WEA_ERR_INVALID_ARGUMENT if \p m is NULL.
 */
WEA_API wea_status wea_unmap(wea_mapping *m, wea_error *err);

/**
 * \brief Removes a shared-memory name (§8.2.4). Existing mappings stay
 *        readable; the name is free for a new create at once.
 *
 * Only the owner of the name (its creator, unless ownership was handed on)
 * should call it.
 *
 * \param name the name (§8.2.1), with or without its `/`.
 * \param[out] err optional.
 * \return ::WEA_OK; ::WEA_ERR_NAME; ::WEA_ERR_NOT_FOUND;
 *         ::WEA_ERR_PERMISSION; ::WEA_ERR_SYSTEM;
 *         ::WEA_ERR_INVALID_ARGUMENT if \p name is NULL.
 */
WEA_API wea_status wea_shm_unlink(const char *name, wea_error *err);

/** @} */

/** \defgroup wea_deprecated Deprecated names
 *
 * The former names of three functions that were renamed to the spec's
 * and the Python package's vocabulary (docs/vocabulary.md). Each is the
 * same function under its old name, an exported symbol as before (so
 * foreign-function bindings keep working); they will be removed in the
 * next release. Define `WEA_NO_DEPRECATED` before including wea.h to check
 * that code no longer uses them.
 *  @{ */
#ifndef WEA_NO_DEPRECATED
/** \deprecated Use wea_canonical_offset(). */
WEA_API size_t wea_data_offset(unsigned ndims);
/** \deprecated Use wea_parse_fixed_header(). */
WEA_API wea_status wea_peek(const void *block, size_t len,
                            size_t *header_bytes, wea_error *err);
/** \deprecated Use wea_make_header(). */
WEA_API wea_status wea_plan(unsigned etype, unsigned ndims,
                            const int64_t *dims, wea_header *out,
                            wea_error *err);
#endif
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* WEA_H */
