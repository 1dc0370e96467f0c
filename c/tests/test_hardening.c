/*
 * test_hardening.c: the POSIX binding against a hostile or failing system
 * (issue #12):
 *
 * - an object or a file shrunk (ftruncate to 0) and restored by another
 *   process while this one attaches it thousands of times: every attach
 *   succeeds with the right header or fails with a clean status, never
 *   SIGBUS (§8.2.6); the same for `weatool inspect`;
 * - read-only attach opens O_RDONLY: objects and files of mode 0644 and
 *   0444 made by root open read-only for another user (65534), and refuse
 *   read-write with WEA_ERR_PERMISSION (§8.2.3);
 * - the C5 fallback (no posix_fallocate) reports a failed write with
 *   WEA_ERR_NO_SPACE and leaves nothing behind (§8.2.2), through the
 *   LD_PRELOAD shim tests/create_shim.c;
 * - the creator writes the magic last (C7): the magic is zero after every
 *   earlier step (shim trace), and a creator that dies in the middle of
 *   copying the elements leaves an object that attach refuses;
 * - a pread of the magic torn by the creator's store (the shim returns
 *   part of the magic once) is read again, not reported as another
 *   category (§8.2.3).
 *
 * Environment (c/Makefile sets it): WEATOOL (the tool under test),
 * WEA_PLAIN_WEATOOL (the tool built without sanitizers, for the shim),
 * WEA_TEST_SHIM (build/create_shim.so).
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"
#include "wea.h"
#include "wea_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int shm_exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Running the tool with extra environment                            */
/* ------------------------------------------------------------------ */

typedef struct tool_result {
    int code; /* exit status, or 128 + signal */
    char out[8192];
    char err[8192];
} tool_result;

static tool_result T;

/* Runs `tool` with argv (NULL-terminated, without argv[0]) and the
 * settings of env (NAME, VALUE, NAME, VALUE, ..., NULL; or NULL) added to
 * the environment. Fills T; returns T.code. */
static int run_tool(const char *tool, const char *const *env,
                    const char *const *args)
{
    const char *argv[32];
    char outp[512], errp[512];
    int n = 0, status = 0;
    pid_t pid;
    argv[n++] = tool;
    while (n < 31 && args[n - 1] != NULL) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    th_tmppath(outp, sizeof outp, "hard.out");
    th_tmppath(errp, sizeof errp, "hard.err");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0) {
            _exit(126);
        }
        for (; env != NULL && env[0] != NULL; env += 2) {
            if (setenv(env[0], env[1], 1) != 0) {
                _exit(126);
            }
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        T.code = -1;
        return -1;
    }
    T.code = WIFEXITED(status)
                 ? WEXITSTATUS(status)
                 : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    th_read_text(outp, T.out, sizeof T.out);
    th_read_text(errp, T.err, sizeof T.err);
    return T.code;
}

static const char *env_path(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* ------------------------------------------------------------------ */
/* 1. Shrink racing attach (§8.2.6)                                   */
/* ------------------------------------------------------------------ */

/* Until killed: empty `fd` (ftruncate to 0), then restore the block with
 * one pwrite that extends the object from 0, so that at every moment the
 * object is either empty or the whole, valid block; and leave it whole a
 * little while (a restore is quicker than an attach). */
static void shrink_loop(int fd, pid_t parent)
{
    volatile unsigned long spin = 0;
    for (;;) {
        unsigned k;
        if (getppid() != parent) {
            _exit(0); /* the runner is gone: do not loop on as an orphan */
        }
        if (ftruncate(fd, 0) != 0 ||
            pwrite(fd, TH_EX1, sizeof TH_EX1, 0) != (ssize_t)sizeof TH_EX1) {
            _exit(3);
        }
        for (k = 0; k < 4000; k++) {
            spin++;
        }
    }
}

static pid_t start_shrinker(int fd)
{
    pid_t parent = getpid();
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        shrink_loop(fd, parent);
    }
    return pid;
}

static void stop_child(pid_t pid)
{
    int status;
    if (pid > 0) {
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, &status, 0);
    }
}

#define RACE_ATTACHES 100000
#define DIED_OF_SIGBUS 86

