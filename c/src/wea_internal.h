/*
 * wea_internal.h: declarations shared by the library's sources and its
 * tests; not installed, not part of the API.
 */
#ifndef WEA_INTERNAL_H
#define WEA_INTERNAL_H

#include "wea.h"

/* The binding status for an errno value: ENOENT -> WEA_ERR_NOT_FOUND,
 * EEXIST -> WEA_ERR_EXISTS, EACCES/EPERM/EROFS -> WEA_ERR_PERMISSION,
 * ENOSPC/ENOMEM/EFBIG -> WEA_ERR_NO_SPACE, ENAMETOOLONG -> WEA_ERR_NAME,
 * anything else -> WEA_ERR_SYSTEM. Defined in wea_posix.c. */
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
