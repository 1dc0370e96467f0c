/*
 * wea._speedups: the compiled part of the `wea` package.
 *
 * `wea` is complete in pure Python; the install compiles this module when
 * a C compiler and the Python headers are there (python/setup.py), and
 * `wea._accel` chooses it once, at import. It owns four whole jobs that
 * plain Python and numpy cannot make as fast (bench/results/results.md
 * has each figure with and without it):
 *
 *   copy_transposed(dst, src)  the cache-blocked transposing copy of
 *                              `dumps`, `save` and `create_shared_array`
 *                              for a source that is not in the block's
 *                              memory order;
 *   new_block(size)            a bytearray of `size` bytes for a new block,
 *                              its memory not yet touched and advised for
 *                              transparent huge pages (Linux);
 *   array_wrap(arr, context=None, return_scalar=False)
 *                              numpy 2's `__array_wrap__` of a wea array
 *                              (a ufunc's result is a plain ndarray), so
 *                              that no Python runs per ufunc call;
 *   shm_attach(name, writable) the attach of spec §8.2.3, done by the C
 *                              reference reader (c/src: pread, A1, mmap,
 *                              fstat again) in one call; a refusal comes
 *                              back as the reader's category name, errno
 *                              and message, which wea raises as its error.
 *
 * Nothing here parses or validates a header of its own: the attach is the
 * C reader's, which returns the fields of the one header snapshot it
 * validated; the Python package views the data with those.
 *
 * API is the version of this interface; `wea._accel` ignores a module
 * whose API it does not know.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wea_posix.h" /* first of the C reader's headers: feature macros */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEL_API 3

/* ------------------------------------------------------------------ */
/* copy_transposed                                                     */
/* ------------------------------------------------------------------ */

/* The copy works on tiles of TP elements along the destination's
 * contiguous axis p by TQ along the source's fastest axis q, in micro
 * blocks of M x M elements, M elements being one 64-byte cache line of
 * the destination (8 for 1- and 2-byte items). Three kinds of pass:
 *
 *   plain   ordinary stores, tiles of 64 x 256;
 *   stream  non-temporal stores (x86-64), tiles of 32 x 1024, for a large
 *           destination whose rows start on cache lines (a WA-1 block's
 *           data does, at 64 bytes): each micro block writes whole lines
 *           that bypass the cache, so the destination neither evicts the
 *           source nor is read before it is written;
 *   simd    (x86-64 with AVX-512F, or AVX2 for 8-byte items, chosen once
 *           at import by simd_init()) for a source contiguous along q: a
 *           micro block is M whole source lines loaded into registers,
 *           transposed there and stored as M whole destination lines
 *           (streamed where the stream pass would be). The plane is
 *           walked in strips of STRIP destination rows: for each M source
 *           rows, the strip's STRIP / M micro blocks, so that a strip
 *           writes STRIP destination rows front to back and reads M source
 *           rows at a time. The source's rows are aligned too (`qhead`):
 *           every line is loaded once, whole.
 *   lanes   (x86-64 with AVX-512BW/F or AVX2) for a source contiguous along
 *           dst's first axis, what dumps() of a C-order array copies: 1-
 *           and 2-byte items in 2-D, and 3 dims or more of every item size
 *           (4-16 B items from STREAM_MIN bytes), the planes fused into the
 *           destination's rows; see copy_lanes() below.
 *
 * What made the old passes machine-dependent (measured on an AMD EPYC,
 * Zen 5, 2 cores: L1d 48 KiB 12-way, L2 1 MiB, transparent huge pages
 * "madvise"): a bytearray buffer (`out=`) is on 4 KiB pages while numpy's
 * arrays are madvised to 2 MiB ones (THP "always" elsewhere gives both huge
 * pages); a tile of 1024 destination rows 16 KiB or more apart touches
 * 1024 pages per pass, and 32 source rows a power of two apart (2048 x 4096,
 * 8192 x 8192) fall in one set of a 12-way L1, so the source line split
 * by numpy's 16-byte offset (a large array starts 16 bytes past a page)
 * was read twice from L2 or further. In C on this machine, 64 MiB float64:
 * scalar streamed tiles of 32 x 1024 took 1.5-1.6 times a memcpy, the
 * same with AVX-512 1.3-1.6, AVX-512 in strips of 64 rows with aligned
 * source lines 1.06-1.12; strips of 128 rows 1.3, 1024 rows 1.75. A
 * prefetch of the next M source rows took 512 MiB (8192 x 8192: 512-byte
 * runs of rows 64 KiB apart, too short for the hardware's prefetchers) from
 * 1.4-1.6 to 0.9-1.2. Through dumps(c, out=bytearray), bench/
 * transpose_kernel.py: 1.77 -> 1.03 times np.copyto at 64 MiB, 1.74 ->
 * 1.16 at 512 MiB. The planes of a 3-D array (256 KiB to 1 MiB at 64 and
 * 512 MiB) gained nothing from the simd pass (a strip reads 512-byte runs
 * of rows 0.5-2 MiB apart), so it runs only on planes of STREAM_MIN bytes;
 * the lane pass copies such planes now, a strip across all of them. */
#define LINE 64
#define STREAM_MIN ((Py_ssize_t)1 << 22) /* bytes: below, the cache helps */
#define STRIP 64   /* destination rows per strip of the simd pass */
#define PF_STEPS 1 /* the simd pass prefetches the source rows M further */

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define HAVE_STREAM 1
#define STREAM64(dst, v) _mm_stream_si64((long long *)(dst), (long long)(v))
#define STREAM32(dst, v) _mm_stream_si32((int *)(dst), (int)(v))
#define STREAM_FENCE() _mm_sfence()
#else
#define HAVE_STREAM 0
#define STREAM64(dst, v) (*(dst) = (v))
#define STREAM32(dst, v) (*(dst) = (v))
#define STREAM_FENCE() ((void)0)
#endif

/* The simd pass needs GCC's or clang's target attribute and run-time CPU
 * check; anywhere else only the portable passes are built. */
#if HAVE_STREAM && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_SIMD 1
#define TARGET(isa) __attribute__((target(isa)))
#else
#define HAVE_SIMD 0
#endif

typedef struct {
    uint64_t lo, hi;
} u128;

#define PLAIN_STORE(d, v) (*(d) = (v))
#define STREAM_STORE_4(d, v) STREAM32(d, v)
#define STREAM_STORE_8(d, v) STREAM64(d, v)
#define STREAM_STORE_16(d, v) \
    (STREAM64(&(d)->lo, (v).lo), STREAM64(&(d)->hi, (v).hi))

/* One 2-D pass: dst[q * dq + p] = src[p * sp + q * sq] for p < P, q < Q,
 * strides in elements (dst's along p is 1); the edges that do not fill a
 * micro block are copied with plain stores. */
#define DEFINE_PASS(NAME, T, M, TP, TQ, STORE)                                \
    static void NAME(char *dst_, const char *src_, Py_ssize_t P,             \
                     Py_ssize_t Q, Py_ssize_t sp, Py_ssize_t sq,             \
                     Py_ssize_t dq)                                           \
    {                                                                         \
        T *restrict dst = (T *)dst_;                                          \
        const T *restrict src = (const T *)src_;                              \
        Py_ssize_t q0, p0, q, p, a, b;                                        \
        for (q0 = 0; q0 < Q; q0 += (TQ)) {                                    \
            Py_ssize_t q1 = q0 + (TQ) < Q ? q0 + (TQ) : Q;                    \
            for (p0 = 0; p0 < P; p0 += (TP)) {                                \
                Py_ssize_t p1 = p0 + (TP) < P ? p0 + (TP) : P;                \
                for (q = q0; q + (M) <= q1; q += (M)) {                       \
                    for (p = p0; p + (M) <= p1; p += (M)) {                   \
                        for (a = 0; a < (M); a++) {                           \
                            T *d = dst + (q + a) * dq + p;                    \
                            const T *s = src + p * sp + (q + a) * sq;         \
                            for (b = 0; b < (M); b++) {                       \
                                STORE(d + b, s[b * sp]);                      \
                            }                                                 \
                        }                                                     \
                    }                                                         \
                    for (; p < p1; p++) {                                     \
                        for (a = 0; a < (M); a++) {                           \
                            dst[(q + a) * dq + p] = src[p * sp + (q + a) * sq]; \
                        }                                                     \
                    }                                                         \
                }                                                             \
                for (; q < q1; q++) {                                         \
                    for (p = p0; p < p1; p++) {                               \
                        dst[q * dq + p] = src[p * sp + q * sq];               \
                    }                                                         \
                }                                                             \
            }                                                                 \
        }                                                                     \
    }

