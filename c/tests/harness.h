/*
 * harness.h: the small test harness of the C tests. Each test file exports
 * a table of cases; main.c runs them and ends with the line
 * "N passed, N failed" (", N skipped" when some were skipped).
 *
 * CHECK* macros record a failure and go on, so that one run shows every
 * broken expectation of a case; a case that must stop uses `return`.
 */
#ifndef WEA_TEST_HARNESS_H
#define WEA_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct th_case {
    const char *name;
    void (*fn)(void);
} th_case;

/* Case tables, each ended by {NULL, NULL}. */
extern const th_case th_wea_cases[];
extern const th_case th_posix_cases[];
extern const th_case th_hardening_cases[];
extern const th_case th_apps_cases[];
extern const th_case th_tool_cases[];

#if defined(__GNUC__) || defined(__clang__)
#define TH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TH_PRINTF(f, a)
#endif

void th_fail(const char *file, int line, const char *fmt, ...)
    TH_PRINTF(3, 4);
/* Marks the running case as skipped, with a reason shown in the output. */
void th_skip(const char *fmt, ...) TH_PRINTF(1, 2);
/* Prints a note under the running case. */
void th_note(const char *fmt, ...) TH_PRINTF(1, 2);

/* A scratch directory, made on first use and removed with its files at
 * exit; and a path in it. */
const char *th_tmpdir(void);
void th_tmppath(char *buf, size_t cap, const char *name);

/* A fresh shared-memory name, registered for removal after the case
 * (whether it passed or not) and at exit. The prefix comes from
 * WEA_TEST_SHM_PREFIX (default "wea-ctest-<pid>"). */
void th_shm_name(char *buf, size_t cap);
/* Unlinks every registered name that still exists. */
void th_shm_cleanup(void);

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
unsigned char *th_read_file(const char *path, size_t *len);
/* Writes a file; 0 on success. */
int th_write_file(const char *path, const void *data, size_t len);
/* Reads a file as text into buf (cut to cap - 1 bytes, NUL-terminated);
 * an empty string if it cannot be read. */
void th_read_text(const char *path, char *buf, size_t cap);

/* Spec §11.1's worked example: the 2x3 float64 array, a 112-byte block. */
extern const unsigned char TH_EX1[112];

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            th_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);              \
        }                                                                 \
    } while (0)

#define CHECK_INT(a, b)                                                   \
    do {                                                                  \
        long long th_a_ = (long long)(a), th_b_ = (long long)(b);         \
        if (th_a_ != th_b_) {                                             \
            th_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", #a,  \
                    th_a_, th_b_);                                        \
        }                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *th_a_ = (a), *th_b_ = (b);                            \
        if (th_a_ == NULL || th_b_ == NULL || strcmp(th_a_, th_b_) != 0) {\
            th_fail(__FILE__, __LINE__, "%s is\n      \"%s\"\n    expected\n      \"%s\"", \
                    #a, th_a_ ? th_a_ : "(null)", th_b_ ? th_b_ : "(null)"); \
        }                                                                 \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                       \
    do {                                                                  \
        const char *th_h_ = (hay), *th_n_ = (needle);                     \
        if (th_h_ == NULL || strstr(th_h_, th_n_) == NULL) {              \
            th_fail(__FILE__, __LINE__, "%s is\n      \"%s\"\n    expected it to contain\n      \"%s\"", \
                    #hay, th_h_ ? th_h_ : "(null)", th_n_);               \
        }                                                                 \
    } while (0)

#endif /* WEA_TEST_HARNESS_H */
