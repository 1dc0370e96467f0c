/*
 * elements.c: see elements.h. Elements are decoded from and encoded to
 * little-endian bytes explicitly (§3.1), so nothing depends on the host's
 * byte order or on the alignment of the block.
 */
#include "elements.h"

#include "wea.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t get_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    size_t i = n;
    while (i > 0) {
        i--;
        v = (v << 8) | (uint64_t)p[i];
    }
    return v;
}

static void put_le(unsigned char *p, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        p[i] = (unsigned char)(v & 0xFFu);
        v >>= 8;
    }
}

/* Two's complement of the low `bits` bits, without implementation-defined
 * conversions. */
static int64_t sign_extend(uint64_t v, unsigned bits)
{
    uint64_t sign = (uint64_t)1 << (bits - 1);
    uint64_t mask = bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1);
    v &= mask;
    if ((v & sign) == 0) {
        return (int64_t)v;
    }
    /* v - 2^bits, computed as -(2^bits - v) */
    return -(int64_t)((~v & mask)) - 1;
}

static float f32_from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t f32_to_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static double f64_from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t f64_to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

double wt_half_to_double(uint16_t h)
{
    unsigned e = (h >> 10) & 0x1Fu;
    unsigned m = h & 0x3FFu;
    double v;
    if (e == 0) {
        v = ldexp((double)m, -24); /* subnormal or zero */
    } else if (e == 31) {
        v = m == 0 ? HUGE_VAL : NAN;
    } else {
        v = ldexp((double)(m | 0x400u), (int)e - 25);
    }
    return (h & 0x8000u) ? -v : v;
}

uint16_t wt_double_to_half(double d)
{
    uint64_t b = f64_to_bits(d);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000u);
    int exp = (int)((b >> 52) & 0x7FFu);
    uint64_t man = b & 0xFFFFFFFFFFFFFull;
    int e;
    uint64_t mf, rem, half;
    unsigned shift;
    uint32_t h;

    if (exp == 0x7FF) {
        return (uint16_t)(sign | 0x7C00u | (man != 0 ? 0x200u : 0u));
    }
    if (exp == 0) {
        return sign; /* double subnormals are far below binary16's range */
    }
    e = exp - 1023;
    if (e > 15) {
        return (uint16_t)(sign | 0x7C00u);
    }
    if (e >= -14) {
        /* Normal: keep 10 of the 52 mantissa bits, round the other 42. */
        h = ((uint32_t)(e + 15) << 10) | (uint32_t)(man >> 42);
        rem = man & (((uint64_t)1 << 42) - 1);
        half = (uint64_t)1 << 41;
        if (rem > half || (rem == half && (h & 1u))) {
            h++; /* may carry into the exponent, up to infinity: correct */
        }
        return (uint16_t)(sign | h);
    }
    if (e < -25) {
        return sign; /* below half of the smallest subnormal, 2^-25 */
    }
    /* Subnormal: the value in units of 2^-24 is mf * 2^(e - 28). */
    mf = man | ((uint64_t)1 << 52);
    shift = (unsigned)(28 - e); /* 43 to 53 */
    h = (uint32_t)(mf >> shift);
    rem = mf & (((uint64_t)1 << shift) - 1);
    half = (uint64_t)1 << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) {
        h++;
    }
    return (uint16_t)(sign | h);
}

/* Shortest text that reads back as the same double (or float), in the
 * style of Python's repr: positional for exponents -4 to 15, else
 * scientific. */
static void fmt_float(char *buf, size_t cap, double v, int single)
{
    int prec;
    const char *e;
    int exp;
    if (isnan(v)) {
        (void)snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        (void)snprintf(buf, cap, v > 0 ? "inf" : "-inf");
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        (void)snprintf(buf, cap, "%.*e", prec - 1, v);
        if (single ? (float)strtod(buf, NULL) == (float)v
                   : strtod(buf, NULL) == v) {
            break;
        }
    }
    e = strchr(buf, 'e');
    exp = e != NULL ? atoi(e + 1) : 0;
    if (exp >= -4 && exp < 16) {
        int dec = prec - 1 - exp;
        (void)snprintf(buf, cap, "%.*f", dec > 0 ? dec : 0, v);
    }
}

