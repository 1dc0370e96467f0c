/*
 * wea._speedups: the compiled part of the `wea` package.
 *
 * `wea` is complete in pure Python; the install compiles this module when
 * a C compiler and the Python headers are there (python/setup.py), and
 * `wea._accel` chooses it once, at import. It owns four whole jobs that
 * plain Python and numpy cannot make as fast (bench/results/results.md
 * has each figure with and without it):
 *
 *   copy_transposed(dst, src)  the cache-blocked transposing copy of
 *                              `dumps`, `save` and `create_shared_array`
 *                              for a source that is not in the block's
 *                              memory order;
 *   new_block(size)            a bytearray of `size` bytes for a new block,
 *                              its memory not yet touched and advised for
 *                              transparent huge pages (Linux);
 *   array_wrap(arr, context=None, return_scalar=False)
 *                              numpy 2's `__array_wrap__` of a wea array
 *                              (a ufunc's result is a plain ndarray), so
 *                              that no Python runs per ufunc call;
 *   shm_attach(name, writable) the attach of spec §8.2.3, done by the C
 *                              reference reader (c/src: pread, A1, mmap,
 *                              fstat again) in one call; a refusal comes
 *                              back as the reader's status, errno and
 *                              message, which wea raises as its error.
 *
 * Nothing here parses or validates a header of its own: the attach is the
 * C reader's, which returns the fields of the one header snapshot it
 * validated; the Python package views the data with those.
 *
 * API is the version of this interface; `wea._accel` ignores a module
 * whose API it does not know.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wea_posix.h" /* first of the C reader's headers: feature macros */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEL_API 2

/* ------------------------------------------------------------------ */
/* copy_transposed                                                     */
/* ------------------------------------------------------------------ */

/* The copy works on tiles of TP elements along the destination's
 * contiguous axis p by TQ along the source's fastest axis q, in micro
 * blocks of M x M elements, M elements being one 64-byte cache line of
 * the destination (8 for 1- and 2-byte items). Two kinds of pass:
 *
 *   plain   ordinary stores, tiles of 64 x 256;
 *   stream  non-temporal stores (x86-64), tiles of 32 x 1024, for a large
 *           destination whose rows start on cache lines (a WA-1 block's
 *           data does, at 64 bytes): each micro block writes whole lines
 *           that bypass the cache, so the destination neither evicts the
 *           source nor is read before it is written.
 *
 * On the project's 2-core machine, for a 64 MiB float64 array (bench/):
 * numpy's strided copy took 9 times a memcpy, plain numpy tiles 3 to 5,
 * the plain pass 1.0 to 2.1 (the worst with power-of-two strides on huge
 * pages), the stream pass 0.6 to 0.9. */
#define LINE 64
#define STREAM_MIN ((Py_ssize_t)1 << 22) /* bytes: below, the cache helps */

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define HAVE_STREAM 1
#define STREAM64(dst, v) _mm_stream_si64((long long *)(dst), (long long)(v))
#define STREAM32(dst, v) _mm_stream_si32((int *)(dst), (int)(v))
#define STREAM_FENCE() _mm_sfence()
#else
#define HAVE_STREAM 0
#define STREAM64(dst, v) (*(dst) = (v))
#define STREAM32(dst, v) (*(dst) = (v))
#define STREAM_FENCE() ((void)0)
#endif

typedef struct {
    uint64_t lo, hi;
} u128;

#define PLAIN_STORE(d, v) (*(d) = (v))
#define STREAM_STORE_4(d, v) STREAM32(d, v)
#define STREAM_STORE_8(d, v) STREAM64(d, v)
#define STREAM_STORE_16(d, v) \
    (STREAM64(&(d)->lo, (v).lo), STREAM64(&(d)->hi, (v).hi))

/* One 2-D pass: dst[q * dq + p] = src[p * sp + q * sq] for p < P, q < Q,
 * strides in elements (dst's along p is 1); the edges that do not fill a
 * micro block are copied with plain stores. */
