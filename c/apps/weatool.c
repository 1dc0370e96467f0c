/*
 * weatool: inspect, check, create and remove WA-1 blocks from the command
 * line, with the C reference library. See `weatool --help` and c/README.md.
 *
 * A TARGET follows the convention of the Python `wea` command: a leading
 * '/' and no other '/' (/frames) is a POSIX shared-memory object, anything
 * else (a.wea, ./a, /tmp/a.wea) a file; --shm NAME and --file PATH decide
 * explicitly. Shared-memory names are printed with their leading '/'.
 *
 * Exit codes (also in the help text):
 *   0       success (conform: the block is valid)
 *   1..10   inspect, conform: the block is invalid; the number is the error
 *           category of spec §6.2 (1 truncated ... 10 data_truncated)
 *   64      usage error (bad command line, bad shape, type or name)
 *   66      the input file or object does not exist
 *   71      another failed system call
 *   73      create: the name exists already
 *   74      create: no space to back the object, or an I/O error
 *   77      permission denied
 * A block that another process shrinks while weatool reads or writes it
 * exits 10 (data_truncated) with a message, never with SIGBUS.
 */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "elements.h"
#include "sha256.h"
#include "wea.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The version label of the project: the repository's VERSION file, which
 * c/Makefile passes as -DWEA_VERSION="...". */
#ifndef WEA_VERSION
#define WEA_VERSION "unknown (built without -DWEA_VERSION)"
#endif

#define EXIT_USAGE 64
#define EXIT_NOINPUT 66
#define EXIT_OSERR 71
#define EXIT_CANTCREAT 73
#define EXIT_IOERR 74
#define EXIT_NOPERM 77

static const char *prog = "weatool";

static const char usage_main[] =
    "usage: weatool COMMAND [OPTIONS]\n"
    "       weatool --version\n"
    "\n"
    "Inspect, check, create and remove WA-1 blocks (spec/wea.md).\n"
    "\n"
    "commands:\n"
    "  inspect TARGET [--count N] [--json]\n"
    "                       print the header, the SHA-256 of the data and the\n"
    "                       first N elements (default 10)\n"
    "  conform FILE         the conformance runner contract: one JSON line\n"
    "  create TARGET --type TYPE --shape D1,D2,...\n"
    "         [--fill zero|iota|VALUE] [--mode OCTAL]\n"
    "                       write a new block (shared memory: spec §8.2.2)\n"
    "  fill TARGET --fill zero|iota|VALUE\n"
    "                       map read-write and overwrite the elements\n"
    "  unlink /NAME         remove a shared-memory name\n"
    "  help [COMMAND]       this text, or a command's\n"
    "\n"
    "TARGET: a leading '/' and no other '/' (/frames) is a shared-memory\n"
    "object; anything else (frames.wea, ./frames, /tmp/frames.wea) is a\n"
    "file, as in the Python `wea` command. --shm NAME and --file PATH decide\n"
    "explicitly ('--shm frames' is the object /frames). Every command takes\n"
    "--help.\n"
    "\n"
    "exit codes:\n"
    "  0      success\n"
    "  1..10  (inspect, conform) invalid block; the error category of spec\n"
    "         §6.2: 1 truncated, 2 bad_magic, 3 wrong_byte_order,\n"
    "         4 unsupported_version, 5 unsupported_type, 6 invalid_ndims,\n"
    "         7 invalid_offset, 8 invalid_dimension, 9 overflow,\n"
    "         10 data_truncated (also: another process shrank the block\n"
    "         while weatool read or wrote it, spec §8.2.6)\n"
    "  64     usage error        66  no such file or object\n"
    "  71     system error       73  create: the name exists\n"
    "  74     no space, I/O      77  permission denied\n";

static const char usage_inspect[] =
    "usage: weatool inspect (TARGET | --shm NAME | --file PATH) [--count N]\n"
    "                       [--json]\n"
    "\n"
    "Validates the block (R1 to R9) and prints its header, the SHA-256 of\n"
    "its L data bytes and its first N elements in memory (column-major)\n"
    "order. Shared memory is attached read-only and never unlinked.\n"
    "\n"
    "  TARGET       /NAME: a shared-memory object; anything else: a file\n"
    "  --shm NAME   a POSIX shared-memory object, with or without its /\n"
    "  --file PATH  a file, whatever its name\n"
    "  --count N    how many elements to print (default 10; 0 for none)\n"
    "  --json       one JSON object: the conform fields plus etype_name,\n"
    "               count, len (the bytes available) and values (floats\n"
    "               with 17 digits; NaN and infinities as strings;\n"
    "               complex as [re, im])\n"
    "\n"
    "Exit 0 if valid, the category number 1..10 if invalid, 64 usage,\n"
    "66 not found, 71 system error, 77 permission denied.\n";

