/*
 * wea_posix.c: the common part of the POSIX binding of the WA-1 reference
 * library (see wea_posix.h): errno to status, the messages of failed
 * system calls, and mapping a validated block from a descriptor, which
 * wea_file.c (§8.3) and wea_shm.c (§8.2) share. Only the POSIX sources
 * need POSIX; src/wea.c builds anywhere.
 */
#include "wea_posix.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

wea_status wea__status_from_errno(int e)
{
    switch (e) {
    case ENOENT:
        return WEA_ERR_NOT_FOUND;
    case EEXIST:
        return WEA_ERR_EXISTS;
    case EACCES:
    case EPERM:
    case EROFS:
        return WEA_ERR_PERMISSION;
    case ENOSPC:
    case ENOMEM:
    case EFBIG:
        return WEA_ERR_NO_SPACE;
    case ENAMETOOLONG:
        return WEA_ERR_NAME;
    default:
        return WEA_ERR_SYSTEM;
    }
}

wea_status wea__sys_fail(wea_error *err, int e, const char *call,
                         const char *fmt, ...)
{
    wea_status st = wea__status_from_errno(e);
    if (err != NULL) {
        char what[320]; /* leaves room for the rest of the message */
        char text[128];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        /* the POSIX (XSI) strerror_r: thread-safe, unlike strerror */
        if (strerror_r(e, text, sizeof text) != 0) {
            (void)snprintf(text, sizeof text, "error %d", e);
        }
        err->status = st;
        err->sys_errno = e;
        (void)snprintf(err->message, sizeof err->message, "%s: %s: %s (%s)",
                       wea_status_category(st), what, text, call);
    }
    return st;
}

wea_status wea__check_map_args(const char *target, const char *what,
                               int writable, wea_mapping *out,
                               wea_error *err)
{
    if (out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the output mapping must not be "
                         "NULL");
    }
    memset(out, 0, sizeof *out);
    if (target == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the %s must not be NULL", what);
    }
    if (writable != 0 && writable != 1) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: writable must be 0 or 1");
    }
    return WEA_OK;
}

const void *wea_mapping_data(const wea_mapping *m)
{
    if (m == NULL || m->addr == NULL) {
        return NULL;
    }
    return wea_data(m->addr, &m->header);
}

void *wea_mapping_data_mut(wea_mapping *m)
{
    if (m == NULL || m->addr == NULL || !m->writable) {
        return NULL;
    }
    return wea_data_mut(m->addr, &m->header);
}

wea_status wea_unmap(wea_mapping *m, wea_error *err)
{
    if (m == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the mapping must not be NULL");
    }
    if (m->addr != NULL && m->len > 0) {
        if (munmap(m->addr, m->len) != 0) {
            int e = errno;
            memset(m, 0, sizeof *m);
            return wea__sys_fail(err, e, "munmap", "cannot unmap the block");
        }
    }
    memset(m, 0, sizeof *m);
    wea__set_ok(err);
    return WEA_OK;
}

/* ------------------------------------------------------------------ */
/* Mapping a validated block from a descriptor (§8.2.3, §8.3.1)        */
/* ------------------------------------------------------------------ */
/*
 * Another process that may write the object may also shrink it at any
 * moment (§8.2.6). Reading a mapping past the object's end raises SIGBUS,
 * so nothing is read from the mapping here:
 *
 * 1. fstat gives the length `len` (object_length);
 * 2. the header is read with pread from the descriptor, at most
 *    WEA_MAX_OFFSET bytes, into a buffer on the stack (read_head): the 4
 *    magic bytes first (read once more if they may be a torn read of the
 *    publication, shared memory only), then, after an acquire fence that
 *    pairs with the release store of C7, the rest (§8.2.3); an end of the
 *    object before `len` means it shrank meanwhile, and `len` becomes what
 *    was read;
 * 3. R1 to R9 are checked on that snapshot against `len`
 *    (wea__parse_prefix), then the object's own rules (for shared memory,
 *    A1 of §8.2.3: see wea_shm.c);
 * 4. `len` bytes are mapped (no more than was checked; map_checked);
 * 5. fstat again: an object now shorter than the block is refused with
 *    data_truncated (R9), as it would have been a moment later.
 *
 * The header returned is the snapshot's, never read again from the
 * mapping. A shrink after step 5 still makes access to the lost pages
 * raise SIGBUS: that cannot be prevented (§8.2.6).
 */

/* Step 1: the length of the regular file behind `fd`. */
static wea_status object_length(int fd, const wea__object *obj, size_t *len,
                                wea_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        return wea__sys_fail(err, e, "fstat", "cannot stat %s %s", obj->kind,
                             obj->name);
    }
    if (!S_ISREG(sb.st_mode)) {
        return wea__sys_fail(err, EINVAL, "fstat",
                             "%s %s is not a regular file", obj->kind,
                             obj->name);
    }
    if (sb.st_size < 0) {
        return wea__sys_fail(err, EINVAL, "fstat", "%s %s has a negative size",
                             obj->kind, obj->name);
    }