#define DEFINE_PASS(NAME, T, M, TP, TQ, STORE)                                \
    static void NAME(char *dst_, const char *src_, Py_ssize_t P,             \
                     Py_ssize_t Q, Py_ssize_t sp, Py_ssize_t sq,             \
                     Py_ssize_t dq)                                           \
    {                                                                         \
        T *restrict dst = (T *)dst_;                                          \
        const T *restrict src = (const T *)src_;                              \
        Py_ssize_t q0, p0, q, p, a, b;                                        \
        for (q0 = 0; q0 < Q; q0 += (TQ)) {                                    \
            Py_ssize_t q1 = q0 + (TQ) < Q ? q0 + (TQ) : Q;                    \
            for (p0 = 0; p0 < P; p0 += (TP)) {                                \
                Py_ssize_t p1 = p0 + (TP) < P ? p0 + (TP) : P;                \
                for (q = q0; q + (M) <= q1; q += (M)) {                       \
                    for (p = p0; p + (M) <= p1; p += (M)) {                   \
                        for (a = 0; a < (M); a++) {                           \
                            T *d = dst + (q + a) * dq + p;                    \
                            const T *s = src + p * sp + (q + a) * sq;         \
                            for (b = 0; b < (M); b++) {                       \
                                STORE(d + b, s[b * sp]);                      \
                            }                                                 \
                        }                                                     \
                    }                                                         \
                    for (; p < p1; p++) {                                     \
                        for (a = 0; a < (M); a++) {                           \
                            dst[(q + a) * dq + p] = src[p * sp + (q + a) * sq]; \
                        }                                                     \
                    }                                                         \
                }                                                             \
                for (; q < q1; q++) {                                         \
                    for (p = p0; p < p1; p++) {                               \
                        dst[q * dq + p] = src[p * sp + q * sq];               \
                    }                                                         \
                }                                                             \
            }                                                                 \
        }                                                                     \
    }

DEFINE_PASS(plain_1, uint8_t, 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_2, uint16_t, 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_4, uint32_t, LINE / 4, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_8, uint64_t, LINE / 8, 64, 256, PLAIN_STORE)
DEFINE_PASS(plain_16, u128, LINE / 16, 64, 256, PLAIN_STORE)
#if HAVE_STREAM
DEFINE_PASS(stream_4, uint32_t, LINE / 4, 32, 1024, STREAM_STORE_4)
DEFINE_PASS(stream_8, uint64_t, LINE / 8, 32, 1024, STREAM_STORE_8)
DEFINE_PASS(stream_16, u128, LINE / 16, 32, 1024, STREAM_STORE_16)
#endif

typedef void (*pass_fn)(char *, const char *, Py_ssize_t, Py_ssize_t,
                        Py_ssize_t, Py_ssize_t, Py_ssize_t);

/* How a plane is copied: the first `head` elements of each destination
 * row (up to its first cache line) by `plain`, the rest by `body`, which
 * streams where the destination is large and its rows (`row` bytes long)
 * are whole cache lines, so that every micro block of `body` writes whole
 * lines. Only for an item size plain_for() handles. */
typedef struct {
    pass_fn plain, body;
    Py_ssize_t head;
} passes;

/* The plain pass for this item size; NULL for a size no pass handles. */
static pass_fn plain_for(Py_ssize_t itemsize)
{
    switch (itemsize) {
    case 1: return plain_1;
    case 2: return plain_2;
    case 4: return plain_4;
    case 8: return plain_8;
    case 16: return plain_16;
    default: return NULL;
    }
}