static const char usage_conform[] =
    "usage: weatool conform FILE\n"
    "\n"
    "The conformance runner contract. Prints one JSON line on stdout:\n"
    "  valid:   {\"valid\": true, \"etype\": E, \"ndims\": N, \"dims\": [...],\n"
    "            \"offset\": O, \"len_data\": L, \"sha256\": \"<hex of the L "
    "data bytes>\"}\n"
    "           exit 0\n"
    "  invalid: {\"valid\": false, \"error\": \"<category>\", "
    "\"message\": \"<spec §6.3 text>\"}\n"
    "           exit the category number (1..10, spec §6.2)\n"
    "  usage or I/O error: a message on stderr, exit 64 or more.\n";

/* Where a usage text lists the element types: print_usage() writes their
 * names there from the library's table (wea_etype_name), so that the list
 * follows spec/registry.json without an edit here. */
#define TYPE_NAMES "<TYPE_NAMES>"

static const char usage_create[] =
    "usage: weatool create (TARGET | --shm NAME | --out FILE) --type TYPE\n"
    "                      --shape D1,D2,... [--fill zero|iota|VALUE]\n"
    "                      [--mode OCTAL]\n"
    "\n"
    "Writes a new block with the canonical data offset. A shared-memory\n"
    "TARGET (/NAME, or --shm NAME) is created with the creation protocol of\n"
    "spec §8.2.2 (exclusive: an existing name is an error) and left in\n"
    "place: the caller owns it and removes it with `weatool unlink`. A file\n"
    "TARGET (any other name, or --out FILE, also spelled --file) is written\n"
    "with exactly offset + L bytes (replacing an existing file).\n"
    "\n"
    "  --type TYPE    " TYPE_NAMES "\n"
    "  --shape DIMS   comma-separated lengths, first dimension first (the\n"
    "                 one that varies fastest); '' or '()' for 0-d\n"
    "  --fill F       zero (default); iota: element k (memory order) is k\n"
    "                 (integers modulo 2^bits, complex k-kj, bool k%2);\n"
    "                 or a number that the type holds\n"
    "  --mode OCTAL   permission bits of a new object (default 0600)\n"
    "\n"
    "Exit 0 on success, 64 usage (bad type, shape, name or value),\n"
    "73 the name exists, 74 no space or I/O error, 77 permission denied,\n"
    "71 other system errors.\n";

static const char usage_fill[] =
    "usage: weatool fill (TARGET | --shm NAME | --file PATH)\n"
    "                    --fill zero|iota|VALUE\n"
    "\n"
    "Maps an existing block read-write (a shared-memory object: /NAME or\n"
    "--shm NAME; a file: any other name, or --file PATH) and overwrites its\n"
    "elements (see `weatool create --help` for the fill values). Never\n"
    "writes the header, never unlinks.\n";

static const char usage_unlink[] =
    "usage: weatool unlink (/NAME | --shm NAME)\n"
    "\n"
    "Removes a shared-memory name (spec §8.2.4); a file is refused. Exit 0,\n"
    "64 bad name or a file, 66 no such object, 77 permission denied.\n";

/* The names of every element type, in code order, as words wrapped at 78
 * columns; a continuation line starts at column `indent`. */
static void print_type_names(FILE *out, size_t indent)
{
    size_t col = indent, len;
    unsigned code;
    const char *name;
    int first = 1;

    for (code = 1; code <= UINT16_MAX; code++) {
        name = wea_etype_name(code);
        if (name == NULL) {
            continue;
        }
        len = strlen(name);
        if (!first && col + 1 + len > 78) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        fputs(name, out);
        col += len;
        first = 0;
    }
}

/* A usage text, with the element types where it says TYPE_NAMES. */
static void print_usage(const char *usage, FILE *out)
{
    const char *at = strstr(usage, TYPE_NAMES);
    const char *line;

    if (at == NULL) {
        fputs(usage, out);
        return;
    }
    line = at; /* the start of its line: the column of the list */
    while (line > usage && line[-1] != '\n') {
        line--;
    }
    fwrite(usage, 1, (size_t)(at - usage), out);
    print_type_names(out, (size_t)(at - line));
    fputs(at + strlen(TYPE_NAMES), out);
}

