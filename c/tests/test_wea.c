/*
 * test_wea.c: unit tests of the pure library (src/wea.c): every function,
 * every status, every §6.3 message, the order of the checks, the limits,
 * the spec's worked examples (§11, read from spec/wea.md) and the
 * truncation, deletion and bit-flip loops over valid blocks and the
 * conformance vectors.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"
#include "wea.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define BIG 4096

static const int64_t I64MAX = INT64_MAX;

/* ------------------------------------------------------------------ */
/* The element types, from the library's own table                    */
/* ------------------------------------------------------------------ */

/* The types come from spec/registry.json through the generated tables:
 * the tests below take the list from wea_etype_size() instead of
 * repeating it, so that a new type needs no edit here. */
#define MAX_TYPES 64

/* Appends sep and item to the NUL-terminated text in out (cut at cap). */
static void append(char *out, size_t cap, const char *sep, const char *item)
{
    size_t used = strlen(out);
    (void)snprintf(out + used, cap - used, "%s%s", sep, item);
}

/* Every valid code, ascending; returns their number. */
static size_t all_etypes(unsigned codes[MAX_TYPES])
{
    size_t n = 0;
    unsigned code;
    for (code = 1; code <= 65535u && n < MAX_TYPES; code++) {
        if (wea_etype_size(code) != 0) {
            codes[n++] = code;
        }
    }
    return n;
}

/* The first reserved code after the last valid one (258 while float16,
 * 257, is the last). */
static unsigned first_code_after_the_types(void)
{
    unsigned codes[MAX_TYPES];
    size_t n = all_etypes(codes);
    return codes[n - 1] + 1u;
}

/* The valid codes as the R3 and §7.1 messages list them (spec §6.3): runs
 * of three or more as "a to b", the last item after "or"
 * ("1 to 12, 256 or 257"). Computed from the table, independently of the
 * text that the library prints. */
static void codes_text(char *out, size_t cap)
{
    unsigned codes[MAX_TYPES];
    char items[MAX_TYPES][24];
    size_t n = all_etypes(codes), n_items = 0, i, j;
    for (i = 0; i < n; i = j) {
        j = i + 1;
        while (j < n && codes[j] == codes[j - 1] + 1u) {
            j++;
        }
        if (j - i >= 3) {
            (void)snprintf(items[n_items++], sizeof items[0], "%u to %u",
                           codes[i], codes[j - 1]);
        } else {
            for (; i < j; i++) {
                (void)snprintf(items[n_items++], sizeof items[0], "%u",
                               codes[i]);
            }
        }
    }
    out[0] = '\0';
    for (i = 0; i < n_items; i++) {
        append(out, cap, i == 0 ? "" : i + 1 == n_items ? " or " : ", ",
               items[i]);
    }
}

/* The valid names as the §4 message lists them: "int8, uint8, ... or
 * float16". */
static void names_text(char *out, size_t cap)
{
    unsigned codes[MAX_TYPES];
    size_t n = all_etypes(codes), i;
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        append(out, cap, i == 0 ? "" : i + 1 == n ? " or " : ", ",
               wea_etype_name(codes[i]));
    }
}

/* ------------------------------------------------------------------ */
/* Block builders                                                     */
/* ------------------------------------------------------------------ */

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)((v >> 8) & 0xFF);
}

static void put64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;
    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char)(u & 0xFF);
        u >>= 8;
    }
}

/* A block with arbitrary fields: magic bytes m, etype, ndims, offset, the
 * first `nd` of dims, zeros up to len. Returns len. */
static size_t mk(unsigned char *b, const unsigned char m[4], unsigned etype,
                 unsigned ndims, int64_t offset, const int64_t *dims,
                 unsigned nd, size_t len)
{
    unsigned i;
    memset(b, 0, BIG);
    memcpy(b, m, 4);
    put16(b + 4, etype);
    put16(b + 6, ndims);
    put64(b + 8, offset);
    for (i = 0; i < nd; i++) {
        put64(b + 16 + 8 * i, dims[i]);
    }
    return len;
}

static const unsigned char MAGIC[4] = {0x31, 0x2D, 0x41, 0x57};

/* Parses a malloc'd copy of exactly len bytes, so that ASan catches any
 * read past len. */
static wea_status parse_exact(const unsigned char *b, size_t len,
                              wea_header *h, wea_error *e)
{
    unsigned char *copy = (unsigned char *)malloc(len > 0 ? len : 1);
    wea_status st;
    if (copy == NULL) {
        return WEA_ERR_SYSTEM;
    }
    if (len > 0) {
        memcpy(copy, b, len);
    }
    st = wea_parse(len > 0 ? copy : NULL, len, h, e);
    free(copy);
    return st;
}

/* Expects a status and an exact message. */
#define EXPECT_FAIL(b, len, st, msg)                                      \
    do {                                                                  \
        wea_header h_;                                                    \
        wea_error e_;                                                     \
        CHECK_INT(parse_exact((b), (len), &h_, &e_), (st));               \
        CHECK_INT(e_.status, (st));                                       \
        CHECK_INT(e_.sys_errno, 0);                                       \
        CHECK_STR(e_.message, (msg));                                     \
    } while (0)

/* ------------------------------------------------------------------ */
/* Statuses and element types                                         */
/* ------------------------------------------------------------------ */

static void test_status_numbers(void)
{
    /* spec §6.2: the numbers are the categories' */
    CHECK_INT(WEA_OK, 0);
    CHECK_INT(WEA_ERR_TRUNCATED, 1);
    CHECK_INT(WEA_ERR_BAD_MAGIC, 2);
    CHECK_INT(WEA_ERR_WRONG_BYTE_ORDER, 3);
    CHECK_INT(WEA_ERR_UNSUPPORTED_VERSION, 4);
    CHECK_INT(WEA_ERR_UNSUPPORTED_TYPE, 5);
    CHECK_INT(WEA_ERR_INVALID_NDIMS, 6);
    CHECK_INT(WEA_ERR_INVALID_OFFSET, 7);
    CHECK_INT(WEA_ERR_INVALID_DIMENSION, 8);
    CHECK_INT(WEA_ERR_OVERFLOW, 9);
    CHECK_INT(WEA_ERR_DATA_TRUNCATED, 10);
    CHECK(WEA_ERR_INVALID_ARGUMENT > WEA_ERR_DATA_TRUNCATED);
}

static void test_status_category(void)
{
    static const char *const names[] = {
        "ok", "truncated", "bad_magic", "wrong_byte_order",
        "unsupported_version", "unsupported_type", "invalid_ndims",
        "invalid_offset", "invalid_dimension", "overflow", "data_truncated",
        "invalid_argument", "buffer_too_small", "invalid_name", "exists",
        "not_found", "permission", "no_space", "system"};
    int i;
    CHECK_INT(sizeof names / sizeof names[0], WEA_STATUS_MAX + 1);
    for (i = 0; i <= (int)WEA_STATUS_MAX; i++) {
        CHECK_STR(wea_status_category((wea_status)i), names[i]);
    }
    CHECK_STR(wea_status_category((wea_status)(WEA_STATUS_MAX + 1)),
              "unknown");
    CHECK_STR(wea_status_category((wea_status)-1), "unknown");
}

static void test_status_incomplete(void)
{
    int i;
    for (i = 0; i <= (int)WEA_STATUS_MAX + 1; i++) {
        CHECK_INT(wea_status_is_incomplete((wea_status)i),
                  i == WEA_ERR_TRUNCATED || i == WEA_ERR_DATA_TRUNCATED);
    }
}

static void test_constants(void)
{
    CHECK_INT(WEA_MAGIC, 0x57412D31);
    CHECK_INT(WEA_HEADER_SIZE, 16);
    CHECK_INT(WEA_DIM_SIZE, 8);
    CHECK_INT(WEA_ALIGNMENT, 64);
    CHECK_INT(WEA_LEGACY_OFFSET_DELTA, 64);
    CHECK_INT(WEA_MAX_NDIMS, 64);
    CHECK_INT(WEA_MAX_OFFSET, 640);
    CHECK(WEA_MAX_SIZE == INT64_MAX);
    CHECK_INT(WEA_MAX_NAME_BYTES, 255);
    CHECK_INT(WEA_DEFAULT_MODE, 0600);
    CHECK_INT(WEA_MAX_OFFSET, wea_canonical_offset(WEA_MAX_NDIMS) + 64);
    /* WA-1 1.1: the largest header, C(64), the largest offset */
    CHECK_INT(wea_header_size(WEA_MAX_NDIMS), 528);
    CHECK_INT(wea_canonical_offset(WEA_MAX_NDIMS), 576);
    CHECK_INT(sizeof(((wea_header *)NULL)->dims), 64 * 8);
}

