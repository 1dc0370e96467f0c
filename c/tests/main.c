/*
 * main.c: runs every test case of the C tests and ends with the line
 * "N passed, N failed" (and ", N skipped"). Exit 0 only if none failed.
 *
 *   wea_tests [SUBSTRING]   run only the cases whose name contains it
 *
 * Environment: WEA_CONFORMANCE_DIR (the conformance vectors), WEATOOL (the
 * tool for the tool tests), WEA_SPEC (spec/wea.md for its examples),
 * WEA_TEST_SHM_PREFIX (prefix of the shared-memory names the tests make).
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int case_failures;
static int case_skipped;
static const char *case_name;

void th_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    case_failures++;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

void th_skip(const char *fmt, ...)
{
    va_list ap;
    case_skipped = 1;
    fprintf(stdout, "    skipped: ");
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

void th_note(const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "    note: ");
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

/* ---- scratch directory ---- */

static char tmpdir[256];

const char *th_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        (void)snprintf(tmpdir, sizeof tmpdir, "%s/wea-ctest-XXXXXX",
                       base != NULL && base[0] != '\0' ? base : "/tmp");
        if (mkdtemp(tmpdir) == NULL) {
            perror("mkdtemp");
            exit(70);
        }
    }
    return tmpdir;
}

void th_tmppath(char *buf, size_t cap, const char *name)
{
    (void)snprintf(buf, cap, "%s/%s", th_tmpdir(), name);
}

static void remove_tmpdir(void)
{
    DIR *d;
    struct dirent *e;
    char path[512];
    if (tmpdir[0] == '\0') {
        return;
    }
    d = opendir(tmpdir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            (void)snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
            (void)unlink(path);
        }
        (void)closedir(d);
    }
    (void)rmdir(tmpdir);
}

/* ---- shared-memory names ---- */

#define MAX_SHM_NAMES 256
static char shm_names[MAX_SHM_NAMES][64];
static int n_shm_names;
static unsigned shm_counter;

void th_shm_name(char *buf, size_t cap)
{
    const char *prefix = getenv("WEA_TEST_SHM_PREFIX");
    char def[64];
    if (prefix == NULL || prefix[0] == '\0') {
        (void)snprintf(def, sizeof def, "wea-ctest-%ld", (long)getpid());
        prefix = def;
    }
    (void)snprintf(buf, cap, "/%.40s-%u", prefix, shm_counter++);
    if (n_shm_names < MAX_SHM_NAMES) {
        (void)snprintf(shm_names[n_shm_names++], sizeof shm_names[0], "%s",
                       buf);
    }
}

void th_shm_cleanup(void)
{
    int i;
    for (i = 0; i < n_shm_names; i++) {
        (void)shm_unlink(shm_names[i]); /* most are gone already */
    }
    n_shm_names = 0;
}

/* ---- files ---- */

unsigned char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : 4096;
            nb = (unsigned char *)realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int th_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

void th_read_text(const char *path, char *buf, size_t cap)
{
    size_t len = 0;
    unsigned char *b = th_read_file(path, &len);
    buf[0] = '\0';
    if (b != NULL) {
        if (len >= cap) {
            len = cap - 1;
        }
        memcpy(buf, b, len);
        buf[len] = '\0';
        free(b);
    }
}

const unsigned char TH_EX1[112] = {
    0x31, 0x2d, 0x41, 0x57, 0x0a, 0x00, 0x02, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0,
    0x02, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x10, 0x40,
    0, 0, 0, 0, 0, 0, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0x14, 0x40,
    0, 0, 0, 0, 0, 0, 0x08, 0x40, 0, 0, 0, 0, 0, 0, 0x18, 0x40};

/* ---- runner ---- */

static void cleanup_at_exit(void)
{
    th_shm_cleanup();
    remove_tmpdir();
}

int main(int argc, char **argv)
{
    const th_case *suites[5];
    const char *suite_names[5] = {"wea", "posix", "hardening", "apps",
                                  "tool"};
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, skipped = 0;
    int s;

    suites[0] = th_wea_cases;
    suites[1] = th_posix_cases;
    suites[2] = th_hardening_cases;
    suites[3] = th_apps_cases;
    suites[4] = th_tool_cases;
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_at_exit);

    for (s = 0; s < 5; s++) {
        const th_case *c;
        for (c = suites[s]; c->name != NULL; c++) {
            char full[128];
            (void)snprintf(full, sizeof full, "%s.%s", suite_names[s],
                           c->name);
            if (filter != NULL && strstr(full, filter) == NULL) {
                continue;
            }
            case_name = full;
            case_failures = 0;
            case_skipped = 0;
            c->fn();
            th_shm_cleanup();
            fflush(stdout);
            if (case_failures > 0) {
                printf("FAIL %s\n", full);
                failed++;
            } else if (case_skipped) {
                printf("skip %s\n", full);
                skipped++;
            } else {
                printf("ok   %s\n", full);
                passed++;
            }
        }
    }
    (void)case_name;
    if (skipped > 0) {
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    } else {
        printf("%d passed, %d failed\n", passed, failed);
    }
    return failed > 0 ? 1 : 0;
}
