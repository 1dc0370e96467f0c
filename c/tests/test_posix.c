/*
 * test_posix.c: tests of the POSIX binding (src/wea_posix.c, src/wea_file.c,
 * src/wea_shm.c): file maps,
 * shared-memory create (the protocol of §8.2.2 and its failures), attach,
 * unmap, unlink, and C-to-C across real processes (fork).
 *
 * Every shared-memory name comes from th_shm_name() and is unlinked after
 * each case, whether it passed or not.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"
#include "sha256.h"
#include "wea.h"
#include "wea_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static double get_f64(const unsigned char *p)
{
    uint64_t u = 0;
    double d;
    int i;
    for (i = 7; i >= 0; i--) {
        u = (u << 8) | p[i];
    }
    memcpy(&d, &u, sizeof d);
    return d;
}

static void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)(u & 0xFF);
    p[1] = (unsigned char)((u >> 8) & 0xFF);
    p[2] = (unsigned char)((u >> 16) & 0xFF);
    p[3] = (unsigned char)((u >> 24) & 0xFF);
}

static int32_t get_i32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
                 ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static int shm_exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Files                                                              */
/* ------------------------------------------------------------------ */

static void test_map_file_valid(void)
{
    char path[512];
    wea_mapping m;
    wea_error e;
    const unsigned char *d;
    th_tmppath(path, sizeof path, "ex1.wea");
    CHECK_INT(th_write_file(path, TH_EX1, sizeof TH_EX1), 0);
    CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_OK);
    CHECK_INT(e.status, WEA_OK);
    CHECK_STR(e.message, "");
    CHECK_INT(m.len, 112);
    CHECK_INT(m.writable, 0);
    CHECK_INT(m.header.etype, WEA_FLOAT64);
    CHECK_INT(m.header.dims[0], 2);
    CHECK_INT(m.header.dims[1], 3);
    d = (const unsigned char *)wea_mapping_data(&m);
    CHECK(d == (const unsigned char *)m.addr + 64);
    CHECK(wea_mapping_data_mut(&m) == NULL); /* read-only (§8.1.3) */
    if (d != NULL) {
        CHECK(get_f64(d) == 1.0);
        CHECK(get_f64(d + 8) == 4.0);
        CHECK(get_f64(d + 40) == 6.0);
    }
    CHECK_INT(wea_unmap(&m, &e), WEA_OK);
    CHECK(m.addr == NULL);
    CHECK_INT(m.len, 0);
    /* a second unmap of the zeroed struct is harmless */
    CHECK_INT(wea_unmap(&m, &e), WEA_OK);
}

static void test_map_file_writable(void)
{
    char path[512];
    wea_mapping m;
    unsigned char *d;
    size_t len = 0;
    unsigned char *back;
    th_tmppath(path, sizeof path, "ex1-rw.wea");
    CHECK_INT(th_write_file(path, TH_EX1, sizeof TH_EX1), 0);
    CHECK_INT(wea_map_file(path, 1, &m, NULL), WEA_OK);
    CHECK_INT(m.writable, 1);
    d = (unsigned char *)wea_mapping_data_mut(&m);
    CHECK(d != NULL);
    if (d != NULL) {
        memset(d, 0x42, 8);
    }
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    back = th_read_file(path, &len);
    CHECK(back != NULL && len == 112 && back[64] == 0x42 && back[71] == 0x42 &&
          back[72] == 0);
    free(back);
}

static void test_map_file_invalid(void)
{
    char path[512];
    wea_mapping m;
    wea_error e;
    th_tmppath(path, sizeof path, "short.wea");
    CHECK_INT(th_write_file(path, TH_EX1, 100), 0);
    memset(&m, 0x5A, sizeof m);
    CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_DATA_TRUNCATED);
    CHECK_STR(e.message, "data_truncated: the block has 100 bytes, expected "
                         "at least 112 (data offset 64 + data length 48) "
                         "(WA-1 §6.1 R9)");
    CHECK(m.addr == NULL);
    CHECK_INT(m.len, 0);
    /* an empty file: R1 with len 0, no mapping attempted */
    th_tmppath(path, sizeof path, "empty.wea");
    CHECK_INT(th_write_file(path, "", 0), 0);
    CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_STR(e.message, "truncated: the block has 0 bytes, the fixed header "
                         "needs 16 (WA-1 §6.1 R1)");
    /* a big-endian header */
    {
        unsigned char be[112];
        memcpy(be, TH_EX1, sizeof be);
        be[0] = 0x57;
        be[1] = 0x41;
        be[2] = 0x2D;
        be[3] = 0x31;
        th_tmppath(path, sizeof path, "be.wea");
        CHECK_INT(th_write_file(path, be, sizeof be), 0);
        CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_WRONG_BYTE_ORDER);
    }
}

