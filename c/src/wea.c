/*
 * wea.c: the pure part of the WA-1 reference library: reader (R1 to R9),
 * header writer, name check. C99 and its standard library only; no
 * allocation, no global state, no POSIX.
 *
 * Every field is decoded from bytes (no pointer casts of the input, no
 * unaligned loads), every length is checked before a read, and every size
 * is computed with an explicit overflow check (spec §10.1). The one access
 * through a wider type is the atomic store of the magic in wea_publish()
 * (C7), which §10.1 exempts.
 */
#include "wea.h"
#include "wea_internal.h"
#include "wea_tables.h" /* the format's tables: included here only */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

wea_status wea__fail(wea_error *err, wea_status status, const char *fmt,
                     ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = status;
        err->sys_errno = 0;
        va_start(ap, fmt);
        (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void wea__append_message(wea_error *err, const char *text)
{
    if (err != NULL) {
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used, "%s",
                       text);
    }
}

const char *wea_status_category(wea_status status)
{
    /* Compare as an unsigned value: an out-of-range enum value is allowed. */
    unsigned long v = (unsigned long)status;
    if (v > (unsigned long)WEA_STATUS_MAX) {
        return "unknown";
    }
    return WEA__STATUS_NAMES[v];
}

int wea_status_is_incomplete(wea_status status)
{
    return status == WEA_ERR_TRUNCATED || status == WEA_ERR_DATA_TRUNCATED;
}

/* ------------------------------------------------------------------ */
/* Element types (§4)                                                 */
/* ------------------------------------------------------------------ */

/* wea_tables.h's contract: one entry per core code, then one per extension
 * code (a C99 static assertion: a negative array size if it is broken). */
typedef char wea__etype_table_is_complete
    [WEA__N_ETYPES == WEA__CORE_LAST + (WEA__EXT_LAST - WEA__EXT_FIRST) + 1u
         ? 1
         : -1];

static const struct wea__etype_info *find_etype(unsigned etype)
{
    /* The table lists the core codes 1 to WEA__CORE_LAST in order, then the
     * extension codes (wea_tables.h): index it instead of searching it
     * (this is on wea_parse's hot path). */
    if (etype - 1u < WEA__CORE_LAST) {
        return &WEA__ETYPES[etype - 1u];
    }
    if (etype - WEA__EXT_FIRST <= WEA__EXT_LAST - WEA__EXT_FIRST) {
        return &WEA__ETYPES[WEA__CORE_LAST + (etype - WEA__EXT_FIRST)];
    }
    return NULL;
}

size_t wea_etype_size(unsigned etype)
{
    const struct wea__etype_info *t = find_etype(etype);
    return t != NULL ? t->size : 0;
}

const char *wea_etype_name(unsigned etype)
{
    const struct wea__etype_info *t = find_etype(etype);
    return t != NULL ? t->name : NULL;
}

wea_status wea_etype_from_name(const char *name, uint16_t *etype,
                               wea_error *err)
{
    size_t i;
    if (name == NULL || etype == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: name and etype must not be NULL");
    }
    for (i = 0; i < WEA__N_ETYPES; i++) {
        if (strcmp(name, WEA__ETYPES[i].name) == 0) {
            *etype = WEA__ETYPES[i].code;
            wea__set_ok(err);
            return WEA_OK;
        }
    }
    /* The name is the caller's: print at most 64 bytes of it. */
    return wea__fail(err, WEA_ERR_UNSUPPORTED_TYPE,
                     "unsupported_type: element type name \"%.64s\", expected "
                     WEA__ETYPE_NAMES_TEXT " (WA-1 §4)",
                     name);
}

/* ------------------------------------------------------------------ */
/* Byte decoding and encoding (little-endian, §3.1)                   */
/* ------------------------------------------------------------------ */

static uint16_t get_u16le(const unsigned char *p)
{
    return (uint16_t)((unsigned)p[0] | ((unsigned)p[1] << 8));
}

/* Written out so that compilers merge it into one 8-byte load on
 * little-endian machines; still byte reads as far as C is concerned. */
static inline uint64_t get_u64le(const unsigned char *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) |
           ((uint64_t)p[5] << 40) | ((uint64_t)p[6] << 48) |
           ((uint64_t)p[7] << 56);
}