DEFINE_PASS(plain_1, uint8_t, 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_2, uint16_t, 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_4, uint32_t, LINE / 4, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_8, uint64_t, LINE / 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_16, u128, LINE / 16, 64, 256, PLAIN_STORE)
#if HAVE_STREAM
DEFINE_PASS(stream_4, uint32_t, LINE / 4, 32, 1024, STREAM_STORE_4)
DEFINE_PASS(stream_8, uint64_t, LINE / 8, 32, 1024, STREAM_STORE_8)
DEFINE_PASS(stream_16, u128, LINE / 16, 32, 1024, STREAM_STORE_16)
#endif

typedef void (*pass_fn)(char *, const char *, Py_ssize_t, Py_ssize_t,
                        Py_ssize_t, Py_ssize_t, Py_ssize_t);

#if HAVE_SIMD
/* The simd pass: the micro blocks of M whole lines (M = LINE / size of an
 * item) by MICRO(s, sp, d, dq) (byte pointers and strides), in strips of
 * STRIP destination rows; the edges (fewer than M rows or columns) by the
 * plain pass. Only for sq == 1, P >= M, Q >= M (passes_for sees to it). */
#define DEFINE_SIMD_PASS(NAME, ISA, SIZE, MICRO, EDGE)                        \
    TARGET(ISA) static void NAME(char *dst, const char *src, Py_ssize_t P,   \
                                 Py_ssize_t Q, Py_ssize_t sp, Py_ssize_t sq, \
                                 Py_ssize_t dq)                               \
    {                                                                         \
        const Py_ssize_t m = LINE / (SIZE);                                   \
        const Py_ssize_t spb = sp * (SIZE), dqb = dq * (SIZE);                \
        const Py_ssize_t pm = P - P % m, qm = Q - Q % m;                      \
        Py_ssize_t q0, q1, p, q;                                              \
        for (q0 = 0; q0 < qm; q0 = q1) {                                      \
            q1 = q0 + STRIP < qm ? q0 + STRIP : qm;                           \
            for (p = 0; p < pm; p += m) {                                     \
                const char *s = src + p * spb;                                \
                char *d = dst + p * (SIZE);                                   \
                if (PF_STEPS > 0 && p + (PF_STEPS + 1) * m <= pm) {           \
                    const char *n = s + PF_STEPS * m * spb;                   \
                    for (q = q0; q < q1; q += m) {                            \
                        Py_ssize_t r;                                         \
                        for (r = 0; r < m; r++) {                             \
                            _mm_prefetch(n + r * spb + q * (SIZE), _MM_HINT_T0); \
                        }                                                     \
                        MICRO(s + q * (SIZE), spb, d + q * dqb, dqb);         \
                    }                                                         \
                    continue;                                                 \
                }                                                             \
                for (q = q0; q < q1; q += m) {                                \
                    MICRO(s + q * (SIZE), spb, d + q * dqb, dqb);             \
                }                                                             \
            }                                                                 \
        }                                                                     \
        if (pm < P) { /* the last columns */                                  \
            EDGE(dst + pm * (SIZE), src + pm * spb, P - pm, qm, sp, sq, dq);  \
        }                                                                     \
        if (qm < Q) { /* the last rows */                                     \
            EDGE(dst + qm * dqb, src + qm * sq * (SIZE), P, Q - qm, sp, sq,   \
                 dq);                                                         \
        }                                                                     \
    }

/* 8 x 8 items of 8 bytes (AVX-512F): 8 rows of 8 in, 8 columns out. */
#define DEFINE_MICRO_8x8_512(NAME, STORE)                                     \
    TARGET("avx512f") static inline void NAME(const char *s, Py_ssize_t sp, \
                                              char *d, Py_ssize_t dq)         \
    {                                                                         \
        const __m512i lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);        \
        const __m512i hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);      \
        __m512d r0 = _mm512_loadu_pd(s), r1 = _mm512_loadu_pd(s + sp);       \
        __m512d r2 = _mm512_loadu_pd(s + 2 * sp);                             \
        __m512d r3 = _mm512_loadu_pd(s + 3 * sp);                             \
        __m512d r4 = _mm512_loadu_pd(s + 4 * sp);                             \
        __m512d r5 = _mm512_loadu_pd(s + 5 * sp);                             \
        __m512d r6 = _mm512_loadu_pd(s + 6 * sp);                             \
        __m512d r7 = _mm512_loadu_pd(s + 7 * sp);                             \
        /* pairs of rows, element by element: t0 = r0[0] r1[0] r0[2] ... */   \
        __m512d t0 = _mm512_unpacklo_pd(r0, r1), t1 = _mm512_unpackhi_pd(r0, r1); \
        __m512d t2 = _mm512_unpacklo_pd(r2, r3), t3 = _mm512_unpackhi_pd(r2, r3); \
        __m512d t4 = _mm512_unpacklo_pd(r4, r5), t5 = _mm512_unpackhi_pd(r4, r5); \
        __m512d t6 = _mm512_unpacklo_pd(r6, r7), t7 = _mm512_unpackhi_pd(r6, r7); \
        /* fours of rows: r0 = rows 0-3 of columns 0 and 4 */                 \
        r0 = _mm512_permutex2var_pd(t0, lo, t2);                              \
        r1 = _mm512_permutex2var_pd(t1, lo, t3);                              \
        r2 = _mm512_permutex2var_pd(t0, hi, t2);                              \
        r3 = _mm512_permutex2var_pd(t1, hi, t3);                              \
        r4 = _mm512_permutex2var_pd(t4, lo, t6);                              \
        r5 = _mm512_permutex2var_pd(t5, lo, t7);                              \
        r6 = _mm512_permutex2var_pd(t4, hi, t6);                              \
        r7 = _mm512_permutex2var_pd(t5, hi, t7);                              \
        STORE(d, _mm512_shuffle_f64x2(r0, r4, 0x44));                         \
        STORE(d + dq, _mm512_shuffle_f64x2(r1, r5, 0x44));                    \
        STORE(d + 2 * dq, _mm512_shuffle_f64x2(r2, r6, 0x44));                \
        STORE(d + 3 * dq, _mm512_shuffle_f64x2(r3, r7, 0x44));                \
        STORE(d + 4 * dq, _mm512_shuffle_f64x2(r0, r4, 0xEE));                \
        STORE(d + 5 * dq, _mm512_shuffle_f64x2(r1, r5, 0xEE));                \
        STORE(d + 6 * dq, _mm512_shuffle_f64x2(r2, r6, 0xEE));                \
        STORE(d + 7 * dq, _mm512_shuffle_f64x2(r3, r7, 0xEE));                \
    }

/* 16 x 16 items of 4 bytes (AVX-512F). */
#define UNPACK_PD(f, a, b) \
    _mm512_castpd_ps(f(_mm512_castps_pd(a), _mm512_castps_pd(b)))
