/*
 * wea_posix.c: the POSIX binding of the WA-1 reference library: map a
 * `.wea` file (§8.3), create, attach and unlink a shared-memory object
 * (§8.2). Only this file needs POSIX; src/wea.c builds anywhere.
 */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "wea.h"
#include "wea_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define WEA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WEA_PRINTF(f, a)
#endif

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

/* A failed system call: status from errno `e`, message
 * "<category>: <what>: <strerror> (<call>)". */
static wea_status sys_fail(wea_error *err, int e, const char *call,
                           const char *fmt, ...) WEA_PRINTF(4, 5);

static wea_status sys_fail(wea_error *err, int e, const char *call,
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

static wea_status arg_fail(wea_error *err, const char *msg)
{
    if (err != NULL) {
        err->status = WEA_ERR_INVALID_ARGUMENT;
        err->sys_errno = 0;
        (void)snprintf(err->message, sizeof err->message,
                       "invalid_argument: %s", msg);
    }
    return WEA_ERR_INVALID_ARGUMENT;
}

static void set_ok(wea_error *err)
{
    if (err != NULL) {
        err->status = WEA_OK;
        err->sys_errno = 0;
        err->message[0] = '\0';
    }
}

/* The note that §8.2.2 allows on an object refused as unpublished. */
static const char being_created[] =
    "; the shared-memory object may be being created (WA-1 §8.2.2)";

/* The magic's bytes in memory (§3.3). */
static const unsigned char magic_bytes[4] = {0x31, 0x2D, 0x41, 0x57};

/* Whether 4 bytes read from an object may be a torn read of its
 * publication: every byte is 0 or the magic's byte at its place, and they
 * are neither all zero nor the whole magic. C7 writes the magic with one
 * 32-bit store, but pread copies through the kernel, which may copy 4
 * bytes one at a time (Linux on x86-64 without FSRM), so a pread that
 * races the store can see 00 2D 41 57 (unsupported_version) or
 * 00 00 41 57 (bad_magic). */
static int maybe_torn_magic(const unsigned char m[4])
{
    int zeros = 0, ours = 0, i;
    for (i = 0; i < 4; i++) {
        if (m[i] == 0) {
            zeros++;
        } else if (m[i] == magic_bytes[i]) {
            ours++;
        } else {
            return 0;
        }
    }
    return zeros > 0 && ours > 0;
}

/* Appends text to a message already set, if there is room. */
static void append_message(wea_error *err, const char *text)
{
    if (err != NULL) {
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used, "%s",
                       text);
    }
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

/*
 * Validates the block in `fd` (§8.2.3, §8.3.1), maps it and closes `fd`.
 * `kind` and `name` are for messages. On failure nothing stays mapped and
 * `out` is zeroed; `fd` is closed in every case.
 *
 * Another process that may write the object may also shrink it at any
 * moment (§8.2.6). Reading a mapping past the object's end raises SIGBUS,
 * so nothing is read from the mapping here:
 *
 * 1. fstat gives the length `len`;
 * 2. the header is read with pread from the descriptor, at most
 *    WEA_MAX_OFFSET bytes, into a buffer on the stack: the 4 magic bytes
 *    first (read once more if they may be a torn read of the publication,
 *    shared memory only), then, after an acquire fence that pairs with the
 *    release store of C7, the rest (§8.2.3); an end of the object before
 *    `len` means it shrank meanwhile, and `len` becomes what was read;
 * 3. R1 to R9 are checked on that snapshot against `len`
 *    (wea__parse_prefix); for shared memory, then A1 (§8.2.3): a block
 *    with L = 0 in an object larger than its data offset is a header that
 *    a foreign creator (Julia, wea 0.1.3) published before its dims, and
 *    is refused with `truncated`;
 * 4. `len` bytes are mapped (no more than was checked);
 * 5. fstat again: an object now shorter than the block is refused with
 *    data_truncated (R9), as it would have been a moment later.
 *
 * The header returned is the snapshot's, never read again from the
 * mapping. A shrink after step 5 still makes access to the lost pages
 * raise SIGBUS: that cannot be prevented (§8.2.6).
 */
static wea_status map_fd(int fd, int writable, const char *kind,
                         const char *name, int is_shm, wea_mapping *out,
                         wea_error *err)
{
    unsigned char head[WEA_MAX_OFFSET];
    struct stat sb;
    wea_header h;
    size_t len, want;
    ssize_t got = 0;
    void *addr;
    wea_status st;
    int e;

    if (fstat(fd, &sb) != 0) {
        e = errno;
        (void)close(fd);
        return sys_fail(err, e, "fstat", "cannot stat %s %s", kind, name);
    }
    if (!S_ISREG(sb.st_mode)) {
        (void)close(fd);
        return sys_fail(err, EINVAL, "fstat", "%s %s is not a regular file",
                        kind, name);
    }
    if (sb.st_size < 0) {
        (void)close(fd);
        return sys_fail(err, EINVAL, "fstat", "%s %s has a negative size",
                        kind, name);
    }
#if SIZE_MAX < INT64_MAX
    if ((uintmax_t)sb.st_size > (uintmax_t)SIZE_MAX) {
        (void)close(fd);
        return sys_fail(err, EFBIG, "mmap",
                        "%s %s is larger than the address space", kind, name);
    }
#endif
    len = (size_t)sb.st_size;

    /* The header, from the descriptor: magic first, then the rest. */
    want = len < sizeof head ? len : sizeof head;
    if (want > 0) {
        got = read_at(fd, head, want < 4 ? want : 4, 0);
        if (got == 4 && is_shm && maybe_torn_magic(head)) {
            /* The store of C7 is single, 0 to the magic, and part of it
             * was seen: after a fence that orders this read after that
             * one, it is whole. A block whose magic really is such bytes
             * reads the same again. */
            WEA__ACQUIRE_FENCE();
            got = read_at(fd, head, 4, 0);
        }
        if (got == 4 && want > 4) {
            ssize_t rest;
            /* §8.2.3: pairs with the release store of C7 */
            WEA__ACQUIRE_FENCE();
            rest = read_at(fd, head + 4, want - 4, 4);
            got = rest < 0 ? rest : got + rest;
        }
        if (got < 0) {
            e = errno;
            (void)close(fd);
            return sys_fail(err, e, "pread", "cannot read %s %s", kind,
                            name);
        }
        if ((size_t)got < want) {
            len = (size_t)got; /* it shrank while it was read */
        }
    }
    st = wea__parse_prefix(head, (size_t)got, len, &h, err);
    if (st != WEA_OK) {
        if (is_shm && ((st == WEA_ERR_BAD_MAGIC && got >= 4 &&
                        memcmp(head, "\0\0\0\0", 4) == 0) ||
                       len == 0)) {
            append_message(err, being_created);
        }
        (void)close(fd);
        memset(out, 0, sizeof *out);
        return st;
    }
    /* A1 (§8.2.3), shared memory only: Julia and wea 0.1.3 write the whole
     * header, magic included, before the dims, with no barrier, so an
     * attacher can see their magic with the dims still zero. Such a block
     * has L = 0 in an object sized for its data; a real empty array's
     * object holds exactly its data offset. `len` is the size checked. */
    if (is_shm && h.len_data == 0 && (uintmax_t)len > (uintmax_t)h.offset) {
        if (err != NULL) {
            err->status = WEA_ERR_TRUNCATED;
            err->sys_errno = 0;
            (void)snprintf(err->message, sizeof err->message,
                           "truncated: the data length is 0 but the object "
                           "has %zu bytes, more than the data offset %" PRId64
                           ": not yet published (WA-1 §8.2.3 A1)",
                           len, h.offset);
            append_message(err, being_created);
        }
        (void)close(fd);
        memset(out, 0, sizeof *out);
        return WEA_ERR_TRUNCATED;
    }

    /* Valid: map what was checked (len >= block_size >= 64 > 0). */
    addr = mmap(NULL, len, writable ? (PROT_READ | PROT_WRITE) : PROT_READ,
                MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
        e = errno;
        (void)close(fd);
        return sys_fail(err, e, "mmap", "cannot map %s %s", kind, name);
    }
    if (fstat(fd, &sb) != 0) {
        e = errno;
        (void)munmap(addr, len);
        (void)close(fd);
        return sys_fail(err, e, "fstat", "cannot stat %s %s", kind, name);
    }
    (void)close(fd);
    if (sb.st_size < 0 || (uintmax_t)sb.st_size < (uintmax_t)h.block_size) {
        /* R9 on the length it has now (less than the block, so it fits
         * in size_t) */
        size_t now = sb.st_size < 0 ? 0 : (size_t)sb.st_size;
        (void)munmap(addr, len);
        memset(out, 0, sizeof *out);
        st = wea__check_length(&h, now, err);
        append_message(err, "; it shrank while it was being mapped "
                            "(WA-1 §8.2.6)");
        return st;
    }
    out->addr = addr;
    out->len = len;
    out->writable = writable ? 1 : 0;
    out->header = h;
    set_ok(err);
    return WEA_OK;
}

wea_status wea_map_file(const char *path, int writable, wea_mapping *out,
                        wea_error *err)
{
    int fd;
    if (out == NULL) {
        return arg_fail(err, "the output mapping must not be NULL");
    }
    memset(out, 0, sizeof *out);
    if (path == NULL) {
        return arg_fail(err, "the path must not be NULL");
    }
    if (writable != 0 && writable != 1) {
        return arg_fail(err, "writable must be 0 or 1");
    }
    do {
        /* O_NONBLOCK: a FIFO is refused (not a regular file) instead of
         * waiting for a writer; on a regular file it changes nothing. */
        fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        return sys_fail(err, e, "open", "cannot open file %.200s", path);
    }
    return map_fd(fd, writable, "file", path, 0, out, err);
}

wea_status wea_shm_attach(const char *name, int writable, wea_mapping *out,
                          wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_status st;
    int fd;

    if (out == NULL) {
        return arg_fail(err, "the output mapping must not be NULL");
    }
    memset(out, 0, sizeof *out);
    if (name == NULL) {
        return arg_fail(err, "the name must not be NULL");
    }
    if (writable != 0 && writable != 1) {
        return arg_fail(err, "writable must be 0 or 1");
    }
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    /* O_NONBLOCK: a FIFO put in /dev/shm under this name must not block
     * the open; map_fd() then refuses it as not a regular file. */
    fd = shm_open(nm, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        return sys_fail(err, e, "shm_open",
                        "cannot open shared-memory object %s", nm);
    }
    return map_fd(fd, writable, "shared-memory object", nm, 1, out, err);
}

/* C5 where posix_fallocate is not supported: write one zero byte in every
 * page (the object reads as zeros already), so that each page is backed. */
static int touch_pages(int fd, int64_t len)
{
    long ps = sysconf(_SC_PAGESIZE);
    int64_t page = ps > 0 ? (int64_t)ps : 4096;
    int64_t off;
    const unsigned char zero = 0;
    for (off = 0; off < len; off = (off > len - page) ? len : off + page) {
        ssize_t w;
        do {
            w = pwrite(fd, &zero, 1, (off_t)off);
        } while (w < 0 && errno == EINTR);
        if (w < 0) {
            return errno;
        }
        if (w != 1) {
            return EIO;
        }
    }
    return 0;
}

wea_status wea_shm_create(const char *name, unsigned etype, unsigned ndims,
                          const int64_t *dims, const void *init,
                          unsigned mode, wea_mapping *out, wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_header h;
    wea_status st;
    size_t len;
    void *addr = MAP_FAILED;
    const char *call;
    int fd;
    int e;
    int r;

    if (out == NULL) {
        return arg_fail(err, "the output mapping must not be NULL");
    }
    memset(out, 0, sizeof *out);
    if (name == NULL) {
        return arg_fail(err, "the name must not be NULL");
    }
    if (mode > 0777u) {
        return arg_fail(err, "mode must be permission bits, 0 to 0777");
    }
    /* C1: the name and the block length, before touching the system. */
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    st = wea_plan(etype, ndims, dims, &h, err);
    if (st != WEA_OK) {
        return st;
    }
#if SIZE_MAX < INT64_MAX
    if ((uintmax_t)h.block_size > (uintmax_t)SIZE_MAX) {
        return sys_fail(err, EFBIG, "mmap",
                        "a block of %" PRId64 " bytes cannot be mapped",
                        h.block_size);
    }
#endif
    len = (size_t)h.block_size;

    /* C2: exclusive creation; an existing object is never touched. */
    fd = shm_open(nm, O_CREAT | O_EXCL | O_RDWR, (mode_t)mode);
    if (fd < 0) {
        e = errno;
        return sys_fail(err, e, "shm_open",
                        "cannot create shared-memory object %s", nm);
    }
    /* C3: exactly `mode`, whatever the umask. */
    call = "fchmod";
    if (fchmod(fd, (mode_t)mode) != 0) {
        e = errno;
        goto undo;
    }
    /* C4: the size; the object reads as zeros. */
    call = "ftruncate";
    if (ftruncate(fd, (off_t)h.block_size) != 0) {
        e = errno;
        goto undo;
    }
    /* C5: reserve the memory so that a full /dev/shm fails here. */
    call = "posix_fallocate";
    do {
        r = posix_fallocate(fd, 0, (off_t)h.block_size);
    } while (r == EINTR);
    if (r == EINVAL || r == EOPNOTSUPP || r == ENOSYS) {
        call = "pwrite";
        r = touch_pages(fd, h.block_size);
    }
    if (r != 0) {
        e = r;
        goto undo;
    }
    /* C6: map read-write, write the header, padding and elements. */
    call = "mmap";
    addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
        e = errno;
        goto undo;
    }
    st = wea_prepare_header(addr, len, etype, ndims, dims, NULL, err);
    if (st != WEA_OK) {
        /* Cannot happen after wea_plan(); undo all the same. */
        e = EINVAL;
        call = "wea_prepare_header";
        goto undo;
    }
    if (init != NULL && h.len_data > 0) {
        memcpy((unsigned char *)addr + (size_t)h.offset, init,
               (size_t)h.len_data);
    }
    /* C7: publish, magic last after a release barrier. */
    (void)wea_publish(addr);
    (void)close(fd);

    out->addr = addr;
    out->len = len;
    out->writable = 1;
    out->header = h;
    set_ok(err);
    return WEA_OK;

undo:
    /* A failed create leaves nothing behind (§8.2.2). */
    if (addr != MAP_FAILED) {
        (void)munmap(addr, len);
    }
    (void)close(fd);
    (void)shm_unlink(nm);
    return sys_fail(err, e, call, "cannot create shared-memory object %s",
                    nm);
}

wea_status wea_unmap(wea_mapping *m, wea_error *err)
{
    if (m == NULL) {
        return arg_fail(err, "the mapping must not be NULL");
    }
    if (m->addr != NULL && m->len > 0) {
        if (munmap(m->addr, m->len) != 0) {
            int e = errno;
            memset(m, 0, sizeof *m);
            return sys_fail(err, e, "munmap", "cannot unmap the block");
        }
    }
    memset(m, 0, sizeof *m);
    set_ok(err);
    return WEA_OK;
}

wea_status wea_shm_unlink(const char *name, wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_status st;
    if (name == NULL) {
        return arg_fail(err, "the name must not be NULL");
    }
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    if (shm_unlink(nm) != 0) {
        int e = errno;
        return sys_fail(err, e, "shm_unlink",
                        "cannot unlink shared-memory object %s", nm);
    }
    set_ok(err);
    return WEA_OK;
}
