/*
 * wea_shm.c: the POSIX binding for shared memory (§8.2): create with the
 * creation protocol C1 to C7, attach with rule A1, unlink. The mapping
 * steps of an attach are the common ones of wea_posix.c; what shared
 * memory adds to them (a torn read of the magic, the "may still be being
 * created" note, A1) is here.
 */
#include "wea_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The note that §8.2.2 allows on an object refused as unpublished. */
static const char being_created[] =
    "; the shared-memory object may still be being created (WA-1 §8.2.2)";

/* ------------------------------------------------------------------ */
/* Attach (§8.2.3)                                                     */
/* ------------------------------------------------------------------ */

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
        } else if (m[i] == wea__magic_bytes[i]) {
            ours++;
        } else {
            return 0;
        }
    }
    return zeros > 0 && ours > 0;
}

/* After R1 to R9: the "may still be being created" note on an unpublished
 * object (magic all zero, or empty), and A1. */
static wea_status shm_after_checks(wea_status st, const unsigned char *head,
                                   size_t got, size_t len,
                                   const wea_header *h, wea_error *err)
{
    if (st != WEA_OK) {
        if ((st == WEA_ERR_BAD_MAGIC && got >= 4 &&
             memcmp(head, "\0\0\0\0", 4) == 0) ||
            len == 0) {
            wea__append_message(err, being_created);
        }
        return st;
    }
    /* A1 (§8.2.3): Julia and wea 0.1.3 write the whole header, magic
     * included, before the dims, with no barrier, so an attacher can see
     * their magic with the dims still zero. Such a block has L = 0 in an
     * object sized for its data; a real empty array's object holds exactly
     * its data offset. `len` is the size checked. */
    if (h->len_data == 0 && (uintmax_t)len > (uintmax_t)h->offset) {
        st = wea__fail(err, WEA_ERR_TRUNCATED,
                       "truncated: the data length is 0 but the object has "
                       "%zu bytes, more than the data offset %" PRId64
                       ": not yet published (WA-1 §8.2.3 A1)",
                       len, h->offset);
        wea__append_message(err, being_created);
        return st;
    }
    return WEA_OK;
}

wea_status wea__shm_map_fd(int fd, const char *nm, int writable,
                           wea_mapping *out, unsigned long long ident[2],
                           wea_error *err)
{
    wea__object obj = {"shared-memory object", NULL, maybe_torn_magic,
                       shm_after_checks, NULL};
    obj.name = nm;
    obj.ident = ident;
    return wea__map_fd(fd, writable, &obj, out, err);
}

wea_status wea_shm_attach(const char *name, int writable, wea_mapping *out,
                          wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_status st;
    int fd;

    st = wea__check_map_args(name, "name", writable, out, err);
    if (st != WEA_OK) {
        return st;
    }
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    /* O_NONBLOCK: a FIFO put in /dev/shm under this name must not block
     * the open; wea__map_fd() then refuses it as not a regular file. */
    fd = shm_open(nm, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        return wea__sys_fail(err, e, "shm_open",
                             "cannot open shared-memory object %s", nm);
    }
    return wea__shm_map_fd(fd, nm, writable, out, NULL, err);
}

/* ------------------------------------------------------------------ */
/* Create (§8.2.2)                                                     */
/* ------------------------------------------------------------------ */

/* C1: the arguments, the name and the block, before touching the system. */
static wea_status create_plan(const char *name, unsigned etype,
                              unsigned ndims, const int64_t *dims,
                              unsigned mode, char nm[WEA_SHM_NAME_SIZE],
                              wea_header *h, wea_error *err)
{
    wea_status st;
    if (name == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the name must not be NULL");
    }
    if (mode > 0777u) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: mode must be permission bits, 0 "
                         "to 0777");
    }
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    st = wea_make_header(etype, ndims, dims, h, err);
    if (st != WEA_OK) {
        return st;
    }
#if SIZE_MAX < INT64_MAX
    if ((uintmax_t)h->block_size > (uintmax_t)SIZE_MAX) {
        return wea__sys_fail(err, EFBIG, "mmap",
                             "a block of %" PRId64 " bytes cannot be mapped",
                             h->block_size);
    }
#endif
    return WEA_OK;
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

/* C3 to C5 on the new object: 0, or the errno of the step that failed,
 * which `*call` names. */
