/*
 * test_tool.c: tests of weatool as a program (WEATOOL names the binary):
 * the conformance runner contract of `conform`, `inspect`, `create`,
 * `fill`, `unlink`, the exit codes, and C-to-C across processes through
 * separate tool invocations (create in one process, inspect in another);
 * the TARGET convention shared with the Python `wea` command (/NAME is
 * shared memory, anything else a file), --version, and the hints for
 * files of other formats.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"
#include "sha256.h"
#include "wea.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run_result {
    int code; /* exit status, or 128 + signal */
    char out[65536];
    char err[8192];
} run_result;

static run_result R;

static const char *tool(void)
{
    const char *t = getenv("WEATOOL");
    return t != NULL && t[0] != '\0' ? t : NULL;
}

/* Runs the tool with the arguments (NULL-terminated) in a new process;
 * fills R. Returns R.code. */
static int run(const char *a0, ...)
{
    const char *argv[32];
    char outp[512], errp[512];
    va_list ap;
    int n = 1, status = 0;
    pid_t pid;
    argv[0] = tool();
    argv[n++] = a0;
    va_start(ap, a0);
    while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL) {
        n++;
    }
    va_end(ap);
    argv[n] = NULL;
    th_tmppath(outp, sizeof outp, "tool.out");
    th_tmppath(errp, sizeof errp, "tool.err");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0) {
            _exit(126);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        R.code = -1;
        return -1;
    }
    R.code = WIFEXITED(status) ? WEXITSTATUS(status)
                               : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    th_read_text(outp, R.out, sizeof R.out);
    th_read_text(errp, R.err, sizeof R.err);
    return R.code;
}

#define NEED_TOOL()                                                       \
    do {                                                                  \
        if (tool() == NULL) {                                             \
            th_skip("WEATOOL is not set; `make test` sets it");           \
            return;                                                       \
        }                                                                 \
    } while (0)

/* Writes a block built by the writer to a scratch file; data bytes are
 * 0, 1, 2, ... Returns the block in b and its length. */
static size_t block_file(const char *file, char *path, size_t cap,
                         unsigned char *b, unsigned etype, unsigned ndims,
                         const int64_t *dims)
{
    wea_header h;
    int64_t i;
    th_tmppath(path, cap, file);
    if (wea_write_header(b, 4096, etype, ndims, dims, &h, NULL) != WEA_OK ||
        h.block_size > 4096) {
        th_fail(__FILE__, __LINE__, "cannot build %s", file);
        return 0;
    }
    for (i = 0; i < h.len_data; i++) {
        b[h.offset + i] = (unsigned char)i;
    }
    if (th_write_file(path, b, (size_t)h.block_size) != 0) {
        th_fail(__FILE__, __LINE__, "cannot write %s", path);
    }
    return (size_t)h.block_size;
}

static void test_help_and_usage(void)
{
    static const char *const cmds[] = {"inspect", "conform", "create", "fill",
                                       "unlink"};
    size_t i;
    NEED_TOOL();
    CHECK_INT(run("--help", NULL), 0);
    CHECK_CONTAINS(R.out, "usage: weatool COMMAND [OPTIONS]");
    CHECK_CONTAINS(R.out, "exit codes:");
    CHECK_INT(run("help", "conform", NULL), 0);
    CHECK_CONTAINS(R.out, "usage: weatool conform FILE");
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        CHECK_INT(run(cmds[i], "--help", NULL), 0);
        CHECK_CONTAINS(R.out, "usage: weatool ");
        CHECK_CONTAINS(R.out, cmds[i]);
    }
    /* no command: the usage on stderr, exit 64 */
    CHECK_INT(run("frobnicate", NULL), 64);
    CHECK_CONTAINS(R.err, "unknown command frobnicate");
    CHECK_CONTAINS(R.err, "usage: weatool");
    CHECK_STR(R.out, "");
}