static passes passes_for(Py_ssize_t itemsize, const void *dst, Py_ssize_t row,
                         Py_ssize_t total)
{
    passes ps = {NULL, NULL, 0};
    ps.plain = ps.body = plain_for(itemsize);
#if HAVE_STREAM
    if (total >= STREAM_MIN && row % LINE == 0) {
        switch (itemsize) {
        case 4: ps.body = stream_4; break;
        case 8: ps.body = stream_8; break;
        case 16: ps.body = stream_16; break;
        default: break;
        }
        if (ps.body != ps.plain) {
            ps.head = (Py_ssize_t)((LINE - (uintptr_t)dst % LINE) % LINE) / itemsize;
        }
    }
#else
    (void)dst;
    (void)row;
    (void)total;
#endif
    return ps;
}

/* Whether a buffer's address and strides are multiples of its item size,
 * the alignment the typed pass reads and writes with (16-byte items: 8). */
static int aligned(const Py_buffer *v)
{
    Py_ssize_t align = v->itemsize > 8 ? 8 : v->itemsize;
    int i;
    if ((uintptr_t)v->buf % (uintptr_t)align != 0) {
        return 0;
    }
    for (i = 0; i < v->ndim; i++) {
        if (v->shape[i] > 1 && v->strides[i] % v->itemsize != 0) {
            return 0;
        }
    }
    return 1;
}

/* Whether the bytes `s` spans (from its lowest to its highest element)
 * meet dst's `len` bytes: the passes read and write through restrict
 * pointers, so overlapping arrays are left to the caller's copy. */
static int overlaps(const Py_buffer *d, const Py_buffer *s)
{
    uintptr_t lo = (uintptr_t)s->buf, hi = (uintptr_t)s->buf;
    int i;
    for (i = 0; i < s->ndim; i++) {
        uintptr_t span = (uintptr_t)(s->strides[i] < 0 ? -s->strides[i]
                                                       : s->strides[i]) *
                         (uintptr_t)(s->shape[i] - 1);
        if (s->strides[i] < 0) {
            lo -= span;
        } else {
            hi += span;
        }
    }
    hi += (uintptr_t)s->itemsize;
    return lo < (uintptr_t)d->buf + (uintptr_t)d->len && (uintptr_t)d->buf < hi;
}

/* The copy, once both buffers passed the checks: the axes other than p
 * and q are walked with an odometer, and each (p, q) plane is one pass.
 * `dstr`: dst's strides in bytes, C-contiguous (an exporter may report
 * any stride for an axis of extent 1). */
static void copy_planes(const Py_buffer *d, const Py_ssize_t *dstr,
                        const Py_buffer *s, int p, int q, passes ps)
{
    Py_ssize_t isz = d->itemsize;
    Py_ssize_t idx[64] = {0};
    Py_ssize_t doff = 0, soff = 0;
    Py_ssize_t sp = s->strides[p] / isz, sq = s->strides[q] / isz;
    Py_ssize_t head = ps.head < d->shape[p] ? ps.head : d->shape[p];
    int n = d->ndim, k;
    for (;;) {
        char *dp = (char *)d->buf + doff;
        const char *sp0 = (const char *)s->buf + soff;
        if (head > 0) {
            ps.plain(dp, sp0, head, d->shape[q], sp, sq, dstr[q] / isz);
        }
        ps.body(dp + head * isz, sp0 + head * s->strides[p],
                d->shape[p] - head, d->shape[q], sp, sq, dstr[q] / isz);
        for (k = n - 1; k >= 0; k--) {
            if (k == p || k == q) {
                continue;
            }
            if (++idx[k] < d->shape[k]) {
                doff += dstr[k];
                soff += s->strides[k];
                break;
            }
            doff -= dstr[k] * (idx[k] - 1);
            soff -= s->strides[k] * (idx[k] - 1);
            idx[k] = 0;
        }
        if (k < 0) {
            return;
        }
    }
}

PyDoc_STRVAR(copy_transposed_doc,
"copy_transposed(dst, src, /)\n--\n\n"
"Copy `src` into the C-contiguous `dst` of the same shape and item size,\n"
"tile by tile, where `dst`'s last axis is not `src`'s fastest.\n\n"
"Return True if copied, False if these arrays are not a case for it (a\n"
"shape, item size or alignment it does not handle): the caller then\n"
"copies them itself. The GIL is released during the copy.");