/* A leading '/' and no other '/': a shared-memory name by the convention. */
static int is_shm_name(const char *arg)
{
    return arg[0] == '/' && arg[1] != '\0' && strchr(arg + 1, '/') == NULL;
}

/* What a command reads or writes: a file or a shared-memory object. */
typedef struct target {
    const char *file;
    const char *shm; /* with its leading '/' (shm_buf when one was added) */
    char shm_buf[512];
} target;

/* Records a TARGET; kind is 's' (--shm), 'f' (--file) or 0 (the
 * convention). Returns 0, or -1 if a target was given already. */
static int set_target(target *t, const char *arg, int kind)
{
    if (t->file != NULL || t->shm != NULL) {
        return -1;
    }
    if (kind == 0) {
        kind = is_shm_name(arg) ? 's' : 'f';
    }
    if (kind == 'f') {
        t->file = arg;
    } else if (arg[0] == '/' || strlen(arg) + 2 > sizeof t->shm_buf) {
        t->shm = arg; /* an invalid name is the library's to refuse */
    } else {
        t->shm_buf[0] = '/';
        memcpy(t->shm_buf + 1, arg, strlen(arg) + 1);
        t->shm = t->shm_buf;
    }
    return 0;
}

/* Reads up to cap bytes from the start of a regular file; never waits on
 * a FIFO. Returns the count, 0 when there is nothing to read. */
static size_t read_head(const char *path, unsigned char *buf, size_t cap)
{
    struct stat sb;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        return 0;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        (void)close(fd);
        return 0;
    }
    n = pread(fd, buf, cap, 0);
    (void)close(fd);
    return n > 0 ? (size_t)n : 0;
}

/* After bad_magic: says what a file that is not a WA-1 block is, if it is
 * a well-known format (.npy, .npz, safetensors). */
static void hint_format(const char *path)
{
    unsigned char h[16];
    size_t n = read_head(path, h, sizeof h);
    uint64_t len = 0;
    unsigned i;
    size_t plen = strlen(path);
    if (n >= 6 && memcmp(h, "\x93NUMPY", 6) == 0) {
        if (plen > 4 && strcmp(path + plen - 4, ".npy") == 0) {
            fprintf(stderr, "%s: hint: %s is a .npy file (numpy's format), "
                    "not a WA-1 block: `wea convert %s %.*s.wea` converts "
                    "it\n", prog, path, path, (int)(plen - 4), path);
        } else {
            fprintf(stderr, "%s: hint: %s is a .npy file (numpy's format), "
                    "not a WA-1 block: `wea convert --from npy %s OUT.wea` "
                    "converts it\n", prog, path, path);
        }
    } else if (n >= 4 && (memcmp(h, "PK\x03\x04", 4) == 0 ||
                          memcmp(h, "PK\x05\x06", 4) == 0)) {
        fprintf(stderr, "%s: hint: %s is a .npz archive (a zip of .npy files), "
                "not a WA-1 block: unzip it and `wea convert` each .npy\n",
                prog, path);
    } else if (n >= 9 && h[8] == '{') {
        for (i = 0; i < 8; i++) {
            len |= (uint64_t)h[i] << (8 * i);
        }
        if (len >= 2 && len < ((uint64_t)1 << 40)) {
            fprintf(stderr, "%s: hint: %s is a safetensors file, not a WA-1 "
                    "block: load it with safetensors and wea.save() each "
                    "array\n", prog, path);
        }
    }
}

/* After not_found of a file: a bare word that names a shared-memory object
 * (Linux shows them in /dev/shm) gets pointed at it. */
static void hint_not_found(const char *file, const char *command)
{
    char path[600];
    if (strchr(file, '/') != NULL || strlen(file) > 255) {
        return;
    }
    (void)snprintf(path, sizeof path, "/dev/shm/%s", file);
    if (access(path, F_OK) == 0) {
        fprintf(stderr, "%s: hint: a name without a leading '/' is a file; "
                "for the shared-memory object: `weatool %s /%s`\n", prog,
                command, file);
    }
}