/* Two's complement without implementation-defined conversions. */
static inline int64_t get_s64le(const unsigned char *p)
{
    uint64_t u = get_u64le(p);
    if (u <= (uint64_t)INT64_MAX) {
        return (int64_t)u;
    }
    return -(int64_t)(~u) - 1;
}

static void put_u16le(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
}

static void put_s64le(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v; /* well defined: modulo 2^64 */
    int i;
    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char)(u & 0xFFu);
        u >>= 8;
    }
}

/* WEA_MAGIC's bytes, least significant first (§3.1, §3.3): 31 2D 41 57. */
const unsigned char wea__magic_bytes[4] = {
    (unsigned char)(WEA_MAGIC & 0xFFu),
    (unsigned char)((WEA_MAGIC >> 8) & 0xFFu),
    (unsigned char)((WEA_MAGIC >> 16) & 0xFFu),
    (unsigned char)((WEA_MAGIC >> 24) & 0xFFu),
};

/* ------------------------------------------------------------------ */
/* Sizes                                                              */
/* ------------------------------------------------------------------ */

size_t wea_header_size(unsigned ndims)
{
    if (ndims > WEA_MAX_NDIMS) {
        return 0;
    }
    return (size_t)WEA_HEADER_SIZE + (size_t)WEA_DIM_SIZE * ndims;
}

size_t wea_canonical_offset(unsigned ndims)
{
    size_t h = wea_header_size(ndims);
    if (h == 0) {
        return 0;
    }
    return (h + (WEA_ALIGNMENT - 1)) / WEA_ALIGNMENT * WEA_ALIGNMENT;
}

/*
 * R7 and R8 (§5.6) on decoded dims, shared by the reader and the writer;
 * `tag_dim` and `tag_ovf` are the clause cited in the messages. Fills
 * count, len_data and block_size of `h` (etype, ndims, offset, dims and
 * elsize are set by the caller).
 */
static wea_status check_shape(wea_header *h, const char *tag_dim,
                              const char *tag_ovf, wea_error *err)
{
    const int64_t smax = INT64_MAX;
    const int64_t s = (int64_t)h->elsize; /* 1 to 16 */
    int64_t extent = 1;
    int64_t count = 1;
    int64_t len_data;
    unsigned i;

    /* R7: every dimension at least 0; the first failing index. */
    for (i = 0; i < h->ndims; i++) {
        if (h->dims[i] < 0) {
            return wea__fail(err, WEA_ERR_INVALID_DIMENSION,
                             "invalid_dimension: dimension %u is %" PRId64
                             ", expected at least 0 (WA-1 %s)",
                             i, h->dims[i], tag_dim);
        }
    }
    /* R8, first: E = prod(max(d, 1)) <= 2^63-1. */
    for (i = 0; i < h->ndims; i++) {
        int64_t m = h->dims[i] > 0 ? h->dims[i] : 1;
        if (extent > smax / m) {
            return wea__fail(err, WEA_ERR_OVERFLOW,
                    "overflow: the extent (the product of the dimensions, "
                    "zeros counted as 1) exceeds 2^63-1 (WA-1 %s)",
                    tag_ovf);
        }
        extent *= m;
    }
    /* R8, then: S * E <= 2^63-1. */
    if (extent > smax / s) {
        return wea__fail(err, WEA_ERR_OVERFLOW,
                "overflow: extent %" PRId64 " times element size %" PRId64
                " exceeds 2^63-1 bytes (WA-1 %s)",
                extent, s, tag_ovf);
    }
    /* K <= E, so neither K nor L = S * K can overflow now. */
    for (i = 0; i < h->ndims; i++) {
        count *= h->dims[i];
    }
    len_data = count * s;
    /* R8, last: offset + L <= 2^63-1 (offset is at most 640 here). */
    if (len_data > smax - h->offset) {
        return wea__fail(err, WEA_ERR_OVERFLOW,
                "overflow: data offset %" PRId64 " plus data length %" PRId64
                " exceeds 2^63-1 (WA-1 %s)",
                h->offset, len_data, tag_ovf);
    }
    h->count = count;
    h->len_data = len_data;
    h->block_size = h->offset + len_data;
    return WEA_OK;
}

