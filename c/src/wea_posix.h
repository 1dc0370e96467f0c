/*
 * wea_posix.h: what the POSIX binding's sources share (not installed, not
 * part of the API). Include it first in each of them: it sets the feature
 * macros that must precede every system header.
 *
 *   wea_posix.c  the common steps: errno to status, the message of a failed
 *                system call, and the mapping of a validated block from a
 *                descriptor (fstat, pread of the header, R1 to R9, mmap,
 *                fstat again); wea_unmap() and the mapping accessors;
 *   wea_file.c   `.wea` files (§8.3): wea_map_file();
 *   wea_shm.c    shared memory (§8.2): wea_shm_create(), wea_shm_attach(),
 *                wea_shm_unlink().
 */
#ifndef WEA_POSIX_H
#define WEA_POSIX_H

#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "wea.h"
#include "wea_internal.h"

#include <stddef.h>

/* A failed system call: the status for errno `e`, errno `e` and the
 * message "<category>: <what>: <strerror> (<call>)". */
wea_status wea__sys_fail(wea_error *err, int e, const char *call,
                         const char *fmt, ...) WEA_PRINTF(4, 5);

/* The arguments common to wea_map_file() and wea_shm_attach(): zeroes
 * `*out`, then refuses a NULL `out` or `target` (named `what` in the
 * message: "path", "name") and a `writable` other than 0 or 1. */
wea_status wea__check_map_args(const char *target, const char *what,
                               int writable, wea_mapping *out,
                               wea_error *err);

/* What a kind of object adds to the common mapping steps. */
typedef struct wea__object {
    /* For messages: "file" or "shared-memory object", and its name. */
    const char *kind;
    const char *name;
    /* Optional: whether 4 magic bytes just read may be a torn read of a
     * publication, to be read once more after an acquire fence. */
    int (*maybe_torn_magic)(const unsigned char magic[4]);
    /* Optional: called after R1 to R9 with their status, the header bytes
     * read (`got` of them), the length checked and, on WEA_OK, the header;
     * returns the status to go on with (it may refuse, or add to the
     * message of a refusal). */
    wea_status (*after_checks)(wea_status st, const unsigned char *head,
                               size_t got, size_t len, const wea_header *h,
                               wea_error *err);
    /* Optional: receives the object's identity (st_dev, st_ino) from the
     * first fstat, for a binding that tells objects apart. */
    unsigned long long *ident;
} wea__object;

/* Validates the block in `fd` (R1 to R9 against its size, then
 * obj->after_checks), maps it with the protection `writable` asks for and
 * closes `fd` in every case. On failure nothing stays mapped and `out` is
 * zeroed. See wea_posix.c for the steps and why nothing is read from the
 * mapping. */
wea_status wea__map_fd(int fd, int writable, const wea__object *obj,
                       wea_mapping *out, wea_error *err);

/* wea_shm_attach() after its shm_open: maps the object open as `fd`
 * (closed in every case) under the normalized name `nm`, with the rules of
 * shared memory (the torn magic, A1); `ident`, if not NULL, receives
 * st_dev and st_ino. For bindings that open the object themselves (the
 * Python package's compiled part, python/csrc/_speedups.c). */
wea_status wea__shm_map_fd(int fd, const char *nm, int writable,
                           wea_mapping *out, unsigned long long ident[2],
                           wea_error *err);

#endif /* WEA_POSIX_H */