/* A macro's value as a string literal (for WEA_MAX_NDIMS in messages). */
#define WEATOOL_STR_(x) #x
#define WEATOOL_STR(x) WEATOOL_STR_(x)

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    /* The usage line only: the first line of the text. */
    fprintf(stderr, "%.*s", (int)(strchr(usage, '\n') - usage + 1), usage);
    return EXIT_USAGE;
}

/* Exit code of a binding status (not a format error). */
static int exit_for_binding(wea_status st)
{
    switch (st) {
    case WEA_ERR_INVALID_ARGUMENT:
    case WEA_ERR_BUFFER_TOO_SMALL:
    case WEA_ERR_NAME:
        return EXIT_USAGE;
    case WEA_ERR_NOT_FOUND:
        return EXIT_NOINPUT;
    case WEA_ERR_PERMISSION:
        return EXIT_NOPERM;
    case WEA_ERR_EXISTS:
        return EXIT_CANTCREAT;
    case WEA_ERR_NO_SPACE:
        return EXIT_IOERR;
    default:
        return EXIT_OSERR;
    }
}

static int is_format_status(wea_status st)
{
    return st >= WEA_ERR_TRUNCATED && st <= WEA_ERR_DATA_TRUNCATED;
}

/* Writes s as the contents of a JSON string (without the quotes). */
static void json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", (unsigned)*p);
        } else {
            fputc(*p, out);
        }
    }
}

static void data_sha256(const wea_mapping *m, char hex[65])
{
    sha256_hex(wea_mapping_data(m), (size_t)m->header.len_data, hex);
}

static void print_dims_json(FILE *out, const wea_header *h)
{
    unsigned i;
    fputc('[', out);
    for (i = 0; i < h->ndims; i++) {
        fprintf(out, "%s%" PRId64, i ? ", " : "", h->dims[i]);
    }
    fputc(']', out);
}

static void print_valid_json(FILE *out, const wea_mapping *m)
{
    char hex[65];
    data_sha256(m, hex);
    fprintf(out, "{\"valid\": true, \"etype\": %u, \"ndims\": %u, \"dims\": ",
            (unsigned)m->header.etype, (unsigned)m->header.ndims);
    print_dims_json(out, &m->header);
    fprintf(out, ", \"offset\": %" PRId64 ", \"len_data\": %" PRId64
                 ", \"sha256\": \"%s\"",
            m->header.offset, m->header.len_data, hex);
}

static void print_invalid_json(FILE *out, const wea_error *err)
{
    fprintf(out, "{\"valid\": false, \"error\": \"%s\", \"message\": \"",
            wea_status_category(err->status));
    json_string(out, err->message);
    fprintf(out, "\"}\n");
}

/* A block that another process shrinks (ftruncate) while weatool reads or
 * writes its mapping raises SIGBUS at the first access past the new end
 * (spec §8.2.6). weatool reports it as data_truncated (exit 10), as if the
 * block had been found short when attached: its texts are made before any
 * access (guard_mapping), and the handler only writes them and exits. A
 * SIGBUS outside the mapping keeps its default action. */
static char bus_err[1024];
static size_t bus_err_len;
static char bus_out[2048];
static size_t bus_out_len;
static uintptr_t bus_lo, bus_hi;

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
    uintptr_t a = (uintptr_t)info->si_addr;
    (void)ctx;
    if (a >= bus_lo && a < bus_hi) {
        ssize_t w = 0;
        if (bus_out_len > 0) {
            w = write(1, bus_out, bus_out_len);
        }
        w = write(2, bus_err, bus_err_len);
        (void)w;
        _exit((int)WEA_ERR_DATA_TRUNCATED);
    }
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

/* Appends s to buf (of cap bytes, NUL-terminated) as JSON string
 * contents; truncates. */
static void json_append(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    for (; *s != '\0' && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", (unsigned)c);
        } else {
            buf[n++] = (char)c;
        }
    }
    buf[n] = '\0';
}

/* Arms the SIGBUS report for mapping m of `what` (a path or a name). */
static void guard_mapping(const char *what, const wea_mapping *m, int json)
{
    struct sigaction sa;
    char msg[768];
    (void)snprintf(msg, sizeof msg,
                   "data_truncated: the block of %" PRId64 " bytes became "
                   "shorter while it was accessed: another process "
                   "truncated it (WA-1 §8.2.6)",
                   m->header.block_size);
    (void)snprintf(bus_err, sizeof bus_err, "%s: %.200s: %s\n", prog, what,
                   msg);
    bus_err_len = strlen(bus_err);
    bus_out_len = 0;
    if (json) {
        (void)snprintf(bus_out, sizeof bus_out,
                       "{\"valid\": false, \"error\": \"data_truncated\", "
                       "\"message\": \"");
        json_append(bus_out, sizeof bus_out - 4, msg);
        (void)strcat(bus_out, "\"}\n");
        bus_out_len = strlen(bus_out);
    }
    bus_lo = (uintptr_t)m->addr;
    bus_hi = bus_lo + m->len;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGBUS, &sa, NULL);
}

