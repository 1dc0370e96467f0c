/*
 * test_apps.c: tests of the tool's own code: SHA-256 against the FIPS 180
 * examples, binary16 conversions, element formatting and filling.
 */
#include "elements.h"
#include "harness.h"
#include "sha256.h"
#include "wea.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void test_sha256_fips(void)
{
    char hex[65];
    char *million;
    sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex(NULL, 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
               "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
               112, hex);
    CHECK_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    million = (char *)malloc(1000000);
    if (million != NULL) {
        memset(million, 'a', 1000000);
        sha256_hex(million, 1000000, hex);
        CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(million);
    }
}

static void test_sha256_boundaries(void)
{
    static const struct {
        size_t n;
        const char *hex;
    } t[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    char a[128];
    char hex[65];
    size_t i;
    memset(a, 'a', sizeof a);
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        sha256_hex(a, t[i].n, hex);
        CHECK_STR(hex, t[i].hex);
    }
}

static void test_sha256_incremental(void)
{
    unsigned char data[1024];
    unsigned char d1[32], d2[32];
    char hex[65];
    size_t i, chunk;
    for (i = 0; i < sizeof data; i++) {
        data[i] = (unsigned char)i;
    }
    sha256_hex(data, sizeof data, hex);
    CHECK_STR(hex, "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9");
    for (chunk = 1; chunk <= 130; chunk += 7) {
        sha256_ctx c;
        size_t off = 0;
        sha256_init(&c);
        while (off < sizeof data) {
            size_t n = sizeof data - off < chunk ? sizeof data - off : chunk;
            sha256_update(&c, data + off, n);
            sha256_update(&c, NULL, 0);
            off += n;
        }
        sha256_final(&c, d1);
        sha256_init(&c);
        sha256_update(&c, data, sizeof data);
        sha256_final(&c, d2);
        CHECK(memcmp(d1, d2, 32) == 0);
    }
}

static void test_half_known(void)
{
    /* values from numpy's float64 -> float16 cast (round to nearest even) */
    static const struct {
        double d;
        unsigned h;
    } t[] = {
        {0.0, 0x0000},
        {-0.0, 0x8000},
        {1.0, 0x3C00},
        {-2.0, 0xC000},
        {65504.0, 0x7BFF},
        {65520.0, 0x7C00},
        {65519.99, 0x7BFF},
        {5.960464477539063e-08, 0x0001},
        {2.9802322387695312e-08, 0x0000},
        {2.980232536792755e-08, 0x0001},
        {8.940696716308594e-08, 0x0002},
        {0.1, 0x2E66},
        {0.3333333333333333, 0x3555},
        {2049.0, 0x6800},
        {2051.0, 0x6802},
        {1e-10, 0x0000},
        {6.1005353927612305e-05, 0x0400},
        {-1000000.0, 0xFC00},
        {6.1e-05, 0x03FF},
        {1e-320, 0x0000},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        CHECK_INT(wt_double_to_half(t[i].d), t[i].h);
    }
    CHECK_INT(wt_double_to_half(HUGE_VAL), 0x7C00);
    CHECK_INT(wt_double_to_half(-HUGE_VAL), 0xFC00);
    CHECK_INT(wt_double_to_half(NAN) & 0x7E00, 0x7E00);
    CHECK(wt_half_to_double(0x3C00) == 1.0);
    CHECK(wt_half_to_double(0x0001) == ldexp(1.0, -24));
    CHECK(wt_half_to_double(0x7BFF) == 65504.0);
    CHECK(isinf(wt_half_to_double(0x7C00)));
    CHECK(isnan(wt_half_to_double(0x7E01)));
    CHECK(signbit(wt_half_to_double(0x8000)));
}

static void test_half_roundtrip_all(void)
{
    unsigned h;
    for (h = 0; h < 0x10000u; h++) {
        double d = wt_half_to_double((uint16_t)h);
        if (isnan(d)) {
            continue;
        }
        if (wt_double_to_half(d) != h) {
            th_fail(__FILE__, __LINE__, "binary16 %04X does not round-trip",
                    h);
            return;
        }
    }
}

static void fmt(unsigned etype, const unsigned char *p, int json, char *buf)
{
    wt_format_element(buf, 128, etype, p, json);
}