#define DEFINE_MICRO_16x16_512(NAME, STORE)                                   \
    TARGET("avx512f") static inline void NAME(const char *s, Py_ssize_t sp, \
                                              char *d, Py_ssize_t dq)         \
    {                                                                         \
        __m512 r[16], t[16];                                                  \
        int i;                                                                \
        for (i = 0; i < 16; i++) {                                            \
            r[i] = _mm512_loadu_ps(s + i * sp);                               \
        }                                                                     \
        /* in each 128-bit lane: pairs of rows, then fours of rows */         \
        for (i = 0; i < 16; i += 2) {                                         \
            t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);                        \
            t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);                    \
        }                                                                     \
        for (i = 0; i < 16; i += 4) { /* r[i + c]: rows i..i+3, columns c + 4k */ \
            r[i] = UNPACK_PD(_mm512_unpacklo_pd, t[i], t[i + 2]);             \
            r[i + 1] = UNPACK_PD(_mm512_unpackhi_pd, t[i], t[i + 2]);         \
            r[i + 2] = UNPACK_PD(_mm512_unpacklo_pd, t[i + 1], t[i + 3]);     \
            r[i + 3] = UNPACK_PD(_mm512_unpackhi_pd, t[i + 1], t[i + 3]);     \
        }                                                                     \
        for (i = 0; i < 4; i++) { /* column c = i: lanes of rows 0-15 */      \
            __m512 a = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);            \
            __m512 b = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);            \
            __m512 e = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);       \
            __m512 f = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);       \
            STORE(d + i * dq, _mm512_shuffle_f32x4(a, e, 0x88));              \
            STORE(d + (i + 8) * dq, _mm512_shuffle_f32x4(a, e, 0xDD));        \
            STORE(d + (i + 4) * dq, _mm512_shuffle_f32x4(b, f, 0x88));        \
            STORE(d + (i + 12) * dq, _mm512_shuffle_f32x4(b, f, 0xDD));       \
        }                                                                     \
    }

/* 4 x 4 items of 16 bytes (AVX-512F): each item one 128-bit lane. */
#define DEFINE_MICRO_4x4_512(NAME, STORE)                                     \
    TARGET("avx512f") static inline void NAME(const char *s, Py_ssize_t sp, \
                                              char *d, Py_ssize_t dq)         \
    {                                                                         \
        __m512i r0 = _mm512_loadu_si512(s), r1 = _mm512_loadu_si512(s + sp); \
        __m512i r2 = _mm512_loadu_si512(s + 2 * sp);                          \
        __m512i r3 = _mm512_loadu_si512(s + 3 * sp);                          \
        __m512i t0 = _mm512_shuffle_i64x2(r0, r1, 0x44);                      \
        __m512i t1 = _mm512_shuffle_i64x2(r0, r1, 0xEE);                      \
        __m512i t2 = _mm512_shuffle_i64x2(r2, r3, 0x44);                      \
        __m512i t3 = _mm512_shuffle_i64x2(r2, r3, 0xEE);                      \
        STORE(d, _mm512_shuffle_i64x2(t0, t2, 0x88));                         \
        STORE(d + dq, _mm512_shuffle_i64x2(t0, t2, 0xDD));                    \
        STORE(d + 2 * dq, _mm512_shuffle_i64x2(t1, t3, 0x88));                \
        STORE(d + 3 * dq, _mm512_shuffle_i64x2(t1, t3, 0xDD));                \
    }

/* 8 x 8 items of 8 bytes (AVX2): four 4 x 4 blocks, each line stored as
 * two halves. */
#define DEFINE_MICRO_8x8_256(NAME, STORE)                                     \
    TARGET("avx2") static inline void NAME(const char *s, Py_ssize_t sp,    \
                                           char *d, Py_ssize_t dq)            \
    {                                                                         \
        int bp, bq;                                                           \
        for (bq = 0; bq < 64; bq += 32) {                                     \
            for (bp = 0; bp < 64; bp += 32) {                                 \
                const char *x = s + (bp / 8) * sp + bq;                       \
                char *y = d + (bq / 8) * dq + bp;                             \
                __m256d r0 = _mm256_loadu_pd((const double *)(const void *)x); \
                __m256d r1 = _mm256_loadu_pd((const double *)(const void *)(x + sp)); \
                __m256d r2 = _mm256_loadu_pd((const double *)(const void *)(x + 2 * sp)); \
                __m256d r3 = _mm256_loadu_pd((const double *)(const void *)(x + 3 * sp)); \
                __m256d t0 = _mm256_unpacklo_pd(r0, r1);                      \
                __m256d t1 = _mm256_unpackhi_pd(r0, r1);                      \
                __m256d t2 = _mm256_unpacklo_pd(r2, r3);                      \
                __m256d t3 = _mm256_unpackhi_pd(r2, r3);                      \
                STORE(y, _mm256_permute2f128_pd(t0, t2, 0x20));               \
                STORE(y + dq, _mm256_permute2f128_pd(t1, t3, 0x20));          \
                STORE(y + 2 * dq, _mm256_permute2f128_pd(t0, t2, 0x31));      \
                STORE(y + 3 * dq, _mm256_permute2f128_pd(t1, t3, 0x31));      \
            }                                                                 \
        }                                                                     \
    }

#define STREAM_PD512(p, v) _mm512_stream_pd((void *)(p), v)
#define STREAM_PS512(p, v) _mm512_stream_ps((void *)(p), v)
#define STREAM_SI512(p, v) _mm512_stream_si512((void *)(p), v)
#define STREAM_PD256(p, v) _mm256_stream_pd((double *)(void *)(p), v)

DEFINE_MICRO_8x8_512(micro8_512_stream, STREAM_PD512)
DEFINE_MICRO_16x16_512(micro4_512_stream, STREAM_PS512)
DEFINE_MICRO_4x4_512(micro16_512_stream, STREAM_SI512)
DEFINE_MICRO_8x8_256(micro8_256_stream, STREAM_PD256)

/* the same with ordinary stores, for the lane pass's small copies */
#define STORE_PD512(p, v) _mm512_storeu_pd((void *)(p), v)
#define STORE_PS512(p, v) _mm512_storeu_ps((void *)(p), v)
#define STORE_SI512(p, v) _mm512_storeu_si512((void *)(p), v)
#define STORE_PD256(p, v) _mm256_storeu_pd((double *)(void *)(p), v)
DEFINE_MICRO_8x8_512(micro8_512_plain, STORE_PD512)
DEFINE_MICRO_16x16_512(micro4_512_plain, STORE_PS512)
DEFINE_MICRO_4x4_512(micro16_512_plain, STORE_SI512)
DEFINE_MICRO_8x8_256(micro8_256_plain, STORE_PD256)

/* the edges: plain passes of their own, so that the compiler's code for
 * the plain passes above (all of a small copy) is left as it was */
