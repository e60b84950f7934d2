/*
 * _scan: the parse engine's one native seam. Stateless about logs: it knows bytes,
 * lines and a printk time prefix, nothing of boots, tables or records.
 *
 * Pure-Python twin, and the specification of every result: e820scope.ingest.scan
 * (Interner and scan_py). tests/ingest/test_scan.py compares the two with hypothesis,
 * also under AddressSanitizer in CI.
 *
 *   Interner       numbers distinct byte strings 0, 1, 2, ... in order of first sight.
 *                  `messages` is the list of the strings by number. Strings longer
 *                  than max_len are never interned.
 *
 *   scan(interner, buf, pos, end, newline)
 *                  reads the whole lines of buf[pos:end] (each ends with the one-byte
 *                  newline) and returns (next_pos, ids, stamps, starts): next_pos is
 *                  just after the last newline read; ids (int32), stamps (float64) and
 *                  starts (int64) are bytes holding one machine value per line. A line
 *                  that starts with printk's time prefix "[ *D+.DDDDDD] " (at most 20
 *                  digits before the point) is interned without it and its stamp is
 *                  the prefix's value; any other line is interned whole, stamp NaN. A
 *                  line (or rest) longer than the interner's max_len gets id -1.
 *
 * A table of 32-bit slots indexes `messages`; the hash is Python's own bytes hash
 * (same seed, so the twin's dict and this table agree on nothing but the results).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *messages;  /* list of bytes, by id */
    int32_t *slots;      /* -1 empty, else an id */
    Py_hash_t *hashes;   /* hash of messages[id], by id */
    Py_ssize_t nslots;   /* power of two */
    Py_ssize_t cap;      /* room in hashes */
    Py_ssize_t max_len;
} Interner;

static int interner_grow(Interner *self, Py_ssize_t want) {
    Py_ssize_t n = self->nslots ? self->nslots : 1024;
    while (n < want * 2) n *= 2;
    if (n == self->nslots) return 0;
    int32_t *slots = PyMem_Malloc(sizeof(int32_t) * n);
    if (slots == NULL) { PyErr_NoMemory(); return -1; }
    memset(slots, 0xff, sizeof(int32_t) * n);
    Py_ssize_t count = PyList_GET_SIZE(self->messages);
    for (Py_ssize_t id = 0; id < count; id++) {
        Py_ssize_t i = (Py_ssize_t)((size_t)self->hashes[id] & (size_t)(n - 1));
        while (slots[i] >= 0) i = (i + 1) & (n - 1);
        slots[i] = (int32_t)id;
    }
    PyMem_Free(self->slots);
    self->slots = slots;
    self->nslots = n;
    return 0;
}

/* The id of buf[0:len], interned when new; -1 with an exception set on failure. */
static int32_t interner_id(Interner *self, const char *buf, Py_ssize_t len) {
    Py_hash_t h = _Py_HashBytes(buf, len);
    Py_ssize_t count = PyList_GET_SIZE(self->messages);
    Py_ssize_t mask = self->nslots - 1;
    Py_ssize_t i = (Py_ssize_t)((size_t)h & (size_t)mask);
    for (int32_t id; (id = self->slots[i]) >= 0; i = (i + 1) & mask) {
        if (self->hashes[id] != h) continue;
        PyObject *m = PyList_GET_ITEM(self->messages, id);
        if (PyBytes_GET_SIZE(m) == len && memcmp(PyBytes_AS_STRING(m), buf, len) == 0)
            return id;
    }
    if (count >= INT32_MAX - 1) { PyErr_SetString(PyExc_OverflowError, "interner full"); return -1; }
    PyObject *m = PyBytes_FromStringAndSize(buf, len);
    if (m == NULL) return -1;
    if (PyList_Append(self->messages, m) < 0) { Py_DECREF(m); return -1; }
    Py_DECREF(m);
    if (count >= self->cap) {
        Py_ssize_t cap = self->cap ? self->cap * 2 : 1024;
        Py_hash_t *hs = PyMem_Realloc(self->hashes, sizeof(Py_hash_t) * cap);
        if (hs == NULL) { PyErr_NoMemory(); return -1; }
        self->hashes = hs;
        self->cap = cap;
    }
    self->hashes[count] = h;
    self->slots[i] = (int32_t)count;
    if ((count + 1) * 2 > self->nslots && interner_grow(self, count + 1) < 0) return -1;
    return (int32_t)count;
}

static int Interner_init(Interner *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"max_len", NULL};
    Py_ssize_t max_len = 400;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|n", names, &max_len)) return -1;
    Py_XSETREF(self->messages, PyList_New(0));
    if (self->messages == NULL) return -1;
    PyMem_Free(self->slots);
    self->slots = NULL;
    self->nslots = 0;
    self->max_len = max_len;
    return interner_grow(self, 1);
}

static PyObject *Interner_clear(Interner *self, PyObject *unused) {
    if (PyList_SetSlice(self->messages, 0, PyList_GET_SIZE(self->messages), NULL) < 0)
        return NULL;
    memset(self->slots, 0xff, sizeof(int32_t) * self->nslots);
    Py_RETURN_NONE;
}

static Py_ssize_t Interner_len(Interner *self) {
    return PyList_GET_SIZE(self->messages);
}

