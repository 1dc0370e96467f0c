/*
 * wea_file.c: the POSIX binding for `.wea` files (§8.3): wea_map_file().
 * The mapping steps are the common ones of wea_posix.c.
 */
#include "wea_posix.h"

#include <errno.h>
#include <fcntl.h>

wea_status wea_map_file(const char *path, int writable, wea_mapping *out,
                        wea_error *err)
{
    wea__object obj = {"file", NULL, NULL, NULL, NULL};
    wea_status st;
    int fd;

    st = wea__check_map_args(path, "path", writable, out, err);
    if (st != WEA_OK) {
        return st;
    }
    do {
        /* O_NONBLOCK: a FIFO is refused (not a regular file) instead of
         * waiting for a writer; on a regular file it changes nothing. */
        fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        return wea__sys_fail(err, e, "open", "cannot open file %.200s", path);
    }
    obj.name = path;
    return wea__map_fd(fd, writable, &obj, out, err);
}