DEFINE_PASS(edge_4, uint32_t, LINE / 4, 64, 256, PLAIN_STORE)
DEFINE_PASS(edge_8, uint64_t, LINE / 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(edge_16, u128, LINE / 16, 64, 256, PLAIN_STORE)
DEFINE_SIMD_PASS(simd512_stream_4, "avx512f", 4, micro4_512_stream, edge_4)
DEFINE_SIMD_PASS(simd512_stream_8, "avx512f", 8, micro8_512_stream, edge_8)
DEFINE_SIMD_PASS(simd512_stream_16, "avx512f", 16, micro16_512_stream, edge_16)
DEFINE_SIMD_PASS(simd256_stream_8, "avx2", 8, micro8_256_stream, edge_8)
#endif /* HAVE_SIMD */

#if HAVE_SIMD
/* The lane pass: for a source contiguous along dst's first axis (q == 0,
 * what a C-order array gives `dumps`), of any number of dims. dst is then
 * Q rows of R elements, R the product of all the other extents: its
 * planes fused into one row, so a strip of STRIP destination rows is
 * written front to back across every plane. Column m of that row reads
 * the source row at an offset an odometer over the source's axes 1..n-1
 * gives (axis 0 is contiguous). A micro block is 4 N columns (N = 16 /
 * item size) by N rows: each 128-bit lane of a register holds N items of
 * one source row (16 bytes: any alignment), N rows of N items are
 * transposed in every lane by log2(N) rounds of unpacks, and each
 * register is then a whole destination line (AVX-512; AVX2: a half, the
 * two halves of a line stored one after the other). The micro block takes
 * its columns' source offsets (`off`), so a block may span two planes or
 * rows of any length. Streamed (aligned stores) where the destination is
 * large and its rows are whole lines, after a head of columns up to the
 * first line; else unaligned ordinary stores. The head, the last columns
 * and the last rows (fewer than a block) go element by element.
 *
 * Measured (bench/transpose_kernel.py, dumps(c, out=bytearray) over
 * np.copyto, two runs, before -> after): 2-D 1 B 8.1-9.7 -> 3.5-4.2,
 * 2-D 2 B 4.3-5.1 -> 2.7-3.2, 3-D 1 B 10-16 -> 3.9-6.6, 3-D 2 B 6-10 ->
 * 2.8-3.7, 3-D 4 B 64 MiB 3.2-3.7 -> 1.6-2.1, 3-D 8 B 64 MiB 2.0-2.2 ->
 * 1.8, 3-D 16 B 1.8-2.3 -> 1.1-1.4; 3-D 8 B at 512 MiB 1.7-1.9 -> 2.2 (a
 * loss) and 3-D 4 B at 512 MiB 3.0 either way. What is left: every block
 * reads 4 N source rows (64 for 1-byte items) that are 2^k bytes apart in
 * the benchmark's shapes (one set of L1 and L2, a DRAM page each), and a
 * strip writes one line into each of its destination rows, 128 KiB-1 MiB
 * apart; at 1 MiB the per-lane transposes are 2-3 times a copy in L2.
 * Tried and dropped: groups of 2-8 blocks per line step (each destination
 * row written 2-8 lines at a time): 1.2-2 times slower. */
typedef void (*lane_fn)(const char *, const Py_ssize_t *, char *, Py_ssize_t);

typedef void (*whole_fn)(const char *, Py_ssize_t, char *, Py_ssize_t);

typedef struct {
    lane_fn micro, line;
    whole_fn whole; /* the simd pass's micro block, or NULL */
    int mp, mq; /* columns and rows of a micro block */
} lane_kind;

/* log2(N) rounds: r[2i], r[2i+1] = lo, hi of r[i], r[i + N/2]; after them
 * r[c] holds, lane by lane, column c of the lane's N x N block. */
#define LANE_ROUNDS(V, UNLO, UNHI, N, r)                                      \
    do {                                                                      \
        int round_, i_;                                                       \
        for (round_ = 1; round_ < (N); round_ *= 2) {                         \
            V t_[16];                                                         \
            for (i_ = 0; i_ < (N) / 2; i_++) {                                \
                t_[2 * i_] = UNLO((r)[i_], (r)[i_ + (N) / 2]);                \
                t_[2 * i_ + 1] = UNHI((r)[i_], (r)[i_ + (N) / 2]);            \
            }                                                                 \
            for (i_ = 0; i_ < (N); i_++) {                                    \
                (r)[i_] = t_[i_];                                             \
            }                                                                 \
        }                                                                     \
    } while (0)

/* the offsets of the rows of a tile of 4, 8, 16 or 64 lines (below) */
static Py_ssize_t tile_off[16][64];

#define LOAD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))

#define DEFINE_LANE_512(NAME, ISA, SIZE, UNLO, UNHI, STORE)                   \
    TARGET(ISA) static void NAME(const char *s, const Py_ssize_t *off,       \
                                 char *d, Py_ssize_t dq)                      \
    {                                                                         \
        enum { N = 16 / (SIZE) };                                             \
        __m512i r[N];                                                         \
        int i;                                                                \
        for (i = 0; i < N; i++) {                                             \
            __m512i v = _mm512_castsi128_si512(LOAD128(s + off[i]));          \
            v = _mm512_inserti32x4(v, LOAD128(s + off[N + i]), 1);            \
            v = _mm512_inserti32x4(v, LOAD128(s + off[2 * N + i]), 2);        \
            v = _mm512_inserti32x4(v, LOAD128(s + off[3 * N + i]), 3);        \
            r[i] = v;                                                         \
        }                                                                     \
        LANE_ROUNDS(__m512i, UNLO, UNHI, N, r);                               \
        for (i = 0; i < N; i++) {                                             \
            STORE(d + i * dq, r[i]);                                          \
        }                                                                     \
    }                                                                         \
    TARGET(ISA) static void NAME##_line(const char *s, const Py_ssize_t *off, \
                                        char *d, Py_ssize_t dq)               \
    {                                                                         \
        enum { MP = 64 / (SIZE) };                                            \
        __m512i tilev[MP];                                                    \
        char *tile = (char *)tilev;                                           \
        int i;                                                                \
        for (i = 0; i < MP; i++) {                                            \
            _mm512_store_si512((void *)(tile + i * LINE),                     \
                               _mm512_loadu_si512(s + off[i]));               \
        }                                                                     \
        for (i = 0; i < LINE; i += 16) {                                      \
            NAME(tile + i, tile_off[MP / 4 - 1], d + (i / (SIZE)) * dq, dq);  \
        }                                                                     \
    }

#define DEFINE_LANE_256(NAME, SIZE, UNLO, UNHI, STORE)                        \
    TARGET("avx2") static void NAME(const char *s, const Py_ssize_t *off,    \
                                    char *d, Py_ssize_t dq)                   \
    {                                                                         \
        enum { N = 16 / (SIZE) };                                             \
        __m256i r[2][N];                                                      \
        int h, i;                                                             \
        for (h = 0; h < 2; h++) {                                             \
            for (i = 0; i < N; i++) {                                         \
                __m256i v = _mm256_castsi128_si256(                           \
                    LOAD128(s + off[2 * N * h + i]));                         \
                r[h][i] = _mm256_inserti128_si256(                            \
                    v, LOAD128(s + off[2 * N * h + N + i]), 1);               \
            }                                                                 \
            LANE_ROUNDS(__m256i, UNLO, UNHI, N, r[h]);                        \
        }                                                                     \
        for (i = 0; i < N; i++) {                                             \
            STORE(d + i * dq, r[0][i]);                                       \
            STORE(d + i * dq + 32, r[1][i]);                                  \
        }                                                                     \
    }                                                                         \
    TARGET("avx2") static void NAME##_line(const char *s,                    \
                                           const Py_ssize_t *off, char *d,    \
                                           Py_ssize_t dq)                     \
    {                                                                         \
        enum { MP = 64 / (SIZE) };                                            \
        __m256i tilev[2 * MP];                                                \
        char *tile = (char *)tilev;                                           \
        int i;                                                                \
        for (i = 0; i < MP; i++) {                                            \
            const char *x = s + off[i];                                       \
            _mm256_store_si256((__m256i *)(void *)(tile + i * LINE),          \
                               _mm256_loadu_si256((const __m256i *)(const void *)x)); \
            _mm256_store_si256((__m256i *)(void *)(tile + i * LINE + 32),     \
                               _mm256_loadu_si256((const __m256i *)(const void *)(x + 32))); \
        }                                                                     \
        for (i = 0; i < LINE; i += 16) {                                      \
            NAME(tile + i, tile_off[MP / 4 - 1], d + (i / (SIZE)) * dq, dq);  \
        }                                                                     \
    }

#define STREAM_SI256(p, v) _mm256_stream_si256((__m256i *)(void *)(p), v)
#define STORE_SI256(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), v)