#if SIZE_MAX < INT64_MAX
    if ((uintmax_t)sb.st_size > (uintmax_t)SIZE_MAX) {
        return wea__sys_fail(err, EFBIG, "mmap",
                             "%s %s is larger than the address space",
                             obj->kind, obj->name);
    }
#endif
    *len = (size_t)sb.st_size;
    if (obj->ident != NULL) {
        obj->ident[0] = (unsigned long long)sb.st_dev;
        obj->ident[1] = (unsigned long long)sb.st_ino;
    }
    return WEA_OK;
}

/* Reads up to `want` bytes at `off` of `fd` into `buf`, stopping early
 * only at the end of the object. Returns the bytes read, or -1 (errno). */
static ssize_t read_at(int fd, unsigned char *buf, size_t want, size_t off)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(fd, buf + got, want - got, (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (r == 0) {
            break; /* the end of the object */
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Step 2: the header snapshot, magic first, then the rest; `*got` bytes
 * of it in `head`. `*len` becomes `*got` if the object shrank meanwhile. */
static wea_status read_head(int fd, const wea__object *obj,
                            unsigned char head[WEA_MAX_OFFSET], size_t *len,
                            size_t *got, wea_error *err)
{
    size_t want = *len < WEA_MAX_OFFSET ? *len : WEA_MAX_OFFSET;
    ssize_t n;

    *got = 0;
    if (want == 0) {
        return WEA_OK;
    }
    n = read_at(fd, head, want < 4 ? want : 4, 0);
    if (n == 4 && obj->maybe_torn_magic != NULL &&
        obj->maybe_torn_magic(head)) {
        /* The store of C7 is single, 0 to the magic, and part of it was
         * seen: after a fence that orders this read after that one, it is
         * whole. A block whose magic really is such bytes reads the same
         * again. */
        WEA__ACQUIRE_FENCE();
        n = read_at(fd, head, 4, 0);
    }
    if (n == 4 && want > 4) {
        ssize_t rest;
        /* §8.2.3: pairs with the release store of C7 */
        WEA__ACQUIRE_FENCE();
        rest = read_at(fd, head + 4, want - 4, 4);
        n = rest < 0 ? rest : n + rest;
    }
    if (n < 0) {
        int e = errno;
        return wea__sys_fail(err, e, "pread", "cannot read %s %s", obj->kind,
                             obj->name);
    }
    *got = (size_t)n;
    if (*got < want) {
        *len = *got; /* it shrank while it was read */
    }
    return WEA_OK;
}

/* Steps 4 and 5: maps the `len` bytes checked and takes the size again. */
static wea_status map_checked(int fd, int writable, size_t len,
                              const wea_header *h, const wea__object *obj,
                              wea_mapping *out, wea_error *err)
{
    struct stat sb;
    void *addr;
    wea_status st;

    /* Valid: map what was checked (len >= block_size >= 64 > 0). */
    addr = mmap(NULL, len, writable ? (PROT_READ | PROT_WRITE) : PROT_READ,
                MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
        int e = errno;
        return wea__sys_fail(err, e, "mmap", "cannot map %s %s", obj->kind,
                             obj->name);
    }
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        (void)munmap(addr, len);
        return wea__sys_fail(err, e, "fstat", "cannot stat %s %s", obj->kind,
                             obj->name);
    }
    if (sb.st_size < 0 || (uintmax_t)sb.st_size < (uintmax_t)h->block_size) {
        /* R9 on the length it has now (less than the block, so it fits
         * in size_t) */
        size_t now = sb.st_size < 0 ? 0 : (size_t)sb.st_size;
        (void)munmap(addr, len);
        st = wea__check_length(h, now, err);
        wea__append_message(err, "; it shrank while it was being mapped "
                                 "(WA-1 §8.2.6)");
        return st;
    }
    out->addr = addr;
    out->len = len;
    out->writable = writable ? 1 : 0;
    out->header = *h;
    wea__set_ok(err);
    return WEA_OK;
}

wea_status wea__map_fd(int fd, int writable, const wea__object *obj,
                       wea_mapping *out, wea_error *err)
{
    unsigned char head[WEA_MAX_OFFSET];
    wea_header h;
    size_t len = 0;
    size_t got = 0;
    wea_status st;

    st = object_length(fd, obj, &len, err);
    if (st == WEA_OK) {
        st = read_head(fd, obj, head, &len, &got, err);
    }
    if (st == WEA_OK) {
        st = wea__parse_prefix(head, got, len, &h, err);
        if (obj->after_checks != NULL) {
            st = obj->after_checks(st, head, got, len, &h, err);
        }
    }
    if (st == WEA_OK) {
        st = map_checked(fd, writable, len, &h, obj, out, err);
    }
    (void)close(fd);
    if (st != WEA_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}
