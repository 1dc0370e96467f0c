/*
 * create_shim.c: an LD_PRELOAD library for the C tests (test_hardening.c)
 * that watches and perturbs the creation protocol of wea_shm_create()
 * (spec §8.2.2) inside a program, weatool, without changing libwea.
 * Test-only; built by c/Makefile as build/create_shim.so, without
 * sanitizers (it is preloaded into the plain build/weatool).
 *
 * Everything is armed by the first shm_open with O_CREAT, whose descriptor
 * is "the object"; the program's other calls are left alone.
 *
 *   WEA_SHIM_LOG=PATH          append one line per step to PATH:
 *                              "STEP MAGIC", MAGIC being the object's bytes
 *                              0-3 in hex (8 digits) read with pread at that
 *                              moment, or "-" while the object is shorter.
 *                              STEP is C2 (shm_open), C3 (fchmod),
 *                              C4 (ftruncate), C5 (posix_fallocate),
 *                              pwrite@OFFSET (each pwrite to the object,
 *                              logged before it is made), C6-map (mmap of
 *                              the object), C6-data-begin / C6-data-end
 *                              (a memcpy into the mapping, logged before
 *                              and after the copy), C7-close (the close of
 *                              the object, logged before it).
 *   WEA_SHIM_FALLOCATE_ERRNO=E posix_fallocate on the object does nothing
 *                              and returns E (e.g. EOPNOTSUPP), so that the
 *                              creator takes its C5 fallback.
 *   WEA_SHIM_PWRITE_ERRNO=E    pwrite to the object fails with errno E ...
 *   WEA_SHIM_PWRITE_OK=N       ... after the first N calls, which succeed
 *                              (default 0).
 *   WEA_SHIM_TORN_MAGIC=HEX8   the program's first pread of 4 bytes at
 *                              offset 0 (of any descriptor; armed without
 *                              a create) returns these 4 bytes (8 hex
 *                              digits, e.g. 002D4157) instead, as a pread
 *                              that copies byte by byte and races the
 *                              creator's store of the magic (C7) would;
 *                              every later pread is real.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int obj_fd = -1;
static unsigned char *map_addr;
static size_t map_len;
static long pwrites;

/* The next definition of a libc function (POSIX's idiom for the cast). */
static void *next_fn(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    long r;
    if (v == NULL || v[0] == '\0') {
        return dflt;
    }
    r = strtol(v, &end, 10);
    return (end != NULL && *end == '\0') ? r : dflt;
}

static ssize_t real_pread(int fd, void *buf, size_t n, off_t off)
{
    static ssize_t (*fn)(int, void *, size_t, off_t);
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("pread");
    }
    return fn(fd, buf, n, off);
}

/* WEA_SHIM_TORN_MAGIC: fills buf and returns 1 the first time only. */
static int torn_magic(void *buf, size_t n, off_t off)
{
    static int done;
    const char *v = getenv("WEA_SHIM_TORN_MAGIC");
    unsigned char m[4];
    int i;
    if (done || v == NULL || strlen(v) != 8 || n != 4 || off != 0) {
        return 0;
    }
    for (i = 0; i < 4; i++) {
        unsigned x;
        char two[3];
        two[0] = v[2 * i];
        two[1] = v[2 * i + 1];
        two[2] = '\0';
        if (sscanf(two, "%2x", &x) != 1) {
            return 0;
        }
        m[i] = (unsigned char)x;
    }
    for (i = 0; i < 4; i++) {
        ((unsigned char *)buf)[i] = m[i];
    }
    done = 1;
    return 1;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    if (torn_magic(buf, n, off)) {
        return 4;
    }
    return real_pread(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
    return pread(fd, buf, n, off);
}

static void log_step(const char *step)
{
    const char *path = getenv("WEA_SHIM_LOG");
    unsigned char m[4];
    char line[128];
    int fd, len;
    if (path == NULL || path[0] == '\0' || obj_fd < 0) {
        return;
    }
    if (real_pread(obj_fd, m, 4, 0) == 4) {
        len = snprintf(line, sizeof line, "%s %02X%02X%02X%02X\n", step,
                       (unsigned)m[0], (unsigned)m[1], (unsigned)m[2],
                       (unsigned)m[3]);
    } else {
        len = snprintf(line, sizeof line, "%s -\n", step);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        if (len > 0) {
            ssize_t w = write(fd, line, (size_t)len);
            (void)w;
        }
        (void)close(fd); /* not the object: obj_fd is left alone below */
    }
}

int shm_open(const char *name, int oflag, mode_t mode)
{
    static int (*fn)(const char *, int, mode_t);
    int fd;
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("shm_open");
    }
    fd = fn(name, oflag, mode);
    if (fd >= 0 && (oflag & O_CREAT) && obj_fd < 0) {
        obj_fd = fd;
        log_step("C2");
    }
    return fd;
}

int fchmod(int fd, mode_t mode)
{
    static int (*fn)(int, mode_t);
    int r;
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("fchmod");
    }
    r = fn(fd, mode);
    if (fd == obj_fd) {
        log_step("C3");
    }
    return r;
}

int ftruncate(int fd, off_t length)
{
    static int (*fn)(int, off_t);
    int r;
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("ftruncate");
    }
    r = fn(fd, length);
    if (fd == obj_fd) {
        log_step("C4");
    }
    return r;
}

int ftruncate64(int fd, off_t length)
{
    return ftruncate(fd, length);
}

int posix_fallocate(int fd, off_t offset, off_t len)
{
    static int (*fn)(int, off_t, off_t);
    long e = env_long("WEA_SHIM_FALLOCATE_ERRNO", 0);
    int r;
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("posix_fallocate");
    }
    if (fd == obj_fd && e > 0) {
        r = (int)e;
    } else {
        r = fn(fd, offset, len);
    }
    if (fd == obj_fd) {
        log_step("C5");
    }
    return r;
}

int posix_fallocate64(int fd, off_t offset, off_t len)
{
    return posix_fallocate(fd, offset, len);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*fn)(int, const void *, size_t, off_t);
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("pwrite");
    }
    if (fd == obj_fd) {
        long e = env_long("WEA_SHIM_PWRITE_ERRNO", 0);
        char step[64];
        (void)snprintf(step, sizeof step, "pwrite@%lld", (long long)off);
        log_step(step);
        if (e > 0 && pwrites++ >= env_long("WEA_SHIM_PWRITE_OK", 0)) {
            errno = (int)e;
            return -1;
        }
    }
    return fn(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*fn)(void *, size_t, int, int, int, off_t);
    void *p;
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("mmap");
    }
    p = fn(addr, len, prot, flags, fd, off);
    if (fd >= 0 && fd == obj_fd && p != MAP_FAILED) {
        map_addr = (unsigned char *)p;
        map_len = len;
        log_step("C6-map");
    }
    return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    /* Not through dlsym (which may itself copy): a byte loop, through a
     * volatile pointer so that the compiler cannot make it a memcpy call. */
    volatile unsigned char *d = (volatile unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    int into = map_addr != NULL && (unsigned char *)dst >= map_addr &&
               (unsigned char *)dst < map_addr + map_len;
    size_t i;
    if (into) {
        log_step("C6-data-begin");
    }
    for (i = 0; i < n; i++) {
        d[i] = s[i];
    }
    if (into) {
        log_step("C6-data-end");
    }
    return dst;
}

int close(int fd)
{
    static int (*fn)(int);
    if (fn == NULL) {
        *(void **)(&fn) = next_fn("close");
    }
    if (fd >= 0 && fd == obj_fd) {
        log_step("C7-close");
        obj_fd = -1;
    }
    return fn(fd);
}