static void test_conform_valid(void)
{
    unsigned char b[4096];
    char path[512], want[512], hex[65];
    int64_t dims[2] = {2, 3};
    size_t len;
    NEED_TOOL();
    len = block_file("c1.wea", path, sizeof path, b, WEA_FLOAT64, 2, dims);
    sha256_hex(b + 64, len - 64, hex);
    CHECK_INT(run("conform", path, NULL), 0);
    (void)snprintf(want, sizeof want,
                   "{\"valid\": true, \"etype\": 10, \"ndims\": 2, \"dims\": "
                   "[2, 3], \"offset\": 64, \"len_data\": 48, \"sha256\": "
                   "\"%s\"}\n",
                   hex);
    CHECK_STR(R.out, want);
    CHECK_STR(R.err, "");
    /* 0-d and an empty array */
    len = block_file("c2.wea", path, sizeof path, b, WEA_BOOL, 0, NULL);
    CHECK_INT(run("conform", path, NULL), 0);
    CHECK_STR(R.out, "{\"valid\": true, \"etype\": 256, \"ndims\": 0, \"dims\": "
                     "[], \"offset\": 64, \"len_data\": 1, \"sha256\": "
                     "\"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\"}\n");
    dims[1] = 0;
    len = block_file("c3.wea", path, sizeof path, b, WEA_FLOAT16, 2, dims);
    CHECK_INT(len, 64);
    CHECK_INT(run("conform", path, NULL), 0);
    CHECK_STR(R.out, "{\"valid\": true, \"etype\": 257, \"ndims\": 2, \"dims\": "
                     "[2, 0], \"offset\": 64, \"len_data\": 0, \"sha256\": "
                     "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n");
}

/* The JSON text of a string, as the tool should print it. */
static void json_escape(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s != '\0' && n + 7 < cap; s++) {
        if (*s == '"' || *s == '\\') {
            out[n++] = '\\';
        }
        out[n++] = *s;
    }
    out[n] = '\0';
}

static void test_conform_invalid_every_category(void)
{
    /* one block per category; the exit code is the category's number */
    unsigned char b[4096];
    char path[512], want[1024], esc[600];
    int64_t dims[2] = {2, 3};
    int cat;
    NEED_TOOL();
    for (cat = 1; cat <= 10; cat++) {
        size_t len = block_file("inv.wea", path, sizeof path, b, WEA_FLOAT64,
                                2, dims);
        wea_header h;
        wea_error e;
        switch (cat) {
        case 1: len = 20; break;
        case 2: b[3] = 'X'; break;
        case 3: b[0] = 0x57; b[1] = 0x41; b[2] = 0x2D; b[3] = 0x31; break;
        case 4: b[0] = 0x32; break;
        case 5: b[4] = 13; break;
        case 6: b[6] = 65; break; /* above 32 (WA-1 1.0) and 64 (1.1) */
        case 7: b[8] = 65; break;
        case 8: b[23] = 0x80; break;
        case 9: b[31] = 0x7F; break;
        case 10: len -= 1; break;
        }
        CHECK_INT(th_write_file(path, b, len), 0);
        CHECK_INT(wea_parse(b, len, &h, &e), cat);
        json_escape(e.message, esc, sizeof esc);
        (void)snprintf(want, sizeof want,
                       "{\"valid\": false, \"error\": \"%s\", \"message\": "
                       "\"%s\"}\n",
                       wea_status_category((wea_status)cat), esc);
        CHECK_INT(run("conform", path, NULL), cat);
        CHECK_STR(R.out, want);
    }
}

static void test_conform_usage_and_io(void)
{
    char path[512];
    NEED_TOOL();
    th_tmppath(path, sizeof path, "missing.wea");
    CHECK_INT(run("conform", path, NULL), 66);
    CHECK_STR(R.out, "");
    CHECK_CONTAINS(R.err, "not_found: cannot open file");
    CHECK_INT(run("conform", NULL), 64);
    CHECK_CONTAINS(R.err, "missing FILE");
    CHECK_CONTAINS(R.err, "usage: weatool conform FILE");
    CHECK_STR(R.out, "");
    CHECK_INT(run("conform", path, path, NULL), 64);
    CHECK_INT(run("conform", "--frob", path, NULL), 64);
    CHECK(run("conform", th_tmpdir(), NULL) >= 64);
    CHECK_STR(R.out, "");
}

