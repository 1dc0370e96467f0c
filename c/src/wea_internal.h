/*
 * wea_internal.h: declarations shared by the library's sources and its
 * tests; not installed, not part of the API.
 */
#ifndef WEA_INTERNAL_H
#define WEA_INTERNAL_H

#include "wea.h"

/* ------------------------------------------------------------------ */
/* Helpers shared by every source of the library (defined once here,  */
/* or declared here and defined once in wea.c).                       */
/* ------------------------------------------------------------------ */

/* printf-format checking of a function's format and argument positions,
 * where the compiler has it. */
#if defined(__GNUC__) || defined(__clang__)
#define WEA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WEA_PRINTF(f, a)
#endif

/* Success: status WEA_OK, no errno, an empty message (err may be NULL).
 * Inline: it is on wea_parse's hot path. */
static inline void wea__set_ok(wea_error *err)
{
    if (err != NULL) {
        err->status = WEA_OK;
        err->sys_errno = 0;
        err->message[0] = '\0';
    }
}

/* A failure that is not a system call's: sets `err` (if not NULL) to
 * `status`, errno 0 and the formatted message; returns `status`. Defined
 * in wea.c (pure). */
wea_status wea__fail(wea_error *err, wea_status status, const char *fmt,
                     ...) WEA_PRINTF(3, 4);

/* Appends `text` to the message already in `err`, if there is room (err
 * may be NULL). Defined in wea.c (pure). */
void wea__append_message(wea_error *err, const char *text);

/* The 4 magic bytes as they lie in a block (§3.3), derived from WEA_MAGIC.
 * Defined in wea.c (pure). */
extern const unsigned char wea__magic_bytes[4];

/*
 * Publication of the magic (spec §8.2.2 C7, §8.2.3, §10.1).
 *
 * C7: the creator publishes a block by storing its 4 magic bytes with one
 * naturally aligned 32-bit atomic store with release semantics; the
 * attacher reads them first and then, after an acquire barrier that pairs
 * with that store, the rest of the header. This store is the one access to
 * a block through a type other than unsigned char: it is exempt from the
 * "no type punning" of §10.1 (C7), and the block must be 4-byte aligned
 * for it (a shared-memory mapping is page aligned).
 *
 * C99 has no atomics. GCC and Clang have builtins for them that compile
 * under -std=c99 -Wpedantic:
 *
 *   WEA__STORE_RELEASE_U32(p, v)  one 32-bit atomic store of v at the
 *                                 aligned uint32_t *p, release order
 *                                 (__atomic_store_n, __ATOMIC_RELEASE);
 *   WEA__ACQUIRE_FENCE()          an acquire fence, for a reader whose load
 *                                 of the magic is a pread (the kernel's
 *                                 copy), not a load from the mapping
 *                                 (__atomic_thread_fence, __ATOMIC_ACQUIRE).
 *
 * Other compilers get a volatile 32-bit store and no fence: such a build
 * does not meet C7 on a weakly ordered processor (README, "Publication").
 */
#if defined(__GNUC__) || defined(__clang__)
#define WEA__STORE_RELEASE_U32(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define WEA__ACQUIRE_FENCE() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#else
#define WEA__STORE_RELEASE_U32(p, v) (*(volatile uint32_t *)(p) = (v))
#define WEA__ACQUIRE_FENCE() ((void)0)
#endif

/* The binding status for an errno value: ENOENT -> WEA_ERR_NOT_FOUND,
 * EEXIST -> WEA_ERR_EXISTS, EACCES/EPERM/EROFS -> WEA_ERR_PERMISSION,
 * ENOSPC/ENOMEM/EFBIG -> WEA_ERR_NO_SPACE, ENAMETOOLONG -> WEA_ERR_NAME,
 * anything else -> WEA_ERR_SYSTEM. Defined in wea_posix.c (the POSIX
 * binding's common part; see wea_posix.h). */
wea_status wea__status_from_errno(int e);

/* R9 alone: whether a block of `len` bytes holds the block of the validated
 * header `h` (block_size <= len). WEA_OK, or WEA_ERR_DATA_TRUNCATED with the
 * spec §6.3 message for `len`. `h` must not be NULL. Defined in wea.c
 * (pure). */
wea_status wea__check_length(const wea_header *h, size_t len, wea_error *err);

/* wea_parse() of a block of `len` bytes of which only the first `avail`
 * are given at `prefix`: the same status, header and message, without
 * reading the rest. `avail` must be at least min(len, WEA_MAX_OFFSET),
 * which holds every header (R1 to R8 read no further); else
 * WEA_ERR_INVALID_ARGUMENT. The POSIX binding reads a header with pread
 * and validates it against the object's size with it. Defined in wea.c
 * (pure). */
wea_status wea__parse_prefix(const void *prefix, size_t avail, size_t len,
                             wea_header *out, wea_error *err);

#endif /* WEA_INTERNAL_H */
