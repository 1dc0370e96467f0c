/*
 * stop_shim.c: an LD_PRELOAD library that stops a C creator right after
 * one step of the creation protocol (spec §8.2.2), so that the test can
 * kill it there with SIGKILL (reliability/test_shm_faults.py). Test-only:
 * libwea itself is not changed.
 *
 * WEA_STOP_AFTER names the step; once the creator is there, the shim
 * writes "at STEP\n" on standard output and pauses until killed. The steps
 * are the libc calls of wea_shm_create() (c/src/wea_shm.c):
 *
 *   after-C2         shm_open with O_CREAT
 *   after-C3         fchmod
 *   after-C4         ftruncate
 *   after-C5         posix_fallocate
 *   after-C6-map     mmap (of the new object)
 *   after-C6-data    the memcpy of the elements (at least 4096 bytes)
 *   after-C7         the close of the descriptor, after the magic
 *
 * Each interposer is armed only after the shm_open with O_CREAT, so the
 * program's other calls are left alone. Built by mk/reliability.mk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int armed;
static int mapped;

static void stop(const char *step)
{
    const char *want = getenv("WEA_STOP_AFTER");
    if (want == NULL || strcmp(want, step) != 0) {
        return;
    }
    ssize_t w = write(1, "at ", 3);
    w += write(1, step, strlen(step));
    w += write(1, "\n", 1);
    (void)w;
    for (int i = 0; i < 600; i++) { /* never more than 10 minutes */
        sleep(1);
    }
    _exit(3);
}

#define REAL(name) \
    static __typeof__(name) *real_##name; \
    if (real_##name == NULL) { \
        real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name); \
    }

int shm_open(const char *name, int oflag, mode_t mode)
{
    REAL(shm_open);
    int fd = real_shm_open(name, oflag, mode);
    if (fd >= 0 && (oflag & O_CREAT)) {
        armed = 1;
        stop("after-C2");
    }
    return fd;
}

int fchmod(int fd, mode_t mode)
{
    REAL(fchmod);
    int r = real_fchmod(fd, mode);
    if (armed) {
        stop("after-C3");
    }
    return r;
}

int ftruncate(int fd, off_t length)
{
    REAL(ftruncate);
    int r = real_ftruncate(fd, length);
    if (armed) {
        stop("after-C4");
    }
    return r;
}

int ftruncate64(int fd, off_t length)
{
    return ftruncate(fd, length);
}

int posix_fallocate(int fd, off_t offset, off_t len)
{
    REAL(posix_fallocate);
    int r = real_posix_fallocate(fd, offset, len);
    if (armed) {
        stop("after-C5");
    }
    return r;
}

int posix_fallocate64(int fd, off_t offset, off_t len)
{
    return posix_fallocate(fd, offset, len);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    REAL(mmap);
    void *p = real_mmap(addr, len, prot, flags, fd, off);
    if (armed && fd >= 0 && p != MAP_FAILED) {
        mapped = 1;
        stop("after-C6-map");
    }
    return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    /* Not through dlsym (which may itself copy): a plain byte loop. */
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
    }
    if (mapped && n >= 4096) {
        stop("after-C6-data");
    }
    return dst;
}

int close(int fd)
{
    REAL(close);
    int r = real_close(fd);
    if (mapped) {
        stop("after-C7");
    }
    return r;
}