/* ------------------------------------------------------------------ */
/* Reader (§6.1)                                                      */
/* ------------------------------------------------------------------ */

/* R2 on 4 magic bytes that are not WEA_MAGIC's: which of its three
 * categories, with its message. */
static wea_status bad_magic(const unsigned char *p, wea_error *err)
{
    wea_status st;
    const char *fmt;
    if (p[0] == 0x57 && p[1] == 0x41 && p[2] == 0x2D) {
        st = WEA_ERR_WRONG_BYTE_ORDER;
        fmt = "wrong_byte_order: magic bytes %02X %02X %02X %02X are a "
              "big-endian WA header, expected 31 2D 41 57 (WA-1 §6.1 R2)";
    } else if (p[1] == 0x2D && p[2] == 0x41 && p[3] == 0x57) {
        st = WEA_ERR_UNSUPPORTED_VERSION;
        fmt = "unsupported_version: magic bytes %02X %02X %02X %02X "
              "announce another WA version, expected 31 2D 41 57 "
              "(WA-1 §6.1 R2)";
    } else {
        st = WEA_ERR_BAD_MAGIC;
        fmt = "bad_magic: magic bytes %02X %02X %02X %02X, expected "
              "31 2D 41 57 (WA-1 §6.1 R2)";
    }
    if (err != NULL) {
        err->status = st;
        err->sys_errno = 0;
        (void)snprintf(err->message, sizeof err->message, fmt,
                       (unsigned)p[0], (unsigned)p[1], (unsigned)p[2],
                       (unsigned)p[3]);
    }
    return st;
}

/* R1 to R5, on the 16 bytes of the fixed header. */
static wea_status check_fixed(const unsigned char *p, size_t len,
                              wea_header *h, wea_error *err)
{
    uint16_t etype;
    uint16_t ndims;
    int64_t offset;
    int64_t c;

    /* R1 */
    if (len < WEA_HEADER_SIZE) {
        return wea__fail(err, WEA_ERR_TRUNCATED,
                         "truncated: the block has %zu bytes, the fixed header "
                         "needs 16 (WA-1 §6.1 R1)",
                         len);
    }
    /* R2 */
    if (memcmp(p, wea__magic_bytes, 4) != 0) {
        return bad_magic(p, err);
    }
    /* R3 */
    etype = get_u16le(p + 4);
    if (wea_etype_size(etype) == 0) {
        return wea__fail(err, WEA_ERR_UNSUPPORTED_TYPE,
                         "unsupported_type: element type code %u, expected "
                         WEA__ETYPE_CODES_TEXT " (WA-1 §6.1 R3)",
                         (unsigned)etype);
    }
    /* R4 */
    ndims = get_u16le(p + 6);
    if (ndims > WEA_MAX_NDIMS) {
        return wea__fail(err, WEA_ERR_INVALID_NDIMS,
                         "invalid_ndims: ndims is %u, expected at most %d "
                         "(WA-1 §6.1 R4)",
                         (unsigned)ndims, WEA_MAX_NDIMS);
    }
    /* R5 */
    offset = get_s64le(p + 8);
    c = (int64_t)wea_canonical_offset(ndims);
    if (offset != c && offset != c + WEA_LEGACY_OFFSET_DELTA) {
        return wea__fail(err, WEA_ERR_INVALID_OFFSET,
                "invalid_offset: data offset is %" PRId64
                ", expected %" PRId64 " or %" PRId64
                " for %u dimensions (WA-1 §6.1 R5)",
                offset, c, c + WEA_LEGACY_OFFSET_DELTA, (unsigned)ndims);
    }
    h->etype = etype;
    h->ndims = ndims;
    h->offset = offset;
    h->elsize = wea_etype_size(etype);
    return WEA_OK;
}