static PyObject *copy_transposed(PyObject *self, PyObject *const *args,
                                 Py_ssize_t nargs)
{
    Py_buffer d, s;
    Py_ssize_t dstr[64], best = 0;
    PyObject *done = Py_False;
    passes ps;
    int p, q, i;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "copy_transposed() takes exactly 2 arguments");
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &d,
                           PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &s, PyBUF_STRIDES) != 0) {
        PyBuffer_Release(&d);
        return NULL;
    }
    if (plain_for(d.itemsize) == NULL ||
        d.itemsize != s.itemsize || d.ndim != s.ndim || d.ndim < 2 ||
        d.ndim > 64 || !aligned(&d) || !aligned(&s)) {
        goto out;
    }
    for (i = 0; i < d.ndim; i++) {
        if (d.shape[i] != s.shape[i]) {
            goto out;
        }
        if (d.shape[i] == 0) {
            done = Py_True; /* nothing to copy */
            goto out;
        }
    }
    /* p: dst's contiguous axis; q: src's fastest (the smallest stride
     * among the axes longer than 1, the last such axis on a tie), which
     * must be another one. */
    p = d.ndim - 1;
    q = -1;
    for (i = 0; i < s.ndim; i++) {
        Py_ssize_t a = s.strides[i] < 0 ? -s.strides[i] : s.strides[i];
        if (s.shape[i] > 1 && (q < 0 || a <= best)) {
            q = i;
            best = a;
        }
    }
    if (q < 0 || q == p || d.shape[p] == 1 || overlaps(&d, &s)) {
        goto out;
    }
    dstr[d.ndim - 1] = d.itemsize;
    for (i = d.ndim - 2; i >= 0; i--) {
        dstr[i] = dstr[i + 1] * d.shape[i + 1];
    }
    /* every row of dst is as far from a line as the first one if its last
     * axis is whole lines */
    ps = passes_for(d.itemsize, d.buf, dstr[d.ndim - 2], d.len);
    Py_BEGIN_ALLOW_THREADS
    copy_planes(&d, dstr, &s, p, q, ps);
    STREAM_FENCE(); /* the streamed stores are visible before any later
                     * store, such as the magic that publishes (C7) */
    Py_END_ALLOW_THREADS
    done = Py_True;
out:
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    return Py_NewRef(done);
}

/* ------------------------------------------------------------------ */
/* array_wrap                                                          */
/* ------------------------------------------------------------------ */

PyDoc_STRVAR(array_wrap_doc,
"array_wrap(arr, context=None, return_scalar=False, /)\n--\n\n"
"numpy 2's ``__array_wrap__`` of a wea array, as a static method: return\n"
"`arr` (the plain result of a ufunc), or ``arr[()]`` when numpy asks for\n"
"a scalar.");

static PyObject *array_wrap(PyObject *self, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *arr, *scalar = NULL;
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames), i;
    (void)self;
    if (nargs < 1 || nargs + nkw > 3) {
        PyErr_SetString(PyExc_TypeError,
                        "__array_wrap__() takes from 1 to 3 arguments");
        return NULL;
    }
    arr = args[0];
    if (nargs == 3) {
        scalar = args[2];
    }
    for (i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(key, "return_scalar") == 0) {
            scalar = args[nargs + i];
        } else if (PyUnicode_CompareWithASCIIString(key, "context") != 0) {
            PyErr_Format(PyExc_TypeError,
                         "__array_wrap__() got an unexpected keyword "
                         "argument %R", key);
            return NULL;
        }
    }
    if (scalar != NULL) {
        int yes = PyObject_IsTrue(scalar);
        if (yes < 0) {
            return NULL;
        }
        if (yes) {
            PyObject *empty = PyTuple_New(0), *r;
            if (empty == NULL) {
                return NULL;
            }
            r = PyObject_GetItem(arr, empty);
            Py_DECREF(empty);
            return r;
        }
    }
    return Py_NewRef(arr);
}