static int size_and_reserve(int fd, unsigned mode, int64_t size,
                            const char **call)
{
    int r;
    /* C3: exactly `mode`, whatever the umask. */
    *call = "fchmod";
    if (fchmod(fd, (mode_t)mode) != 0) {
        return errno;
    }
    /* C4: the size; the object reads as zeros. */
    *call = "ftruncate";
    if (ftruncate(fd, (off_t)size) != 0) {
        return errno;
    }
    /* C5: reserve the memory so that a full /dev/shm fails here. */
    *call = "posix_fallocate";
    do {
        r = posix_fallocate(fd, 0, (off_t)size);
    } while (r == EINTR);
    if (r == EINVAL || r == EOPNOTSUPP || r == ENOSYS) {
        *call = "pwrite";
        r = touch_pages(fd, size);
    }
    return r;
}

/* C6 and C7: maps the object read-write at `*addr` (MAP_FAILED if that
 * fails), writes the header, the padding and the elements, then publishes
 * the magic last. 0, or an errno with `*call` naming the step. */
static int fill_and_publish(int fd, const wea_header *h, const void *init,
                            void **addr, const char **call, wea_error *err)
{
    size_t len = (size_t)h->block_size;
    *call = "mmap";
    *addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (*addr == MAP_FAILED) {
        return errno;
    }
    if (wea_prepare_header(*addr, len, h->etype, h->ndims, h->dims, NULL,
                           err) != WEA_OK) {
        /* Cannot happen after wea_make_header(); undo all the same. */
        *call = "wea_prepare_header";
        return EINVAL;
    }
    if (init != NULL && h->len_data > 0) {
        memcpy((unsigned char *)*addr + (size_t)h->offset, init,
               (size_t)h->len_data);
    }
    /* C7: publish, magic last after a release barrier. */
    (void)wea_publish(*addr);
    return 0;
}

wea_status wea_shm_create(const char *name, unsigned etype, unsigned ndims,
                          const int64_t *dims, const void *init,
                          unsigned mode, wea_mapping *out, wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_header h;
    wea_status st;
    void *addr = MAP_FAILED;
    const char *call = "shm_open";
    int fd;
    int e;

    if (out == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the output mapping must not be "
                         "NULL");
    }
    memset(out, 0, sizeof *out);
    st = create_plan(name, etype, ndims, dims, mode, nm, &h, err);
    if (st != WEA_OK) {
        return st;
    }
    /* C2: exclusive creation; an existing object is never touched. */
    fd = shm_open(nm, O_CREAT | O_EXCL | O_RDWR, (mode_t)mode);
    if (fd < 0) {
        e = errno;
        return wea__sys_fail(err, e, call,
                             "cannot create shared-memory object %s", nm);
    }
    e = size_and_reserve(fd, mode, h.block_size, &call);
    if (e == 0) {
        e = fill_and_publish(fd, &h, init, &addr, &call, err);
    }
    if (e != 0) {
        /* A failed create leaves nothing behind (§8.2.2). */
        if (addr != MAP_FAILED) {
            (void)munmap(addr, (size_t)h.block_size);
        }
        (void)close(fd);
        (void)shm_unlink(nm);
        return wea__sys_fail(err, e, call,
                             "cannot create shared-memory object %s", nm);
    }
    (void)close(fd);
    out->addr = addr;
    out->len = (size_t)h.block_size;
    out->writable = 1;
    out->header = h;
    wea__set_ok(err);
    return WEA_OK;
}

/* ------------------------------------------------------------------ */
/* Unlink (§8.2.4)                                                     */
/* ------------------------------------------------------------------ */

wea_status wea_shm_unlink(const char *name, wea_error *err)
{
    char nm[WEA_SHM_NAME_SIZE];
    wea_status st;
    if (name == NULL) {
        return wea__fail(err, WEA_ERR_INVALID_ARGUMENT,
                         "invalid_argument: the name must not be NULL");
    }
    st = wea_shm_name_normalize(name, nm, err);
    if (st != WEA_OK) {
        return st;
    }
    if (shm_unlink(nm) != 0) {
        int e = errno;
        return wea__sys_fail(err, e, "shm_unlink",
                             "cannot unlink shared-memory object %s", nm);
    }
    wea__set_ok(err);
    return WEA_OK;
}