wea_status wea_parse_fixed_header(const void *block, size_t len,
                                  size_t *header_bytes, wea_error *err)
{
    wea_header h;
    wea_status st;
    if (block == NULL && len != 0) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: block is NULL but len is %zu", len);
    }
    memset(&h, 0, sizeof h);
    st = check_fixed((const unsigned char *)block, len, &h, err);
    if (st != WEA_OK) {
        return st;
    }
    if (header_bytes != NULL) {
        *header_bytes = wea_header_size(h.ndims);
    }
    wea__set_ok(err);
    return WEA_OK;
}

/* The unused dims of a parsed header (a constant-size copy from here
 * compiles to a few vector stores; a memset of the header was a `rep stos`
 * that cost more than all the checks together). */
static const int64_t zero_dims[WEA_MAX_NDIMS];

wea_status wea_parse(const void *block, size_t len, wea_header *out,
                     wea_error *err)
{
    const unsigned char *p = (const unsigned char *)block;
    wea_status st;
    size_t need;
    unsigned i;

    if (out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                "invalid_argument: the output header must not be NULL");
    }
    if (block == NULL && len != 0) {
        memset(out, 0, sizeof *out);
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: block is NULL but len is %zu", len);
    }
    /* Every field of *out is written on every path: the fixed part
     * (padding included) here, the dims below, the sizes by check_shape();
     * every failure but R9 then zeroes the whole header. */
    memset(out, 0, offsetof(wea_header, dims));
    /* R1 to R5 */
    st = check_fixed(p, len, out, err);
    if (st != WEA_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    /* R6 */
    need = wea_header_size(out->ndims);
    if (len < need) {
        unsigned n = out->ndims;
        memset(out, 0, sizeof *out);
        return wea__fail(err, WEA_ERR_TRUNCATED,
                "truncated: the block has %zu bytes, the header with %u "
                "dimensions needs %zu (WA-1 §6.1 R6)",
                len, n, need);
    }
    /* Two halves: gcc inlines a constant copy of 256 bytes as vector
     * stores, but calls memcpy for 512 (which doubled the parse time). */
    memcpy(out->dims, zero_dims, sizeof out->dims / 2);
    memcpy(out->dims + WEA_MAX_NDIMS / 2, zero_dims, sizeof out->dims / 2);
    for (i = 0; i < out->ndims; i++) {
        out->dims[i] = get_s64le(p + WEA_HEADER_SIZE + (size_t)WEA_DIM_SIZE * i);
    }
    /* R7, R8 */
    st = check_shape(out, "§6.1 R7", "§6.1 R8", err);
    if (st != WEA_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    /* R9 */
    return wea__check_length(out, len, err);
}

wea_status wea__check_length(const wea_header *h, size_t len, wea_error *err)
{
    /* R9: compare in the widest unsigned type; block_size >= 64 > 0. */
    if ((uintmax_t)h->block_size > (uintmax_t)len) {
        return wea__fail(err, WEA_ERR_DATA_TRUNCATED,
                         "data_truncated: the block has %zu bytes, expected at "
                         "least %" PRId64 " (data offset %" PRId64
                         " + data length %" PRId64 ") (WA-1 §6.1 R9)",
                         len, h->block_size, h->offset, h->len_data);
    }
    wea__set_ok(err);
    return WEA_OK;
}

wea_status wea__parse_prefix(const void *prefix, size_t avail, size_t len,
                             wea_header *out, wea_error *err)
{
    wea_status st;
    if (out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                "invalid_argument: the output header must not be NULL");
    }
    if (avail >= len) {
        return wea_parse(prefix, len, out, err);
    }
    if (prefix == NULL || avail < WEA_MAX_OFFSET) {
        memset(out, 0, sizeof *out);
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                "invalid_argument: %zu bytes of a block of %zu, expected "
                "at least %d",
                avail, len, WEA_MAX_OFFSET);
    }
    /* R1 to R8 read at most 16 + 8*64 <= WEA_MAX_OFFSET bytes, and with
     * len > avail >= WEA_MAX_OFFSET their length checks (R1, R6) pass
     * for both lengths: they answer on the prefix as on the block. */
    st = wea_parse(prefix, avail, out, err);
    if (st == WEA_ERR_DATA_TRUNCATED) {
        /* the header is filled (wea_parse); R9 against the real length */
        st = wea__check_length(out, len, err);
    }
    return st;
}