/* Maps a file or attaches a shared-memory object read-only or read-write.
 * Returns 0 with a mapping, or an exit code after printing what went wrong
 * (format errors: to stdout as JSON when `json`, else to stderr), with a
 * hint of what to do when `command` is not NULL. */
static int open_block(const target *t, int writable, int json,
                      wea_mapping *m, const char *command)
{
    const char *what = t->shm != NULL ? t->shm : t->file;
    wea_error err;
    wea_status st;
    if (t->shm != NULL) {
        st = wea_shm_attach(t->shm, writable, m, &err);
    } else {
        st = wea_map_file(t->file, writable, m, &err);
    }
    if (st == WEA_OK) {
        guard_mapping(what, m, json);
        return 0;
    }
    if (is_format_status(st)) {
        if (json) {
            print_invalid_json(stdout, &err);
        } else {
            fprintf(stderr, "%s: %s: %s\n", prog, what, err.message);
        }
        if (command != NULL && t->file != NULL && st == WEA_ERR_BAD_MAGIC) {
            hint_format(t->file);
        }
        return (int)st;
    }
    fprintf(stderr, "%s: %s\n", prog, err.message);
    if (command != NULL && t->file != NULL && st == WEA_ERR_NOT_FOUND) {
        hint_not_found(t->file, command);
    }
    return exit_for_binding(st);
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (s[0] < '0' || s[0] > '9') {
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE) {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static int cmd_conform(int argc, char **argv)
{
    const char *file = NULL;
    target t;
    wea_mapping m;
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_conform, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error(usage_conform, "unknown option %s", argv[i]);
        } else if (file != NULL) {
            return usage_error(usage_conform, "one FILE only, not also %s",
                               argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (file == NULL) {
        return usage_error(usage_conform, "%s", "missing FILE");
    }
    memset(&t, 0, sizeof t);
    t.file = file; /* the contract: always a file, whatever its name */
    rc = open_block(&t, 0, 1, &m, NULL);
    if (rc != 0) {
        return rc;
    }
    print_valid_json(stdout, &m);
    fputs("}\n", stdout);
    (void)wea_unmap(&m, NULL);
    return 0;
}

static int cmd_inspect(int argc, char **argv)
{
    uint64_t count = 10, k, n;
    int json = 0;
    target t;
    wea_mapping m;
    const unsigned char *data;
    char buf[128];
    int i, rc;
    unsigned d;

    memset(&t, 0, sizeof t);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_inspect, stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((strcmp(argv[i], "--shm") == 0 ||
                    strcmp(argv[i], "--file") == 0) && i + 1 < argc) {
            if (set_target(&t, argv[i + 1], argv[i][2] == 's' ? 's' : 'f')
                != 0) {
                return usage_error(usage_inspect, "one TARGET only, not also "
                                   "%s", argv[i + 1]);
            }
            i++;
        } else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], &count) != 0) {
                return usage_error(usage_inspect, "--count %s: expected a "
                                   "number of elements", argv[i]);
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error(usage_inspect,
                               "unknown option or missing value: %s",
                               argv[i]);
        } else if (set_target(&t, argv[i], 0) != 0) {
            return usage_error(usage_inspect, "one TARGET only, not also %s",
                               argv[i]);
        }
    }
    if (t.file == NULL && t.shm == NULL) {
        return usage_error(usage_inspect, "%s",
                           "give a TARGET: /NAME, a FILE, --shm NAME or "
                           "--file PATH");
    }
    rc = open_block(&t, 0, json, &m, "inspect");
    if (rc != 0) {
        return rc;
    }
    data = (const unsigned char *)wea_mapping_data(&m);
    n = (uint64_t)m.header.count < count ? (uint64_t)m.header.count : count;
    if (json) {
        print_valid_json(stdout, &m);
        printf(", \"etype_name\": \"%s\", \"count\": %" PRId64
               ", \"len\": %zu, \"values\": [",
               wea_etype_name(m.header.etype), m.header.count, m.len);
        for (k = 0; k < n; k++) {
            wt_format_element(buf, sizeof buf, m.header.etype,
                              data + (size_t)k * m.header.elsize, 1);
            printf("%s%s", k ? ", " : "", buf);
        }
        printf("]}\n");
    } else {
        char hex[65];
        data_sha256(&m, hex);
        printf("%-14s%s\n", t.shm != NULL ? "shm:" : "file:",
               t.shm != NULL ? t.shm : t.file);
        printf("block length: %zu bytes\n", m.len);
        printf("etype:        %u (%s, %zu bytes)\n", (unsigned)m.header.etype,
               wea_etype_name(m.header.etype), m.header.elsize);
        printf("ndims:        %u\n", (unsigned)m.header.ndims);
        printf("dims:         (");
        for (d = 0; d < m.header.ndims; d++) {
            printf("%s%" PRId64, d ? ", " : "", m.header.dims[d]);
        }
        printf("%s)\n", m.header.ndims == 1 ? "," : "");
        printf("data offset:  %" PRId64 "%s\n", m.header.offset,
               m.header.offset == (int64_t)wea_canonical_offset(m.header.ndims)
                   ? ""
                   : " (legacy offset of wea 0.1.3)");
        printf("data length:  %" PRId64 " bytes\n", m.header.len_data);
        printf("elements:     %" PRId64 "\n", m.header.count);
        printf("sha256:       %s\n", hex);
        if (n > 0) {
            printf("first %" PRIu64 " of %" PRId64
                   " elements (memory order):\n ",
                   n, m.header.count);
            for (k = 0; k < n; k++) {
                wt_format_element(buf, sizeof buf, m.header.etype,
                                  data + (size_t)k * m.header.elsize, 0);
                printf(" %s", buf);
            }
            printf("\n");
        }
    }
    (void)wea_unmap(&m, NULL);
    return 0;
}