static void sigbus_exit(int sig)
{
    (void)sig;
    _exit(DIED_OF_SIGBUS);
}

/* In a child (so that a SIGBUS is seen as a signal, not as the death of
 * the runner): RACE_ATTACHES attaches of the object `name` (or maps of the
 * file `path`) while `fd` is shrunk and restored. Exit 0 when each one
 * gave the block's header or a clean "needs more bytes"/"not published"
 * status, 1 otherwise (printed). */
static void attach_while_shrinking(const char *name, const char *path)
{
    wea_header want;
    pid_t pid;
    int status = 0;
    CHECK_INT(wea_parse(TH_EX1, sizeof TH_EX1, &want, NULL), WEA_OK);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        long ok = 0, trunc = 0, magic = 0, dtrunc = 0;
        int i, bad = 0;
        struct sigaction sa;
        /* an exit status of its own (the sanitizers' exit with 1) */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = sigbus_exit;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGBUS, &sa, NULL);
        for (i = 0; i < RACE_ATTACHES && !bad; i++) {
            wea_mapping m;
            wea_error e;
            wea_status st = name != NULL ? wea_shm_attach(name, 0, &m, &e)
                                         : wea_map_file(path, 0, &m, &e);
            switch (st) {
            case WEA_OK:
                if (memcmp(&m.header, &want, sizeof want) != 0 ||
                    m.len != sizeof TH_EX1 || m.writable != 0) {
                    printf("    attach %d: a wrong header or length %zu\n",
                           i, m.len);
                    bad = 1;
                }
                ok++;
                (void)wea_unmap(&m, NULL);
                break;
            case WEA_ERR_TRUNCATED:
                trunc++;
                break;
            case WEA_ERR_BAD_MAGIC:
                magic++;
                break;
            case WEA_ERR_DATA_TRUNCATED:
                dtrunc++;
                break;
            default:
                printf("    attach %d: status %d: %s\n", i, (int)st,
                       e.message);
                bad = 1;
            }
            if (st != WEA_OK &&
                (e.status != st || strncmp(e.message,
                                           wea_status_category(st),
                                           strlen(wea_status_category(st))) !=
                                       0)) {
                printf("    attach %d: status %d with message \"%s\"\n", i,
                       (int)st, e.message);
                bad = 1;
            }
            if (m.addr != NULL) {
                /* unmapped above on success, never left on failure */
                printf("    attach %d: a mapping was left\n", i);
                bad = 1;
            }
        }
        printf("    note: %d attaches: %ld ok, %ld truncated, %ld bad_magic,"
               " %ld data_truncated\n",
               i, ok, trunc, magic, dtrunc);
        fflush(stdout);
        _exit(bad);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status)) {
            th_fail(__FILE__, __LINE__,
                    "the attaching process died of signal %d",
                    WTERMSIG(status));
        } else if (WIFEXITED(status) &&
                   WEXITSTATUS(status) == DIED_OF_SIGBUS) {
            th_fail(__FILE__, __LINE__,
                    "the attaching process died of SIGBUS");
        } else {
            CHECK(WIFEXITED(status));
            CHECK_INT(WEXITSTATUS(status), 0);
        }
    }
}

/* Creates the object `name` holding spec §11.1's block and returns a
 * read-write descriptor on it for a shrinker; -1 (a failed check) if not. */
static int create_ex1(const char *name)
{
    wea_mapping c;
    int64_t dims[2] = {2, 3};
    int fd;
    CHECK_INT(wea_shm_create(name, WEA_FLOAT64, 2, dims, TH_EX1 + 64, 0600, &c,
                             NULL),
              WEA_OK);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    fd = shm_open(name, O_RDWR, 0);
    CHECK(fd >= 0);
    return fd;
}