static void test_map_file_errors(void)
{
    char path[512];
    wea_mapping m;
    wea_error e;
    th_tmppath(path, sizeof path, "does-not-exist.wea");
    CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_NOT_FOUND);
    CHECK_INT(e.status, WEA_ERR_NOT_FOUND);
    CHECK_INT(e.sys_errno, ENOENT);
    CHECK_CONTAINS(e.message, "not_found: cannot open file ");
    CHECK_CONTAINS(e.message, "(open)");
    /* a directory is not a block */
    CHECK_INT(wea_map_file(th_tmpdir(), 0, &m, &e), WEA_ERR_SYSTEM);
    CHECK_CONTAINS(e.message, "is not a regular file");
    /* a FIFO is refused at once, read-only and read-write, never waited on */
    th_tmppath(path, sizeof path, "fifo.wea");
    (void)unlink(path);
    CHECK_INT(mkfifo(path, 0600), 0);
    CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_SYSTEM);
    CHECK_CONTAINS(e.message, "is not a regular file");
    CHECK_INT(wea_map_file(path, 1, &m, &e), WEA_ERR_SYSTEM);
    CHECK_CONTAINS(e.message, "is not a regular file");
    CHECK_INT(unlink(path), 0);
    th_tmppath(path, sizeof path, "does-not-exist.wea");
    CHECK_INT(wea_map_file(NULL, 0, &m, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_map_file(path, 0, NULL, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_map_file(path, 2, &m, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_STR(e.message, "invalid_argument: writable must be 0 or 1");
    /* permission: real when not root; the errno mapping always */
    th_tmppath(path, sizeof path, "noperm.wea");
    CHECK_INT(th_write_file(path, TH_EX1, sizeof TH_EX1), 0);
    CHECK_INT(chmod(path, 0), 0);
    if (geteuid() != 0) {
        CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_ERR_PERMISSION);
        CHECK_INT(e.sys_errno, EACCES);
    } else {
        th_note("running as root: EACCES is checked through the errno "
                "mapping only");
    }
}

static void test_status_from_errno(void)
{
    CHECK_INT(wea__status_from_errno(ENOENT), WEA_ERR_NOT_FOUND);
    CHECK_INT(wea__status_from_errno(EEXIST), WEA_ERR_EXISTS);
    CHECK_INT(wea__status_from_errno(EACCES), WEA_ERR_PERMISSION);
    CHECK_INT(wea__status_from_errno(EPERM), WEA_ERR_PERMISSION);
    CHECK_INT(wea__status_from_errno(EROFS), WEA_ERR_PERMISSION);
    CHECK_INT(wea__status_from_errno(ENOSPC), WEA_ERR_NO_SPACE);
    CHECK_INT(wea__status_from_errno(ENOMEM), WEA_ERR_NO_SPACE);
    CHECK_INT(wea__status_from_errno(EFBIG), WEA_ERR_NO_SPACE);
    CHECK_INT(wea__status_from_errno(ENAMETOOLONG), WEA_ERR_NAME);
    CHECK_INT(wea__status_from_errno(EINVAL), WEA_ERR_SYSTEM);
    CHECK_INT(wea__status_from_errno(EIO), WEA_ERR_SYSTEM);
    CHECK_INT(wea__status_from_errno(0), WEA_ERR_SYSTEM);
}

/* ------------------------------------------------------------------ */
/* Shared memory                                                      */
/* ------------------------------------------------------------------ */

static void test_shm_create_attach(void)
{
    char name[64];
    int64_t dims[2] = {3, 4};
    unsigned char init[48];
    wea_mapping c, r, w;
    wea_error e;
    int i;

    th_shm_name(name, sizeof name);
    for (i = 0; i < 12; i++) {
        put_i32(init + 4 * i, i * 10 - 7);
    }
    CHECK_INT(wea_shm_create(name, WEA_INT32, 2, dims, init, WEA_DEFAULT_MODE,
                             &c, &e),
              WEA_OK);
    CHECK_STR(e.message, "");
    CHECK_INT(c.writable, 1);
    CHECK_INT(c.len, 112);
    CHECK_INT(c.header.count, 12);
    /* attach read-only, by the name without its slash */
    CHECK_INT(wea_shm_attach(name + 1, 0, &r, &e), WEA_OK);
    CHECK_INT(r.writable, 0);
    CHECK_INT(r.len, 112);
    CHECK(memcmp(&r.header, &c.header, sizeof r.header) == 0);
    CHECK(wea_mapping_data_mut(&r) == NULL);
    if (r.addr != NULL) {
        const unsigned char *d = (const unsigned char *)wea_mapping_data(&r);
        CHECK_INT(get_i32(d), -7);
        CHECK_INT(get_i32(d + 44), 103);
        /* the header as the spec lays it out */
        CHECK(memcmp(r.addr, "\x31\x2D\x41\x57\x05\x00\x02\x00\x40", 9) == 0);
    }
    /* attach read-write, write, and see it in the other mappings */
    CHECK_INT(wea_shm_attach(name, 1, &w, &e), WEA_OK);
    if (w.addr != NULL && r.addr != NULL) {
        put_i32((unsigned char *)wea_mapping_data_mut(&w), 12345);
        CHECK_INT(get_i32((const unsigned char *)wea_mapping_data(&r)), 12345);
        CHECK_INT(get_i32((const unsigned char *)wea_mapping_data(&c)), 12345);
    }
    CHECK_INT(wea_unmap(&w, NULL), WEA_OK);
    CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
    /* unmapping never unlinks (§8.2.4) */
    CHECK(shm_exists(name));
    CHECK_INT(wea_shm_unlink(name, &e), WEA_OK);
    CHECK(!shm_exists(name));
    /* unlinked while mapped: still readable; the name is free at once */
    CHECK_INT(get_i32((const unsigned char *)wea_mapping_data(&c) + 4), 3);
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 0, NULL, NULL, 0600, &r, &e),
              WEA_OK);
    CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
}