/* Parses "3,4" into dims; "" and "()" are 0-d. */
static int parse_shape(const char *s, int64_t dims[WEA_MAX_NDIMS],
                       unsigned *ndims)
{
    unsigned n = 0;
    const char *p = s;
    if (strcmp(s, "") == 0 || strcmp(s, "()") == 0) {
        *ndims = 0;
        return 0;
    }
    for (;;) {
        char *end = NULL;
        long long v;
        if (*p < '0' || *p > '9' || n >= WEA_MAX_NDIMS) {
            return -1;
        }
        errno = 0;
        v = strtoll(p, &end, 10);
        if (errno == ERANGE || end == p) {
            return -1;
        }
        dims[n++] = (int64_t)v;
        if (*end == '\0') {
            break;
        }
        if (*end != ',') {
            return -1;
        }
        p = end + 1;
    }
    *ndims = n;
    return 0;
}

static int parse_mode(const char *s, unsigned *mode)
{
    char *end = NULL;
    unsigned long v;
    if (s[0] < '0' || s[0] > '7') {
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 8);
    if (*end != '\0' || errno == ERANGE || v > 0777ul) {
        return -1;
    }
    *mode = (unsigned)v;
    return 0;
}

/* Writes count elements of the fill in chunks to fd. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += (size_t)w;
        n -= (size_t)w;
    }
    return 0;
}

static int create_file(const char *path, const wea_header *h,
                       const wt_fill *fill)
{
    unsigned char buf[65536];
    uint64_t k = 0, total = (uint64_t)h->count;
    size_t per = sizeof buf / h->elsize;
    wea_error err;
    int fd;

    if (wea_write_header(buf, sizeof buf, h->etype, h->ndims, h->dims, NULL,
                         &err) != WEA_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return EXIT_USAGE;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "%s: cannot create %s: %s\n", prog, path,
                strerror(e));
        return e == EACCES || e == EPERM || e == EROFS ? EXIT_NOPERM
                                                       : EXIT_CANTCREAT;
    }
    if (write_all(fd, buf, (size_t)h->offset) != 0) {
        goto ioerr;
    }
    while (k < total) {
        size_t n = total - k < (uint64_t)per ? (size_t)(total - k) : per;
        wt_fill_elements(buf, h->etype, k, n, fill);
        if (write_all(fd, buf, n * h->elsize) != 0) {
            goto ioerr;
        }
        k += n;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto ioerr;
    }
    return 0;
ioerr:
    fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
    if (fd >= 0) {
        (void)close(fd);
    }
    return EXIT_IOERR;
}

static int cmd_create(int argc, char **argv)
{
    const char *shm = NULL, *out = NULL, *type = NULL, *shape = NULL;
    const char *fillarg = "zero";
    target t;
    unsigned mode = WEA_DEFAULT_MODE, ndims = 0;
    int64_t dims[WEA_MAX_NDIMS];
    char msg[256];
    uint16_t etype;
    wea_header h;
    wea_error err;
    wea_status st;
    wt_fill fill;
    int i;

    memset(&t, 0, sizeof t);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(usage_create, stdout);
            return 0;
        } else if (a[0] != '-' || a[1] == '\0') {
            if (set_target(&t, a, 0) != 0) {
                return usage_error(usage_create, "one TARGET only, not also "
                                   "%s", a);
            }
        } else if (i + 1 >= argc) {
            return usage_error(usage_create, "unknown option or missing "
                               "value: %s", a);
        } else if (strcmp(a, "--shm") == 0 || strcmp(a, "--out") == 0 ||
                   strcmp(a, "--file") == 0) {
            if (set_target(&t, argv[++i], a[2] == 's' ? 's' : 'f') != 0) {
                return usage_error(usage_create, "one TARGET only, not also "
                                   "%s", argv[i]);
            }
        } else if (strcmp(a, "--type") == 0) {
            type = argv[++i];
        } else if (strcmp(a, "--shape") == 0) {
            shape = argv[++i];
        } else if (strcmp(a, "--fill") == 0) {
            fillarg = argv[++i];
        } else if (strcmp(a, "--mode") == 0) {
            if (parse_mode(argv[++i], &mode) != 0) {
                return usage_error(usage_create, "--mode %s: expected octal "
                                   "permission bits, at most 777", argv[i]);
            }
        } else {
            return usage_error(usage_create, "unknown option %s", a);
        }
    }
    shm = t.shm;
    out = t.file;
    if (shm == NULL && out == NULL) {
        return usage_error(usage_create, "%s", "give a TARGET: /NAME, a "
                           "FILE, --shm NAME or --out FILE");
    }
    if (type == NULL || shape == NULL) {
        return usage_error(usage_create, "%s", "--type and --shape are "
                           "required");
    }
    if (wea_etype_from_name(type, &etype, &err) != WEA_OK) {
        return usage_error(usage_create, "%s", err.message);
    }
    if (parse_shape(shape, dims, &ndims) != 0) {
        return usage_error(usage_create, "--shape %s: expected up to "
                           WEATOOL_STR(WEA_MAX_NDIMS)
                           " comma-separated lengths (0 or more)", shape);
    }
    if (wt_parse_fill(fillarg, etype, &fill, msg, sizeof msg) != 0) {
        return usage_error(usage_create, "%s", msg);
    }
    st = wea_make_header(etype, ndims, dims, &h, &err);
    if (st != WEA_OK) {
        return usage_error(usage_create, "%s", err.message);
    }
    if (out != NULL) {
        return create_file(out, &h, &fill);
    } else {
        wea_mapping m;
        unsigned char *init = NULL;
        /* The elements are written before publication (§8.2.2 C6): fill
         * a buffer that wea_shm_create() copies in before C7. */
        if (fill.kind != WT_FILL_ZERO && h.len_data > 0) {
            if ((uint64_t)h.len_data > (uint64_t)SIZE_MAX ||
                (init = (unsigned char *)malloc((size_t)h.len_data)) == NULL) {
                fprintf(stderr, "%s: cannot allocate %" PRId64 " bytes for "
                        "the elements\n", prog, h.len_data);
                return EXIT_IOERR;
            }
            wt_fill_elements(init, etype, 0, (size_t)h.count, &fill);
        }
        st = wea_shm_create(shm, etype, ndims, dims, init, mode, &m, &err);
        free(init);
        if (st != WEA_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return is_format_status(st) ? EXIT_USAGE : exit_for_binding(st);
        }
        (void)wea_unmap(&m, NULL);
        return 0;
    }
}