static void fmt_json_float(char *buf, size_t cap, double v)
{
    if (isnan(v)) {
        (void)snprintf(buf, cap, "\"nan\"");
    } else if (isinf(v)) {
        (void)snprintf(buf, cap, v > 0 ? "\"inf\"" : "\"-inf\"");
    } else {
        (void)snprintf(buf, cap, "%.17g", v);
    }
}

static void fmt_real(char *buf, size_t cap, double v, int single, int json)
{
    if (json) {
        fmt_json_float(buf, cap, v);
    } else {
        fmt_float(buf, cap, v, single);
    }
}

void wt_format_element(char *buf, size_t cap, unsigned etype,
                       const unsigned char *p, int json)
{
    char re[40], im[40];
    double vr = 0, vi = 0;
    int single = 0;

    switch (etype) {
    case WEA_INT8:
        (void)snprintf(buf, cap, "%" PRId64, sign_extend(get_le(p, 1), 8));
        return;
    case WEA_INT16:
        (void)snprintf(buf, cap, "%" PRId64, sign_extend(get_le(p, 2), 16));
        return;
    case WEA_INT32:
        (void)snprintf(buf, cap, "%" PRId64, sign_extend(get_le(p, 4), 32));
        return;
    case WEA_INT64:
        (void)snprintf(buf, cap, "%" PRId64, sign_extend(get_le(p, 8), 64));
        return;
    case WEA_UINT8:
        (void)snprintf(buf, cap, "%" PRIu64, get_le(p, 1));
        return;
    case WEA_UINT16:
        (void)snprintf(buf, cap, "%" PRIu64, get_le(p, 2));
        return;
    case WEA_UINT32:
        (void)snprintf(buf, cap, "%" PRIu64, get_le(p, 4));
        return;
    case WEA_UINT64:
        (void)snprintf(buf, cap, "%" PRIu64, get_le(p, 8));
        return;
    case WEA_BOOL:
        /* Any byte other than 0 reads as true (§4.2, §10.3). */
        (void)snprintf(buf, cap, "%s", p[0] != 0 ? "true" : "false");
        return;
    case WEA_FLOAT16:
        fmt_real(buf, cap, wt_half_to_double((uint16_t)get_le(p, 2)), 0,
                 json);
        return;
    case WEA_FLOAT32:
        fmt_real(buf, cap, (double)f32_from_bits((uint32_t)get_le(p, 4)), 1,
                 json);
        return;
    case WEA_FLOAT64:
        fmt_real(buf, cap, f64_from_bits(get_le(p, 8)), 0, json);
        return;
    case WEA_COMPLEX64:
        vr = (double)f32_from_bits((uint32_t)get_le(p, 4));
        vi = (double)f32_from_bits((uint32_t)get_le(p + 4, 4));
        single = 1;
        break;
    case WEA_COMPLEX128:
        vr = f64_from_bits(get_le(p, 8));
        vi = f64_from_bits(get_le(p + 8, 8));
        break;
    default:
        (void)snprintf(buf, cap, json ? "null" : "?");
        return;
    }
    fmt_real(re, sizeof re, vr, single, json);
    if (json) {
        fmt_real(im, sizeof im, vi, single, json);
        (void)snprintf(buf, cap, "[%s, %s]", re, im);
    } else {
        fmt_real(im, sizeof im, vi < 0 || (vi == 0 && signbit(vi)) ? -vi : vi,
                 single, json);
        (void)snprintf(buf, cap, "%s%s%sj", re,
                       (vi < 0 || (vi == 0 && signbit(vi))) ? "-" : "+", im);
    }
}

static int is_float_type(unsigned etype)
{
    return etype == WEA_FLOAT16 || etype == WEA_FLOAT32 ||
           etype == WEA_FLOAT64 || etype == WEA_COMPLEX64 ||
           etype == WEA_COMPLEX128;
}

static int is_unsigned_type(unsigned etype)
{
    return etype == WEA_UINT8 || etype == WEA_UINT16 || etype == WEA_UINT32 ||
           etype == WEA_UINT64;
}