/* ------------------------------------------------------------------ */
/* shm_attach                                                          */
/* ------------------------------------------------------------------ */

/* A mapping made by the C reader; a buffer of its whole length, unmapped
 * when the last reference (the last memoryview of it) is gone. */
typedef struct {
    PyObject_HEAD
    void *addr;
    size_t len;
    int readonly;
} Mapping;

static int mapping_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    Mapping *m = (Mapping *)obj;
    return PyBuffer_FillInfo(view, obj, m->addr, (Py_ssize_t)m->len,
                             m->readonly, flags);
}

static void mapping_dealloc(PyObject *obj)
{
    Mapping *m = (Mapping *)obj;
    if (m->addr != NULL) {
        (void)munmap(m->addr, m->len);
    }
    Py_TYPE(obj)->tp_free(obj);
}

static PyBufferProcs mapping_as_buffer = {mapping_getbuffer, NULL};

static PyTypeObject MappingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wea._speedups.Mapping",
    .tp_basicsize = sizeof(Mapping),
    .tp_dealloc = mapping_dealloc,
    .tp_as_buffer = &mapping_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A shared mapping of a validated block; unmapped when freed.",
};

PyDoc_STRVAR(shm_attach_doc,
"shm_attach(name, writable, /)\n--\n\n"
"Attach the shared-memory object `name` (a str, normalized: \"/...\") with\n"
"the C reader's wea_shm_attach steps (spec §8.2.3).\n\n"
"Return (view, (etype, offset, dims, len_data), length, dev, ino): a\n"
"memoryview of the whole mapping, the fields of the header the C reader\n"
"validated (read once, never from the mapping), the length checked, and\n"
"the object's identity. If the reader refuses the object, return\n"
"(status, errno, message) instead: its wea_status, the errno of a failed\n"
"system call (0 for a format error) and its message.");

/* A refusal: (status, errno, message). */
static PyObject *refusal(const wea_error *e)
{
    return Py_BuildValue("(iis)", (int)e->status, e->sys_errno, e->message);
}

static PyObject *shm_attach(PyObject *self, PyObject *const *args,
                            Py_ssize_t nargs)
{
    unsigned long long ident[2] = {0, 0};
    Py_ssize_t nmlen;
    int writable, fd, i;
    wea_mapping m;
    wea_error err;
    wea_status st;
    Mapping *obj;
    PyObject *view, *dims, *name;
    char given[WEA_SHM_NAME_SIZE], nm[WEA_SHM_NAME_SIZE];
    (void)self;
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "shm_attach(name: str, writable)");
        return NULL;
    }
    writable = PyObject_IsTrue(args[1]);
    if (writable < 0) {
        return NULL;
    }
    name = PyUnicode_EncodeFSDefault(args[0]); /* as os.fsencode() */
    if (name == NULL) {
        return NULL;
    }
    nmlen = PyBytes_GET_SIZE(name);
    if (nmlen >= WEA_SHM_NAME_SIZE ||
        strlen(PyBytes_AS_STRING(name)) != (size_t)nmlen) {
        Py_DECREF(name);
        PyErr_SetString(PyExc_ValueError,
                        "wea: shm_attach() takes a normalized name");
        return NULL;
    }
    memcpy(given, PyBytes_AS_STRING(name), (size_t)nmlen + 1);
    Py_DECREF(name);
    /* The reader's own check of the name (§8.2.1); wea normalized it. */
    if (wea_shm_name_normalize(given, nm, &err) != WEA_OK) {
        return refusal(&err);
    }
    obj = PyObject_New(Mapping, &MappingType);
    if (obj == NULL) {
        return NULL;
    }
    obj->addr = NULL;
    obj->len = 0;
    obj->readonly = !writable;
    Py_BEGIN_ALLOW_THREADS
    /* O_NONBLOCK: a FIFO under this name must not block the open; the
     * reader then refuses it as not a regular file. */
    fd = shm_open(nm, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK, 0);
    st = fd < 0 ? wea__sys_fail(&err, errno, "shm_open",
                                "cannot open shared-memory object %s", nm)
                : wea__shm_map_fd(fd, nm, writable, &m, ident, &err);
    Py_END_ALLOW_THREADS
    if (st != WEA_OK) {
        Py_DECREF(obj);
        return refusal(&err);
    }
    obj->addr = m.addr;
    obj->len = m.len;
    view = PyMemoryView_FromObject((PyObject *)obj);
    Py_DECREF(obj); /* the view holds it now */
    if (view == NULL) {
        return NULL;
    }
    dims = PyTuple_New(m.header.ndims);
    if (dims == NULL) {
        Py_DECREF(view);
        return NULL;
    }
    for (i = 0; i < m.header.ndims; i++) {
        PyObject *d = PyLong_FromLongLong(m.header.dims[i]);
        if (d == NULL) {
            Py_DECREF(dims);
            Py_DECREF(view);
            return NULL;
        }
        PyTuple_SET_ITEM(dims, i, d);
    }
    return Py_BuildValue("(N(iLNL)nKK)", view, (int)m.header.etype,
                         (long long)m.header.offset, dims,
                         (long long)m.header.len_data, (Py_ssize_t)m.len,
                         ident[0], ident[1]);
}

