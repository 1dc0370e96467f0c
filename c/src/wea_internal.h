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

#endif /* WEA_INTERNAL_H */