#define DEFINE_LANES(SIZE, ISA, W)                                            \
    DEFINE_LANE_512(lane512_stream_##SIZE, ISA, SIZE, _mm512_unpacklo_##W,   \
                    _mm512_unpackhi_##W, STREAM_SI512)                        \
    DEFINE_LANE_512(lane512_plain_##SIZE, ISA, SIZE, _mm512_unpacklo_##W,    \
                    _mm512_unpackhi_##W, STORE_SI512)                         \
    DEFINE_LANE_256(lane256_stream_##SIZE, SIZE, _mm256_unpacklo_##W,        \
                    _mm256_unpackhi_##W, STREAM_SI256)                        \
    DEFINE_LANE_256(lane256_plain_##SIZE, SIZE, _mm256_unpacklo_##W,         \
                    _mm256_unpackhi_##W, STORE_SI256)

DEFINE_LANES(1, "avx512f,avx512bw", epi8)
DEFINE_LANES(2, "avx512f,avx512bw", epi16)
DEFINE_LANES(4, "avx512f", epi32)
DEFINE_LANES(8, "avx512f", epi64)
DEFINE_LANES(16, "avx512f", epi64) /* N = 1: no round */
#endif /* HAVE_SIMD */

/* The lane passes this CPU runs, by item size (index: log2 of the size),
 * streamed and plain; set once by simd_init(). */
static lane_kind lane_stream[5], lane_plain[5];
static const char *lane_name = "none";
/* LANE_STRIP: bytes of each source row a strip reads (16 lines; 1024
 * destination rows of 1-byte items, 128 of 8-byte ones); LANE_PF_MAX: the
 * widest block (columns) whose next block is prefetched. Measured on the
 * machine above (64 MiB, 3-D): strips of 512 and 2048 bytes were no better
 * at 64 MiB, 2048 better at 512 MiB for 4-byte items (2.4 against 2.9
 * times np.copyto) but worse for 8 and 16 bytes; the prefetch of a block
 * of 32 or 64 rows (1- and 2-byte items: rows of a 3-D source 2^k apart,
 * one set of L1 and L2) evicted the rows being read, 15-20% slower. */
#define LANE_STRIP 1024
#define LANE_PF_MAX 16

#if HAVE_SIMD
/* An odometer over the source's axes 1..n-1 in C order: the offset in
 * bytes of the source row of a destination column. */
typedef struct {
    Py_ssize_t idx[64];
    Py_ssize_t off;
} odometer;

static void odo_seek(odometer *o, const Py_buffer *s, Py_ssize_t m)
{
    int a;
    o->off = 0;
    for (a = s->ndim - 1; a >= 1; a--) {
        o->idx[a] = m % s->shape[a];
        m /= s->shape[a];
        o->off += o->idx[a] * s->strides[a];
    }
}

static inline void odo_next(odometer *o, const Py_buffer *s)
{
    int a;
    for (a = s->ndim - 1; a >= 1; a--) {
        if (++o->idx[a] < s->shape[a]) {
            o->off += s->strides[a];
            return;
        }
        o->off -= s->strides[a] * (s->shape[a] - 1);
        o->idx[a] = 0;
    }
}

/* One column of the destination from `q0` on, element by element. */
static void lane_column(char *d, const char *s, Py_ssize_t isz,
                        Py_ssize_t q0, Py_ssize_t Q, Py_ssize_t dq)
{
    Py_ssize_t q;
    switch (isz) {
    case 1:
        for (q = q0; q < Q; q++) memcpy(d + q * dq, s + q, 1);
        break;
    case 2:
        for (q = q0; q < Q; q++) memcpy(d + q * dq, s + q * 2, 2);
        break;
    case 4:
        for (q = q0; q < Q; q++) memcpy(d + q * dq, s + q * 4, 4);
        break;
    case 8:
        for (q = q0; q < Q; q++) memcpy(d + q * dq, s + q * 8, 8);
        break;
    default:
        for (q = q0; q < Q; q++) memcpy(d + q * dq, s + q * 16, 16);
        break;
    }
}

/* The lane pass (see above): `head` columns before the first block. The
 * next block's source rows are prefetched a line ahead of the micro block
 * that reads them. */
static void copy_lanes(const Py_buffer *d, const Py_ssize_t *dstr,
                       const Py_buffer *s, lane_kind k, Py_ssize_t head)
{
    const Py_ssize_t isz = d->itemsize, Q = d->shape[0], dq = dstr[0];
    const Py_ssize_t R = dq / isz, mp = k.mp, mq = k.mq;
    const Py_ssize_t Qm = Q - Q % mq, nb = (R - head) / mp;
    const Py_ssize_t body = head + nb * mp, ql = LINE / isz;
    const Py_ssize_t sl = s->strides[s->ndim - 1];
    /* destination rows per strip: whole lines of the source rows */
    const Py_ssize_t strip = LANE_STRIP / LINE * ql;
    const char *src = (const char *)s->buf;
    char *dst = (char *)d->buf;
    Py_ssize_t offs[2][64];
    odometer o;
    Py_ssize_t q0, q1, q, b, j, m;
    for (q0 = 0; q0 < Qm && nb > 0; q0 = q1) {
        q1 = q0 + strip < Qm ? q0 + strip : Qm;
        odo_seek(&o, s, head);
        for (j = 0; j < mp; j++) {
            offs[0][j] = o.off;
            odo_next(&o, s);
        }
        for (b = 0; b < nb; b++) {
            const Py_ssize_t *cur = offs[b & 1];
            Py_ssize_t *nxt = offs[(b + 1) & 1];
            char *db = dst + (head + b * mp) * isz;
            int more = b + 1 < nb, whole = k.whole != NULL;
            if (more) {
                for (j = 0; j < mp; j++) {
                    nxt[j] = o.off;
                    odo_next(&o, s);
                }
            }
            for (j = 1; j < mp && whole; j++) {
                whole = cur[j] - cur[0] == j * sl;
            }
            for (q = q0; q + ql <= q1; q += ql) {
                if (more && mp <= LANE_PF_MAX) {
                    for (j = 0; j < mp; j++) {
                        _mm_prefetch(src + nxt[j] + q * isz, _MM_HINT_T0);
                    }
                }
                if (whole) {
                    k.whole(src + cur[0] + q * isz, sl, db + q * dq, dq);
                } else {
                    k.line(src + q * isz, cur, db + q * dq, dq);
                }
            }
            for (; q < q1; q += mq) {
                k.micro(src + q * isz, cur, db + q * dq, dq);
            }
        }
    }
    /* the rest: the head and the last columns whole, the last rows of the
     * blocks' columns */
    odo_seek(&o, s, 0);
    for (m = 0; m < R; m++) {
        Py_ssize_t from = m >= head && m < body ? Qm : 0;
        if (from < Q) {
            lane_column(dst + m * isz, src + o.off, isz, from, Q, dq);
        }
        odo_next(&o, s);
    }
}
#endif /* HAVE_SIMD */

/* The simd passes this CPU runs, by item size (index: log2 of the size);
 * set once by simd_init(). */
static pass_fn simd_stream[5];
static const char *simd_name = "none";

/* The best the CPU has, or what WEA_SIMD names when the CPU has it:
 * "avx2", or "none" for the scalar passes (for tests and measurements). */
#define LANES(K, SIZE, BITS)                                                  \
    (lane_stream[K].micro = lane##BITS##_stream_##SIZE,                       \
     lane_plain[K].micro = lane##BITS##_plain_##SIZE,                         \
     lane_stream[K].line = lane##BITS##_stream_##SIZE##_line,                 \
     lane_plain[K].line = lane##BITS##_plain_##SIZE##_line,                   \
     lane_stream[K].mp = lane_plain[K].mp = 64 / (SIZE),                      \
     lane_stream[K].mq = lane_plain[K].mq = 16 / (SIZE))

#define WHOLE(K, NAME)                                                        \
    (lane_stream[K].whole = NAME##_stream, lane_plain[K].whole = NAME##_plain)

static void simd_init(void)
{
    int i, j;
    for (i = 0; i < 16; i++) {
        for (j = 0; j < 64; j++) {
            tile_off[i][j] = j * LINE;
        }
    }
#if HAVE_SIMD
    const char *want = getenv("WEA_SIMD");
    want = want != NULL ? want : "";
    __builtin_cpu_init();

    if (strcmp(want, "none") == 0) {
        return;
    }
    if (strcmp(want, "avx2") != 0 && __builtin_cpu_supports("avx512f")) {
        simd_stream[2] = simd512_stream_4;
        simd_stream[3] = simd512_stream_8;
        simd_stream[4] = simd512_stream_16;
        simd_name = "avx512f";
        LANES(2, 4, 512);
        LANES(3, 8, 512);
        LANES(4, 16, 512);
        WHOLE(2, micro4_512);
        WHOLE(3, micro8_512);
        WHOLE(4, micro16_512);
        lane_name = "avx512f";
        if (__builtin_cpu_supports("avx512bw")) {
            LANES(0, 1, 512);
            LANES(1, 2, 512);
            lane_name = "avx512bw";
        }
    } else if (__builtin_cpu_supports("avx2")) {
        simd_stream[3] = simd256_stream_8;
        simd_name = "avx2";
    }
    if (lane_stream[0].micro == NULL && __builtin_cpu_supports("avx2")) {
        LANES(0, 1, 256);
        LANES(1, 2, 256);
        if (lane_stream[2].micro == NULL) {
            LANES(2, 4, 256);
            LANES(3, 8, 256);
            LANES(4, 16, 256);
            WHOLE(3, micro8_256);
            lane_name = "avx2";
        } else {
            lane_name = "avx512f, avx2 for 1-2 B items";
        }
    }
#endif
}

PyDoc_STRVAR(copy_strategy_doc,
"copy_strategy(/)\n--\n\n"
"Describe the passes copy_transposed() takes on this machine (chosen once\n"
"at import), as a short str for a benchmark to print.");

static PyObject *copy_strategy(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (simd_stream[3] == NULL) {
        return PyUnicode_FromFormat(
            "scalar tiles: plain 64x256, stream 32x1024 from %zd MiB "
            "(4-16 B items, rows of whole lines, head plain)",
            (Py_ssize_t)(STREAM_MIN >> 20));
    }
    return PyUnicode_FromFormat(
        "%s stream from %zd MiB, planes from %zd MiB (%s): register transposes "
        "of whole lines, strips of %d rows, source lines aligned and "
        "prefetched, head plain; %s lanes for a source contiguous along dst's "
        "first axis (1-2 B items; 3+ dims of 4-16 B from %zd MiB): planes "
        "fused into dst rows, strips of %d source bytes, source lines staged "
        "whole in L1, N x N transposes in each 128-bit lane, whole dst lines, "
        "streamed from %zd MiB; else scalar tiles (plain 64x256, stream "
        "32x1024)",
        simd_name, (Py_ssize_t)(STREAM_MIN >> 20), (Py_ssize_t)(STREAM_MIN >> 20),
        simd_stream[2] != NULL ? "4-16 B items" : "8 B items", STRIP, lane_name,
        (Py_ssize_t)(STREAM_MIN >> 20), LANE_STRIP, (Py_ssize_t)(STREAM_MIN >> 20));
}

/* How a plane is copied: the first `head` elements of each destination
 * row (up to its first cache line) by `plain`, the rest by `body`, which
 * streams where the destination is large and its rows are whole cache
 * lines, so that every micro block of `body` writes whole lines. A simd
 * `body` also starts at a line of the source's rows where they all are as
 * far from one (`qalign`): the first elements of each source row up to it
 * go by `plain` too. Only for an item size plain_for() handles. */
typedef struct {
    pass_fn plain, body;
    Py_ssize_t head;
    int qalign;
} passes;

/* The plain pass for this item size; NULL for a size no pass handles. */
static pass_fn plain_for(Py_ssize_t itemsize)
{
    switch (itemsize) {
    case 1: return plain_1;
    case 2: return plain_2;
    case 4: return plain_4;
    case 8: return plain_8;
    case 16: return plain_16;
    default: return NULL;
    }
}

/* `dstr`: dst's strides in bytes; p, q: as in copy_planes(). */
static passes passes_for(const Py_buffer *d, const Py_ssize_t *dstr,
                         const Py_buffer *s, int p, int q)
{
    Py_ssize_t isz = d->itemsize;
    passes ps = {NULL, NULL, 0, 0};
    ps.plain = ps.body = plain_for(isz);
#if HAVE_STREAM
    {
        /* every row of dst is as far from a line as the first one if its
         * last axis is whole lines */
        Py_ssize_t off = (Py_ssize_t)((LINE - (uintptr_t)d->buf % LINE) % LINE);
        int lines = dstr[d->ndim - 2] % LINE == 0 && off % isz == 0;
        int stream = d->len >= STREAM_MIN && lines;
        int k = isz == 4 ? 2 : isz == 8 ? 3 : isz == 16 ? 4 : 0;
        /* the simd pass where it streams whole planes of STREAM_MIN bytes
         * or more (smaller ones, say the planes of a 3-D array: the old
         * passes were as fast or faster there) */
        if (stream && k > 0 && simd_stream[k] != NULL && s->strides[q] == isz &&
            d->shape[p] * d->shape[q] * isz >= STREAM_MIN) {
            ps.body = simd_stream[k];
            ps.head = off / isz;
            ps.qalign = s->strides[p] % LINE == 0; /* rows alike */
        } else if (stream) {
            switch (isz) {
            case 4: ps.body = stream_4; break;
            case 8: ps.body = stream_8; break;
            case 16: ps.body = stream_16; break;
            default: break;
            }
            if (ps.body != ps.plain) {
                ps.head = off / isz;
            }
        }
    }
#else
    (void)dstr;
    (void)s;
    (void)p;
    (void)q;
#endif
    return ps;
}

/* Whether a buffer's address and strides are multiples of its item size,
 * the alignment the typed pass reads and writes with (16-byte items: 8). */
static int aligned(const Py_buffer *v)
{
    Py_ssize_t align = v->itemsize > 8 ? 8 : v->itemsize;
    int i;
    if ((uintptr_t)v->buf % (uintptr_t)align != 0) {
        return 0;
    }
    for (i = 0; i < v->ndim; i++) {
        if (v->shape[i] > 1 && v->strides[i] % v->itemsize != 0) {
            return 0;
        }
    }
    return 1;
}

/* Whether the bytes `s` spans (from its lowest to its highest element)
 * meet dst's `len` bytes: the passes read and write through restrict
 * pointers, so overlapping arrays are left to the caller's copy. */
static int overlaps(const Py_buffer *d, const Py_buffer *s)
{
    uintptr_t lo = (uintptr_t)s->buf, hi = (uintptr_t)s->buf;
    int i;
    for (i = 0; i < s->ndim; i++) {
        uintptr_t span = (uintptr_t)(s->strides[i] < 0 ? -s->strides[i]
                                                       : s->strides[i]) *
                         (uintptr_t)(s->shape[i] - 1);
        if (s->strides[i] < 0) {
            lo -= span;
        } else {
            hi += span;
        }
    }
    hi += (uintptr_t)s->itemsize;
    return lo < (uintptr_t)d->buf + (uintptr_t)d->len && (uintptr_t)d->buf < hi;
}

/* The copy, once both buffers passed the checks: the axes other than p
 * and q are walked with an odometer, and each (p, q) plane is one pass
 * (and its heads). `dstr`: dst's strides in bytes, C-contiguous (an
 * exporter may report any stride for an axis of extent 1). */
static void copy_planes(const Py_buffer *d, const Py_ssize_t *dstr,
                        const Py_buffer *s, int p, int q, passes ps)
{
    Py_ssize_t isz = d->itemsize;
    Py_ssize_t idx[64] = {0};
    Py_ssize_t doff = 0, soff = 0;
    Py_ssize_t sp = s->strides[p] / isz, sq = s->strides[q] / isz;
    Py_ssize_t dq = dstr[q] / isz, P = d->shape[p], Q = d->shape[q];
    Py_ssize_t head = ps.head < P ? ps.head : P;
    int n = d->ndim, k;
    for (;;) {
        char *dp = (char *)d->buf + doff;
        const char *sp0 = (const char *)s->buf + soff;
        Py_ssize_t qh = 0;
        if (head > 0) {
            ps.plain(dp, sp0, head, Q, sp, sq, dq);
        }
        dp += head * isz;
        sp0 += head * s->strides[p];
        if (ps.qalign) { /* the body starts at a line of the source's rows */
            qh = (Py_ssize_t)((LINE - (uintptr_t)sp0 % LINE) % LINE);
            qh = qh % isz == 0 && qh / isz < Q ? qh / isz : 0;
            if (qh > 0) {
                ps.plain(dp, sp0, P - head, qh, sp, sq, dq);
            }
        }
        ps.body(dp + qh * dstr[q], sp0 + qh * s->strides[q], P - head, Q - qh,
                sp, sq, dq);
        for (k = n - 1; k >= 0; k--) {
            if (k == p || k == q) {
                continue;
            }
            if (++idx[k] < d->shape[k]) {
                doff += dstr[k];
                soff += s->strides[k];
                break;
            }
            doff -= dstr[k] * (idx[k] - 1);
            soff -= s->strides[k] * (idx[k] - 1);
            idx[k] = 0;
        }
        if (k < 0) {
            return;
        }
    }
}

#if HAVE_SIMD
/* The lane pass's table index for this copy, or -1 where it is not the
 * one: a source contiguous along dst's first axis (q == 0), of items of 1
 * or 2 bytes (which no other simd pass handles), or of 3 dims or more (the
 * fused planes) and STREAM_MIN bytes or more (below, the planes of 4-16 B
 * items fit the cache and the old plane passes were 2-3 times faster at
 * 1 MiB), at least one micro block each way. */
static int lane_index(const Py_buffer *d, const Py_buffer *s, int q)
{
    Py_ssize_t isz = d->itemsize, R = 1;
    int k = isz == 1 ? 0 : isz == 2 ? 1 : isz == 4 ? 2 : isz == 8 ? 3 : 4;
    int i;
    if (q != 0 || s->strides[0] != isz || lane_stream[k].micro == NULL ||
        (isz > 2 && (d->ndim < 3 || d->len < STREAM_MIN)) ||
        d->shape[0] < lane_stream[k].mq) {
        return -1;
    }
    for (i = 1; i < d->ndim; i++) {
        R *= d->shape[i];
    }
    return R >= lane_stream[k].mp ? k : -1;
}
#endif

PyDoc_STRVAR(copy_transposed_doc,
"copy_transposed(dst, src, /)\n--\n\n"
"Copy `src` into the C-contiguous `dst` of the same shape and item size,\n"
"tile by tile, where `dst`'s last axis is not `src`'s fastest.\n\n"
"Return True if copied, False if these arrays are not a case for it (a\n"
"shape, item size or alignment it does not handle): the caller then\n"
"copies them itself. The GIL is released during the copy.");

static PyObject *copy_transposed(PyObject *self, PyObject *const *args,
                                 Py_ssize_t nargs)
{
    Py_buffer d, s;
    Py_ssize_t dstr[64], best = 0;
    PyObject *done = Py_False;
    passes ps;
    int p, q, i;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "copy_transposed() takes exactly 2 arguments");
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &d,
                           PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &s, PyBUF_STRIDES) != 0) {
        PyBuffer_Release(&d);
        return NULL;
    }
    if (plain_for(d.itemsize) == NULL ||
        d.itemsize != s.itemsize || d.ndim != s.ndim || d.ndim < 2 ||
        d.ndim > 64 || !aligned(&d) || !aligned(&s)) {
        goto out;
    }
    for (i = 0; i < d.ndim; i++) {
        if (d.shape[i] != s.shape[i]) {
            goto out;
        }
        if (d.shape[i] == 0) {
            done = Py_True; /* nothing to copy */
            goto out;
        }
    }
    /* p: dst's contiguous axis; q: src's fastest (the smallest stride
     * among the axes longer than 1, the last such axis on a tie), which
     * must be another one. */
    p = d.ndim - 1;
    q = -1;
    for (i = 0; i < s.ndim; i++) {
        Py_ssize_t a = s.strides[i] < 0 ? -s.strides[i] : s.strides[i];
        if (s.shape[i] > 1 && (q < 0 || a <= best)) {
            q = i;
            best = a;
        }
    }
    if (q < 0 || q == p || d.shape[p] == 1 || overlaps(&d, &s)) {
        goto out;
    }
    dstr[d.ndim - 1] = d.itemsize;
    for (i = d.ndim - 2; i >= 0; i--) {
        dstr[i] = dstr[i + 1] * d.shape[i + 1];
    }
#if HAVE_SIMD
    {
        int k = lane_index(&d, &s, q);
        if (k >= 0) {
            Py_ssize_t head = 0;
            Py_ssize_t off = (Py_ssize_t)((LINE - (uintptr_t)d.buf % LINE) % LINE);
            lane_kind kind = lane_plain[k];
            if (d.len >= STREAM_MIN && dstr[0] % LINE == 0 && off % d.itemsize == 0 &&
                dstr[0] / d.itemsize - off / d.itemsize >= kind.mp) {
                kind = lane_stream[k];
                head = off / d.itemsize;
            }
            Py_BEGIN_ALLOW_THREADS
            copy_lanes(&d, dstr, &s, kind, head);
            STREAM_FENCE(); /* as below */
            Py_END_ALLOW_THREADS
            done = Py_True;
            goto out;
        }
    }
#endif
    ps = passes_for(&d, dstr, &s, p, q);
    Py_BEGIN_ALLOW_THREADS
    copy_planes(&d, dstr, &s, p, q, ps);
    STREAM_FENCE(); /* the streamed stores are visible before any later
                     * store, such as the magic that publishes (C7) */
    Py_END_ALLOW_THREADS
    done = Py_True;
out:
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    return Py_NewRef(done);
}

/* ------------------------------------------------------------------ */
/* array_wrap                                                          */
/* ------------------------------------------------------------------ */

PyDoc_STRVAR(array_wrap_doc,
"array_wrap(arr, context=None, return_scalar=False, /)\n--\n\n"
"numpy 2's ``__array_wrap__`` of a wea array, as a static method: return\n"
"`arr` (the plain result of a ufunc), or ``arr[()]`` when numpy asks for\n"
"a scalar.");

static PyObject *array_wrap(PyObject *self, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *arr, *scalar = NULL;
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames), i;
    (void)self;
    if (nargs < 1 || nargs + nkw > 3) {
        PyErr_SetString(PyExc_TypeError,
                        "__array_wrap__() takes from 1 to 3 arguments");
        return NULL;
    }
    arr = args[0];
    if (nargs == 3) {
        scalar = args[2];
    }
    for (i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(key, "return_scalar") == 0) {
            scalar = args[nargs + i];
        } else if (PyUnicode_CompareWithASCIIString(key, "context") != 0) {
            PyErr_Format(PyExc_TypeError,
                         "__array_wrap__() got an unexpected keyword "
                         "argument %R", key);
            return NULL;
        }
    }
    if (scalar != NULL) {
        int yes = PyObject_IsTrue(scalar);
        if (yes < 0) {
            return NULL;
        }
        if (yes) {
            PyObject *empty = PyTuple_New(0), *r;
            if (empty == NULL) {
                return NULL;
            }
            r = PyObject_GetItem(arr, empty);
            Py_DECREF(empty);
            return r;
        }
    }
    return Py_NewRef(arr);
}