/* ------------------------------------------------------------------ */
/* new_block                                                           */
/* ------------------------------------------------------------------ */

/* A new block of many MiB is fresh memory: faulting it in 4 KiB page by
 * page cost dumps 3 to 5 times a plain copy (64 MiB: 40-55 ms against
 * 7-14 ms on a 2-core VM). Like numpy for its own arrays, ask Linux for
 * transparent huge pages before the memory is first touched. */
#define HUGE_MIN ((Py_ssize_t)1 << 22) /* numpy's threshold for the advice */

PyDoc_STRVAR(new_block_doc,
"new_block(size, /)\n--\n\n"
"Return a bytearray of `size` bytes whose memory is not yet written (its\n"
"contents are undefined), advised for transparent huge pages from 4 MiB\n"
"on where the system has them. The caller writes every byte.");

static PyObject *new_block(PyObject *self, PyObject *arg)
{
    Py_ssize_t size = PyLong_AsSsize_t(arg);
    PyObject *block;
    (void)self;
    if (size < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "new_block: size must be >= 0");
        }
        return NULL;
    }
    block = PyByteArray_FromStringAndSize(NULL, size);
    if (block == NULL) {
        return NULL;
    }
#if defined(MADV_HUGEPAGE)
    if (size >= HUGE_MIN) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t addr = (uintptr_t)PyByteArray_AS_STRING(block);
        uintptr_t end = addr + (uintptr_t)size;
        uintptr_t start = page > 0 ? (addr + page - 1) / page * page : end;
        if (end > start) {
            /* advice only: an error changes nothing */
            (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
        }
    }
#endif
    return block;
}

/* ------------------------------------------------------------------ */

static PyMethodDef methods[] = {
    {"copy_transposed", (PyCFunction)(void (*)(void))copy_transposed,
     METH_FASTCALL, copy_transposed_doc},
    {"array_wrap", (PyCFunction)(void (*)(void))array_wrap,
     METH_FASTCALL | METH_KEYWORDS, array_wrap_doc},
    {"shm_attach", (PyCFunction)(void (*)(void))shm_attach, METH_FASTCALL,
     shm_attach_doc},
    {"new_block", new_block, METH_O, new_block_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "wea._speedups",
    "The compiled part of the wea package (see wea._accel).",
    -1,
    methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    PyObject *mod;
    if (PyType_Ready(&MappingType) < 0) {
        return NULL;
    }
    mod = PyModule_Create(&module);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(mod, "API", ACCEL_API) != 0 ||
        PyModule_AddIntConstant(mod, "STREAM_MIN", (long)STREAM_MIN) != 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