static int cmd_fill(int argc, char **argv)
{
    const char *fillarg = NULL;
    char msg[256];
    target t;
    wea_mapping m;
    wt_fill fill;
    int i, rc;

    memset(&t, 0, sizeof t);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_fill, stdout);
            return 0;
        } else if (a[0] != '-' || a[1] == '\0') {
            if (set_target(&t, a, 0) != 0) {
                return usage_error(usage_fill, "one TARGET only, not also "
                                   "%s", a);
            }
        } else if ((strcmp(a, "--shm") == 0 || strcmp(a, "--file") == 0) &&
                   i + 1 < argc) {
            if (set_target(&t, argv[++i], a[2] == 's' ? 's' : 'f') != 0) {
                return usage_error(usage_fill, "one TARGET only, not also "
                                   "%s", argv[i]);
            }
        } else if (strcmp(a, "--fill") == 0 && i + 1 < argc) {
            fillarg = argv[++i];
        } else {
            return usage_error(usage_fill, "unknown option or missing "
                               "value: %s", a);
        }
    }
    if ((t.shm == NULL && t.file == NULL) || fillarg == NULL) {
        return usage_error(usage_fill, "%s", "a TARGET and --fill are "
                           "required");
    }
    rc = open_block(&t, 1, 0, &m, "fill");
    if (rc != 0) {
        return rc;
    }
    if (wt_parse_fill(fillarg, m.header.etype, &fill, msg, sizeof msg) != 0) {
        (void)wea_unmap(&m, NULL);
        return usage_error(usage_fill, "%s", msg);
    }
    wt_fill_elements((unsigned char *)wea_mapping_data_mut(&m),
                     m.header.etype, 0, (size_t)m.header.count, &fill);
    (void)wea_unmap(&m, NULL);
    return 0;
}