/* ------------------------------------------------------------------ */
/* shm_attach                                                          */
/* ------------------------------------------------------------------ */

/* A mapping made by the C reader; a buffer of its whole length, unmapped
 * when the last reference (the last memoryview of it) is gone. */
typedef struct {
    PyObject_HEAD
    void *addr;
    size_t len;
    int readonly;
} Mapping;

static int mapping_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    Mapping *m = (Mapping *)obj;
    return PyBuffer_FillInfo(view, obj, m->addr, (Py_ssize_t)m->len,
                             m->readonly, flags);
}

static void mapping_dealloc(PyObject *obj)
{
    Mapping *m = (Mapping *)obj;
    if (m->addr != NULL) {
        (void)munmap(m->addr, m->len);
    }
    Py_TYPE(obj)->tp_free(obj);
}

static PyBufferProcs mapping_as_buffer = {mapping_getbuffer, NULL};

static PyTypeObject MappingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wea._speedups.Mapping",
    .tp_basicsize = sizeof(Mapping),
    .tp_dealloc = mapping_dealloc,
    .tp_as_buffer = &mapping_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A shared mapping of a validated block; unmapped when freed.",
};

PyDoc_STRVAR(shm_attach_doc,
"shm_attach(name, writable, /)\n--\n\n"
"Attach the shared-memory object `name` (a str, normalized: \"/...\") with\n"
"the C reader's wea_shm_attach steps (spec §8.2.3).\n\n"
"Return (view, (etype, offset, dims, len_data), length, dev, ino): a\n"
"memoryview of the whole mapping, the fields of the header the C reader\n"
"validated (read once, never from the mapping), the length checked, and\n"
"the object's identity. If the reader refuses the object, return\n"
"(category, errno, message) instead: the name of its wea_status\n"
"(wea_status_category: \"truncated\", \"not_found\", ...), the errno of a\n"
"failed system call (0 for a format error) and its message.");