static void test_inspect_file(void)
{
    unsigned char b[4096];
    char path[512];
    int64_t dims[2] = {3, 2};
    NEED_TOOL();
    block_file("i1.wea", path, sizeof path, b, WEA_INT8, 2, dims);
    CHECK_INT(run("inspect", path, NULL), 0);
    CHECK_CONTAINS(R.out, "etype:        1 (int8, 1 bytes)");
    CHECK_CONTAINS(R.out, "dims:         (3, 2)");
    CHECK_CONTAINS(R.out, "data offset:  64\n");
    CHECK_CONTAINS(R.out, "elements:     6");
    CHECK_CONTAINS(R.out, "  0 1 2 3 4 5\n");
    CHECK_INT(run("inspect", path, "--count", "2", "--json", NULL), 0);
    CHECK_CONTAINS(R.out, "\"etype_name\": \"int8\", \"count\": 6, "
                          "\"len\": 70, \"values\": [0, 1]}\n");
    CHECK_INT(run("inspect", path, "--count", "x", NULL), 64);
    CHECK_INT(run("inspect", NULL), 64);
    CHECK_INT(run("inspect", path, "--shm", "x", NULL), 64);
    /* invalid: the category's exit code, the message on stderr */
    b[0] = 0;
    b[3] = 0;
    CHECK_INT(th_write_file(path, b, 70), 0);
    CHECK_INT(run("inspect", path, NULL), 2);
    CHECK_CONTAINS(R.err, "bad_magic: magic bytes 00 2D 41 00");
    CHECK_INT(run("inspect", path, "--json", NULL), 2);
    CHECK_CONTAINS(R.out, "{\"valid\": false, \"error\": \"bad_magic\"");
    /* the legacy offset is pointed out */
    {
        char legacy[512];
        unsigned char l[200];
        memset(l, 0, sizeof l);
        memcpy(l, b, 64);
        l[0] = 0x31;
        l[3] = 0x57;
        l[8] = 128;
        memcpy(l + 128, b + 64, 6);
        th_tmppath(legacy, sizeof legacy, "legacy.wea");
        CHECK_INT(th_write_file(legacy, l, 134), 0);
        CHECK_INT(run("inspect", legacy, NULL), 0);
        CHECK_CONTAINS(R.out, "data offset:  128 (legacy offset of wea 0.1.3)");
    }
}

static void test_create_file(void)
{
    char path[512], hex[65], want[256];
    unsigned char expect[24];
    int i;
    NEED_TOOL();
    th_tmppath(path, sizeof path, "made.wea");
    CHECK_INT(run("create", "--out", path, "--type", "int16", "--shape",
                  "3,4", "--fill", "iota", NULL),
              0);
    for (i = 0; i < 12; i++) {
        expect[2 * i] = (unsigned char)i;
        expect[2 * i + 1] = 0;
    }
    sha256_hex(expect, sizeof expect, hex);
    CHECK_INT(run("conform", path, NULL), 0);
    (void)snprintf(want, sizeof want,
                   "{\"valid\": true, \"etype\": 3, \"ndims\": 2, \"dims\": "
                   "[3, 4], \"offset\": 64, \"len_data\": 24, \"sha256\": "
                   "\"%s\"}\n",
                   hex);
    CHECK_STR(R.out, want);
    {
        struct stat sb;
        CHECK_INT(stat(path, &sb), 0);
        CHECK_INT(sb.st_size, 88); /* exactly offset + L (§8.3.1) */
    }
    /* a block of more than one write buffer */
    CHECK_INT(run("create", "--out", path, "--type", "float64", "--shape",
                  "100,100", "--fill", "iota", NULL),
              0);
    CHECK_INT(run("inspect", path, "--json", "--count", "3", NULL), 0);
    CHECK_CONTAINS(R.out, "\"len_data\": 80000");
    CHECK_CONTAINS(R.out, "\"values\": [0, 1, 2]");
    CHECK_INT(run("create", "--out", path, "--type", "uint8", "--shape", "",
                  "--fill", "255", NULL),
              0);
    CHECK_INT(run("inspect", path, "--json", NULL), 0);
    CHECK_CONTAINS(R.out, "\"ndims\": 0, \"dims\": []");
    CHECK_CONTAINS(R.out, "\"values\": [255]");
}