static int cmd_unlink(int argc, char **argv)
{
    wea_error err;
    wea_status st;
    target t;
    int i;

    memset(&t, 0, sizeof t);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_unlink, stdout);
            return 0;
        } else if (a[0] != '-' || a[1] == '\0') {
            if (!is_shm_name(a)) {
                /* a path, not a name: said in words, as `wea rm` does */
                if (strchr(a, '/') == NULL && access(a, F_OK) != 0) {
                    fprintf(stderr, "%s: %s: not a shared-memory name: they "
                            "start with '/' (`weatool unlink /%s`)\n", prog,
                            a, a);
                } else {
                    fprintf(stderr, "%s: %s: %s, not a shared-memory name: "
                            "unlink removes shared-memory objects only "
                            "(/NAME); remove a file with rm(1)\n", prog, a,
                            access(a, F_OK) == 0 ? "a file" : "a file path");
                }
                return EXIT_USAGE;
            }
            if (set_target(&t, a, 's') != 0) {
                return usage_error(usage_unlink, "one NAME only, not also "
                                   "%s", a);
            }
        } else if (strcmp(a, "--shm") == 0 && i + 1 < argc) {
            if (set_target(&t, argv[++i], 's') != 0) {
                return usage_error(usage_unlink, "one NAME only, not also "
                                   "%s", argv[i]);
            }
        } else {
            return usage_error(usage_unlink, "unknown option or missing "
                               "value: %s", a);
        }
    }
    if (t.shm == NULL) {
        return usage_error(usage_unlink, "%s", "a /NAME (or --shm NAME) is "
                           "required");
    }
    st = wea_shm_unlink(t.shm, &err);
    if (st != WEA_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return exit_for_binding(st);
    }
    return 0;
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"inspect", cmd_inspect, usage_inspect},
    {"conform", cmd_conform, usage_conform},
    {"create", cmd_create, usage_create},
    {"fill", cmd_fill, usage_fill},
    {"unlink", cmd_unlink, usage_unlink},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

int main(int argc, char **argv)
{
    size_t i;
    int rc;

    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("weatool %s\n", WEA_VERSION);
        return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (strcmp(argv[1], "help") == 0 && argc > 2) {
            for (i = 0; i < N_COMMANDS; i++) {
                if (strcmp(argv[2], commands[i].name) == 0) {
                    print_usage(commands[i].usage, stdout);
                    return 0;
                }
            }
            return usage_error(usage_main, "unknown command %s", argv[2]);
        }
        fputs(usage_main, stdout);
        return 0;
    }
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            rc = commands[i].run(argc - 1, argv + 1);
            if (fflush(stdout) != 0 && rc == 0) {
                fprintf(stderr, "%s: cannot write to stdout\n", prog);
                return EXIT_IOERR;
            }
            return rc;
        }
    }
    return usage_error(usage_main, "unknown command %s", argv[1]);
}