/* A refusal: (category, errno, message), the category being the status's
 * name in wea.h, the words wea's errors and the spec use. */
static PyObject *refusal(const wea_error *e)
{
    return Py_BuildValue("(sis)", wea_status_category(e->status), e->sys_errno,
                         e->message);
}

static PyObject *shm_attach(PyObject *self, PyObject *const *args,
                            Py_ssize_t nargs)
{
    unsigned long long ident[2] = {0, 0};
    Py_ssize_t nmlen;
    int writable, fd, i;
    wea_mapping m;
    wea_error err;
    wea_status st;
    Mapping *obj;
    PyObject *view, *dims, *name;
    char given[WEA_SHM_NAME_SIZE], nm[WEA_SHM_NAME_SIZE];
    (void)self;
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "shm_attach(name: str, writable)");
        return NULL;
    }
    writable = PyObject_IsTrue(args[1]);
    if (writable < 0) {
        return NULL;
    }
    name = PyUnicode_EncodeFSDefault(args[0]); /* as os.fsencode() */
    if (name == NULL) {
        return NULL;
    }
    nmlen = PyBytes_GET_SIZE(name);
    if (nmlen >= WEA_SHM_NAME_SIZE ||
        strlen(PyBytes_AS_STRING(name)) != (size_t)nmlen) {
        Py_DECREF(name);
        PyErr_SetString(PyExc_ValueError,
                        "wea: shm_attach() takes a normalized name");
        return NULL;
    }
    memcpy(given, PyBytes_AS_STRING(name), (size_t)nmlen + 1);
    Py_DECREF(name);
    /* The reader's own check of the name (§8.2.1); wea normalized it. */
    if (wea_shm_name_normalize(given, nm, &err) != WEA_OK) {
        return refusal(&err);
    }
    obj = PyObject_New(Mapping, &MappingType);
    if (obj == NULL) {
        return NULL;
    }
    obj->addr = NULL;
    obj->len = 0;
    obj->readonly = !writable;
    Py_BEGIN_ALLOW_THREADS
    /* O_NONBLOCK: a FIFO under this name must not block the open; the
     * reader then refuses it as not a regular file. */
    fd = shm_open(nm, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK, 0);
    st = fd < 0 ? wea__sys_fail(&err, errno, "shm_open",
                                "cannot open shared-memory object %s", nm)
                : wea__shm_map_fd(fd, nm, writable, &m, ident, &err);
    Py_END_ALLOW_THREADS
    if (st != WEA_OK) {
        Py_DECREF(obj);
        return refusal(&err);
    }
    obj->addr = m.addr;
    obj->len = m.len;
    view = PyMemoryView_FromObject((PyObject *)obj);
    Py_DECREF(obj); /* the view holds it now */
    if (view == NULL) {
        return NULL;
    }
    dims = PyTuple_New(m.header.ndims);
    if (dims == NULL) {
        Py_DECREF(view);
        return NULL;
    }
    for (i = 0; i < m.header.ndims; i++) {
        PyObject *d = PyLong_FromLongLong(m.header.dims[i]);
        if (d == NULL) {
            Py_DECREF(dims);
            Py_DECREF(view);
            return NULL;
        }
        PyTuple_SET_ITEM(dims, i, d);
    }
    return Py_BuildValue("(N(iLNL)nKK)", view, (int)m.header.etype,
                         (long long)m.header.offset, dims,
                         (long long)m.header.len_data, (Py_ssize_t)m.len,
                         ident[0], ident[1]);
}