static void test_shm_create_zero_and_shapes(void)
{
    static const unsigned codes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                     256, 257};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char name[64];
        int64_t dims[3] = {2, 0, 3};
        unsigned nd = (unsigned)(i % 4); /* 0-d, 1-d, 2-d with a 0, 3-d */
        wea_mapping c, r;
        size_t k;
        int zero = 1;
        th_shm_name(name, sizeof name);
        CHECK_INT(wea_shm_create(name, codes[i], nd, dims, NULL, 0600, &c,
                                 NULL),
                  WEA_OK);
        CHECK_INT(wea_shm_attach(name, 0, &r, NULL), WEA_OK);
        CHECK_INT(r.header.etype, codes[i]);
        CHECK_INT(r.header.ndims, nd);
        for (k = 64; k < r.len; k++) {
            zero = zero && ((unsigned char *)r.addr)[k] == 0;
        }
        CHECK(zero);
        CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
        CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
        CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
    }
}

static void test_shm_create_exists(void)
{
    char name[64];
    int64_t dims[1] = {5};
    unsigned char init[5] = {1, 2, 3, 4, 5};
    wea_mapping c, c2;
    wea_error e;
    struct stat sb;
    int fd;
    th_shm_name(name, sizeof name);
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 1, dims, init, 0600, &c, &e),
              WEA_OK);
    dims[0] = 1000;
    CHECK_INT(wea_shm_create(name, WEA_FLOAT64, 1, dims, NULL, 0644, &c2, &e),
              WEA_ERR_EXISTS);
    CHECK_INT(e.sys_errno, EEXIST);
    CHECK_CONTAINS(e.message, "exists: cannot create shared-memory object ");
    CHECK_CONTAINS(e.message, "(shm_open)");
    CHECK(c2.addr == NULL);
    /* the existing object is untouched: size, mode, contents (C2) */
    fd = shm_open(name, O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(fstat(fd, &sb), 0);
        CHECK_INT(sb.st_size, 69);
        CHECK_INT(sb.st_mode & 07777, 0600);
        close(fd);
    }
    CHECK(memcmp((unsigned char *)c.addr + 64, init, 5) == 0);
    CHECK(shm_exists(name));
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_shm_create_mode(void)
{
    char name[64];
    wea_mapping c;
    struct stat sb;
    mode_t old = umask(077);
    int fd;
    th_shm_name(name, sizeof name);
    /* C3: exactly the mode, whatever the umask */
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 0, NULL, NULL, 0644, &c, NULL),
              WEA_OK);
    umask(old);
    fd = shm_open(name, O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(fstat(fd, &sb), 0);
        CHECK_INT(sb.st_mode & 07777, 0644);
        close(fd);
    }
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 0, NULL, NULL, 01000, &c, NULL),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK(!shm_exists(name));
}