static void test_format_elements(void)
{
    char b[128];
    const unsigned char m1[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const unsigned char f64[16] = {0, 0, 0, 0, 0, 0, 0xF8, 0x3F,
                                   0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0xBF};
    const unsigned char f32[8] = {0xCD, 0xCC, 0xCC, 0x3D, 0, 0, 0x80, 0x7F};
    const unsigned char nan64[8] = {0, 0, 0, 0, 0, 0, 0xF8, 0x7F};
    const unsigned char two = 2;
    fmt(WEA_INT8, m1, 0, b);
    CHECK_STR(b, "-1");
    fmt(WEA_UINT8, m1, 0, b);
    CHECK_STR(b, "255");
    fmt(WEA_INT16, m1, 0, b);
    CHECK_STR(b, "-1");
    fmt(WEA_UINT16, m1, 0, b);
    CHECK_STR(b, "65535");
    fmt(WEA_INT32, m1, 0, b);
    CHECK_STR(b, "-1");
    fmt(WEA_UINT32, m1, 0, b);
    CHECK_STR(b, "4294967295");
    fmt(WEA_INT64, m1, 0, b);
    CHECK_STR(b, "-1");
    fmt(WEA_UINT64, m1, 0, b);
    CHECK_STR(b, "18446744073709551615");
    fmt(WEA_FLOAT64, f64, 0, b);
    CHECK_STR(b, "1.5");
    fmt(WEA_FLOAT64, f64 + 8, 0, b);
    CHECK_STR(b, "-0.1");
    fmt(WEA_FLOAT64, f64 + 8, 1, b);
    CHECK_STR(b, "-0.10000000000000001");
    fmt(WEA_FLOAT32, f32, 0, b);
    CHECK_STR(b, "0.1");
    fmt(WEA_FLOAT32, f32, 1, b);
    CHECK_STR(b, "0.10000000149011612");
    fmt(WEA_FLOAT32, f32 + 4, 0, b);
    CHECK_STR(b, "inf");
    fmt(WEA_FLOAT32, f32 + 4, 1, b);
    CHECK_STR(b, "\"inf\"");
    fmt(WEA_FLOAT64, nan64, 1, b);
    CHECK_STR(b, "\"nan\"");
    fmt(WEA_COMPLEX128, f64, 0, b);
    CHECK_STR(b, "1.5-0.1j");
    fmt(WEA_COMPLEX128, f64, 1, b);
    CHECK_STR(b, "[1.5, -0.10000000000000001]");
    fmt(WEA_COMPLEX64, f32, 0, b);
    CHECK_STR(b, "0.1+infj");
    fmt(WEA_BOOL, &two, 1, b);
    CHECK_STR(b, "true"); /* any byte but 0 is true (§4.2) */
    fmt(WEA_BOOL, f64, 0, b);
    CHECK_STR(b, "false");
    {
        const unsigned char h[2] = {0x66, 0x2E};
        fmt(WEA_FLOAT16, h, 0, b);
        CHECK_STR(b, "0.0999755859375");
    }
    fmt(13, f64, 1, b);
    CHECK_STR(b, "null");
    {
        const unsigned char big[8] = {0, 0, 0, 0, 0, 0, 0x30, 0x43}; /* 2^52 */
        fmt(WEA_FLOAT64, big, 0, b);
        CHECK_STR(b, "4503599627370496");
    }
}

static void test_fill(void)
{
    unsigned char buf[64];
    wt_fill f;
    char msg[128];
    CHECK_INT(wt_parse_fill("iota", WEA_INT8, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_INT8, 126, 4, &f);
    CHECK(buf[0] == 126 && buf[1] == 127 && buf[2] == 0x80 && buf[3] == 0x81);
    CHECK_INT(wt_parse_fill("iota", WEA_COMPLEX64, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_COMPLEX64, 2, 1, &f);
    CHECK(memcmp(buf, "\x00\x00\x00\x40\x00\x00\x00\xC0", 8) == 0);
    CHECK_INT(wt_parse_fill("iota", WEA_BOOL, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_BOOL, 0, 3, &f);
    CHECK(buf[0] == 0 && buf[1] == 1 && buf[2] == 0);
    CHECK_INT(wt_parse_fill("iota", WEA_FLOAT16, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_FLOAT16, 2049, 1, &f);
    CHECK(buf[0] == 0x00 && buf[1] == 0x68);
    CHECK_INT(wt_parse_fill("-7", WEA_INT16, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_INT16, 0, 2, &f);
    CHECK(memcmp(buf, "\xF9\xFF\xF9\xFF", 4) == 0);
    CHECK_INT(wt_parse_fill("2.5", WEA_FLOAT64, &f, msg, sizeof msg), 0);
    wt_fill_elements(buf, WEA_FLOAT64, 0, 1, &f);
    CHECK(memcmp(buf, "\0\0\0\0\0\0\x04\x40", 8) == 0);
    CHECK_INT(wt_parse_fill("zero", WEA_FLOAT64, &f, msg, sizeof msg), 0);
    memset(buf, 0xFF, sizeof buf);
    wt_fill_elements(buf, WEA_FLOAT64, 0, 2, &f);
    CHECK(buf[0] == 0 && buf[15] == 0 && buf[16] == 0xFF);
    CHECK_INT(wt_parse_fill("18446744073709551615", WEA_UINT64, &f, msg,
                            sizeof msg),
              0);
    /* refusals */
    CHECK_INT(wt_parse_fill("128", WEA_INT8, &f, msg, sizeof msg), -1);
    CHECK_STR(msg, "--fill 128: expected an integer from -128 to 127 for int8");
    CHECK_INT(wt_parse_fill("-1", WEA_UINT8, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("256", WEA_UINT8, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("2", WEA_BOOL, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("1.5", WEA_INT32, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("abc", WEA_FLOAT32, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("1e39", WEA_FLOAT32, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("70000", WEA_FLOAT16, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("1e400", WEA_FLOAT64, &f, msg, sizeof msg), -1);
    CHECK_INT(wt_parse_fill("99999999999999999999", WEA_INT64, &f, msg,
                            sizeof msg),
              -1);
    CHECK_INT(wt_parse_fill("1", 13, &f, msg, sizeof msg), -1);
}

const th_case th_apps_cases[] = {
    {"sha256_fips", test_sha256_fips},
    {"sha256_boundaries", test_sha256_boundaries},
    {"sha256_incremental", test_sha256_incremental},
    {"half_known", test_half_known},
    {"half_roundtrip_all", test_half_roundtrip_all},
    {"format_elements", test_format_elements},
    {"fill", test_fill},
    {NULL, NULL},
};
