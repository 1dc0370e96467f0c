/*
 * fuzz_parse.c: libFuzzer target for the WA-1 header parser (src/wea.c).
 *
 * Besides crashes and sanitizer findings, it aborts on any disagreement
 * with an independent oracle of the checks R1 to R9 (spec §6.1), written
 * here with 128-bit arithmetic instead of the library's division-based
 * overflow checks, and on any broken invariant: a failure without a §6.3
 * message, a valid header whose block does not fit in the input, a peek
 * that disagrees with the parse, a writer that does not reproduce a
 * canonical header. The same bytes, cut at the first NUL, are also fed to
 * the shared-memory name check (§8.2.1).
 *
 * Built by `make -C c fuzz` with clang -fsanitize=fuzzer,address,undefined.
 */
#include "wea.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

static int64_t s64(const uint8_t *p)
{
    uint64_t u = 0;
    int i;
    for (i = 7; i >= 0; i--) {
        u = (u << 8) | p[i];
    }
    return (int64_t)u; /* two's complement on every target clang supports */
}

static int elsize(unsigned e)
{
    static const int s[13] = {0, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 8, 16};
    if (e >= 1 && e <= 12) {
        return s[e];
    }
    return e == 256 ? 1 : e == 257 ? 2 : 0;
}

/* The category number of §6.2 that R1..R9 give, or 0 for a valid block. */
static int oracle(const uint8_t *d, size_t n)
{
    const i128 max = INT64_MAX;
    unsigned et, nd, i;
    i128 c, off, e = 1, k = 1, l, s;
    if (n < 16) {
        return 1;
    }
    if (!(d[0] == 0x31 && d[1] == 0x2D && d[2] == 0x41 && d[3] == 0x57)) {
        if (d[0] == 0x57 && d[1] == 0x41 && d[2] == 0x2D) {
            return 3;
        }
        if (d[1] == 0x2D && d[2] == 0x41 && d[3] == 0x57) {
            return 4;
        }
        return 2;
    }
    et = (unsigned)d[4] | ((unsigned)d[5] << 8);
    if (elsize(et) == 0) {
        return 5;
    }
    nd = (unsigned)d[6] | ((unsigned)d[7] << 8);
    if (nd > 64) {
        return 6;
    }
    c = (16 + 8 * (i128)nd + 63) / 64 * 64;
    off = s64(d + 8);
    if (off != c && off != c + 64) {
        return 7;
    }
    if (n < 16 + 8 * (size_t)nd) {
        return 1;
    }
    for (i = 0; i < nd; i++) {
        if (s64(d + 16 + 8 * i) < 0) {
            return 8;
        }
    }
    for (i = 0; i < nd; i++) {
        int64_t v = s64(d + 16 + 8 * i);
        e *= v > 0 ? v : 1;
        k *= v;
        if (e > max) {
            return 9;
        }
    }
    s = elsize(et);
    if (s * e > max) {
        return 9;
    }
    l = s * k;
    if (off + l > max) {
        return 9;
    }
    if ((i128)n < off + l) {
        return 10;
    }
    return 0;
}

static void check_name(const uint8_t *data, size_t size)
{
    char name[300];
    char out[WEA_SHM_NAME_SIZE];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    wea_error e;
    wea_status st;
    memcpy(name, data, n);
    name[n] = '\0';
    st = wea_shm_name_normalize(name, out, &e);
    if (st == WEA_OK) {
        size_t len = strlen(out);
        if (out[0] != '/' || len < 2 || len > 256 || strchr(out + 1, '/')) {
            abort();
        }
    } else if (st != WEA_ERR_NAME || e.message[0] == '\0') {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wea_header h;
    wea_error e;
    wea_status st = wea_parse(data, size, &h, &e);
    int want = oracle(data, size);
    size_t hb = 0;
    wea_status pst;

    if ((int)st != want) {
        abort(); /* the library and the oracle disagree */
    }
    if (e.status != st) {
        abort();
    }
    if (st != WEA_OK) {
        const char *cat = wea_status_category(st);
        if (strncmp(e.message, cat, strlen(cat)) != 0 ||
            e.message[strlen(cat)] != ':') {
            abort(); /* every §6.3 message starts with its category */
        }
    } else {
        const uint8_t *p = (const uint8_t *)wea_data(data, &h);
        if (e.message[0] != '\0' || h.block_size > (int64_t)size ||
            h.offset > WEA_MAX_OFFSET || h.len_data != h.count * (int64_t)h.elsize ||
            p != data + h.offset) {
            abort();
        }
        if (h.len_data > 0) {
            /* touch the first and last data bytes: in bounds under ASan */
            volatile uint8_t x = p[0];
            x = p[h.len_data - 1];
            (void)x;
        }
        if (h.offset == (int64_t)wea_canonical_offset(h.ndims)) {
            /* the writer reproduces a canonical header byte for byte */
            uint8_t w[WEA_MAX_OFFSET];
            wea_header h2;
            if (wea_write_header(w, sizeof w, h.etype, h.ndims, h.dims, &h2,
                                 NULL) != WEA_OK ||
                memcmp(w, data, wea_header_size(h.ndims)) != 0 ||
                memcmp(&h2, &h, sizeof h) != 0) {
                abort();
            }
        }
    }
    /* peek decides R1 to R5 exactly as the parse does */
    pst = wea_parse_fixed_header(data, size, &hb, NULL);
    if (st >= WEA_ERR_BAD_MAGIC && st <= WEA_ERR_INVALID_OFFSET) {
        if (pst != st) {
            abort();
        }
    } else if (size >= 16 && (pst != WEA_OK || hb < 16 || hb > 528)) {
        abort();
    }
    check_name(data, size);
    return 0;
}