static void test_create_errors(void)
{
    char name[64], path[512];
    NEED_TOOL();
    th_shm_name(name, sizeof name);
    th_tmppath(path, sizeof path, "never.wea");
    CHECK_INT(run("create", "--shm", name, "--type", "float128", "--shape",
                  "3", NULL),
              64);
    CHECK_CONTAINS(R.err, "unsupported_type: element type name \"float128\"");
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape",
                  "3,-1", NULL),
              64);
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape",
                  "3,x", NULL),
              64);
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape",
                  /* 65 dimensions: more than any version of WA-1 allows */
                  "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
                  "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
                  "1,1,1,1,1,1,1",
                  NULL),
              64);
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape",
                  "9223372036854775807,2", NULL),
              64);
    CHECK_CONTAINS(R.err, "overflow:");
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape", "3",
                  "--fill", "300", NULL),
              64);
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape", "3",
                  "--mode", "9", NULL),
              64);
    CHECK_INT(run("create", "--shm", "a/b", "--type", "int8", "--shape", "3",
                  NULL),
              64);
    CHECK_CONTAINS(R.err, "invalid_name");
    CHECK_INT(run("create", "--type", "int8", "--shape", "3", NULL), 64);
    CHECK_INT(run("create", "--shm", name, "--out", path, "--type", "int8",
                  "--shape", "3", NULL),
              64);
    CHECK_INT(run("create", "--shm", name, "--type", "int8", NULL), 64);
    CHECK_INT(run("unlink", "--shm", name, NULL), 66); /* nothing was made */
    CHECK_INT(run("unlink", NULL), 64);
    CHECK_INT(run("unlink", "--shm", "..", NULL), 64);
    CHECK_INT(run("fill", "--shm", name, NULL), 64);
    CHECK_INT(run("fill", "--shm", name, "--fill", "1", NULL), 66);
}

static void test_cross_process_tool(void)
{
    /* C to C across real processes: one tool process creates and exits,
     * another attaches by name; a third writes, this one reads. */
    char name[64], hex[65];
    unsigned char expect[48];
    wea_mapping m;
    int i;
    NEED_TOOL();
    th_shm_name(name, sizeof name);
    CHECK_INT(run("create", "--shm", name, "--type", "int32", "--shape",
                  "3,4", "--fill", "iota", NULL),
              0);
    for (i = 0; i < 12; i++) {
        expect[4 * i] = (unsigned char)i;
        expect[4 * i + 1] = expect[4 * i + 2] = expect[4 * i + 3] = 0;
    }
    sha256_hex(expect, sizeof expect, hex);
    CHECK_INT(run("inspect", "--shm", name, "--json", "--count", "100", NULL),
              0);
    CHECK_CONTAINS(R.out, "{\"valid\": true, \"etype\": 5, \"ndims\": 2, "
                          "\"dims\": [3, 4], \"offset\": 64, \"len_data\": "
                          "48, \"sha256\": \"");
    CHECK_CONTAINS(R.out, hex);
    CHECK_CONTAINS(R.out, "\"values\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "
                          "11]}");
    /* the same name again: exists, exit 73, the object untouched */
    CHECK_INT(run("create", "--shm", name, "--type", "int8", "--shape", "1",
                  NULL),
              73);
    CHECK_CONTAINS(R.err, "exists:");
    CHECK_INT(run("inspect", "--shm", name, NULL), 0);
    CHECK_CONTAINS(R.out, hex);
    /* another process writes in place; this one sees it */
    CHECK_INT(run("fill", "--shm", name, "--fill", "-5", NULL), 0);
    CHECK_INT(wea_shm_attach(name, 0, &m, NULL), WEA_OK);
    if (m.addr != NULL) {
        const unsigned char *d = (const unsigned char *)wea_mapping_data(&m);
        CHECK(memcmp(d + 44, "\xFB\xFF\xFF\xFF", 4) == 0);
    }
    CHECK_INT(wea_unmap(&m, NULL), WEA_OK);
    /* the mode of a new object (§8.2.2 C3) */
    {
        char name2[64];
        struct stat sb;
        mode_t old_mask;
        int fd;
        th_shm_name(name2, sizeof name2);
        /* exactly the mode, whatever the umask: one that would clear its
         * bits (the usual 022 clears none of 0640's) */
        old_mask = umask(077);
        CHECK_INT(run("create", "--shm", name2, "--type", "bool", "--shape",
                      "2", "--mode", "640", NULL),
                  0);
        (void)umask(old_mask);
        /* through shm_open, not a path under /dev/shm (glibc's place,
         * not POSIX's), and never skipped when the object is missing */
        fd = shm_open(name2, O_RDONLY, 0);
        CHECK(fd >= 0);
        if (fd >= 0) {
            CHECK_INT(fstat(fd, &sb), 0);
            CHECK_INT(sb.st_mode & 07777, 0640);
            close(fd);
        }
        CHECK_INT(run("unlink", "--shm", name2, NULL), 0);
    }
    CHECK_INT(run("unlink", "--shm", name, NULL), 0);
    CHECK_INT(run("unlink", "--shm", name, NULL), 66);
    CHECK_INT(run("inspect", "--shm", name, NULL), 66);
    CHECK_CONTAINS(R.err, "not_found: cannot open shared-memory object");
}