static PyObject *Interner_intern(Interner *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *res = NULL;
    if (b.len > self->max_len) res = PyLong_FromLong(-1);
    else {
        int32_t id = interner_id(self, b.buf, b.len);
        if (id >= 0) res = PyLong_FromLong(id);
    }
    PyBuffer_Release(&b);
    return res;
}

static void Interner_dealloc(Interner *self) {
    Py_XDECREF(self->messages);
    PyMem_Free(self->slots);
    PyMem_Free(self->hashes);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Interner_messages(Interner *self, void *closure) {
    return Py_NewRef(self->messages);
}

static PyMethodDef Interner_methods[] = {
    {"clear", (PyCFunction)Interner_clear, METH_NOARGS, "Forget every string."},
    {"intern", (PyCFunction)Interner_intern, METH_O, "The id of a byte string (-1: too long)."},
    {NULL}};
static PyGetSetDef Interner_getset[] = {
    {"messages", (getter)Interner_messages, NULL, "the strings, by id", NULL}, {NULL}};
static PySequenceMethods Interner_seq = {.sq_length = (lenfunc)Interner_len};

static PyTypeObject InternerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "e820scope._native._scan.Interner",
    .tp_basicsize = sizeof(Interner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Interner_init,
    .tp_dealloc = (destructor)Interner_dealloc,
    .tp_methods = Interner_methods,
    .tp_getset = Interner_getset,
    .tp_as_sequence = &Interner_seq,
    .tp_doc = "Numbers distinct byte strings in order of first sight.",
};

/* Length of printk's time prefix at p[0:n] ("[ *D{1,20}.DDDDDD] "), 0 when absent;
 * *digits is set to where the number starts and *numlen to its length. */
static Py_ssize_t time_prefix(const char *p, Py_ssize_t n, const char **digits, Py_ssize_t *numlen) {
    if (n < 11 || p[0] != '[') return 0;
    Py_ssize_t i = 1;
    while (i < n && p[i] == ' ') i++;
    Py_ssize_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    if (i == d0 || i - d0 > 20 || i >= n || p[i] != '.') return 0;
    i++;
    for (int k = 0; k < 6; k++, i++)
        if (i >= n || p[i] < '0' || p[i] > '9') return 0;
    if (i + 1 >= n || p[i] != ']' || p[i + 1] != ' ') return 0;
    *digits = p + d0;
    *numlen = i - d0;
    return i + 2;
}

static PyObject *scan(PyObject *mod, PyObject *args) {
    PyObject *ip;
    Py_buffer b;
    Py_ssize_t pos, end;
    int newline;
    if (!PyArg_ParseTuple(args, "O!y*nni", &InternerType, &ip, &b, &pos, &end, &newline))
        return NULL;
    Interner *in = (Interner *)ip;
    PyObject *res = NULL, *ids = NULL, *stamps = NULL, *starts = NULL;
    const char *buf = b.buf;
    if (pos < 0) pos = 0;
    if (end > b.len) end = b.len;
    Py_ssize_t n = 0, last = -1;
    for (Py_ssize_t i = pos; i < end; i++)
        if (buf[i] == (char)newline) { n++; last = i; }
    ids = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    stamps = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    starts = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (ids == NULL || stamps == NULL || starts == NULL) goto done;
    int32_t *id_out = (int32_t *)PyBytes_AS_STRING(ids);
    double *ts_out = (double *)PyBytes_AS_STRING(stamps);
    int64_t *st_out = (int64_t *)PyBytes_AS_STRING(starts);
    char num[32];
    Py_ssize_t p = pos;
    for (Py_ssize_t k = 0; k < n; k++) {
        const char *line = buf + p;
        const char *nl = memchr(line, newline, (size_t)(end - p));
        Py_ssize_t len = nl - line;
        const char *digits = NULL;
        Py_ssize_t numlen = 0;
        Py_ssize_t skip = time_prefix(line, len, &digits, &numlen);
        double ts = Py_NAN;
        if (skip && numlen <= 16) {
            /* integer microseconds < 2^53 and 1e6 are exact doubles, so the quotient
             * is the correctly rounded value of the decimal, as float() reads it */
            int64_t us = 0;
            for (Py_ssize_t d = 0; d < numlen; d++)
                if (digits[d] != '.') us = us * 10 + (digits[d] - '0');
            ts = (double)us / 1e6;
        } else if (skip) {
            memcpy(num, digits, (size_t)numlen);
            num[numlen] = '\0';
            ts = PyOS_string_to_double(num, NULL, NULL);
            if (ts == -1.0 && PyErr_Occurred()) goto done;
        }
        int32_t id = -1;
        if (len - skip <= in->max_len) {
            id = interner_id(in, line + skip, len - skip);
            if (id < 0) goto done;
        }
        id_out[k] = id;
        ts_out[k] = ts;
        st_out[k] = (int64_t)p;
        p += len + 1;
    }
    res = Py_BuildValue("nOOO", last >= 0 ? last + 1 : pos, ids, stamps, starts);
done:
    Py_XDECREF(ids);
    Py_XDECREF(stamps);
    Py_XDECREF(starts);
    PyBuffer_Release(&b);
    return res;
}

static PyMethodDef module_methods[] = {
    {"scan", scan, METH_VARARGS, "scan(interner, buf, pos, end, newline) -> (next_pos, ids, stamps, starts)"},
    {NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "e820scope._native._scan",
    .m_doc = "The parse engine's native seam (twin: e820scope.ingest.scan).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&InternerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Interner", (PyObject *)&InternerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