unsigned wea_header_etype(const wea_header *h) { return h->etype; }
size_t wea_header_elsize(const wea_header *h) { return h->elsize; }
unsigned wea_header_ndims(const wea_header *h) { return h->ndims; }
int64_t wea_header_offset(const wea_header *h) { return h->offset; }
int64_t wea_header_len_data(const wea_header *h) { return h->len_data; }
int64_t wea_header_count(const wea_header *h) { return h->count; }
int64_t wea_header_block_size(const wea_header *h) { return h->block_size; }

int64_t wea_header_dim(const wea_header *h, unsigned i)
{
    if (i >= h->ndims || i >= WEA_MAX_NDIMS) {
        return -1;
    }
    return h->dims[i];
}

const void *wea_data(const void *block, const wea_header *h)
{
    if (block == NULL || h == NULL) {
        return NULL;
    }
    return (const unsigned char *)block + (size_t)h->offset;
}

void *wea_data_mut(void *block, const wea_header *h)
{
    if (block == NULL || h == NULL) {
        return NULL;
    }
    return (unsigned char *)block + (size_t)h->offset;
}

/* ------------------------------------------------------------------ */
/* Writer (§7.1)                                                      */
/* ------------------------------------------------------------------ */

wea_status wea_make_header(unsigned etype, unsigned ndims,
                           const int64_t *dims, wea_header *out,
                           wea_error *err)
{
    wea_status st;
    unsigned i;

    if (out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                "invalid_argument: the output header must not be NULL");
    }
    memset(out, 0, sizeof *out);
    if (wea_etype_size(etype) == 0) {
        return wea__fail(err, WEA_ERR_UNSUPPORTED_TYPE,
                         "unsupported_type: element type code %u, expected "
                         WEA__ETYPE_CODES_TEXT " (WA-1 §7.1)",
                         etype);
    }
    if (ndims > WEA_MAX_NDIMS) {
        return wea__fail(err, WEA_ERR_INVALID_NDIMS,
                         "invalid_ndims: ndims is %u, expected at most %d "
                         "(WA-1 §7.1)",
                         ndims, WEA_MAX_NDIMS);
    }
    if (dims == NULL && ndims != 0) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                "invalid_argument: dims is NULL but ndims is %u", ndims);
    }
    out->etype = (uint16_t)etype;
    out->ndims = (uint16_t)ndims;
    out->offset = (int64_t)wea_canonical_offset(ndims);
    out->elsize = wea_etype_size(etype);
    for (i = 0; i < ndims; i++) {
        out->dims[i] = dims[i];
    }
    st = check_shape(out, "§7.1", "§7.1", err);
    if (st != WEA_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    wea__set_ok(err);
    return WEA_OK;
}

static wea_status write_header(void *buf, size_t cap, unsigned etype,
                               unsigned ndims, const int64_t *dims,
                               int with_magic, wea_header *out,
                               wea_error *err)
{
    unsigned char *p = (unsigned char *)buf;
    wea_header h;
    wea_status st;
    size_t off;
    unsigned i;

    if (buf == NULL) {
        if (out != NULL) {
            memset(out, 0, sizeof *out);
        }
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the buffer must not be NULL");
    }
    st = wea_make_header(etype, ndims, dims, &h, err);
    if (st == WEA_OK && cap < (off = (size_t)h.offset)) {
        st = wea__fail(err, WEA_ERR_BUFFER_TOO_SMALL,
                "buffer_too_small: the buffer has %zu bytes, the header "
                "with %u dimensions and its padding need %zu (WA-1 §7.1)",
                cap, ndims, off);
    }
    if (st != WEA_OK) {
        if (out != NULL) {
            memset(out, 0, sizeof *out);
        }
        return st;
    }
    off = (size_t)h.offset;
    memset(p, 0, off); /* padding, and the magic until it is written */
    put_u16le(p + 4, h.etype);
    put_u16le(p + 6, h.ndims);
    put_s64le(p + 8, h.offset);
    for (i = 0; i < h.ndims; i++) {
        put_s64le(p + WEA_HEADER_SIZE + (size_t)WEA_DIM_SIZE * i, h.dims[i]);
    }
    if (with_magic) {
        memcpy(p, wea__magic_bytes, 4);
    }
    if (out != NULL) {
        *out = h;
    }
    wea__set_ok(err);
    return WEA_OK;
}