static void test_shm_create_invalid(void)
{
    char name[64];
    int64_t dims[2] = {2, -1};
    wea_mapping c;
    wea_error e;
    th_shm_name(name, sizeof name);
    /* C1 failures touch nothing */
    CHECK_INT(wea_shm_create(name, 13, 1, dims, NULL, 0600, &c, &e),
              WEA_ERR_UNSUPPORTED_TYPE);
    CHECK_INT(wea_shm_create(name, 1, 65, dims, NULL, 0600, &c, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK_STR(e.message, "invalid_ndims: ndims is 65, expected at most 64 "
                         "(WA-1 §7.1)");
    CHECK_INT(wea_shm_create(name, 1, 2, dims, NULL, 0600, &c, &e),
              WEA_ERR_INVALID_DIMENSION);
    dims[1] = INT64_MAX;
    CHECK_INT(wea_shm_create(name, WEA_INT16, 2, dims, NULL, 0600, &c, &e),
              WEA_ERR_OVERFLOW);
    CHECK_INT(wea_shm_create(name, 1, 2, NULL, NULL, 0600, &c, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK(!shm_exists(name));
    CHECK_INT(wea_shm_create("a/b", 1, 0, NULL, NULL, 0600, &c, &e),
              WEA_ERR_NAME);
    CHECK_INT(wea_shm_create("", 1, 0, NULL, NULL, 0600, &c, &e),
              WEA_ERR_NAME);
    CHECK_INT(wea_shm_create(NULL, 1, 0, NULL, NULL, 0600, &c, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_shm_create(name, 1, 0, NULL, NULL, 0600, NULL, &e),
              WEA_ERR_INVALID_ARGUMENT);
    CHECK(!shm_exists(name));
}

static void test_shm_create_no_space(void)
{
    /* C5: a block larger than /dev/shm fails at posix_fallocate with
     * ENOSPC, and the failed create leaves nothing behind. */
    struct statvfs vfs;
    char name[64];
    int64_t dims[1];
    wea_mapping c;
    wea_error e;
    uint64_t total;
    if (statvfs("/dev/shm", &vfs) != 0 || vfs.f_blocks == 0) {
        th_skip("/dev/shm has no size limit to exceed");
        return;
    }
    total = (uint64_t)vfs.f_blocks * (uint64_t)vfs.f_frsize;
    if (total > ((uint64_t)1 << 58)) {
        th_skip("/dev/shm is too large to exceed");
        return;
    }
    th_shm_name(name, sizeof name);
    dims[0] = (int64_t)(total * 4); /* 4x the whole file system, uint8 */
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 1, dims, NULL, 0600, &c, &e),
              WEA_ERR_NO_SPACE);
    CHECK_INT(e.sys_errno, ENOSPC);
    CHECK_CONTAINS(e.message, "no_space: cannot create shared-memory object");
    CHECK_CONTAINS(e.message, "(posix_fallocate)");
    CHECK(c.addr == NULL);
    CHECK(!shm_exists(name));
}

static void test_shm_attach_errors(void)
{
    char name[64];
    wea_mapping m;
    wea_error e;
    th_shm_name(name, sizeof name);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_NOT_FOUND);
    CHECK_INT(e.sys_errno, ENOENT);
    CHECK_CONTAINS(e.message, "not_found: cannot open shared-memory object /");
    CHECK_INT(wea_shm_attach("..", 0, &m, &e), WEA_ERR_NAME);
    CHECK_INT(e.sys_errno, 0);
    CHECK_INT(wea_shm_attach(NULL, 0, &m, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_shm_attach(name, 0, NULL, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_shm_attach(name, -1, &m, &e), WEA_ERR_INVALID_ARGUMENT);
}

static void test_shm_attach_unpublished(void)
{
    /* A creator killed between C2 and C7: zero magic, or zero size. */
    char name[64];
    wea_mapping m;
    wea_error e;
    int fd;
    th_shm_name(name, sizeof name);
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_STR(e.message, "truncated: the block has 0 bytes, the fixed header "
                         "needs 16 (WA-1 §6.1 R1); the shared-memory object "
                         "may still be being created (WA-1 §8.2.2)");
    CHECK_INT(ftruncate(fd, 4096), 0);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_BAD_MAGIC);
    CHECK_STR(e.message, "bad_magic: magic bytes 00 00 00 00, expected 31 2D "
                         "41 57 (WA-1 §6.1 R2); the shared-memory object may "
                         "still be being created (WA-1 §8.2.2)");
    CHECK(m.addr == NULL);
    /* a file with another magic gets no such note */
    CHECK_INT((int)pwrite(fd, "XXXX", 4, 0), 4);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_BAD_MAGIC);
    CHECK_STR(e.message, "bad_magic: magic bytes 58 58 58 58, expected 31 2D "
                         "41 57 (WA-1 §6.1 R2)");
    /* page-sized object holding a valid block: trailing bytes accepted */
    CHECK_INT((int)pwrite(fd, TH_EX1, sizeof TH_EX1, 0), (int)sizeof TH_EX1);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_OK);
    CHECK_INT(m.len, 4096);
    CHECK_INT(m.header.block_size, 112);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_shm_attach_foreign_creator(void)
{
    /* A1 (§8.2.3): Julia and wea 0.1.3 write the whole 16-byte header,
     * magic included, then the dims, with no barrier. Caught between the
     * two writes, the object holds a valid-looking block with zero dims:
     * L = 0 in an object sized for its data. It is refused as not yet
     * published; once the dims are written it attaches. */
    static const unsigned char head[16] = {
        0x31, 0x2D, 0x41, 0x57, 0x0A, 0x00, 0x02, 0x00, /* float64, 2-d */
        0x40, 0, 0, 0, 0, 0, 0, 0};                     /* offset 64 */
    static const unsigned char dims23[16] = {2, 0, 0, 0, 0, 0, 0, 0,
                                             3, 0, 0, 0, 0, 0, 0, 0};
    char name[64];
    int64_t empty[2] = {0, 3};
    wea_mapping m, c;
    wea_error e;
    int fd;
    th_shm_name(name, sizeof name);
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    /* as Julia: size 64 + 8*2*3, then the header, the dims still zero */
    CHECK_INT(ftruncate(fd, 64 + 8 * 2 * 3), 0);
    CHECK_INT((int)pwrite(fd, head, sizeof head, 0), (int)sizeof head);
    m.addr = &m; /* must be zeroed on failure */
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_INT(e.status, WEA_ERR_TRUNCATED);
    CHECK_INT(e.sys_errno, 0);
    CHECK_STR(e.message, "truncated: the data length is 0 but the object has "
                         "112 bytes, more than the data offset 64: not yet "
                         "published (WA-1 §8.2.3 A1); the shared-memory "
                         "object may still be being created (WA-1 §8.2.2)");
    CHECK(m.addr == NULL);
    CHECK_INT(m.len, 0);
    CHECK_INT(wea_shm_attach(name, 1, &m, NULL), WEA_ERR_TRUNCATED);
    /* the same bytes in a file or a buffer are a valid empty array: A1 is
     * for shared memory only */
    {
        unsigned char block[112];
        wea_header h;
        memset(block, 0, sizeof block);
        memcpy(block, head, sizeof head);
        char path[512];
        CHECK_INT(wea_parse(block, sizeof block, &h, NULL), WEA_OK);
        CHECK_INT(h.len_data, 0);
        th_tmppath(path, sizeof path, "foreign.wea");
        CHECK_INT(th_write_file(path, block, sizeof block), 0);
        CHECK_INT(wea_map_file(path, 0, &m, &e), WEA_OK);
        CHECK_INT(m.header.len_data, 0);
        CHECK_INT(m.len, 112);
        CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
        (void)unlink(path);
    }
    /* the dims arrive: 2 x 3 */
    CHECK_INT((int)pwrite(fd, dims23, sizeof dims23, 16), (int)sizeof dims23);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_OK);
    CHECK_INT(m.header.etype, WEA_FLOAT64);
    CHECK_INT(m.header.ndims, 2);
    CHECK_INT(m.header.dims[0], 2);
    CHECK_INT(m.header.dims[1], 3);
    CHECK_INT(m.header.len_data, 48);
    CHECK_INT(m.len, 112);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);

    /* a genuine empty array made by wea_shm_create: the object is exactly
     * its data offset, and attaches */
    CHECK_INT(wea_shm_create(name, WEA_FLOAT64, 2, empty, NULL, 0600, &c, &e),
              WEA_OK);
    CHECK_INT(c.len, 64);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_OK);
    CHECK_INT(m.header.len_data, 0);
    CHECK_INT(m.header.dims[0], 0);
    CHECK_INT(m.header.dims[1], 3);
    CHECK_INT(m.len, 64);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);

    /* the legacy offset (wea 0.1.3's 128 for 2-d): the object holds 128 +
     * 48 bytes, more than 128 */
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    {
        unsigned char legacy[16];
        memcpy(legacy, head, sizeof legacy);
        legacy[8] = 0x80;
        CHECK_INT(ftruncate(fd, 128 + 48), 0);
        CHECK_INT((int)pwrite(fd, legacy, sizeof legacy, 0),
                  (int)sizeof legacy);
    }
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_STR(e.message, "truncated: the data length is 0 but the object has "
                         "176 bytes, more than the data offset 128: not yet "
                         "published (WA-1 §8.2.3 A1); the shared-memory "
                         "object may still be being created (WA-1 §8.2.2)");
    /* one byte more than the offset is enough to refuse it */
    CHECK_INT(ftruncate(fd, 129), 0);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_ERR_TRUNCATED);
    CHECK_CONTAINS(e.message, "object has 129 bytes, more than the data "
                              "offset 128: not yet published");
    /* and exactly the offset is an empty array */
    CHECK_INT(ftruncate(fd, 128), 0);
    CHECK_INT(wea_shm_attach(name, 0, &m, &e), WEA_OK);
    CHECK_INT(m.header.offset, 128);
    CHECK_INT(m.header.len_data, 0);
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    close(fd);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_shm_64_dims(void)
{
    /* WA-1 1.1: a 64-dimensional array (offset C(64) = 576) through create
     * and attach; 65 is refused before anything is created */
    char name[64];
    int64_t dims[65];
    wea_mapping c, r;
    wea_error e;
    unsigned i;
    for (i = 0; i < 65; i++) {
        dims[i] = i == 0 ? 3 : i == 63 ? 2 : 1;
    }
    th_shm_name(name, sizeof name);
    CHECK_INT(wea_shm_create(name, WEA_INT16, 64, dims, NULL, 0600, &c, &e),
              WEA_OK);
    CHECK_INT(c.header.offset, 576);
    CHECK_INT(c.len, 576 + 12);
    CHECK_INT(wea_shm_attach(name, 0, &r, &e), WEA_OK);
    CHECK_INT(r.header.ndims, 64);
    CHECK_INT(r.header.offset, 576);
    CHECK_INT(r.header.dims[0], 3);
    CHECK_INT(r.header.dims[63], 2);
    CHECK_INT(r.header.count, 6);
    CHECK(wea_mapping_data(&r) == (const unsigned char *)r.addr + 576);
    CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
    CHECK_INT(wea_shm_create(name, WEA_INT16, 65, dims, NULL, 0600, &c, &e),
              WEA_ERR_INVALID_NDIMS);
    CHECK(!shm_exists(name));
}