static void test_etypes(void)
{
    static const struct {
        unsigned code;
        size_t size;
        const char *name;
    } t[] = {{1, 1, "int8"},      {2, 1, "uint8"},       {3, 2, "int16"},
             {4, 2, "uint16"},    {5, 4, "int32"},       {6, 4, "uint32"},
             {7, 8, "int64"},     {8, 8, "uint64"},      {9, 4, "float32"},
             {10, 8, "float64"},  {11, 8, "complex64"},  {12, 16, "complex128"},
             {256, 1, "bool"},    {257, 2, "float16"}};
    unsigned code, prev = 0;
    size_t i, known = 0;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint16_t e = 0;
        wea_error err;
        CHECK_INT(wea_etype_size(t[i].code), t[i].size);
        CHECK_STR(wea_etype_name(t[i].code), t[i].name);
        CHECK_INT(wea_etype_from_name(t[i].name, &e, &err), WEA_OK);
        CHECK_INT(e, t[i].code);
        CHECK_INT(err.status, WEA_OK);
        CHECK_STR(err.message, "");
    }
    /* every other code of 0..65535 (and beyond) is reserved (§4.3) */
    for (code = 0; code <= 70000; code++) {
        if (wea_etype_size(code) != 0) {
            uint16_t e = 0;
            known++;
            CHECK(wea_etype_name(code) != NULL);
            CHECK_INT(wea_etype_from_name(wea_etype_name(code), &e, NULL),
                      WEA_OK);
            CHECK_INT(e, code);
            /* Julia's 1 to 12, then WA-1's own from 256 on, assigned in
             * order (§4.4) */
            CHECK(code <= 12u ? code == prev + 1u
                              : code == (prev == 12u ? 256u : prev + 1u));
            prev = code;
        } else {
            CHECK(wea_etype_name(code) == NULL);
        }
    }
    CHECK(known >= 14);
    CHECK_INT(first_code_after_the_types(), prev + 1u);
    CHECK_INT(WEA_FLOAT16, 257);
    CHECK_INT(WEA_BOOL, 256);
}

static void test_etype_from_name_errors(void)
{
    uint16_t e = 77;
    wea_error err;
    char names[512], msg[640];
    names_text(names, sizeof names);
    CHECK_CONTAINS(names, "int8, uint8, int16, ");
    (void)snprintf(msg, sizeof msg,
                   "unsupported_type: element type name \"float128\", "
                   "expected %s (WA-1 §4)",
                   names);
    CHECK_INT(wea_etype_from_name("float128", &e, &err),
              WEA_ERR_UNSUPPORTED_TYPE);
    CHECK_INT(e, 77);
    CHECK_STR(err.message, msg);
    CHECK_INT(wea_etype_from_name("Float64", &e, NULL),
              WEA_ERR_UNSUPPORTED_TYPE);
    CHECK_INT(wea_etype_from_name("", &e, NULL), WEA_ERR_UNSUPPORTED_TYPE);
    CHECK_INT(wea_etype_from_name(NULL, &e, &err), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(err.status, WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_etype_from_name("int8", NULL, NULL),
              WEA_ERR_INVALID_ARGUMENT);
}

static void test_sizes(void)
{
    unsigned n;
    for (n = 0; n <= 64; n++) {
        /* the table of §3.5: 64 bytes more every 8 dimensions */
        size_t c = n <= 6    ? 64
                   : n <= 14 ? 128
                   : n <= 22 ? 192
                   : n <= 30 ? 256
                   : n <= 38 ? 320
                   : n <= 46 ? 384
                   : n <= 54 ? 448
                   : n <= 62 ? 512
                             : 576;
        CHECK_INT(wea_header_size(n), 16 + 8 * n);
        CHECK_INT(wea_canonical_offset(n), c);
    }
    CHECK_INT(wea_header_size(65), 0);
    CHECK_INT(wea_canonical_offset(65), 0);
    CHECK_INT(wea_header_size(65535), 0);
    CHECK_INT(wea_canonical_offset(~0u), 0);
}

/* ------------------------------------------------------------------ */
/* Reader: each check and message of §6.1 / §6.3                      */
/* ------------------------------------------------------------------ */

static void test_r1_truncated(void)
{
    unsigned char b[BIG];
    size_t len;
    char msg[128];
    mk(b, MAGIC, 10, 0, 64, NULL, 0, 72);
    for (len = 0; len < 16; len++) {
        (void)snprintf(msg, sizeof msg,
                       "truncated: the block has %zu bytes, the fixed header "
                       "needs 16 (WA-1 §6.1 R1)",
                       len);
        EXPECT_FAIL(b, len, WEA_ERR_TRUNCATED, msg);
    }
    /* a NULL block of length 0 is an empty block, not a wrong argument */
    {
        wea_header h;
        CHECK_INT(wea_parse(NULL, 0, &h, NULL), WEA_ERR_TRUNCATED);
    }
}

static void test_r2_magic(void)
{
    static const struct {
        unsigned char m[4];
        wea_status st;
        const char *msg;
    } t[] = {
        {{0x57, 0x41, 0x2D, 0x31}, WEA_ERR_WRONG_BYTE_ORDER,
         "wrong_byte_order: magic bytes 57 41 2D 31 are a big-endian WA "
         "header, expected 31 2D 41 57 (WA-1 §6.1 R2)"},
        {{0x57, 0x41, 0x2D, 0x32}, WEA_ERR_WRONG_BYTE_ORDER,
         "wrong_byte_order: magic bytes 57 41 2D 32 are a big-endian WA "
         "header, expected 31 2D 41 57 (WA-1 §6.1 R2)"},
        {{0x32, 0x2D, 0x41, 0x57}, WEA_ERR_UNSUPPORTED_VERSION,
         "unsupported_version: magic bytes 32 2D 41 57 announce another WA "
         "version, expected 31 2D 41 57 (WA-1 §6.1 R2)"},
        {{0x00, 0x2D, 0x41, 0x57}, WEA_ERR_UNSUPPORTED_VERSION,
         "unsupported_version: magic bytes 00 2D 41 57 announce another WA "
         "version, expected 31 2D 41 57 (WA-1 §6.1 R2)"},
        {{0x00, 0x00, 0x00, 0x00}, WEA_ERR_BAD_MAGIC,
         "bad_magic: magic bytes 00 00 00 00, expected 31 2D 41 57 "
         "(WA-1 §6.1 R2)"},
        {{0x93, 0x4E, 0x55, 0x4D}, WEA_ERR_BAD_MAGIC,
         "bad_magic: magic bytes 93 4E 55 4D, expected 31 2D 41 57 "
         "(WA-1 §6.1 R2)"},
        {{0x31, 0x2D, 0x41, 0x58}, WEA_ERR_BAD_MAGIC,
         "bad_magic: magic bytes 31 2D 41 58, expected 31 2D 41 57 "
         "(WA-1 §6.1 R2)"},
        {{0xab, 0xcd, 0xef, 0xff}, WEA_ERR_BAD_MAGIC,
         "bad_magic: magic bytes AB CD EF FF, expected 31 2D 41 57 "
         "(WA-1 §6.1 R2)"},
        {{0x57, 0x41, 0x2E, 0x31}, WEA_ERR_BAD_MAGIC,
         "bad_magic: magic bytes 57 41 2E 31, expected 31 2D 41 57 "
         "(WA-1 §6.1 R2)"},
    };
    unsigned char b[BIG];
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t len = mk(b, t[i].m, 10, 0, 64, NULL, 0, 72);
        EXPECT_FAIL(b, len, t[i].st, t[i].msg);
    }
}

static void test_r3_etype(void)
{
    unsigned bad[] = {0, 13, 14, 100, 255, 0 /* after the last */, 512, 65535};
    unsigned char b[BIG];
    char codes[256], msg[384];
    size_t i;
    bad[5] = first_code_after_the_types();
    codes_text(codes, sizeof codes);
    CHECK_CONTAINS(codes, "1 to 12");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = mk(b, MAGIC, bad[i], 0, 64, NULL, 0, 200);
        (void)snprintf(msg, sizeof msg,
                       "unsupported_type: element type code %u, expected %s "
                       "(WA-1 §6.1 R3)",
                       bad[i], codes);
        EXPECT_FAIL(b, len, WEA_ERR_UNSUPPORTED_TYPE, msg);
    }
}

static void test_r4_ndims(void)
{
    static const unsigned bad[] = {65, 66, 127, 255, 256, 65535};
    unsigned char b[BIG];
    char msg[128];
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* 65 dims would need 16 + 8*65 = 536 bytes and an offset of 576 */
        size_t len = mk(b, MAGIC, 1, bad[i], 576, NULL, 0, BIG);
        (void)snprintf(msg, sizeof msg,
                       "invalid_ndims: ndims is %u, expected at most 64 "
                       "(WA-1 §6.1 R4)",
                       bad[i]);
        EXPECT_FAIL(b, len, WEA_ERR_INVALID_NDIMS, msg);
    }
    /* the exact text for 65 (WA-1 1.1) */
    EXPECT_FAIL(b, mk(b, MAGIC, 10, 65, 640, NULL, 0, BIG),
                WEA_ERR_INVALID_NDIMS,
                "invalid_ndims: ndims is 65, expected at most 64 "
                "(WA-1 §6.1 R4)");
}