static void test_version(void)
{
    /* the label of the repository's VERSION file, found beside spec/ */
    const char *spec = getenv("WEA_SPEC");
    char path[1024], want[300];
    NEED_TOOL();
    CHECK_INT(run("--version", NULL), 0);
    CHECK_STR(R.err, "");
    CHECK(strncmp(R.out, "weatool ", 8) == 0);
    CHECK(strstr(R.out, "unknown") == NULL); /* built with -DWEA_VERSION */
    if (spec != NULL && strlen(spec) < sizeof path) {
        unsigned char *v;
        size_t len = 0;
        char *slash;
        (void)snprintf(path, sizeof path, "%s", spec);
        slash = strrchr(path, '/'); /* .../spec/wea.md -> .../spec */
        if (slash != NULL) {
            *slash = '\0';
        }
        slash = strrchr(path, '/'); /* -> the repository */
        if (slash != NULL) {
            (void)snprintf(slash, sizeof path - (size_t)(slash - path),
                           "/VERSION");
        }
        v = th_read_file(path, &len);
        CHECK(v != NULL);
        if (v != NULL) {
            while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == '\r')) {
                len--;
            }
            (void)snprintf(want, sizeof want, "weatool %.*s\n", (int)len,
                           (const char *)v);
            CHECK_STR(R.out, want);
            free(v);
        }
    }
}

static void test_target_convention(void)
{
    /* /NAME is shared memory, anything else a file; --shm and --file
     * decide; names are printed with their '/' */
    char name[64], want[128], path[512];
    const char *bare;
    NEED_TOOL();
    th_shm_name(name, sizeof name);
    bare = name + 1;
    CHECK_INT(run("create", name, "--type", "int16", "--shape", "3,2",
                  "--fill", "iota", NULL),
              0);
    CHECK_INT(run("inspect", name, NULL), 0);
    (void)snprintf(want, sizeof want, "shm:          %s\n", name);
    CHECK_CONTAINS(R.out, want);
    /* --shm without the '/': the same object, shown with its '/' */
    CHECK_INT(run("inspect", "--shm", bare, "--count", "0", NULL), 0);
    CHECK_CONTAINS(R.out, want);
    /* a bare word is a file: not found, pointed at the object */
    CHECK_INT(run("inspect", bare, NULL), 66);
    CHECK_CONTAINS(R.err, "not_found: cannot open file");
    (void)snprintf(want, sizeof want, "`weatool inspect %s`", name);
    CHECK_CONTAINS(R.err, want);
    /* --file forces a file, even for /NAME */
    CHECK_INT(run("inspect", "--file", name, NULL), 66);
    CHECK_CONTAINS(R.err, "cannot open file");
    /* one TARGET only */
    CHECK_INT(run("inspect", name, "--shm", bare, NULL), 64);
    /* fill by /NAME, read back by --shm */
    CHECK_INT(run("fill", name, "--fill", "7", NULL), 0);
    CHECK_INT(run("inspect", "--shm", bare, "--json", NULL), 0);
    CHECK_CONTAINS(R.out, "\"values\": [7, 7, 7, 7, 7, 7]");
    /* unlink refuses what is not /NAME, in words */
    CHECK_INT(run("unlink", bare, NULL), 64);
    CHECK_CONTAINS(R.err, "not a shared-memory name: they start with '/'");
    (void)snprintf(want, sizeof want, "`weatool unlink %s`", name);
    CHECK_CONTAINS(R.err, want);
    CHECK_INT(run("inspect", name, "--count", "0", NULL), 0); /* still there */
    /* a file TARGET: created, filled and read by its path */
    th_tmppath(path, sizeof path, "conv.wea");
    CHECK_INT(run("create", path, "--type", "uint8", "--shape", "4", NULL),
              0);
    CHECK_INT(run("fill", path, "--fill", "5", NULL), 0);
    CHECK_INT(run("inspect", path, NULL), 0);
    CHECK_CONTAINS(R.out, "file:         ");
    CHECK_CONTAINS(R.out, "  5 5 5 5\n");
    CHECK_INT(run("unlink", path, NULL), 64);
    CHECK_CONTAINS(R.err, "a file, not a shared-memory name");
    CHECK(access(path, F_OK) == 0);
    CHECK_INT(run("unlink", name, NULL), 0);
    CHECK_INT(run("unlink", "--shm", bare, NULL), 66);
}