static void segv_exit(int sig)
{
    (void)sig;
    _exit(42);
}

static void test_shm_readonly_faults(void)
{
    /* §8.2.3: a read-only attach maps read-only, so a write faults */
    char name[64];
    wea_mapping c, r;
    pid_t pid;
    int status = 0;
    th_shm_name(name, sizeof name);
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 0, NULL, NULL, 0600, &c, NULL),
              WEA_OK);
    CHECK_INT(wea_shm_attach(name, 0, &r, NULL), WEA_OK);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = segv_exit;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGSEGV, &sa, NULL);
        (void)sigaction(SIGBUS, &sa, NULL);
        *((volatile unsigned char *)r.addr + 64) = 1;
        _exit(0); /* the write went through: wrong */
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
        CHECK_INT(((unsigned char *)c.addr)[64], 0);
    }
    CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_unmap_unlink_args(void)
{
    wea_error e;
    wea_mapping m;
    char name[64];
    CHECK_INT(wea_unmap(NULL, &e), WEA_ERR_INVALID_ARGUMENT);
    memset(&m, 0, sizeof m);
    CHECK_INT(wea_unmap(&m, &e), WEA_OK);
    CHECK(wea_mapping_data(NULL) == NULL);
    CHECK(wea_mapping_data(&m) == NULL);
    CHECK(wea_mapping_data_mut(NULL) == NULL);
    CHECK(wea_mapping_data_mut(&m) == NULL);
    CHECK_INT(wea_shm_unlink(NULL, &e), WEA_ERR_INVALID_ARGUMENT);
    CHECK_INT(wea_shm_unlink("a/b", &e), WEA_ERR_NAME);
    th_shm_name(name, sizeof name);
    CHECK_INT(wea_shm_unlink(name, &e), WEA_ERR_NOT_FOUND);
    CHECK_INT(e.sys_errno, ENOENT);
    CHECK_CONTAINS(e.message, "(shm_unlink)");
}