static void test_r5_offset(void)
{
    unsigned char b[BIG];
    int64_t dims[WEA_MAX_NDIMS];
    char msg[160];
    unsigned n;
    for (n = 0; n < WEA_MAX_NDIMS; n++) {
        dims[n] = 1;
    }
    for (n = 0; n <= WEA_MAX_NDIMS; n++) {
        int64_t c = (int64_t)wea_canonical_offset(n);
        const int64_t bad[] = {0, 16, c - 64, c - 1, c + 1, c + 63, c + 65,
                               c + 128, -c, -1, INT64_MIN, I64MAX,
                               (int64_t)16 + 8 * (int64_t)n};
        size_t i;
        wea_header h;
        /* both accepted values */
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 2, n, c, dims, n, BIG), &h, NULL),
                  WEA_OK);
        CHECK_INT(h.offset, c);
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 2, n, c + 64, dims, n, BIG), &h,
                            NULL),
                  WEA_OK);
        CHECK_INT(h.offset, c + 64);
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            if (bad[i] == c || bad[i] == c + 64) {
                continue;
            }
            (void)snprintf(msg, sizeof msg,
                           "invalid_offset: data offset is %" PRId64
                           ", expected %" PRId64 " or %" PRId64
                           " for %u dimensions (WA-1 §6.1 R5)",
                           bad[i], c, c + 64, n);
            EXPECT_FAIL(b, mk(b, MAGIC, 2, n, bad[i], dims, n, BIG),
                        WEA_ERR_INVALID_OFFSET, msg);
        }
    }
}

static void test_r6_truncated_dims(void)
{
    unsigned char b[BIG];
    int64_t dims[WEA_MAX_NDIMS];
    char msg[160];
    unsigned n;
    size_t len;
    for (n = 0; n < WEA_MAX_NDIMS; n++) {
        dims[n] = 1;
    }
    for (n = 1; n <= WEA_MAX_NDIMS; n++) {
        size_t need = 16 + 8 * (size_t)n;
        for (len = 16; len < need; len++) {
            (void)snprintf(msg, sizeof msg,
                           "truncated: the block has %zu bytes, the header "
                           "with %u dimensions needs %zu (WA-1 §6.1 R6)",
                           len, n, need);
            EXPECT_FAIL(b, mk(b, MAGIC, 2, n, (int64_t)wea_canonical_offset(n),
                              dims, n, len),
                        WEA_ERR_TRUNCATED, msg);
        }
    }
}

static void test_r7_dimension(void)
{
    unsigned char b[BIG];
    int64_t dims[3] = {2, -1, -5};
    EXPECT_FAIL(b, mk(b, MAGIC, 10, 3, 64, dims, 3, BIG),
                WEA_ERR_INVALID_DIMENSION,
                "invalid_dimension: dimension 1 is -1, expected at least 0 "
                "(WA-1 §6.1 R7)");
    dims[0] = INT64_MIN;
    EXPECT_FAIL(b, mk(b, MAGIC, 10, 3, 64, dims, 3, BIG),
                WEA_ERR_INVALID_DIMENSION,
                "invalid_dimension: dimension 0 is -9223372036854775808, "
                "expected at least 0 (WA-1 §6.1 R7)");
    {
        int64_t d32[32];
        unsigned i;
        for (i = 0; i < 32; i++) {
            d32[i] = 1;
        }
        d32[31] = -2;
        EXPECT_FAIL(b, mk(b, MAGIC, 1, 32, 320, d32, 32, BIG),
                    WEA_ERR_INVALID_DIMENSION,
                    "invalid_dimension: dimension 31 is -2, expected at "
                    "least 0 (WA-1 §6.1 R7)");
    }
    {
        /* the last of 64 (WA-1 1.1), at both offsets */
        int64_t d64[64];
        unsigned i;
        for (i = 0; i < 64; i++) {
            d64[i] = 1;
        }
        d64[63] = -1;
        EXPECT_FAIL(b, mk(b, MAGIC, 1, 64, 576, d64, 64, BIG),
                    WEA_ERR_INVALID_DIMENSION,
                    "invalid_dimension: dimension 63 is -1, expected at "
                    "least 0 (WA-1 §6.1 R7)");
        EXPECT_FAIL(b, mk(b, MAGIC, 1, 64, 640, d64, 64, BIG),
                    WEA_ERR_INVALID_DIMENSION,
                    "invalid_dimension: dimension 63 is -1, expected at "
                    "least 0 (WA-1 §6.1 R7)");
    }
}

static void test_r8_overflow(void)
{
    unsigned char b[BIG];
    int64_t two32 = (int64_t)1 << 32, two31 = (int64_t)1 << 31;
    int64_t two62 = (int64_t)1 << 62;
    {
        /* E = 2^63: one more than the limit */
        int64_t d[2];
        d[0] = two32;
        d[1] = two31;
        EXPECT_FAIL(b, mk(b, MAGIC, 2, 2, 64, d, 2, BIG), WEA_ERR_OVERFLOW,
                    "overflow: the extent (the product of the dimensions, "
                    "zeros counted as 1) exceeds 2^63-1 (WA-1 §6.1 R8)");
    }
    {
        /* a zero counts as 1 in E: still an overflow (§5.6) */
        int64_t d[3];
        d[0] = 0;
        d[1] = two32;
        d[2] = two31;
        EXPECT_FAIL(b, mk(b, MAGIC, 2, 3, 64, d, 3, BIG), WEA_ERR_OVERFLOW,
                    "overflow: the extent (the product of the dimensions, "
                    "zeros counted as 1) exceeds 2^63-1 (WA-1 §6.1 R8)");
        d[0] = I64MAX;
        d[1] = 2;
        d[2] = 0;
        EXPECT_FAIL(b, mk(b, MAGIC, 2, 3, 64, d, 3, BIG), WEA_ERR_OVERFLOW,
                    "overflow: the extent (the product of the dimensions, "
                    "zeros counted as 1) exceeds 2^63-1 (WA-1 §6.1 R8)");
    }
    {
        /* S * E: 2^62 float64 elements */
        int64_t d[1];
        d[0] = two62;
        EXPECT_FAIL(b, mk(b, MAGIC, 10, 1, 64, d, 1, BIG), WEA_ERR_OVERFLOW,
                    "overflow: extent 4611686018427387904 times element size 8 "
                    "exceeds 2^63-1 bytes (WA-1 §6.1 R8)");
        /* and with a zero-length dimension too (E, not K) */
        {
            int64_t d2[2];
            d2[0] = two62;
            d2[1] = 0;
            EXPECT_FAIL(b, mk(b, MAGIC, 12, 2, 64, d2, 2, BIG),
                        WEA_ERR_OVERFLOW,
                        "overflow: extent 4611686018427387904 times element size "
                        "16 exceeds 2^63-1 bytes (WA-1 §6.1 R8)");
        }
    }
    {
        /* offset + L: uint8, L = 2^63-1 - 63 */
        int64_t d[1];
        d[0] = I64MAX - 63;
        EXPECT_FAIL(b, mk(b, MAGIC, 2, 1, 64, d, 1, BIG), WEA_ERR_OVERFLOW,
                    "overflow: data offset 64 plus data length "
                    "9223372036854775744 exceeds 2^63-1 (WA-1 §6.1 R8)");
        /* legacy offset 128 */
        d[0] = I64MAX - 127;
        EXPECT_FAIL(b, mk(b, MAGIC, 2, 1, 128, d, 1, BIG), WEA_ERR_OVERFLOW,
                    "overflow: data offset 128 plus data length "
                    "9223372036854775680 exceeds 2^63-1 (WA-1 §6.1 R8)");
    }
}

static void test_r8_limits_exact(void)
{
    /* the largest sizes that pass R8 and fail R9 */
    unsigned char b[BIG];
    wea_header h;
    wea_error e;
    int64_t d[2];
    d[0] = I64MAX - 64;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 2, 1, 64, d, 1, 100), &h, &e),
              WEA_ERR_DATA_TRUNCATED);
    CHECK_STR(e.message,
              "data_truncated: the block has 100 bytes, expected at least "
              "9223372036854775807 (data offset 64 + data length "
              "9223372036854775743) (WA-1 §6.1 R9)");
    CHECK_INT(h.block_size, I64MAX); /* filled on data_truncated */
    CHECK_INT(h.count, I64MAX - 64);
    /* E = 2^63-1 exactly with a zero: K = 0, valid */
    d[0] = I64MAX;
    d[1] = 0;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 2, 2, 64, d, 2, 64), &h, &e),
              WEA_OK);
    CHECK_INT(h.count, 0);
    CHECK_INT(h.len_data, 0);
    CHECK_INT(h.block_size, 64);
    /* float64: offset + L = 2^63-8 passes R8 ... */
    d[0] = ((int64_t)1 << 60) - 9;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 1, 64, d, 1, 64), &h, &e),
              WEA_ERR_DATA_TRUNCATED);
    CHECK_INT(h.block_size, I64MAX - 7);
    /* ... offset + L = 2^63 does not, though S*E does */
    d[0] = ((int64_t)1 << 60) - 8;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 1, 64, d, 1, 64), &h, &e),
              WEA_ERR_OVERFLOW);
    CHECK_STR(e.message, "overflow: data offset 64 plus data length "
                         "9223372036854775744 exceeds 2^63-1 (WA-1 §6.1 R8)");
    /* ... and S*E = 2^63 (E = 2^60) fails the second R8 check */
    d[0] = (int64_t)1 << 60;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 1, 64, d, 1, 64), &h, &e),
              WEA_ERR_OVERFLOW);
    CHECK_STR(e.message, "overflow: extent 1152921504606846976 times element "
                         "size 8 exceeds 2^63-1 bytes (WA-1 §6.1 R8)");
}