static void test_hints_for_other_formats(void)
{
    /* a well-known format given where a WA-1 block is expected: bad_magic,
     * and a hint that says what the file is */
    static const struct {
        const char *file;
        const char *bytes;
        size_t len;
        const char *hint;
    } cases[] = {
        {"h.npy", "\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", 26,
         "h.npy is a .npy file (numpy's format), not a WA-1 block: `wea "
         "convert "},
        {"h.wea", "\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", 26,
         "`wea convert --from npy "},
        {"h.npz", "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                  "\x00\x00\x00\x00", 18, "is a .npz archive"},
        {"h.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}     ",
         22, "is a safetensors file"},
    };
    char path[512];
    size_t i;
    NEED_TOOL();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_tmppath(path, sizeof path, cases[i].file);
        CHECK_INT(th_write_file(path, cases[i].bytes, cases[i].len), 0);
        CHECK_INT(run("inspect", path, NULL), 2);
        CHECK_CONTAINS(R.err, "bad_magic: magic bytes");
        CHECK_CONTAINS(R.err, "weatool: hint: ");
        CHECK_CONTAINS(R.err, cases[i].hint);
        /* the conformance contract stays one JSON line, no hint */
        CHECK_INT(run("conform", path, NULL), 2);
        CHECK(strstr(R.err, "hint") == NULL);
    }
    /* bytes of no known format: no hint */
    th_tmppath(path, sizeof path, "h.bin");
    CHECK_INT(th_write_file(path, "hello, world. 0123456789", 24), 0);
    CHECK_INT(run("inspect", path, NULL), 2);
    CHECK(strstr(R.err, "hint") == NULL);
}

static void vector_via_tool(const char *dir, int valid)
{
    char dirpath[1024], path[2048];
    DIR *d;
    struct dirent *ent;
    int count = 0;
    (void)snprintf(dirpath, sizeof dirpath, "%s/%s", dir,
                   valid ? "valid" : "invalid");
    d = opendir(dirpath);
    if (d == NULL) {
        th_fail(__FILE__, __LINE__, "cannot read %s", dirpath);
        return;
    }
    while ((ent = readdir(d)) != NULL) {
        unsigned char *b;
        size_t len = 0;
        wea_header h;
        wea_error e;
        wea_status st;
        if (ent->d_name[0] == '.') {
            continue;
        }
        (void)snprintf(path, sizeof path, "%s/%s", dirpath, ent->d_name);
        b = th_read_file(path, &len);
        if (b == NULL) {
            continue;
        }
        st = wea_parse(b, len, &h, &e);
        run("conform", path, NULL);
        if (R.code != (int)st) {
            th_fail(__FILE__, __LINE__, "%s: tool exit %d, library status %d",
                    path, R.code, (int)st);
        } else if (st == WEA_OK) {
            char hex[65], frag[100];
            sha256_hex(wea_data(b, &h), (size_t)h.len_data, hex);
            (void)snprintf(frag, sizeof frag, "\"sha256\": \"%s\"}\n", hex);
            CHECK_CONTAINS(R.out, frag);
        } else {
            CHECK_CONTAINS(R.out, "{\"valid\": false, \"error\": \"");
            CHECK_CONTAINS(R.out, wea_status_category(st));
        }
        free(b);
        count++;
    }
    closedir(d);
    th_note("%d %s vectors through `weatool conform`", count,
            valid ? "valid" : "invalid");
}

static void test_conformance_vectors_tool(void)
{
    const char *dir = getenv("WEA_CONFORMANCE_DIR");
    NEED_TOOL();
    if (dir == NULL || dir[0] == '\0') {
        th_skip("WEA_CONFORMANCE_DIR is not set");
        return;
    }
    vector_via_tool(dir, 1);
    vector_via_tool(dir, 0);
}

const th_case th_tool_cases[] = {
    {"help_and_usage", test_help_and_usage},
    {"conform_valid", test_conform_valid},
    {"conform_invalid_every_category", test_conform_invalid_every_category},
    {"conform_usage_and_io", test_conform_usage_and_io},
    {"inspect_file", test_inspect_file},
    {"create_file", test_create_file},
    {"create_errors", test_create_errors},
    {"cross_process_tool", test_cross_process_tool},
    {"conformance_vectors_tool", test_conformance_vectors_tool},
    {"version", test_version},
    {"target_convention", test_target_convention},
    {"hints_for_other_formats", test_hints_for_other_formats},
    {NULL, NULL},
};