/* ------------------------------------------------------------------ */
/* Across processes (fork): C creates, C attaches, both ways           */
/* ------------------------------------------------------------------ */

static void fill_expected(unsigned char *p, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        put_i32(p + 4 * i, 1000 - 3 * i);
    }
}

static void test_cross_process_parent_creates(void)
{
    char name[64];
    int64_t dims[2] = {5, 7};
    unsigned char init[140];
    char want[65];
    wea_mapping c;
    pid_t pid;
    int status = 0;
    th_shm_name(name, sizeof name);
    fill_expected(init, 35);
    sha256_hex(init, sizeof init, want);
    CHECK_INT(wea_shm_create(name, WEA_INT32, 2, dims, init, 0600, &c, NULL),
              WEA_OK);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* another process: attach by name, check, never unlink */
        wea_mapping r;
        char got[65];
        int rc = 0;
        if (wea_shm_attach(name, 0, &r, NULL) != WEA_OK) {
            _exit(10);
        }
        if (r.header.etype != WEA_INT32 || r.header.ndims != 2 ||
            r.header.dims[0] != 5 || r.header.dims[1] != 7) {
            rc = 11;
        }
        sha256_hex(wea_mapping_data(&r), (size_t)r.header.len_data, got);
        if (strcmp(got, want) != 0) {
            rc = 12;
        }
        if (get_i32((const unsigned char *)wea_mapping_data(&r) + 4 * 34) !=
            1000 - 3 * 34) {
            rc = 13;
        }
        (void)wea_unmap(&r, NULL);
        _exit(rc);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_INT(WEXITSTATUS(status), 0);
    }
    CHECK(shm_exists(name)); /* the attacher did not unlink */
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_cross_process_child_creates(void)
{
    char name[64];
    unsigned char want[140];
    wea_mapping r;
    pid_t pid;
    int status = 0;
    th_shm_name(name, sizeof name);
    fill_expected(want, 35);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* another process creates, publishes and exits, handing the name
         * to the parent */
        wea_mapping c;
        int64_t dims[2] = {7, 5};
        if (wea_shm_create(name, WEA_INT32, 2, dims, want, 0600, &c, NULL) !=
            WEA_OK) {
            _exit(20);
        }
        (void)wea_unmap(&c, NULL);
        _exit(0);
    }
    CHECK(pid > 0);
    if (pid <= 0) {
        return;
    }
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(wea_shm_attach(name, 0, &r, NULL), WEA_OK);
    CHECK_INT(r.header.dims[0], 7);
    CHECK_INT(r.header.dims[1], 5);
    if (r.addr != NULL) {
        CHECK(memcmp(wea_mapping_data(&r), want, sizeof want) == 0);
    }
    CHECK_INT(wea_unmap(&r, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

static void test_permission_denied(void)
{
    /* EACCES for real, whoever runs the tests: as root (CI), a child that
     * becomes "nobody" opens objects of mode 0600; as another user, who
     * owns them, the objects get mode 0 first (the owner is refused too,
     * having no CAP_DAC_OVERRIDE). */
    char name[64], path[512];
    wea_mapping c;
    pid_t pid;
    int status = 0;
    int root = geteuid() == 0;
    th_shm_name(name, sizeof name);
    th_tmppath(path, sizeof path, "private.wea");
    CHECK_INT(th_write_file(path, TH_EX1, sizeof TH_EX1), 0);
    CHECK_INT(chmod(path, root ? 0600 : 0), 0);
    CHECK_INT(wea_shm_create(name, WEA_UINT8, 0, NULL, NULL, 0600, &c, NULL),
              WEA_OK);
    if (!root) {
        int fd = shm_open(name, O_RDONLY, 0);
        CHECK(fd >= 0);
        if (fd >= 0) {
            CHECK_INT(fchmod(fd, 0), 0);
            close(fd);
        }
    }
    /* "nobody" must reach the file: it is its mode that refuses, not the
     * scratch directory's (mkdtemp's 0700) */
    CHECK_INT(chmod(th_tmpdir(), 0711), 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        wea_mapping m;
        wea_error e;
        if (root && (setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(77); /* cannot drop privileges: skip */
        }
        if (geteuid() == 0) {
            _exit(77);
        }
        if (wea_shm_attach(name, 0, &m, &e) != WEA_ERR_PERMISSION ||
            e.sys_errno != EACCES) {
            _exit(1);
        }
        if (wea_map_file(path, 0, &m, &e) != WEA_ERR_PERMISSION ||
            e.sys_errno != EACCES) {
            _exit(2);
        }
        if (strstr(e.message, "permission: cannot open file") != e.message) {
            _exit(3);
        }
        _exit(0);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
            th_skip("cannot run as another user here");
        } else {
            CHECK_INT(WEXITSTATUS(status), 0);
        }
    }
    CHECK_INT(chmod(th_tmpdir(), 0700), 0);
    CHECK_INT(wea_unmap(&c, NULL), WEA_OK);
    CHECK_INT(wea_shm_unlink(name, NULL), WEA_OK);
}

/* Every NULL or out-of-range argument of the POSIX functions: its status
 * and its message, and `out` zeroed where there is one. */
static void test_posix_argument_messages(void)
{
    const int64_t d[1] = {4};
    wea_mapping m;
    wea_error e;
    char name[64];
    th_shm_name(name, sizeof name);
#define ARG_MSG(call, text)                                                \
    do {                                                                   \
        memset(&m, 0x5A, sizeof m);                                        \
        CHECK_INT(call, WEA_ERR_INVALID_ARGUMENT);                         \
        CHECK_INT(e.status, WEA_ERR_INVALID_ARGUMENT);                     \
        CHECK_INT(e.sys_errno, 0);                                         \
        CHECK_STR(e.message, "invalid_argument: " text);                   \
    } while (0)
    ARG_MSG(wea_map_file("x.wea", 0, NULL, &e),
            "the output mapping must not be NULL");
    ARG_MSG(wea_map_file(NULL, 0, &m, &e), "the path must not be NULL");
    CHECK(m.addr == NULL && m.len == 0 && m.header.block_size == 0);
    ARG_MSG(wea_map_file("x.wea", -1, &m, &e), "writable must be 0 or 1");
    ARG_MSG(wea_shm_attach(name, 0, NULL, &e),
            "the output mapping must not be NULL");
    ARG_MSG(wea_shm_attach(NULL, 1, &m, &e), "the name must not be NULL");
    CHECK(m.addr == NULL && m.len == 0 && m.header.block_size == 0);
    ARG_MSG(wea_shm_attach(name, 2, &m, &e), "writable must be 0 or 1");
    ARG_MSG(wea_shm_create(name, WEA_INT8, 1, d, NULL, 0600, NULL, &e),
            "the output mapping must not be NULL");
    ARG_MSG(wea_shm_create(NULL, WEA_INT8, 1, d, NULL, 0600, &m, &e),
            "the name must not be NULL");
    CHECK(m.addr == NULL && m.len == 0 && m.header.block_size == 0);
    ARG_MSG(wea_shm_create(name, WEA_INT8, 1, d, NULL, 01000, &m, &e),
            "mode must be permission bits, 0 to 0777");
    ARG_MSG(wea_shm_unlink(NULL, &e), "the name must not be NULL");
    ARG_MSG(wea_unmap(NULL, &e), "the mapping must not be NULL");
#undef ARG_MSG
}

const th_case th_posix_cases[] = {
    {"map_file_valid", test_map_file_valid},
    {"posix_argument_messages", test_posix_argument_messages},
    {"map_file_writable", test_map_file_writable},
    {"map_file_invalid", test_map_file_invalid},
    {"map_file_errors", test_map_file_errors},
    {"status_from_errno", test_status_from_errno},
    {"shm_create_attach", test_shm_create_attach},
    {"shm_create_zero_and_shapes", test_shm_create_zero_and_shapes},
    {"shm_create_exists", test_shm_create_exists},
    {"shm_create_mode", test_shm_create_mode},
    {"shm_create_invalid", test_shm_create_invalid},
    {"shm_create_no_space", test_shm_create_no_space},
    {"shm_attach_errors", test_shm_attach_errors},
    {"shm_attach_unpublished", test_shm_attach_unpublished},
    {"shm_attach_foreign_creator", test_shm_attach_foreign_creator},
    {"shm_64_dims", test_shm_64_dims},
    {"shm_readonly_faults", test_shm_readonly_faults},
    {"permission_denied", test_permission_denied},
    {"unmap_unlink_args", test_unmap_unlink_args},
    {"cross_process_parent_creates", test_cross_process_parent_creates},
    {"cross_process_child_creates", test_cross_process_child_creates},
    {NULL, NULL},
};
