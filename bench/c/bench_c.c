/*
 * bench_c.c: the C reader's figures for the wea benchmark (make bench).
 *
 *   bench_c PREFIX ITERS SIZE...
 *
 * Prints one JSON document:
 *   parse:  nanoseconds per wea_parse() (checks R1 to R9 and the decoded
 *           header) on a valid block with 0, 1, 2, 6 and 32 dimensions, with
 *           and without a wea_error to fill; the median (and the 10th
 *           percentile) of 1001 timed loops of ITERS calls each, the loops of
 *           the ten configurations interleaved.
 *   attach: nanoseconds per wea_shm_attach() (shm_open, fstat, mmap, close,
 *           validation) of an existing segment holding SIZE bytes of float64,
 *           read-only; the median of single timed calls, each followed by an
 *           untimed wea_unmap().
 * Segments are named PREFIX<n> and unlinked before exit.
 */
#define _POSIX_C_SOURCE 200809L

#include "wea.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPS 1001
#define ATTACH_REPS 2001

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static volatile int64_t sink;

#define N_CONF 10   /* 5 shapes, without and with a wea_error */

/* One timed loop of `iters` parses; ns per call. */
static double parse_loop(const unsigned char *block, size_t len, long iters,
                         wea_error *e)
{
    wea_header h;
    int64_t acc = 0;
    long i;
    double t0 = now_ns();
    for (i = 0; i < iters; i++) {
        if (wea_parse(block, len, &h, e) != WEA_OK) {
            fprintf(stderr, "bench_c: wea_parse failed\n");
            exit(1);
        }
        acc += h.len_data;
    }
    sink = acc;
    return (now_ns() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
    static const unsigned nds[N_CONF / 2] = {0, 1, 2, 6, 32};
    static double att[ATTACH_REPS];
    const char *prefix;
    long iters;
    int a, first = 1;
    size_t k;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_c PREFIX ITERS SIZE...\n");
        return 2;
    }
    prefix = argv[1];
    iters = atol(argv[2]);
    if (iters < 1) {
        iters = 1;
    }

    /* The loops of the ten configurations are interleaved, so that each
     * sees the same share of whatever else the machine does. */
    {
        static unsigned char blocks[N_CONF / 2][4096];
        static double samples[N_CONF][REPS];
        size_t lens[N_CONF / 2];
        wea_error err;
        int r, c;
        for (k = 0; k < N_CONF / 2; k++) {
            int64_t dims[WEA_MAX_NDIMS];
            wea_header h;
            unsigned d;
            for (d = 0; d < nds[k]; d++) {
                dims[d] = d == 0 ? 3 : (d == 1 ? 4 : 1);
            }
            if (wea_write_header(blocks[k], sizeof blocks[k], WEA_FLOAT64,
                                 nds[k], dims, &h, NULL) != WEA_OK) {
                fprintf(stderr, "bench_c: wea_write_header failed\n");
                return 1;
            }
            lens[k] = (size_t)(h.offset + h.len_data);
        }
        for (r = 0; r < REPS; r++) {
            for (c = 0; c < N_CONF; c++) {
                samples[c][r] = parse_loop(blocks[c / 2], lens[c / 2], iters,
                                           c % 2 ? &err : NULL);
            }
        }
        printf("{\"iters\": %ld, \"reps\": %d, \"parse\": [", iters, REPS);
        for (c = 0; c < N_CONF; c++) {
            double med = median(samples[c], REPS); /* sorts */
            printf("%s{\"ndims\": %u, \"with_error\": %s, \"median_ns\": %.3f, "
                   "\"p10_ns\": %.3f}",
                   c ? ", " : "", nds[c / 2], c % 2 ? "true" : "false", med,
                   samples[c][REPS / 10]);
        }
    }
    printf("], \"attach\": [");
    first = 1;
    for (a = 3; a < argc; a++) {
        char name[256];
        int64_t count = atoll(argv[a]) / 8;
        wea_mapping m, m2;
        wea_error err;
        int r;
        snprintf(name, sizeof name, "%s%d", prefix, a);
        if (wea_shm_create(name, WEA_FLOAT64, 1, &count, NULL, WEA_DEFAULT_MODE,
                           &m, &err) != WEA_OK) {
            fprintf(stderr, "bench_c: create %s: %s\n", name, err.message);
            return 1;
        }
        for (r = 0; r < ATTACH_REPS; r++) {
            double t0 = now_ns();
            wea_status st = wea_shm_attach(name, 0, &m2, &err);
            double t1 = now_ns();
            if (st != WEA_OK) {
                fprintf(stderr, "bench_c: attach %s: %s\n", name, err.message);
                wea_unmap(&m, NULL);
                wea_shm_unlink(name, NULL);
                return 1;
            }
            att[r] = t1 - t0;
            wea_unmap(&m2, NULL);
        }
        wea_unmap(&m, NULL);
        wea_shm_unlink(name, NULL);
        printf("%s{\"size\": %s, \"median_ns\": %.1f, \"samples\": %d}",
               first ? "" : ", ", argv[a], median(att, ATTACH_REPS), ATTACH_REPS);
        first = 0;
    }
    printf("]}\n");
    return 0;
}