int wt_parse_fill(const char *s, unsigned etype, wt_fill *f, char *msg,
                  size_t msgcap)
{
    char *end = NULL;
    const char *name = wea_etype_name(etype);
    size_t size = wea_etype_size(etype);

    memset(f, 0, sizeof *f);
    if (name == NULL) {
        (void)snprintf(msg, msgcap, "unknown element type code %u", etype);
        return -1;
    }
    if (strcmp(s, "zero") == 0) {
        f->kind = WT_FILL_ZERO;
        return 0;
    }
    if (strcmp(s, "iota") == 0) {
        f->kind = WT_FILL_IOTA;
        return 0;
    }
    f->kind = WT_FILL_VALUE;
    errno = 0;
    if (is_float_type(etype)) {
        double d = strtod(s, &end);
        double limit = etype == WEA_FLOAT16 ? 65504.0
                       : (etype == WEA_FLOAT32 || etype == WEA_COMPLEX64)
                           ? (double)FLT_MAX
                           : DBL_MAX;
        if (end == s || *end != '\0' || errno == ERANGE) {
            (void)snprintf(msg, msgcap, "--fill %s: not a number", s);
            return -1;
        }
        if (isfinite(d) && fabs(d) > limit) {
            (void)snprintf(msg, msgcap, "--fill %s: out of range for %s", s,
                           name);
            return -1;
        }
        f->dval = d;
        return 0;
    }
    if (is_unsigned_type(etype)) {
        uint64_t max = size == 8 ? UINT64_MAX
                                 : (((uint64_t)1 << (8 * size)) - 1);
        unsigned long long u;
        if (s[0] == '-' || s[0] == '\0') {
            (void)snprintf(msg, msgcap, "--fill %s: expected an integer from "
                           "0 to %" PRIu64 " for %s", s, max, name);
            return -1;
        }
        u = strtoull(s, &end, 10);
        if (*end != '\0' || errno == ERANGE || (uint64_t)u > max) {
            (void)snprintf(msg, msgcap, "--fill %s: expected an integer from "
                           "0 to %" PRIu64 " for %s", s, max, name);
            return -1;
        }
        f->uval = (uint64_t)u;
        return 0;
    } else {
        /* signed integers and bool */
        int64_t lo, hi;
        long long v;
        if (etype == WEA_BOOL) {
            lo = 0;
            hi = 1;
        } else if (size == 8) {
            lo = INT64_MIN;
            hi = INT64_MAX;
        } else {
            hi = (int64_t)(((uint64_t)1 << (8 * size - 1)) - 1);
            lo = -hi - 1;
        }
        v = strtoll(s, &end, 10);
        if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
            (void)snprintf(msg, msgcap, "--fill %s: expected an integer from "
                           "%" PRId64 " to %" PRId64 " for %s", s, lo, hi,
                           name);
            return -1;
        }
        f->ival = (int64_t)v;
        return 0;
    }
}

void wt_fill_elements(unsigned char *dst, unsigned etype, uint64_t first,
                      size_t n, const wt_fill *f)
{
    size_t size = wea_etype_size(etype);
    size_t i;

    if (f->kind == WT_FILL_ZERO) {
        memset(dst, 0, n * size);
        return;
    }
    for (i = 0; i < n; i++) {
        unsigned char *p = dst + i * size;
        uint64_t k = first + (uint64_t)i;
        int iota = f->kind == WT_FILL_IOTA;
        double d = iota ? (double)k : f->dval;
        switch (etype) {
        case WEA_INT8:
        case WEA_INT16:
        case WEA_INT32:
        case WEA_INT64:
            /* modulo 2^bits: the low bytes of the two's complement */
            put_le(p, iota ? k : (uint64_t)f->ival, size);
            break;
        case WEA_UINT8:
        case WEA_UINT16:
        case WEA_UINT32:
        case WEA_UINT64:
            put_le(p, iota ? k : f->uval, size);
            break;
        case WEA_BOOL:
            p[0] = (unsigned char)(iota ? (k & 1u) : (uint64_t)f->ival);
            break;
        case WEA_FLOAT16:
            put_le(p, wt_double_to_half(d), 2);
            break;
        case WEA_FLOAT32:
            put_le(p, f32_to_bits((float)d), 4);
            break;
        case WEA_FLOAT64:
            put_le(p, f64_to_bits(d), 8);
            break;
        case WEA_COMPLEX64:
            put_le(p, f32_to_bits((float)d), 4);
            put_le(p + 4, f32_to_bits(iota ? -(float)d : 0.0f), 4);
            break;
        case WEA_COMPLEX128:
            put_le(p, f64_to_bits(d), 8);
            put_le(p + 8, f64_to_bits(iota ? -d : 0.0), 8);
            break;
        default:
            memset(p, 0, size);
            break;
        }
    }
}