static void test_r9_data_truncated(void)
{
    unsigned char b[BIG];
    int64_t d[2] = {2, 3};
    size_t len;
    char msg[200];
    for (len = 32; len < 112; len++) {
        (void)snprintf(msg, sizeof msg,
                       "data_truncated: the block has %zu bytes, expected at "
                       "least 112 (data offset 64 + data length 48) "
                       "(WA-1 §6.1 R9)",
                       len);
        EXPECT_FAIL(b, mk(b, MAGIC, 10, 2, 64, d, 2, len),
                    WEA_ERR_DATA_TRUNCATED, msg);
    }
    {
        wea_header h;
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 2, 64, d, 2, 112), &h,
                              NULL),
                  WEA_OK);
    }
}

static void test_check_order(void)
{
    unsigned char b[BIG];
    int64_t d[2];
    const unsigned char bad_magic[4] = {0, 0, 0, 0};
    {
        wea_header h;
        /* R2 before R3: bad magic and a reserved type */
        CHECK_INT(wea_parse(b, mk(b, bad_magic, 0, 99, 1, NULL, 0, 20), &h,
                            NULL),
                  WEA_ERR_BAD_MAGIC);
        /* R1 before R2 */
        CHECK_INT(wea_parse(b, mk(b, bad_magic, 0, 99, 1, NULL, 0, 15), &h,
                            NULL),
                  WEA_ERR_TRUNCATED);
        /* R3 before R4 */
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 0, 99, 1, NULL, 0, 20), &h, NULL),
                  WEA_ERR_UNSUPPORTED_TYPE);
        /* R4 before R5 */
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 1, 99, 1, NULL, 0, 20), &h, NULL),
                  WEA_ERR_INVALID_NDIMS);
        /* R5 before R6: offset wrong and dims missing */
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 1, 2, 1, NULL, 0, 20), &h, NULL),
                  WEA_ERR_INVALID_OFFSET);
        /* R6 before R7: a negative first dim, but the second is missing */
        d[0] = -1;
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 1, 2, 64, d, 1, 24), &h, NULL),
                  WEA_ERR_TRUNCATED);
        /* R7 before R8: an overflowing dim before a negative one */
        d[0] = I64MAX;
        d[1] = -1;
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 12, 2, 64, d, 2, 32), &h, NULL),
                  WEA_ERR_INVALID_DIMENSION);
        /* R8 before R9 */
        d[0] = I64MAX;
        d[1] = 2;
        CHECK_INT(wea_parse(b, mk(b, MAGIC, 1, 2, 64, d, 2, 32), &h, NULL),
                  WEA_ERR_OVERFLOW);
    }
}

static void test_valid_edge_cases(void)
{
    unsigned char b[BIG];
    wea_header h;
    wea_error e;
    int64_t d[3];
    /* ndims 0: one element, 16-byte header, C = 64 (§5.1) */
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 0, 64, NULL, 0, 72), &h, &e),
              WEA_OK);
    CHECK_INT(e.status, WEA_OK);
    CHECK_STR(e.message, "");
    CHECK_INT(h.ndims, 0);
    CHECK_INT(h.count, 1);
    CHECK_INT(h.len_data, 8);
    CHECK_INT(h.block_size, 72);
    CHECK_INT(parse_exact(b, 71, &h, &e), WEA_ERR_DATA_TRUNCATED);
    /* zero-length dimension: valid with len >= offset (§5.2) */
    d[0] = 3;
    d[1] = 0;
    d[2] = 5;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 12, 3, 64, d, 3, 64), &h, &e),
              WEA_OK);
    CHECK_INT(h.count, 0);
    CHECK_INT(h.len_data, 0);
    CHECK_INT(h.dims[1], 0);
    CHECK_INT(parse_exact(b, 63, &h, &e), WEA_ERR_DATA_TRUNCATED);
    /* trailing bytes are ignored (§3.7) */
    d[0] = 2;
    CHECK_INT(parse_exact(b, mk(b, MAGIC, 2, 1, 64, d, 1, BIG), &h, &e),
              WEA_OK);
    CHECK_INT(h.block_size, 66);
    /* 32 dimensions with offsets 320 and 384 */
    {
        int64_t d32[32];
        unsigned i;
        for (i = 0; i < 32; i++) {
            d32[i] = i == 5 ? 3 : 1;
        }
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 257, 32, 320, d32, 32, 326), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(h.count, 3);
        CHECK_INT(h.len_data, 6);
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 257, 32, 384, d32, 32, 390), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(h.block_size, 390);
        CHECK_INT(parse_exact(b, 389, &h, &e), WEA_ERR_DATA_TRUNCATED);
    }
    /* WA-1 1.1: 33 dimensions (offsets 320, 384) and 64 (576, 640) */
    {
        int64_t d64[64];
        unsigned i;
        for (i = 0; i < 64; i++) {
            d64[i] = i == 40 ? 5 : i == 63 ? 2 : 1;
        }
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 2, 33, 320, d64, 33, 325), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(h.ndims, 33);
        CHECK_INT(h.count, 1);
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 2, 33, 384, d64, 33, 389), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 64, 576, d64, 64, 656), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(h.ndims, 64);
        CHECK_INT(h.dims[40], 5);
        CHECK_INT(h.dims[63], 2);
        CHECK_INT(wea_header_dim(&h, 63), 2);
        CHECK_INT(wea_header_dim(&h, 64), -1);
        CHECK_INT(h.count, 10);
        CHECK_INT(h.len_data, 80);
        CHECK_INT(h.block_size, 656);
        CHECK_INT(parse_exact(b, 655, &h, &e), WEA_ERR_DATA_TRUNCATED);
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 64, 640, d64, 64, 720), &h,
                              &e),
                  WEA_OK);
        CHECK_INT(h.offset, 640);
        CHECK_INT(h.block_size, 720);
        /* a header of 64 dims cut in its last dim: R6 */
        CHECK_INT(parse_exact(b, mk(b, MAGIC, 10, 64, 576, d64, 64, 527), &h,
                              &e),
                  WEA_ERR_TRUNCATED);
        CHECK_STR(e.message, "truncated: the block has 527 bytes, the header "
                             "with 64 dimensions needs 528 (WA-1 §6.1 R6)");
    }
    /* padding is not checked (§3.8) */
    d[0] = 1;
    mk(b, MAGIC, 1, 1, 128, d, 1, 129);
    memset(b + 24, 0xEE, 128 - 24);
    CHECK_INT(parse_exact(b, 129, &h, &e), WEA_OK);
}

static void test_every_etype_valid(void)
{
    unsigned codes[MAX_TYPES];
    const size_t n_codes = all_etypes(codes);
    unsigned char b[BIG];
    int64_t d[2] = {3, 2};
    size_t i;
    for (i = 0; i < n_codes; i++) {
        wea_header h;
        size_t s = wea_etype_size(codes[i]);
        size_t len = 64 + 6 * s;
        CHECK_INT(parse_exact(b, mk(b, MAGIC, codes[i], 2, 64, d, 2, len), &h,
                              NULL),
                  WEA_OK);
        CHECK_INT(h.etype, codes[i]);
        CHECK_INT(h.elsize, s);
        CHECK_INT(h.len_data, 6 * (int64_t)s);
        CHECK_INT(parse_exact(b, len - 1, &h, NULL), WEA_ERR_DATA_TRUNCATED);
    }
}