wea_status wea_write_header(void *buf, size_t cap, unsigned etype,
                            unsigned ndims, const int64_t *dims,
                            wea_header *out, wea_error *err)
{
    return write_header(buf, cap, etype, ndims, dims, 1, out, err);
}

wea_status wea_prepare_header(void *buf, size_t cap, unsigned etype,
                              unsigned ndims, const int64_t *dims,
                              wea_header *out, wea_error *err)
{
    return write_header(buf, cap, etype, ndims, dims, 0, out, err);
}

wea_status wea_publish(void *block)
{
    uint32_t magic;
    if (block == NULL || (uintptr_t)block % 4u != 0) {
        return WEA_ERR_INVALID_ARGUMENT;
    }
    /* The 32-bit value whose bytes in memory are 31 2D 41 57 on this
     * machine, whatever its byte order (memcpy: no punning here). */
    memcpy(&magic, wea__magic_bytes, sizeof magic);
    /* C7: one naturally aligned 32-bit atomic store, release order: every
     * byte written before it (header, padding, elements) is visible to a
     * reader whose acquire load or fence sees the magic. The one access to
     * a block through a wider type, exempt from the "no type punning" of
     * §10.1 (C7; see wea_internal.h). */
    WEA__STORE_RELEASE_U32((uint32_t *)block, magic);
    return WEA_OK;
}

/* ------------------------------------------------------------------ */
/* Shared-memory names (§8.2.1)                                       */
/* ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t n)
{
    unsigned c = s[i];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    size_t k;

    if (c < 0x80) {
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    if (n - i < len) {
        return 0;
    }
    if (s[i + 1] < lo || s[i + 1] > hi) {
        return 0;
    }
    for (k = 2; k < len; k++) {
        if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
            return 0;
        }
    }
    return len;
}

wea_status wea_shm_name_normalize(const char *name,
                                  char out[WEA_SHM_NAME_SIZE],
                                  wea_error *err)
{
    const unsigned char *body;
    size_t n = 0;
    size_t i;

    if (name == NULL || out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: name and out must not be NULL");
    }
    body = (const unsigned char *)name;
    if (body[0] == '/') {
        body++;
    }
    /* Bounded length: never scan more than the longest valid body + 1. */
    while (n <= WEA_MAX_NAME_BYTES && body[n] != '\0') {
        n++;
    }
    if (n == 0) {
        return wea__fail(err, WEA_ERR_NAME,
                "invalid_name: the shared-memory name has an empty body, "
                "expected / and 1 to 255 bytes (WA-1 §8.2.1)");
    }
    if (n > WEA_MAX_NAME_BYTES) {
        return wea__fail(err, WEA_ERR_NAME,
                         "invalid_name: the shared-memory name's body has more "
                         "than 255 bytes, expected 1 to 255 (WA-1 §8.2.1)");
    }
    if ((n == 1 && body[0] == '.') ||
        (n == 2 && body[0] == '.' && body[1] == '.')) {
        return wea__fail(err, WEA_ERR_NAME,
                "invalid_name: the shared-memory name's body is \"%s\", "
                "which is not an object name (WA-1 §8.2.1)",
                n == 1 ? "." : "..");
    }
    for (i = 0; i < n;) {
        size_t k;
        if (body[i] == '/') {
            return wea__fail(err, WEA_ERR_NAME,
                    "invalid_name: the shared-memory name's body has a / "
                    "at byte %zu, expected none (WA-1 §8.2.1)",
                    i);
        }
        k = utf8_seq(body, i, n);
        if (k == 0) {
            return wea__fail(err, WEA_ERR_NAME,
                    "invalid_name: the shared-memory name's body is not "
                    "valid UTF-8 at byte %zu (byte %02X) (WA-1 §8.2.1)",
                    i, (unsigned)body[i]);
        }
        i += k;
    }
    out[0] = '/';
    memcpy(out + 1, body, n);
    out[n + 1] = '\0';
    wea__set_ok(err);
    return WEA_OK;
}