/* ------------------------------------------------------------------ */
/* new_block                                                           */
/* ------------------------------------------------------------------ */

/* A new block of many MiB is fresh memory: faulting it in 4 KiB page by
 * page cost dumps 3 to 5 times a plain copy (64 MiB: 40-55 ms against
 * 7-14 ms on a 2-core VM). Like numpy for its own arrays, ask Linux for
 * transparent huge pages before the memory is first touched. */
#define HUGE_MIN ((Py_ssize_t)1 << 22) /* numpy's threshold for the advice */

PyDoc_STRVAR(new_block_doc,
"new_block(size, /)\n--\n\n"
"Return a bytearray of `size` bytes whose memory is not yet written (its\n"
"contents are undefined), advised for transparent huge pages from 4 MiB\n"
"on where the system has them. The caller writes every byte.");

static PyObject *new_block(PyObject *self, PyObject *arg)
{
    Py_ssize_t size = PyLong_AsSsize_t(arg);
    PyObject *block;
    (void)self;
    if (size < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "new_block: size must be >= 0");
        }
        return NULL;
    }
    block = PyByteArray_FromStringAndSize(NULL, size);
    if (block == NULL) {
        return NULL;
    }
#if defined(MADV_HUGEPAGE)
    if (size >= HUGE_MIN) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t addr = (uintptr_t)PyByteArray_AS_STRING(block);
        uintptr_t end = addr + (uintptr_t)size;
        uintptr_t start = page > 0 ? (addr + page - 1) / page * page : end;
        if (end > start) {
            /* advice only: an error changes nothing */
            (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
        }
    }
#endif
    return block;
}

/* ------------------------------------------------------------------ */

static PyMethodDef methods[] = {
    {"copy_transposed", (PyCFunction)(void (*)(void))copy_transposed,
     METH_FASTCALL, copy_transposed_doc},
    {"copy_strategy", copy_strategy, METH_NOARGS, copy_strategy_doc},
    {"array_wrap", (PyCFunction)(void (*)(void))array_wrap,
     METH_FASTCALL | METH_KEYWORDS, array_wrap_doc},
    {"shm_attach", (PyCFunction)(void (*)(void))shm_attach, METH_FASTCALL,
     shm_attach_doc},
    {"new_block", new_block, METH_O, new_block_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "wea._speedups",
    "The compiled part of the wea package (see wea._accel).",
    -1,
    methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    PyObject *mod;
    if (PyType_Ready(&MappingType) < 0) {
        return NULL;
    }
    simd_init();
    mod = PyModule_Create(&module);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(mod, "API", ACCEL_API) != 0 ||
        PyModule_AddIntConstant(mod, "STREAM_MIN", (long)STREAM_MIN) != 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