static void test_parse_arguments(void)
{
    unsigned char b[BIG];
    wea_header h;
    wea_error e;
    size_t len = mk(b, MAGIC, 2, 0, 64, NULL, 0, 65);
    CHECK_INT(wea_parse(b, len, NULL, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(e.status, WEA_ERR_INVALID_ARGUMENT);
    CHECK(e.message[0] != '\0');
    CHECK_INT(wea_parse(NULL, 5, &h, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_STR(e.message, "invalid_argument: block is NULL but len is 5");
    /* err may be NULL on success and on failure */
    CHECK_INT(wea_parse(b, len, &h, NULL), WEA_OK);
    CHECK_INT(wea_parse(b, 3, &h, NULL), WEA_ERR_TRUNCATED);
    /* the header is zeroed on a failure other than data_truncated */
    memset(&h, 0x5A, sizeof h);
    CHECK_INT(wea_parse(b, 3, &h, NULL), WEA_ERR_TRUNCATED);
    CHECK_INT(h.etype, 0);
    CHECK_INT(h.offset, 0);
    CHECK_INT(h.block_size, 0);
    /* the error struct is reset on success */
    e.status = WEA_ERR_OVERFLOW;
    e.sys_errno = 5;
    strcpy(e.message, "stale");
    CHECK_INT(wea_parse(b, len, &h, &e), WEA_OK);
    CHECK_INT(e.status, WEA_OK);
    CHECK_INT(e.sys_errno, 0);
    CHECK_STR(e.message, "");
}

static void test_unaligned_block(void)
{
    /* a block at an odd address parses the same (§8.1.2) */
    unsigned char b[BIG];
    unsigned char *raw = (unsigned char *)malloc(200);
    int64_t d[2] = {2, 3};
    wea_header h;
    size_t k;
    mk(b, MAGIC, 10, 2, 64, d, 2, 112);
    for (k = 0; k < 8 && raw != NULL; k++) {
        memcpy(raw + k, b, 112);
        CHECK_INT(wea_parse(raw + k, 112, &h, NULL), WEA_OK);
        CHECK_INT(h.dims[0], 2);
        CHECK_INT(h.dims[1], 3);
        CHECK(wea_data(raw + k, &h) == raw + k + 64);
    }
    free(raw);
}

static void test_accessors(void)
{
    unsigned char b[BIG];
    int64_t d[3] = {4, 5, 6};
    wea_header h;
    CHECK_INT(wea_parse(b, mk(b, MAGIC, 5, 3, 128, d, 3, 128 + 480), &h, NULL),
              WEA_OK);
    CHECK_INT(wea_header_etype(&h), 5);
    CHECK_INT(wea_header_elsize(&h), 4);
    CHECK_INT(wea_header_ndims(&h), 3);
    CHECK_INT(wea_header_dim(&h, 0), 4);
    CHECK_INT(wea_header_dim(&h, 1), 5);
    CHECK_INT(wea_header_dim(&h, 2), 6);
    CHECK_INT(wea_header_dim(&h, 3), -1);
    CHECK_INT(wea_header_dim(&h, 1000), -1);
    CHECK_INT(wea_header_offset(&h), 128);
    CHECK_INT(wea_header_len_data(&h), 480);
    CHECK_INT(wea_header_count(&h), 120);
    CHECK_INT(wea_header_block_size(&h), 608);
    CHECK(wea_data(b, &h) == (const void *)(b + 128));
    CHECK(wea_data_mut(b, &h) == (void *)(b + 128));
    CHECK(wea_data(NULL, &h) == NULL);
    CHECK(wea_data(b, NULL) == NULL);
    CHECK(wea_data_mut(NULL, &h) == NULL);
    CHECK(wea_data_mut(b, NULL) == NULL);
}

static void test_peek(void)
{
    unsigned char b[BIG];
    int64_t d[7] = {1, 1, 1, 1, 1, 1, 1};
    size_t hb = 0;
    wea_error e;
    size_t len;
    /* 16 bytes suffice */
    mk(b, MAGIC, 3, 7, 128, d, 7, 16);
    CHECK_INT(wea_parse_fixed_header(b, 16, &hb, &e), WEA_OK);
    CHECK_INT(hb, 72);
    CHECK_INT(e.status, WEA_OK);
    CHECK_INT(wea_parse_fixed_header(b, 16, NULL, NULL), WEA_OK);
    /* and it reads no more than 16 (exact-size copy under ASan) */
    {
        unsigned char *c = (unsigned char *)malloc(16);
        if (c != NULL) {
            memcpy(c, b, 16);
            CHECK_INT(wea_parse_fixed_header(c, 16, &hb, NULL), WEA_OK);
            free(c);
        }
    }
    for (len = 0; len < 16; len++) {
        hb = 99;
        CHECK_INT(wea_parse_fixed_header(b, len, &hb, &e), WEA_ERR_TRUNCATED);
        CHECK_INT(hb, 99);
    }
    CHECK_INT(wea_parse_fixed_header(NULL, 0, &hb, NULL), WEA_ERR_TRUNCATED);
    CHECK_INT(wea_parse_fixed_header(NULL, 1, &hb, &e),
              WEA_ERR_INVALID_ARGUMENT);
    b[0] = 0x57;
    b[1] = 0x00;
    CHECK_INT(wea_parse_fixed_header(b, 16, &hb, &e), WEA_ERR_BAD_MAGIC);
    CHECK_STR(e.message, "bad_magic: magic bytes 57 00 41 57, expected 31 2D "
                         "41 57 (WA-1 §6.1 R2)");
    CHECK_INT(wea_parse_fixed_header(b, mk(b, MAGIC, 13, 7, 128, d, 0, 16),
                                     &hb, &e),
              WEA_ERR_UNSUPPORTED_TYPE);
    CHECK_INT(wea_parse_fixed_header(b, mk(b, MAGIC, 3, 65, 576, d, 0, 16),
                                     &hb, &e),
              WEA_ERR_INVALID_NDIMS);
    /* 64 dimensions: the header needs 16 + 8*64 bytes */
    CHECK_INT(wea_parse_fixed_header(b, mk(b, MAGIC, 3, 64, 640, d, 0, 16),
                                     &hb, &e),
              WEA_OK);
    CHECK_INT(hb, 528);
    CHECK_INT(wea_parse_fixed_header(b, mk(b, MAGIC, 3, 7, 64, d, 0, 16),
                                     &hb, &e),
              WEA_ERR_INVALID_OFFSET);
    {
        const unsigned char be[4] = {0x57, 0x41, 0x2D, 0x31};
        const unsigned char v2[4] = {0x32, 0x2D, 0x41, 0x57};
        CHECK_INT(wea_parse_fixed_header(b, mk(b, be, 3, 7, 128, d, 0, 16),
                                         &hb, &e),
                  WEA_ERR_WRONG_BYTE_ORDER);
        CHECK_INT(wea_parse_fixed_header(b, mk(b, v2, 3, 7, 128, d, 0, 16),
                                         &hb, &e),
                  WEA_ERR_UNSUPPORTED_VERSION);
    }
    /* peek, then parse tells the whole block's length */
    {
        wea_header h;
        mk(b, MAGIC, 3, 7, 128, d, 7, 72);
        CHECK_INT(wea_parse_fixed_header(b, 72, &hb, NULL), WEA_OK);
        CHECK_INT(wea_parse(b, hb, &h, NULL), WEA_ERR_DATA_TRUNCATED);
        CHECK_INT(h.block_size, 130);
    }
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

static void test_write_roundtrip(void)
{
    unsigned codes[MAX_TYPES];
    const size_t n_codes = all_etypes(codes);
    unsigned char b[BIG];
    size_t i;
    unsigned n, k;
    for (i = 0; i < n_codes; i++) {
        for (n = 0; n <= WEA_MAX_NDIMS; n++) {
            int64_t d[WEA_MAX_NDIMS];
            wea_header w, r;
            wea_error e;
            size_t off = wea_canonical_offset(n);
            int64_t count = 1;
            for (k = 0; k < n; k++) {
                d[k] = k < 4 ? (int64_t)k + 1 : 1;
                count *= d[k];
            }
            memset(b, 0xAA, sizeof b);
            CHECK_INT(wea_write_header(b, off, codes[i], n, d, &w, &e),
                      WEA_OK);
            CHECK_INT(e.status, WEA_OK);
            CHECK_INT(w.offset, (int64_t)off);
            CHECK_INT(w.count, count);
            CHECK_INT(w.len_data, count * (int64_t)wea_etype_size(codes[i]));
            CHECK_INT(w.block_size, (int64_t)off + w.len_data);
            /* padding is zeros, nothing past the offset is touched */
            for (k = (unsigned)wea_header_size(n); k < off; k++) {
                if (b[k] != 0) {
                    CHECK_INT(b[k], 0);
                    break;
                }
            }
            CHECK_INT(b[off], 0xAA);
            memset(b + off, 0, (size_t)w.len_data);
            CHECK_INT(parse_exact(b, (size_t)w.block_size, &r, NULL), WEA_OK);
            CHECK(memcmp(&r, &w, sizeof r) == 0);
            CHECK(memcmp(b, "\x31\x2D\x41\x57", 4) == 0);
        }
    }
}

static void test_write_layout(void)
{
    /* the bytes of spec §11.1's header */
    static const unsigned char want[32] = {
        0x31, 0x2d, 0x41, 0x57, 0x0a, 0x00, 0x02, 0x00, 0x40, 0, 0, 0, 0, 0,
        0,    0,    0x02, 0,    0,    0,    0,    0,    0,    0, 0x03, 0, 0,
        0,    0,    0,    0,    0};
    unsigned char b[BIG];
    int64_t d[2] = {2, 3};
    wea_header h;
    CHECK_INT(wea_write_header(b, 64, WEA_FLOAT64, 2, d, &h, NULL), WEA_OK);
    CHECK(memcmp(b, want, sizeof want) == 0);
    CHECK_INT(h.block_size, 112);
    /* ndims 0 may pass dims = NULL */
    CHECK_INT(wea_write_header(b, 64, WEA_BOOL, 0, NULL, &h, NULL), WEA_OK);
    CHECK_INT(h.block_size, 65);
    /* out may be NULL */
    CHECK_INT(wea_write_header(b, 64, WEA_BOOL, 0, NULL, NULL, NULL), WEA_OK);
}

static void test_write_errors(void)
{
    unsigned char b[BIG];
    int64_t d[3] = {2, -3, 4};
    char codes[256], msg[384];
    wea_header h;
    wea_error e;
    memset(b, 0xAA, sizeof b);
    CHECK_INT(wea_write_header(b, BIG, 13, 1, d, &h, &e),
              WEA_ERR_UNSUPPORTED_TYPE);
    codes_text(codes, sizeof codes);
    (void)snprintf(msg, sizeof msg,
                   "unsupported_type: element type code 13, expected %s "
                   "(WA-1 §7.1)",
                   codes);
    CHECK_STR(e.message, msg);
    CHECK_INT(wea_write_header(b, BIG, 0, 1, d, &h, &e),
              WEA_ERR_UNSUPPORTED_TYPE);
    {
        /* every reserved code, and codes beyond 16 bits (§4.3), with the
         * code in the message, checked before ndims and the dims */
        unsigned reserved[] = {0, 13, 100, 255, 0 /* after the last */, 1000,
                               65535, 65536, 70000};
        size_t k;
        reserved[4] = first_code_after_the_types();
        for (k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
            CHECK_INT(wea_make_header(reserved[k], 70, NULL, &h, &e),
                      WEA_ERR_UNSUPPORTED_TYPE);
            (void)snprintf(msg, sizeof msg,
                           "unsupported_type: element type code %u, expected "
                           "%s (WA-1 §7.1)",
                           reserved[k], codes);
            CHECK_STR(e.message, msg);
        }
    }
    CHECK_INT(wea_write_header(b, BIG, 1, 65, d, &h, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK_STR(e.message, "invalid_ndims: ndims is 65, expected at most 64 "
                         "(WA-1 §7.1)");
    CHECK_INT(wea_write_header(b, BIG, 1, 65535, d, &h, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK_INT(wea_write_header(b, BIG, 1, 70000, d, &h, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK_STR(e.message, "invalid_ndims: ndims is 70000, expected at most 64 "
                         "(WA-1 §7.1)");
    CHECK_INT(wea_write_header(b, BIG, 1, 3, d, &h, &e),
              WEA_ERR_INVALID_DIMENSION);
    CHECK_STR(e.message, "invalid_dimension: dimension 1 is -3, expected at "
                         "least 0 (WA-1 §7.1)");
    d[1] = I64MAX;
    CHECK_INT(wea_write_header(b, BIG, 1, 3, d, &h, &e), WEA_ERR_OVERFLOW);
    CHECK_STR(e.message, "overflow: the extent (the product of the dimensions, "
                         "zeros counted as 1) exceeds 2^63-1 (WA-1 §7.1)");
    d[0] = (int64_t)1 << 61;
    CHECK_INT(wea_write_header(b, BIG, WEA_INT64, 1, d, &h, &e),
              WEA_ERR_OVERFLOW);
    CHECK_STR(e.message, "overflow: extent 2305843009213693952 times element "
                         "size 8 exceeds 2^63-1 bytes (WA-1 §7.1)");
    d[0] = I64MAX - 10;
    CHECK_INT(wea_write_header(b, BIG, WEA_UINT8, 1, d, &h, &e),
              WEA_ERR_OVERFLOW);
    CHECK_STR(e.message, "overflow: data offset 64 plus data length "
                         "9223372036854775797 exceeds 2^63-1 (WA-1 §7.1)");
    /* nothing was written by any failure */
    CHECK_INT(b[0], 0xAA);
    CHECK_INT(b[63], 0xAA);
    d[0] = 2;
    d[1] = 2;
    CHECK_INT(wea_write_header(b, 63, 1, 3, d, &h, &e),
              WEA_ERR_BUFFER_TOO_SMALL);
    CHECK_STR(e.message, "buffer_too_small: the buffer has 63 bytes, the "
                         "header with 3 dimensions and its padding need 64 "
                         "(WA-1 §7.1)");
    CHECK_INT(h.block_size, 0);
    CHECK_INT(b[0], 0xAA);
    CHECK_INT(wea_write_header(NULL, 64, 1, 3, d, &h, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_write_header(b, 64, 1, 3, NULL, &h, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_STR(e.message, "invalid_argument: dims is NULL but ndims is 3");
    CHECK_INT(b[0], 0xAA);
}

static void test_plan(void)
{
    int64_t d[2] = {1000, 3};
    wea_header h;
    wea_error e;
    CHECK_INT(wea_make_header(WEA_COMPLEX128, 2, d, &h, &e), WEA_OK);
    CHECK_INT(h.offset, 64);
    CHECK_INT(h.len_data, 48000);
    CHECK_INT(h.block_size, 48064);
    CHECK_INT(h.elsize, 16);
    CHECK_INT(wea_make_header(WEA_COMPLEX128, 2, d, NULL, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_make_header(WEA_COMPLEX128, 65, d, &h, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK_INT(h.block_size, 0);
    CHECK_INT(wea_make_header(300, 2, d, &h, &e), WEA_ERR_UNSUPPORTED_TYPE);
}

static void test_prepare_publish(void)
{
    /* malloc: aligned for any type, and no declared type, so that the
     * 32-bit store of C7 is well defined on it */
    unsigned char *b = (unsigned char *)malloc(BIG);
    int64_t d[1] = {4};
    wea_header h;
    size_t k;
    if (b == NULL) {
        th_fail(__FILE__, __LINE__, "malloc");
        return;
    }
    memset(b, 0x11, BIG);
    CHECK_INT(wea_prepare_header(b, BIG, WEA_INT16, 1, d, &h, NULL), WEA_OK);
    CHECK(memcmp(b, "\0\0\0\0", 4) == 0);
    memset(b + 64, 0, 8);
    CHECK_INT(wea_parse(b, 72, &h, NULL), WEA_ERR_BAD_MAGIC);
    CHECK_INT(wea_publish(b), WEA_OK);
    CHECK(memcmp(b, "\x31\x2D\x41\x57", 4) == 0); /* on any byte order */
    CHECK_INT(wea_parse(b, 72, &h, NULL), WEA_OK);
    CHECK_INT(h.count, 4);
    CHECK_INT(b[4], WEA_INT16); /* nothing else was touched */
    CHECK_INT(b[72], 0x11);
    CHECK_INT(wea_publish(NULL), WEA_ERR_INVALID_ARGUMENT);
    /* C7 is one aligned 32-bit store: a block that is not 4-byte aligned
     * cannot be published atomically and is refused, untouched */
    for (k = 1; k < 4; k++) {
        memset(b, 0, 8);
        CHECK_INT(wea_publish(b + k), WEA_ERR_INVALID_ARGUMENT);
        CHECK(memcmp(b, "\0\0\0\0\0\0\0\0", 8) == 0);
    }
    CHECK_INT(wea_publish(b + 4), WEA_OK);
    CHECK(memcmp(b + 4, "\x31\x2D\x41\x57", 4) == 0);
    CHECK_INT(wea_prepare_header(b, 10, WEA_INT16, 1, d, &h, NULL),
              WEA_ERR_BUFFER_TOO_SMALL);
    free(b);
}

/* ------------------------------------------------------------------ */
/* Shared-memory names (§8.2.1)                                       */
/* ------------------------------------------------------------------ */

static void test_names_valid(void)
{
    char out[WEA_SHM_NAME_SIZE];
    char longname[300];
    wea_error e;
    CHECK_INT(wea_shm_name_normalize("abc", out, &e), WEA_OK);
    CHECK_STR(out, "/abc");
    CHECK_INT(wea_shm_name_normalize("/abc", out, &e), WEA_OK);
    CHECK_STR(out, "/abc");
    CHECK_INT(wea_shm_name_normalize("a.b_c-D9", out, &e), WEA_OK);
    CHECK_INT(wea_shm_name_normalize("...", out, &e), WEA_OK);
    CHECK_INT(wea_shm_name_normalize(".x", out, &e), WEA_OK);
    CHECK_INT(wea_shm_name_normalize("caf\xC3\xA9", out, &e), WEA_OK);
    CHECK_INT(wea_shm_name_normalize("\xE2\x82\xAC\xF0\x9F\x98\x80", out, &e),
              WEA_OK);
    CHECK_INT(wea_shm_name_normalize("sp ace", out, &e), WEA_OK);
    memset(longname, 'n', 255);
    longname[255] = '\0';
    CHECK_INT(wea_shm_name_normalize(longname, out, &e), WEA_OK);
    CHECK_INT(strlen(out), 256);
    longname[0] = '/';
    memset(longname + 1, 'n', 255);
    longname[256] = '\0';
    CHECK_INT(wea_shm_name_normalize(longname, out, &e), WEA_OK);
    CHECK_INT(strlen(out), 256);
}

static void test_names_invalid(void)
{
    static const struct {
        const char *name;
        const char *msg;
    } t[] = {
        {"", "invalid_name: the shared-memory name has an empty body, "
             "expected / and 1 to 255 bytes (WA-1 §8.2.1)"},
        {"/", "invalid_name: the shared-memory name has an empty body, "
              "expected / and 1 to 255 bytes (WA-1 §8.2.1)"},
        {".", "invalid_name: the shared-memory name's body is \".\", which is "
              "not an object name (WA-1 §8.2.1)"},
        {"/..", "invalid_name: the shared-memory name's body is \"..\", which "
                "is not an object name (WA-1 §8.2.1)"},
        {"a/b", "invalid_name: the shared-memory name's body has a / at byte "
                "1, expected none (WA-1 §8.2.1)"},
        {"//a", "invalid_name: the shared-memory name's body has a / at byte "
                "0, expected none (WA-1 §8.2.1)"},
        {"x\xFF", "invalid_name: the shared-memory name's body is not valid "
                  "UTF-8 at byte 1 (byte FF) (WA-1 §8.2.1)"},
        {"\xC0\xAF", "invalid_name: the shared-memory name's body is not "
                     "valid UTF-8 at byte 0 (byte C0) (WA-1 §8.2.1)"},
        {"\xED\xA0\x80", "invalid_name: the shared-memory name's body is not "
                         "valid UTF-8 at byte 0 (byte ED) (WA-1 §8.2.1)"},
        {"\xF4\x90\x80\x80", "invalid_name: the shared-memory name's body is "
                             "not valid UTF-8 at byte 0 (byte F4) "
                             "(WA-1 §8.2.1)"},
        {"ab\xE2\x82", "invalid_name: the shared-memory name's body is not "
                       "valid UTF-8 at byte 2 (byte E2) (WA-1 §8.2.1)"},
        {"\xE0\x80\x80", "invalid_name: the shared-memory name's body is not "
                         "valid UTF-8 at byte 0 (byte E0) (WA-1 §8.2.1)"},
        {"\xF0\x80\x80\x80", "invalid_name: the shared-memory name's body is "
                             "not valid UTF-8 at byte 0 (byte F0) "
                             "(WA-1 §8.2.1)"},
        {"a\x80", "invalid_name: the shared-memory name's body is not valid "
                  "UTF-8 at byte 1 (byte 80) (WA-1 §8.2.1)"},
    };
    char out[WEA_SHM_NAME_SIZE];
    char longname[300];
    wea_error e;
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        strcpy(out, "untouched");
        CHECK_INT(wea_shm_name_normalize(t[i].name, out, &e), WEA_ERR_NAME);
        CHECK_STR(e.message, t[i].msg);
        CHECK_STR(out, "untouched");
    }
    memset(longname, 'n', 256);
    longname[256] = '\0';
    CHECK_INT(wea_shm_name_normalize(longname, out, &e), WEA_ERR_NAME);
    CHECK_STR(e.message, "invalid_name: the shared-memory name's body has "
                         "more than 255 bytes, expected 1 to 255 "
                         "(WA-1 §8.2.1)");
    CHECK_INT(wea_shm_name_normalize(NULL, out, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_shm_name_normalize("a", NULL, &e), WEA_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------------ */
/* The spec's worked examples (§11), read from spec/wea.md            */
/* ------------------------------------------------------------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decodes hex digits (spaces ignored) into out; returns the byte count or
 * (size_t)-1. */
static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (*s != '\0' && *s != '\n') {
        int hi, lo;
        if (*s == ' ') {
            s++;
            continue;
        }
        hi = hexval(s[0]);
        lo = hi >= 0 ? hexval(s[1]) : -1;
        if (lo < 0 || n >= cap) {
            return (size_t)-1;
        }
        out[n++] = (unsigned char)(hi * 16 + lo);
        s += 2;
    }
    return n;
}

static const char *spec_path(void)
{
    const char *p = getenv("WEA_SPEC");
    return p != NULL && p[0] != '\0' ? p : "../spec/wea.md";
}

static void test_spec_examples(void)
{
    size_t len = 0;
    char *text = (char *)th_read_file(spec_path(), &len);
    char *p, *end;
    int examples = 0;
    if (text == NULL) {
        th_fail(__FILE__, __LINE__,
                "cannot read the spec at %s (set WEA_SPEC)", spec_path());
        return;
    }
    text = (char *)realloc(text, len + 1);
    if (text == NULL) {
        return;
    }
    text[len] = '\0';
    for (p = text; (p = strstr(p, "```wea-example\n")) != NULL; p = end) {
        char name[64] = "";
        unsigned etype = 0, ndims = 0;
        long long offset = -1, len_data = -1;
        int64_t dims[WEA_MAX_NDIMS];
        unsigned nd = 0;
        unsigned char block[BIG], data[BIG];
        size_t blen = 0, dlen = 0;
        int in_dump = 0;
        char *line;
        wea_header h;
        wea_error e;

        p += strlen("```wea-example\n");
        end = strstr(p, "```");
        if (end == NULL) {
            th_fail(__FILE__, __LINE__, "unterminated example");
            break;
        }
        *end = '\0';
        end++;
        for (line = p; line != NULL && *line != '\0';) {
            char *nl = strchr(line, '\n');
            if (nl != NULL) {
                *nl = '\0';
            }
            if (strcmp(line, "---") == 0) {
                in_dump = 1;
            } else if (in_dump) {
                char *colon = strchr(line, ':');
                size_t n = colon != NULL ? unhex(colon + 1, block + blen,
                                                 sizeof block - blen)
                                         : (size_t)-1;
                if (n == (size_t)-1) {
                    th_fail(__FILE__, __LINE__, "bad dump line: %s", line);
                } else {
                    blen += n;
                }
            } else if (sscanf(line, "name: %63s", name) == 1) {
            } else if (sscanf(line, "etype: %u", &etype) == 1) {
            } else if (sscanf(line, "ndims: %u", &ndims) == 1) {
            } else if (sscanf(line, "offset: %lld", &offset) == 1) {
            } else if (sscanf(line, "len_data: %lld", &len_data) == 1) {
            } else if (strncmp(line, "dims:", 5) == 0) {
                char *q = line + 5;
                char *qe;
                long long v;
                while (nd < WEA_MAX_NDIMS &&
                       (v = strtoll(q, &qe, 10), qe != q)) {
                    dims[nd++] = (int64_t)v;
                    q = qe;
                }
            } else if (strncmp(line, "data:", 5) == 0) {
                dlen = unhex(line + 5, data, sizeof data);
            }
            line = nl != NULL ? nl + 1 : NULL;
        }
        examples++;
        CHECK_INT(parse_exact(block, blen, &h, &e), WEA_OK);
        if (e.status != WEA_OK) {
            th_note("example %s: %s", name, e.message);
            continue;
        }
        CHECK_INT(h.etype, etype);
        CHECK_INT(h.ndims, ndims);
        CHECK_INT(nd, ndims);
        CHECK_INT(h.offset, offset);
        CHECK_INT(h.len_data, len_data);
        CHECK(memcmp(h.dims, dims, sizeof(int64_t) * nd) == 0);
        CHECK_INT(dlen, (size_t)len_data);
        CHECK(memcmp(wea_data(block, &h), data, dlen) == 0);
        CHECK_INT(h.block_size, (int64_t)blen);
        {
            /* the writer produces the same header bytes for the canonical
             * ones */
            unsigned char w[BIG];
            if (h.offset == (int64_t)wea_canonical_offset(h.ndims)) {
                CHECK_INT(wea_write_header(w, sizeof w, h.etype, h.ndims,
                                           h.dims, NULL, NULL),
                          WEA_OK);
                CHECK(memcmp(w, block, (size_t)h.offset) == 0);
            }
        }
    }
    free(text);
    CHECK(examples >= 4);
}

/* ------------------------------------------------------------------ */
/* Truncation, deletion and bit-flip loops                            */
/* ------------------------------------------------------------------ */

/* Every prefix of a block (of a valid block: every prefix shorter than
 * offset + L): a non-OK status with a message, never a crash (exact-size
 * copies under ASan). For a valid block every such prefix fails with
 * truncated or data_truncated, since R2-R5, R7 and R8 do not depend on
 * len. Returns the number of prefixes checked. */
static size_t truncation_loop(const unsigned char *b, size_t len, int valid,
                              const char *what)
{
    size_t n;
    if (valid) {
        /* prefixes from offset + L on keep the block valid (trailing
         * bytes, §3.7): loop over the shorter ones */
        wea_header h;
        if (wea_parse(b, len, &h, NULL) != WEA_OK) {
            th_fail(__FILE__, __LINE__, "%s: not valid", what);
            return 0;
        }
        len = (size_t)h.block_size;
    }
    for (n = 0; n < len; n++) {
        wea_header h;
        wea_error e;
        wea_status st = parse_exact(b, n, &h, &e);
        if (st == WEA_OK || e.message[0] == '\0' ||
            (valid && !wea_status_is_incomplete(st))) {
            th_fail(__FILE__, __LINE__,
                    "%s: prefix of %zu bytes: status %s, message \"%s\"",
                    what, n, wea_status_category(st), e.message);
            return n;
        }
    }
    return len;
}

/* Deleting any one byte and flipping any one bit: no crash, and a
 * message whenever the status is not OK. */
static void mutation_loop(const unsigned char *b, size_t len, const char *what)
{
    unsigned char *m = (unsigned char *)malloc(len > 0 ? len : 1);
    size_t i;
    unsigned bit;
    if (m == NULL) {
        return;
    }
    for (i = 0; i < len; i++) {
        wea_header h;
        wea_error e;
        wea_status st;
        memcpy(m, b, i);
        memcpy(m + i, b + i + 1, len - i - 1);
        st = parse_exact(m, len - 1, &h, &e);
        if (st != WEA_OK && e.message[0] == '\0') {
            th_fail(__FILE__, __LINE__, "%s: byte %zu deleted: no message",
                    what, i);
        }
    }
    /* bit flips in the header and dims region (the data is not read) */
    for (i = 0; i < len && i < 16 + 8 * WEA_MAX_NDIMS; i++) {
        for (bit = 0; bit < 8; bit++) {
            wea_header h;
            wea_error e;
            wea_status st;
            memcpy(m, b, len);
            m[i] = (unsigned char)(m[i] ^ (1u << bit));
            st = parse_exact(m, len, &h, &e);
            if (st != WEA_OK && e.message[0] == '\0') {
                th_fail(__FILE__, __LINE__, "%s: bit %u of byte %zu: no "
                        "message", what, bit, i);
            }
            if (st == WEA_OK && (h.block_size > (int64_t)len ||
                                 h.offset > WEA_MAX_OFFSET)) {
                th_fail(__FILE__, __LINE__, "%s: bit %u of byte %zu: OK "
                        "beyond len", what, bit, i);
            }
        }
    }
    free(m);
}

static void test_truncation_built(void)
{
    unsigned codes[MAX_TYPES];
    const size_t n_codes = all_etypes(codes);
    unsigned char b[BIG];
    size_t i, total = 0;
    unsigned n;
    for (i = 0; i < n_codes; i++) {
        for (n = 0; n <= WEA_MAX_NDIMS; n += (n < 8 ? 1 : 8)) {
            int64_t d[WEA_MAX_NDIMS];
            wea_header h;
            unsigned k;
            for (k = 0; k < n; k++) {
                d[k] = k < 3 ? 2 : 1;
            }
            if (wea_write_header(b, BIG, codes[i], n, d, &h, NULL) != WEA_OK ||
                h.block_size > BIG) {
                th_fail(__FILE__, __LINE__, "cannot build a block");
                return;
            }
            memset(b + h.offset, 0x5C, (size_t)h.len_data);
            total += truncation_loop(b, (size_t)h.block_size, 1, "built block");
            mutation_loop(b, (size_t)h.block_size, "built block");
            /* the legacy offset */
            put64(b + 8, h.offset + 64);
            memmove(b + h.offset + 64, b + h.offset, (size_t)h.len_data);
            total += truncation_loop(b, (size_t)h.block_size + 64, 1,
                                     "legacy block");
        }
    }
    th_note("%zu prefixes of built blocks", total);
}

static const char *vectors_dir(void)
{
    const char *d = getenv("WEA_CONFORMANCE_DIR");
    return d != NULL && d[0] != '\0' ? d : NULL;
}

/* Runs fn on every regular file of DIR/sub; returns the count, or -1 if
 * the directory cannot be read. */
static long for_each_vector(const char *sub,
                            void (*fn)(const char *path,
                                       const unsigned char *b, size_t len))
{
    char dirpath[1024], path[2048];
    DIR *d;
    struct dirent *ent;
    long count = 0;
    (void)snprintf(dirpath, sizeof dirpath, "%s/%s", vectors_dir(), sub);
    d = opendir(dirpath);
    if (d == NULL) {
        return -1;
    }
    while ((ent = readdir(d)) != NULL) {
        struct stat sb;
        unsigned char *b;
        size_t len = 0;
        if (ent->d_name[0] == '.') {
            continue;
        }
        (void)snprintf(path, sizeof path, "%s/%s", dirpath, ent->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            continue;
        }
        b = th_read_file(path, &len);
        if (b == NULL) {
            th_fail(__FILE__, __LINE__, "cannot read %s", path);
            continue;
        }
        fn(path, b, len);
        free(b);
        count++;
    }
    (void)closedir(d);
    return count;
}

static void valid_vector(const char *path, const unsigned char *b, size_t len)
{
    wea_header h;
    wea_error e;
    if (parse_exact(b, len, &h, &e) != WEA_OK) {
        th_fail(__FILE__, __LINE__, "%s: valid vector rejected: %s", path,
                e.message);
        return;
    }
    truncation_loop(b, len, 1, path);
    mutation_loop(b, len, path);
}

static void invalid_vector(const char *path, const unsigned char *b,
                           size_t len)
{
    wea_header h;
    wea_error e;
    wea_status st = parse_exact(b, len, &h, &e);
    if (st == WEA_OK || st > WEA_ERR_DATA_TRUNCATED || e.message[0] == '\0') {
        th_fail(__FILE__, __LINE__, "%s: invalid vector: status %s, \"%s\"",
                path, wea_status_category(st), e.message);
        return;
    }
    /* its category is the start of its message */
    CHECK(strncmp(e.message, wea_status_category(st),
                  strlen(wea_status_category(st))) == 0);
    truncation_loop(b, len, 0, path);
    mutation_loop(b, len, path);
}

static void test_conformance_vectors(void)
{
    long nv, ni;
    if (vectors_dir() == NULL) {
        th_skip("WEA_CONFORMANCE_DIR is not set; `make test-c` sets it to "
                "conformance/");
        return;
    }
    nv = for_each_vector("valid", valid_vector);
    ni = for_each_vector("invalid", invalid_vector);
    if (nv < 0 || ni < 0) {
        th_fail(__FILE__, __LINE__,
                "the conformance vectors are missing: cannot read %s/valid "
                "and %s/invalid (run `make vectors`, or set "
                "WEA_CONFORMANCE_DIR to the directory that holds them)",
                vectors_dir(), vectors_dir());
        return;
    }
    if (nv == 0) {
        th_fail(__FILE__, __LINE__, "%s/valid holds no vector",
                vectors_dir());
    }
    th_note("%ld valid vectors (every prefix, deletion and header bit "
            "flip), %ld invalid vectors", nv, ni);
}

/* The deprecated names (wea.h, "Deprecated names") are the renamed
 * functions under their old names: the same results, statuses, headers and
 * messages on valid and invalid input. */
static void test_deprecated_aliases(void)
{
    static const unsigned char BAD4[4] = {0x00, 0x2D, 0x41, 0x57};
    const int64_t d2[2] = {3, 4}, neg[2] = {3, -1}, huge[2] = {INT64_MAX, 2};
    static const unsigned codes[] = {0u,   1u,   12u,  13u,
                                     256u, 257u, 258u, 70000u};
    unsigned char b[BIG];
    unsigned n, k, nd;
    for (n = 0; n <= 70; n++) {
        CHECK_INT(wea_data_offset(n), wea_canonical_offset(n));
    }
    CHECK_INT(wea_data_offset(~0u), wea_canonical_offset(~0u));
    for (k = 0; k < 6; k++) {
        size_t len, hb_old = 7, hb_new = 7;
        wea_error e_old, e_new;
        switch (k) {
        case 0: len = mk(b, MAGIC, 3, 2, 64, d2, 2, 16); break;
        case 1: len = mk(b, MAGIC, 3, 2, 64, d2, 2, 16) - 1; break;
        case 2: len = mk(b, BAD4, 3, 2, 64, d2, 2, 16); break;
        case 3: len = mk(b, MAGIC, 300, 2, 64, d2, 2, 16); break;
        case 4: len = mk(b, MAGIC, 3, 65, 576, d2, 2, 16); break;
        default: len = mk(b, MAGIC, 3, 2, 96, d2, 2, 16); break;
        }
        CHECK_INT(wea_peek(b, len, &hb_old, &e_old),
                  wea_parse_fixed_header(b, len, &hb_new, &e_new));
        CHECK_INT(hb_old, hb_new);
        CHECK_INT(e_old.status, e_new.status);
        CHECK_STR(e_old.message, e_new.message);
    }
    for (k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        for (nd = 0; nd < 4; nd++) {
            const int64_t *dims = nd == 0 ? d2 : nd == 1 ? neg : huge;
            unsigned ndims = nd == 3 ? 65u : 2u;
            wea_header h_old, h_new;
            wea_error e_old, e_new;
            memset(&h_old, 0x5A, sizeof h_old);
            memset(&h_new, 0x5A, sizeof h_new);
            CHECK_INT(wea_plan(codes[k], ndims, dims, &h_old, &e_old),
                      wea_make_header(codes[k], ndims, dims, &h_new, &e_new));
            CHECK(memcmp(&h_old, &h_new, sizeof h_old) == 0);
            CHECK_INT(e_old.status, e_new.status);
            CHECK_STR(e_old.message, e_new.message);
        }
    }
}

const th_case th_wea_cases[] = {
    {"status_numbers", test_status_numbers},
    {"status_category", test_status_category},
    {"status_incomplete", test_status_incomplete},
    {"constants", test_constants},
    {"etypes", test_etypes},
    {"etype_from_name_errors", test_etype_from_name_errors},
    {"sizes", test_sizes},
    {"r1_truncated", test_r1_truncated},
    {"r2_magic", test_r2_magic},
    {"r3_etype", test_r3_etype},
    {"r4_ndims", test_r4_ndims},
    {"r5_offset", test_r5_offset},
    {"r6_truncated_dims", test_r6_truncated_dims},
    {"r7_dimension", test_r7_dimension},
    {"r8_overflow", test_r8_overflow},
    {"r8_limits_exact", test_r8_limits_exact},
    {"r9_data_truncated", test_r9_data_truncated},
    {"check_order", test_check_order},
    {"valid_edge_cases", test_valid_edge_cases},
    {"every_etype_valid", test_every_etype_valid},
    {"parse_arguments", test_parse_arguments},
    {"unaligned_block", test_unaligned_block},
    {"accessors", test_accessors},
    {"peek", test_peek},
    {"write_roundtrip", test_write_roundtrip},
    {"write_layout", test_write_layout},
    {"write_errors", test_write_errors},
    {"plan", test_plan},
    {"deprecated_aliases", test_deprecated_aliases},
    {"prepare_publish", test_prepare_publish},
    {"names_valid", test_names_valid},
    {"names_invalid", test_names_invalid},
    {"spec_examples", test_spec_examples},
    {"truncation_built", test_truncation_built},
    {"conformance_vectors", test_conformance_vectors},
    {NULL, NULL},
};