static void test_shm_attach_racing_shrink(void)
{
    char name[64];
    pid_t shrinker;
    int fd;
    th_shm_name(name, sizeof name);
    fd = create_ex1(name);
    if (fd < 0) {
        return;
    }
    shrinker = start_shrinker(fd);
    CHECK(shrinker > 0);
    attach_while_shrinking(name, NULL);
    stop_child(shrinker);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_map_file_racing_shrink(void)
{
    char path[512];
    pid_t shrinker;
    int fd;
    th_tmppath(path, sizeof path, "shrunk.wea");
    CHECK_INT(th_write_file(path, TH_EX1, sizeof TH_EX1), 0);
    fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    shrinker = start_shrinker(fd);
    CHECK(shrinker > 0);
    attach_while_shrinking(NULL, path);
    stop_child(shrinker);
    close(fd);
}

#define TOOL_RUNS 100

static void test_tool_inspect_racing_shrink(void)
{
    /* weatool inspect --shm: every run exits with a status (0, or the
     * category's number), never dies of a signal. */
    const char *tool = env_path("WEATOOL");
    const char *args[] = {"inspect", "--shm", NULL, "--json", NULL};
    char name[64];
    pid_t shrinker;
    int fd, i, counts[256] = {0};
    if (tool == NULL) {
        th_skip("WEATOOL is not set; `make test` sets it");
        return;
    }
    th_shm_name(name, sizeof name);
    args[2] = name;
    fd = create_ex1(name);
    if (fd < 0) {
        return;
    }
    shrinker = start_shrinker(fd);
    for (i = 0; i < TOOL_RUNS; i++) {
        int rc = run_tool(tool, NULL, args);
        if (rc < 0 || rc > 255) {
            rc = 255;
        }
        counts[rc]++;
        if (rc == 0) {
            CHECK_CONTAINS(T.out, "\"dims\": [2, 3]");
            CHECK_CONTAINS(T.out, "\"values\": [1, 4, 2, 5, 3, 6]");
            CHECK_STR(T.err, "");
        } else if (rc == 1 || rc == 2 || rc == 10) {
            /* a clean refusal: the verdict as JSON on stdout; nothing on
             * stderr (a sanitizer's report of SIGBUS also exits 1), but
             * for a block that shrank while the tool read it (10) */
            char verdict[64];
            (void)snprintf(verdict, sizeof verdict,
                           "{\"valid\": false, \"error\": \"%s\"",
                           wea_status_category((wea_status)rc));
            CHECK_CONTAINS(T.out, verdict);
            if (rc == 10 && T.err[0] != '\0') {
                CHECK_CONTAINS(T.err, ": data_truncated: the block of 112 "
                                      "bytes became shorter while it was "
                                      "accessed: another process truncated "
                                      "it (WA-1 §8.2.6)\n");
                CHECK_CONTAINS(T.out, "(WA-1 §8.2.6)\"}\n");
            } else {
                CHECK_STR(T.err, "");
            }
        } else {
            th_fail(__FILE__, __LINE__, "run %d: weatool inspect exited %d%s",
                    i, T.code, T.code > 128 ? " (a signal)" : "");
        }
        if (strstr(T.err, "SIGBUS") != NULL || strstr(T.err, "BUS on") != NULL) {
            th_fail(__FILE__, __LINE__, "run %d: weatool died of SIGBUS", i);
        }
    }
    th_note("%d runs: %d exit 0, %d truncated, %d bad_magic, %d "
            "data_truncated",
            TOOL_RUNS, counts[0], counts[1], counts[2], counts[10]);
    stop_child(shrinker);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_attach_shrunk_before_map(void)
{
    /* No race needed: the object of `name` is shorter than its block when
     * attached (someone shrank it), and an empty one. Checked before any
     * mapping, with the spec's messages. */
    char name[64];
    wea_mapping m;
    wea_error e;
    int fd;
    th_shm_name(name, sizeof name);
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    CHECK_INT((int)pwrite(fd, TH_EX1, 100, 0), 100);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_DATA_TRUNCATED);
    CHECK_STR(e.message, "data_truncated: the block has 100 bytes, expected "
                         "at least 112 (data offset 64 + data length 48) "
                         "(WA-1 §6.1 R9)");
    CHECK(m.addr == NULL);
    /* a header cut in its dims: R6 with the object's length */
    CHECK_INT(ftruncate(fd, 20), 0);
    CHECK_INT(wea_shm_attach(name, 1, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_STR(e.message, "truncated: the block has 20 bytes, the header with "
                         "2 dimensions needs 32 (WA-1 §6.1 R6)");
    /* a large object: the header is read from its first bytes only, R9
     * against the whole length */
    CHECK_INT(ftruncate(fd, 1 << 20), 0);
    CHECK_INT((int)pwrite(fd, TH_EX1, sizeof TH_EX1, 0), (int)sizeof TH_EX1);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_OK);
    CHECK_INT(m.len, 1 << 20);
    CHECK_INT(m.header.block_size, 112);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

/* ------------------------------------------------------------------ */
/* The prefix parser behind it (src/wea.c)                            */
/* ------------------------------------------------------------------ */

static void test_parse_prefix(void)
{
    /* wea__parse_prefix(prefix, avail, len) answers as wea_parse() on a
     * block of len bytes whose first avail bytes are given. */
    unsigned char big[WEA_MAX_OFFSET + 8];
    wea_header h, h2;
    wea_error e, e2;
    size_t len;
    memset(big, 0, sizeof big);
    memcpy(big, TH_EX1, sizeof TH_EX1);
    /* whole blocks and every prefix as long as the block: as wea_parse */
    for (len = 0; len <= sizeof TH_EX1; len++) {
        wea_status a = wea_parse(TH_EX1, len, &h, &e);
        wea_status b = wea__parse_prefix(TH_EX1, len, len, &h2, &e2);
        CHECK_INT(b, a);
        CHECK_STR(e2.message, e.message);
        CHECK(memcmp(&h, &h2, sizeof h) == 0);
    }
    /* the first WEA_MAX_OFFSET bytes of a longer block */
    CHECK_INT(wea__parse_prefix(big, WEA_MAX_OFFSET, 1000, &h, &e), WEA_OK);
    CHECK_INT(h.block_size, 112);
    {
        /* a block of 64 + 8*100 bytes, of which 384 are given */
        unsigned char b[WEA_MAX_OFFSET];
        int64_t d[1] = {100};
        CHECK_INT(wea_write_header(b, sizeof b, WEA_FLOAT64, 1, d, NULL,
                                   NULL),
                  WEA_OK);
        CHECK_INT(wea__parse_prefix(b, sizeof b, 864, &h, &e), WEA_OK);
        CHECK_INT(h.dims[0], 100);
        CHECK_INT(wea__parse_prefix(b, sizeof b, 863, &h, &e),
                  WEA_ERR_DATA_TRUNCATED);
        CHECK_STR(e.message, "data_truncated: the block has 863 bytes, "
                             "expected at least 864 (data offset 64 + data "
                             "length 800) (WA-1 §6.1 R9)");
        CHECK_INT(h.block_size, 864);
        CHECK_INT(wea__check_length(&h, 864, &e), WEA_OK);
        CHECK_STR(e.message, "");
        CHECK_INT(wea__check_length(&h, 0, &e), WEA_ERR_DATA_TRUNCATED);
        CHECK_STR(e.message, "data_truncated: the block has 0 bytes, "
                             "expected at least 864 (data offset 64 + data "
                             "length 800) (WA-1 §6.1 R9)");
    }
    /* too short a prefix for the length is the caller's error */
    CHECK_INT(wea__parse_prefix(big, 16, 1000, &h, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea__parse_prefix(NULL, 0, 1000, &h, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea__parse_prefix(big, sizeof big, sizeof big, NULL, &e),
              WEA_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------------ */
/* 2. Read-only attach of a read-only object, as another user         */
/* ------------------------------------------------------------------ */

static int check_ro_rw(const char *name, const char *path, int rw_allowed)
{
    wea_mapping m;
    wea_error e;
    wea_header want;
    wea_status st;
    (void)wea_parse(TH_EX1, sizeof TH_EX1, &want, NULL);
    st = name != NULL ? wea_shm_attach(name, 0, &m, &e)
                      : wea_map_file(path, 0, &m, &e);
    if (st != WEA_OK) {
        printf("    %s: read-only: %s\n", name != NULL ? name : path,
               e.message);
        return 1;
    }
    if (m.writable != 0 || memcmp(&m.header, &want, sizeof want) != 0 ||
        memcmp(wea_mapping_data(&m), TH_EX1 + 64, 48) != 0) {
        printf("    %s: read-only: wrong mapping\n",
               name != NULL ? name : path);
        return 1;
    }
    (void)wea_unmap(&m, NULL);
    st = name != NULL ? wea_shm_attach(name, 1, &m, &e)
                      : wea_map_file(path, 1, &m, &e);
    if (rw_allowed) {
        if (st != WEA_OK) {
            printf("    %s: read-write: %s\n", name != NULL ? name : path,
                   e.message);
            return 1;
        }
        (void)wea_unmap(&m, NULL);
        return 0;
    }
    if (st != WEA_ERR_PERMISSION || e.sys_errno != EACCES ||
        strncmp(e.message, "permission: cannot open ", 24) != 0 ||
        m.addr != NULL) {
        printf("    %s: read-write: status %d: %s\n",
               name != NULL ? name : path, (int)st, e.message);
        return 1;
    }
    return 0;
}

static void test_readonly_attach_other_user(void)
{
    /* §8.2.3: a read-only attach opens O_RDONLY, so an object or a file
     * another user may only read attaches read-only; read-write is
     * refused with WEA_ERR_PERMISSION. As root (CI), the objects belong to
     * root and the child becomes 65534; otherwise the child is the owner,
     * for whom 0644 is writable. */
    static const unsigned modes[2] = {0644, 0444};
    char names[2][64], paths[2][512];
    wea_mapping c;
    int64_t dims[2] = {2, 3};
    int root = geteuid() == 0;
    pid_t pid;
    int status = 0, k;
    for (k = 0; k < 2; k++) {
        char file[32];
        th_shm_name(names[k], sizeof names[k]);
        CHECK_INT(wea_shm_create(names[k], WEA_FLOAT64, 2, dims, TH_EX1 + 64,
                                 modes[k], &c, NULL),
                  WEA_OK);
        CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
        (void)snprintf(file, sizeof file, "ro-%o.wea", modes[k]);
        th_tmppath(paths[k], sizeof paths[k], file);
        CHECK_INT(th_write_file(paths[k], TH_EX1, sizeof TH_EX1), 0);
        CHECK_INT(chmod(paths[k], (mode_t)modes[k]), 0);
    }
    /* the other user must reach the files: traverse, not list */
    CHECK_INT(chmod(th_tmpdir(), 0711), 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (root && (setgid(65534) != 0 || setuid(65534) != 0 ||
                     geteuid() != 65534)) {
            printf("    cannot become user 65534: %s\n", strerror(errno));
            _exit(90);
        }
        for (k = 0; k < 2; k++) {
            int rw_allowed = !root && modes[k] == 0644;
            bad |= check_ro_rw(names[k], NULL, rw_allowed);
            bad |= check_ro_rw(NULL, paths[k], rw_allowed);
        }
        fflush(stdout);
        _exit(bad);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_INT(WEXITSTATUS(status), 0);
    }
    CHECK_INT(chmod(th_tmpdir(), 0700), 0);
    if (!root) {
        th_note("not root: attached as the owner (read-write of 0644 "
                "allowed)");
    }
    for (k = 0; k < 2; k++) {
        CHECK_INT(wea_shm_unlink(names[k], NULL), WEA_OK);
    }
}

/* ------------------------------------------------------------------ */
/* 3. C5 without posix_fallocate: write errors are not ignored        */
/* ------------------------------------------------------------------ */

/* The plain tool and the shim, or NULL (and the case is skipped). */
static const char *shim_tool(char *preload, size_t cap)
{
    const char *tool = env_path("WEA_PLAIN_WEATOOL");
    const char *shim = env_path("WEA_TEST_SHIM");
    if (tool == NULL || shim == NULL) {
        th_skip("WEA_PLAIN_WEATOOL and WEA_TEST_SHIM are not set; "
                "`make test` sets them");
        return NULL;
    }
    (void)snprintf(preload, cap, "%s", shim);
    return tool;
}

static void test_c5_fallback_write_errors(void)
{
    char preload[600], logpath[512], name[64];
    char fall[16], pw[16], pwok[16], shape[32], want[160];
    const char *tool = shim_tool(preload, sizeof preload);
    const char *args[] = {"create", "--shm", NULL, "--type", "uint8",
                          "--shape", NULL, "--fill", "iota", NULL};
    const char *env[12];
    long ps = sysconf(_SC_PAGESIZE);
    long page = ps > 0 ? ps : 4096;
    long n = 2 * page + page / 2; /* 64 + n bytes: 3 pages, whatever size */
    size_t loglen = 0;
    unsigned char *log;
    wea_mapping m;
    int okcount;
    if (tool == NULL) {
        return;
    }
    (void)snprintf(shape, sizeof shape, "%ld", n);
    args[6] = shape;
    (void)snprintf(want, sizeof want,
                   "C5 00000000\npwrite@0 00000000\npwrite@%ld 00000000\n"
                   "pwrite@%ld 00000000\nC6-map",
                   page, 2 * page);
    th_tmppath(logpath, sizeof logpath, "c5.log");
    (void)snprintf(fall, sizeof fall, "%d", EOPNOTSUPP);
    (void)snprintf(pw, sizeof pw, "%d", ENOSPC);
    th_shm_name(name, sizeof name);
    args[2] = name;

    /* The fallback works: posix_fallocate unsupported, one write per page
     * (3 pages for 64 + 2.5 pages of bytes), then a valid block. */
    (void)unlink(logpath);
    env[0] = "LD_PRELOAD";
    env[1] = preload;
    env[2] = "WEA_SHIM_LOG";
    env[3] = logpath;
    env[4] = "WEA_SHIM_FALLOCATE_ERRNO";
    env[5] = fall;
    env[6] = NULL;
    CHECK_INT(run_tool(tool, env, args), 0);
    log = th_read_file(logpath, &loglen);
    CHECK(log != NULL);
    if (log != NULL) {
        log[loglen > 0 ? loglen - 1 : 0] = '\0';
        CHECK_CONTAINS((char *)log, want);
        free(log);
    }
    CHECK_INT(wea_shm_attach(name, 0, &m, NULL), WEA_OK);
    CHECK_INT(m.header.dims[0], n);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);

    /* A write fails with ENOSPC (the first, or a later one): the create
     * fails with no_space at C5 and leaves no object. */
    for (okcount = 0; okcount <= 2; okcount++) {
        (void)snprintf(pwok, sizeof pwok, "%d", okcount);
        env[0] = "LD_PRELOAD";
        env[1] = preload;
        env[2] = "WEA_SHIM_FALLOCATE_ERRNO";
        env[3] = fall;
        env[4] = "WEA_SHIM_PWRITE_ERRNO";
        env[5] = pw;
        env[6] = "WEA_SHIM_PWRITE_OK";
        env[7] = pwok;
        env[8] = NULL;
        CHECK_INT(run_tool(tool, env, args), 74);
        CHECK_CONTAINS(T.err, "no_space: cannot create shared-memory object ");
        CHECK_CONTAINS(T.err, "(pwrite)");
        CHECK(!shm_exists(name));
        (void)shm_unlink(name); /* should it be there: the next round */
    }
}

/* ------------------------------------------------------------------ */
/* 4. The magic is written last (C7)                                  */
/* ------------------------------------------------------------------ */

static void test_create_order_traced(void)
{
    /* Through the shim, the state of the magic after each step of the C
     * creator: empty, then zero until the close after C7. */
    static const char want[] =
        "C2 -\n"
        "C3 -\n"
        "C4 00000000\n"
        "C5 00000000\n"
        "C6-map 00000000\n"
        "C6-data-begin 00000000\n"
        "C6-data-end 00000000\n"
        "C7-close 312D4157\n";
    char preload[600], logpath[512], name[64];
    const char *tool = shim_tool(preload, sizeof preload);
    const char *args[] = {"create", "--shm", NULL, "--type", "uint16",
                          "--shape", "3000,2", "--fill", "iota", NULL};
    const char *env[5];
    size_t loglen = 0;
    unsigned char *log;
    wea_mapping m;
    if (tool == NULL) {
        return;
    }
    th_tmppath(logpath, sizeof logpath, "order.log");
    (void)unlink(logpath);
    th_shm_name(name, sizeof name);
    args[2] = name;
    env[0] = "LD_PRELOAD";
    env[1] = preload;
    env[2] = "WEA_SHIM_LOG";
    env[3] = logpath;
    env[4] = NULL;
    CHECK_INT(run_tool(tool, env, args), 0);
    log = th_read_file(logpath, &loglen);
    CHECK(log != NULL);
    if (log != NULL) {
        char text[1024];
        size_t n = loglen < sizeof text - 1 ? loglen : sizeof text - 1;
        memcpy(text, log, n);
        text[n] = '\0';
        CHECK_STR(text, want);
        free(log);
    }
    CHECK_INT(wea_shm_attach(name, 0, &m, NULL), WEA_OK);
    if (m.addr != NULL) {
        const unsigned char *d = (const unsigned char *)wea_mapping_data(&m);
        CHECK_INT(d[2 * 5999], 5999 % 256);
        CHECK_INT(d[2 * 5999 + 1], 5999 / 256);
    }
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

/* ------------------------------------------------------------------ */
/* 5. A torn read of the magic (§8.2.3)                               */
/* ------------------------------------------------------------------ */

static void test_attach_torn_magic(void)
{
    /* C7 stores the magic with one 32-bit store, but the attacher reads it
     * with pread, which the kernel may copy one byte at a time: a read
     * racing the store can see 00 2D 41 57 (unsupported_version) or
     * 00 00 41 57 (bad_magic, without the "being created" note). The shim
     * makes the tool's first 4-byte pread return such bytes; the object
     * itself is published, so a second read must be made and succeed. */
    static const char *const torn[] = {"002D4157", "00004157", "00000057",
                                       "31000000", "312D0000", "312D4100",
                                       "31004100", "002D0057"};
    char preload[600], name[64];
    const char *tool = shim_tool(preload, sizeof preload);
    const char *args[] = {"inspect", "--shm", NULL, NULL};
    const char *env[5];
    int64_t dims[1] = {5};
    unsigned char init[5] = {1, 2, 3, 4, 5};
    wea_mapping c, m;
    wea_error e;
    size_t i;
    if (tool == NULL) {
        return;
    }
    th_shm_name(name, sizeof name);
    args[2] = name;
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 1, dims, init, 0600, &c, &e),
              WEA_OK);
    env[0] = "LD_PRELOAD";
    env[1] = preload;
    env[2] = "WEA_SHIM_TORN_MAGIC";
    env[4] = NULL;
    for (i = 0; i < sizeof torn / sizeof torn[0]; i++) {
        env[3] = torn[i];
        if (run_tool(tool, env, args) != 0) {
            th_fail(__FILE__, __LINE__, "torn magic %s: exit %d, %s",
                    torn[i], T.code, T.err);
        }
    }
    /* the control: bytes that cannot be part of the magic are believed
     * (so the shim did answer the first read) */
    env[3] = "58585858";
    CHECK_INT(run_tool(tool, env, args), WEA_ERR_BAD_MAGIC);
    CHECK_CONTAINS(T.err, "bad_magic: magic bytes 58 58 58 58, expected "
                          "31 2D 41 57 (WA-1 §6.1 R2)");
    /* a block whose magic really is 00 2D 41 57 reads the same twice */
    ((unsigned char *)c.addr)[0] = 0;
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_UNSUPPORTED_VERSION);
    CHECK_STR(e.message, "unsupported_version: magic bytes 00 2D 41 57 "
                         "announce another WA version, expected 31 2D 41 57 "
                         "(WA-1 §6.1 R2)");
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void segv_exit(int sig)
{
    (void)sig;
    _exit(42);
}

static void test_create_dies_while_copying(void)
{
    /* No shim, in every build: a creator whose elements come from memory
     * that faults half-way through dies in the middle of C6's copy. What
     * it leaves has its size, its header and its dims, and zero magic:
     * attach refuses it as being created.
     *
     * Which elements the copy wrote before it faulted is not checked:
     * memcpy may copy in any order (glibc picks its routine by the CPU's
     * features, and some load the tail first, so the fault can come
     * before any byte is written). What holds whatever the order: every
     * element byte is 0 (not written) or 0x5A (copied from the readable
     * page), and none that comes from the unreadable page was written. */
    char name[64];
    int64_t dims[1];
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    size_t len = 64 + 2 * page; /* 1 dim: the data offset is 64 */
    unsigned char *src;
    pid_t pid;
    int status = 0;
    int zfd = open("/dev/zero", O_RDWR);
    th_shm_name(name, sizeof name);
    CHECK(zfd >= 0);
    if (zfd < 0) {
        return;
    }
    /* private memory, 2 pages, the second one inaccessible */
    src = (unsigned char *)mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE, zfd, 0);
    close(zfd);
    CHECK(src != MAP_FAILED);
    if (src == MAP_FAILED) {
        return;
    }
    memset(src, 0x5A, page);
    CHECK_INT(mprotect(src + page, page, PROT_NONE), 0);
    dims[0] = (int64_t)(2 * page);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        wea_mapping c;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = segv_exit;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGSEGV, &sa, NULL);
        (void)sigaction(SIGBUS, &sa, NULL);
        /* 0: the copy went through (the test is broken); 1: the create
         * failed before the copy; 42: the fault, in the copy (the only
         * access to src) */
        _exit(wea_shm_create(name, WEA_UINT8, 1, dims, src, 0600, &c,
                             NULL) == WEA_OK
                  ? 0
                  : 1);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        int fd;
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 42);
        fd = shm_open(name, O_RDONLY, 0);
        CHECK(fd >= 0);
        if (fd >= 0) {
            struct stat st;
            unsigned char *obj;
            wea_mapping m;
            wea_error e;
            uint64_t dim0 = 0;
            size_t i, bad_head = 0, bad_tail = 0;
            /* C4 done: the object has the block's size */
            CHECK_INT(fstat(fd, &st), 0);
            CHECK_INT(st.st_size, len);
            obj = (unsigned char *)mmap(NULL, len, PROT_READ, MAP_SHARED,
                                        fd, 0);
            CHECK(obj != MAP_FAILED);
            if (obj != MAP_FAILED && st.st_size == (off_t)len) {
                /* C6's header and dims written, magic zero */
                CHECK(memcmp(obj, "\0\0\0\0\x02\x00\x01\x00"
                                  "\x40\0\0\0\0\0\0\0", 16) == 0);
                for (i = 0; i < 8; i++) {
                    dim0 |= (uint64_t)obj[16 + i] << (8 * i);
                }
                CHECK_INT(dim0, 2 * page);
                /* the elements: copied or not yet, nothing else */
                for (i = 0; i < page; i++) {
                    bad_head += obj[64 + i] != 0 && obj[64 + i] != 0x5A;
                    bad_tail += obj[64 + page + i] != 0;
                }
                CHECK_INT(bad_head, 0);
                CHECK_INT(bad_tail, 0);
            }
            if (obj != MAP_FAILED) {
                (void)munmap(obj, len);
            }
            CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_BAD_MAGIC);
            CHECK_CONTAINS(e.message, "magic bytes 00 00 00 00");
            CHECK_CONTAINS(e.message, "may still be being created");
            (void)wea_unmap(&m, NULL); /* attached only if the test fails */
            close(fd);
        }
        (void)shm_unlink(name);
    }
    (void)munmap(src, 2 * page);
}

const th_case th_hardening_cases[] = {
    {"parse_prefix", test_parse_prefix},
    {"attach_shrunk_before_map", test_attach_shrunk_before_map},
    {"shm_attach_racing_shrink", test_shm_attach_racing_shrink},
    {"map_file_racing_shrink", test_map_file_racing_shrink},
    {"tool_inspect_racing_shrink", test_tool_inspect_racing_shrink},
    {"readonly_attach_other_user", test_readonly_attach_other_user},
    {"c5_fallback_write_errors", test_c5_fallback_write_errors},
    {"create_order_traced", test_create_order_traced},
    {"attach_torn_magic", test_attach_torn_magic},
    {"create_dies_while_copying", test_create_dies_while_copying},
    {NULL, NULL},
};
