/*
 * _linescan: the container layer's hot loop, run over a chunk buffer in C.
 *
 * Pure-Python twin: e820scope.ingest.lineproc (LineMachine.run and its two caches).
 * Two types live here:
 *
 *   Table    a bounded map from byte strings to Python objects. LineMachine uses one
 *            for each of its caches (raw line -> cached tail, line minus its printk
 *            time -> cached tail) in place of a dict, so the Python code that fills
 *            them and this module that reads them share the same entries. Keys are
 *            copied into memory the table owns; values are held by reference.
 *            Bounds, as in LineMachine._put: a key longer than max_key is never
 *            stored, and storing into a table that holds max_entries entries first
 *            empties it.
 *
 *   Scanner  walks the physical lines of a bytes buffer and, while every line is a
 *            cache hit, appends the LogLine tuples of the hits to a list (nothing for
 *            a hit whose cached value is the empty tuple). It stops at the first line
 *            that is not a hit and says where; the Python line machine handles that
 *            line and calls scan again. Nothing here knows about machine state: the
 *            caller only scans while the machine is state-free.
 *
 * A cached value is a tuple. In the raw table it is () or (text, timestamp, False,
 * truncated), the tail of a LogLine; in the time table it is () or (text, truncated),
 * and the timestamp comes from the line's own "[%5lu.%06lu] " prefix. A value of any
 * other shape is treated as a miss, so Python decides what to do with the line.
 *
 * Most of the scan's time goes to memory latency (a cache holds tens of thousands of
 * lines, touched in turn), so a Table keeps what a lookup reads first small and
 * together: one byte of hash per slot, then a 32-bit offset, then one record holding
 * the hash, the key and the value's items side by side.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

/* Longest probe sequence of a Table. An entry that would land further from its home
 * slot is not stored (a cache may always miss), so every lookup is bounded even when
 * many keys share a hash. */
#define MAX_PROBE 128

/* Smallest slot array of a Table (a power of two). */
#define MIN_SLOTS 16

/* Per-process hash seed, taken from Python's (randomized) bytes hash at import. */
static uint64_t hash_seed;

/* ------------------------------------------------------------------------------ */
/* Hashing                                                                        */

static const uint64_t K1 = 0x9e3779b97f4a7c15ULL;
static const uint64_t K2 = 0xd6e8feb86659fd93ULL;

static inline uint64_t
read64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* unaligned-safe load */
    return v;
}

static inline uint64_t
read32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t
avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t
lane(uint64_t h, uint64_t w, uint64_t k)
{
    h = (h ^ w) * k;
    return h ^ (h >> 29);
}

/* A fast 64-bit hash of n bytes: two multiply-xorshift lanes over 16-byte steps, the
 * last bytes read with loads that may overlap bytes already read (every byte is read at
 * least once, and the length is part of the start state), one final avalanche. Not meant
 * to resist an attacker who knows the seed; MAX_PROBE bounds the damage of collisions. */
static uint64_t
hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t a = hash_seed ^ ((uint64_t)n * K2);
    uint64_t b = hash_seed + K1;
    if (n > 16) {
        const unsigned char *end = p + n;
        while (end - p > 16) {
            a = lane(a, read64(p), K1);
            b = lane(b, read64(p + 8), K2);
            p += 16;
        }
        a = lane(a, read64(end - 16), K1);
        b = lane(b, read64(end - 8), K2);
    }
    else if (n >= 8) {
        a = lane(a, read64(p), K1);
        b = lane(b, read64(p + n - 8), K2);
    }
    else if (n >= 4) {
        a = lane(a, (read32(p) << 32) | read32(p + n - 4), K1);
    }
    else if (n > 0) {
        a = lane(a, ((uint64_t)p[0] << 16) | ((uint64_t)p[n / 2] << 8) | p[n - 1], K1);
    }
    return avalanche(a ^ (b * K1));
}

/* Length of a printk time prefix "[ *D+.DDDDDD] " (the Python regex
 * rb"\[ *(\d+\.\d{6})\] ") at the start of p[0:n], else 0. */
static Py_ssize_t
prefix_len(const unsigned char *p, Py_ssize_t n)
{
    Py_ssize_t i = 1;
    if (n < 1 || p[0] != '[')
        return 0;
    while (i < n && p[i] == ' ')
        i++;
    Py_ssize_t first = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == first || n - i < 9 || p[i] != '.')
        return 0; /* 9 = ".DDDDDD] " */
    for (Py_ssize_t k = i + 1; k < i + 7; k++) {
        if (p[k] < '0' || p[k] > '9')
            return 0;
    }
    if (p[i + 7] != ']' || p[i + 8] != ' ')
        return 0;
    return i + 9;
}

/* The hash of a printk-time-prefixed key from the hashes of its two parts. */
static inline uint64_t
hash_join(uint64_t prefix, uint64_t rest)
{
    return (prefix * K2) ^ rest;
}

/* The hash of a table key. A key that starts with a printk time prefix is hashed in two
 * parts, so that scanning a line hashes the part after the prefix only once for both
 * tables (the raw line, and the line minus its prefix). */
static uint64_t
key_hash(const unsigned char *p, Py_ssize_t n)
{
    Py_ssize_t k = prefix_len(p, n);
    if (k == 0)
        return hash_bytes(p, (size_t)n);
    return hash_join(hash_bytes(p, (size_t)k), hash_bytes(p + k, (size_t)(n - k)));
}

/* ------------------------------------------------------------------------------ */
/* Table                                                                          */

/* One stored entry; its key bytes follow it in the table's store. */
typedef struct {
    uint64_t hash;
    Py_ssize_t len;     /* key length */
    PyObject *value;    /* strong reference */
    Py_ssize_t shape;   /* the value's length when it is a tuple of at most 4 items, else -1 */
    PyObject *item[4];  /* its items (borrowed from the value, which is immutable) */
} Entry;

#define ENTRY_KEY(e) ((const unsigned char *)((e) + 1))

/* Store space of an entry with an n-byte key: a multiple of 8 bytes, so entries stay
 * aligned; offsets are counted in units of 8 bytes. */
static inline size_t
entry_size(Py_ssize_t n)
{
    return (sizeof(Entry) + (size_t)n + 7) & ~(size_t)7;
}

typedef struct {
    PyObject_HEAD
    uint8_t *tags;    /* per slot: 0 when free, else 0x80 | the top 7 bits of the hash */
    uint32_t *where;  /* per used slot: where its entry is in store, in 8-byte units */
    size_t mask;      /* number of slots - 1; the number of slots is a power of two */
    Py_ssize_t used;
    char *store;      /* every entry, back to back; emptied with the table */
    size_t store_len;
    size_t store_cap;
    Py_ssize_t max_entries;
    Py_ssize_t max_key;
} TableObject;

static PyTypeObject Table_Type;

static inline uint8_t
tag_of(uint64_t h)
{
    return (uint8_t)(0x80 | (h >> 57));
}

static inline Entry *
entry_at(const TableObject *t, size_t slot)
{
    return (Entry *)(t->store + (size_t)t->where[slot] * 8);
}

/* The entry stored under p[0:n], whose key_hash is h, or NULL. */
static Entry *
table_find_h(const TableObject *t, const unsigned char *p, Py_ssize_t n, uint64_t h)
{
    if (n > t->max_key || t->used == 0)
        return NULL;
    uint8_t tag = tag_of(h);
    size_t i = (size_t)h & t->mask;
    for (int k = 0; k < MAX_PROBE; k++, i = (i + 1) & t->mask) {
        uint8_t g = t->tags[i];
        if (g == 0)
            return NULL;
        if (g != tag)
            continue;
        Entry *e = entry_at(t, i);
        if (e->hash == h && e->len == n && (n == 0 || memcmp(ENTRY_KEY(e), p, (size_t)n) == 0))
            return e;
    }
    return NULL;
}

static Entry *
table_find(const TableObject *t, const unsigned char *p, Py_ssize_t n)
{
    if (n > t->max_key || t->used == 0)
        return NULL;
    return table_find_h(t, p, n, key_hash(p, n));
}

/* Point e at value (a new reference is taken; the old one is the caller's to drop). */
static void
entry_set_value(Entry *e, PyObject *value)
{
    Py_INCREF(value);
    e->value = value;
    e->shape = -1;
    for (int k = 0; k < 4; k++)
        e->item[k] = NULL;
    if (PyTuple_Check(value) && PyTuple_GET_SIZE(value) <= 4) {
        e->shape = PyTuple_GET_SIZE(value);
        for (Py_ssize_t k = 0; k < e->shape; k++)
            e->item[k] = PyTuple_GET_ITEM(value, k);
    }
}

/* Release every value of a detached store of len bytes, and the store itself. */
static void
release_store(char *store, size_t len)
{
    for (size_t off = 0; off < len;) {
        Entry *e = (Entry *)(store + off);
        off += entry_size(e->len);
        Py_DECREF(e->value);
    }
    PyMem_Free(store);
}

/* Empty the table. The values are released once the table is consistent again, since
 * releasing one may run arbitrary code. */
static void
table_clear_all(TableObject *t)
{
    char *store = t->store;
    size_t len = t->store_len;
    memset(t->tags, 0, t->mask + 1);
    t->used = 0;
    t->store = NULL;
    t->store_len = 0;
    t->store_cap = 0;
    release_store(store, len);
}

/* Double the slot arrays, placing every entry again. */
static int
table_grow(TableObject *t)
{
    size_t nslots = t->mask + 1;
    if (nslots > ((size_t)PY_SSIZE_T_MAX / sizeof(uint32_t)) / 2) {
        PyErr_NoMemory();
        return -1;
    }
    size_t bigger = nslots * 2;
    uint8_t *tags = PyMem_Calloc(bigger, 1);
    uint32_t *where = PyMem_Malloc(bigger * sizeof(uint32_t));
    if (tags == NULL || where == NULL) {
        PyMem_Free(tags);
        PyMem_Free(where);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < nslots; i++) {
        if (t->tags[i] == 0)
            continue;
        /* a free slot always exists (at most half are used); an entry placed beyond
         * MAX_PROBE is simply never found again */
        uint64_t h = entry_at(t, i)->hash;
        size_t j = (size_t)h & (bigger - 1);
        while (tags[j] != 0)
            j = (j + 1) & (bigger - 1);
        tags[j] = t->tags[i];
        where[j] = t->where[i];
    }
    PyMem_Free(t->tags);
    PyMem_Free(t->where);
    t->tags = tags;
    t->where = where;
    t->mask = bigger - 1;
    return 0;
}

/* Room for a new entry with an n-byte key at the end of the store: its offset in 8-byte
 * units in *at. Returns 1, 0 when the store cannot be addressed that far (the entry is
 * then not cached), or -1 with an exception set. */
static int
table_reserve(TableObject *t, Py_ssize_t n, uint32_t *at)
{
    size_t size = entry_size(n);
    if (t->store_len / 8 > UINT32_MAX || size > PY_SSIZE_T_MAX - t->store_len)
        return 0;
    size_t need = t->store_len + size;
    if (need > t->store_cap) {
        size_t cap = t->store_cap > 0 ? t->store_cap : 1 << 16;
        while (cap < need)
            cap = cap > PY_SSIZE_T_MAX / 2 ? need : cap * 2;
        char *store = PyMem_Realloc(t->store, cap);
        if (store == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->store = store;
        t->store_cap = cap;
    }
    *at = (uint32_t)(t->store_len / 8);
    t->store_len = need;
    return 1;
}

/* Store value under p[0:n], with the bounds of LineMachine._put. */
static int
table_store(TableObject *t, const unsigned char *p, Py_ssize_t n, PyObject *value)
{
    if (n > t->max_key)
        return 0;
    if (t->used >= t->max_entries)
        table_clear_all(t);
    if ((size_t)(t->used + 1) * 2 > t->mask + 1 && table_grow(t) < 0)
        return -1;
    uint64_t h = key_hash(p, n);
    uint8_t tag = tag_of(h);
    size_t i = (size_t)h & t->mask;
    for (int k = 0; k < MAX_PROBE; k++, i = (i + 1) & t->mask) {
        if (t->tags[i] == 0) {
            uint32_t at;
            int rc = table_reserve(t, n, &at);
            if (rc <= 0)
                return rc;
            Entry *e = (Entry *)(t->store + (size_t)at * 8);
            e->hash = h;
            e->len = n;
            if (n > 0)
                memcpy((unsigned char *)(e + 1), p, (size_t)n);
            entry_set_value(e, value);
            t->tags[i] = tag;
            t->where[i] = at;
            t->used++;
            return 0;
        }
        if (t->tags[i] != tag)
            continue;
        Entry *e = entry_at(t, i);
        if (e->hash == h && e->len == n && (n == 0 || memcmp(ENTRY_KEY(e), p, (size_t)n) == 0)) {
            PyObject *old = e->value;
            entry_set_value(e, value);
            Py_DECREF(old);
            return 0;
        }
    }
    return 0; /* too far from its home slot: not cached */
}

/* The bytes of a key argument; only bytes objects are keys. */
static int
key_bytes(PyObject *key, const unsigned char **p, Py_ssize_t *n)
{
    if (!PyBytes_Check(key)) {
        PyErr_Format(PyExc_TypeError, "Table keys are bytes, not %.100s",
                     Py_TYPE(key)->tp_name);
        return -1;
    }
    *p = (const unsigned char *)PyBytes_AS_STRING(key);
    *n = PyBytes_GET_SIZE(key);
    return 0;
}

static PyObject *
Table_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"max_entries", "max_key", NULL};
    Py_ssize_t max_entries, max_key;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nn:Table", kwlist, &max_entries,
                                     &max_key))
        return NULL;
    if (max_entries < 0 || max_key < 0) {
        PyErr_SetString(PyExc_ValueError, "Table bounds must be >= 0");
        return NULL;
    }
    TableObject *t = (TableObject *)type->tp_alloc(type, 0);
    if (t == NULL)
        return NULL;
    t->tags = PyMem_Calloc(MIN_SLOTS, 1);
    t->where = PyMem_Malloc(MIN_SLOTS * sizeof(uint32_t));
    if (t->tags == NULL || t->where == NULL) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    t->mask = MIN_SLOTS - 1;
    t->max_entries = max_entries;
    t->max_key = max_key;
    return (PyObject *)t;
}

static int
Table_traverse(TableObject *t, visitproc visit, void *arg)
{
    for (size_t off = 0; off < t->store_len;) {
        Entry *e = (Entry *)(t->store + off);
        off += entry_size(e->len);
        Py_VISIT(e->value);
    }
    return 0;
}

static int
Table_tp_clear(TableObject *t)
{
    if (t->tags != NULL)
        table_clear_all(t);
    return 0;
}

static void
Table_dealloc(TableObject *t)
{
    PyObject_GC_UnTrack(t);
    Table_tp_clear(t);
    PyMem_Free(t->tags);
    PyMem_Free(t->where);
    t->tags = NULL;
    t->where = NULL;
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static Py_ssize_t
Table_length(TableObject *t)
{
    return t->used;
}

static PyObject *
Table_subscript(TableObject *t, PyObject *key)
{
    const unsigned char *p;
    Py_ssize_t n;
    if (key_bytes(key, &p, &n) < 0)
        return NULL;
    Entry *e = table_find(t, p, n);
    if (e == NULL) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    Py_INCREF(e->value);
    return e->value;
}

static int
Table_ass_subscript(TableObject *t, PyObject *key, PyObject *value)
{
    const unsigned char *p;
    Py_ssize_t n;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "Table entries cannot be deleted (use clear())");
        return -1;
    }
    if (key_bytes(key, &p, &n) < 0)
        return -1;
    return table_store(t, p, n, value);
}

static int
Table_contains(TableObject *t, PyObject *key)
{
    const unsigned char *p;
    Py_ssize_t n;
    if (key_bytes(key, &p, &n) < 0)
        return -1;
    return table_find(t, p, n) != NULL;
}

static PyObject *
Table_get(TableObject *t, PyObject *const *args, Py_ssize_t nargs)
{
    const unsigned char *p;
    Py_ssize_t n;
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get() takes a key and an optional default");
        return NULL;
    }
    if (key_bytes(args[0], &p, &n) < 0)
        return NULL;
    Entry *e = table_find(t, p, n);
    PyObject *v = e != NULL ? e->value : nargs == 2 ? args[1] : Py_None;
    Py_INCREF(v);
    return v;
}

static PyObject *
Table_clear_method(TableObject *t, PyObject *Py_UNUSED(ignored))
{
    table_clear_all(t);
    Py_RETURN_NONE;
}
static PyMethodDef Table_methods[] = {
    {"get", (PyCFunction)(void (*)(void))Table_get, METH_FASTCALL,
     "get(key, default=None): the value stored under the bytes key, else default."},
    {"clear", (PyCFunction)(void (*)(void))Table_clear_method, METH_NOARGS, "Remove every entry."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Table_members[] = {
    {"max_entries", T_PYSSIZET, offsetof(TableObject, max_entries), READONLY,
     "storing into a table holding this many entries empties it first"},
    {"max_key", T_PYSSIZET, offsetof(TableObject, max_key), READONLY,
     "longest key stored (bytes); longer keys are silently not stored"},
    {NULL, 0, 0, 0, NULL},
};

static PyMappingMethods Table_as_mapping = {
    (lenfunc)Table_length,
    (binaryfunc)Table_subscript,
    (objobjargproc)Table_ass_subscript,
};

static PySequenceMethods Table_as_sequence = {
    .sq_contains = (objobjproc)Table_contains,
};

static PyTypeObject Table_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "e820scope._speedups._linescan.Table",
    .tp_basicsize = sizeof(TableObject),
    .tp_dealloc = (destructor)Table_dealloc,
    .tp_as_sequence = &Table_as_sequence,
    .tp_as_mapping = &Table_as_mapping,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Table(max_entries, max_key): a bounded map from bytes to objects.\n\n"
              "Setting a key longer than max_key stores nothing; setting a key while the "
              "table holds max_entries entries empties it first.",
    .tp_traverse = (traverseproc)Table_traverse,
    .tp_clear = (inquiry)Table_tp_clear,
    .tp_methods = Table_methods,
    .tp_members = Table_members,
    .tp_new = Table_new,
};

/* ------------------------------------------------------------------------------ */
/* printk time prefix                                                             */

/* Largest integer a double holds exactly (and 10 * EXACT_MAX + 9 fits in 64 bits). */
#define EXACT_MAX (UINT64_C(1) << 53)

/* The value of the printk time prefix p[0:k] (k from prefix_len) in *t. Returns 0 when
 * it is too large to be computed exactly here (the line is then left to Python), else 1.
 *
 * For N = seconds * 10^6 + microseconds below 2^53, both N and 10^6 are exact doubles,
 * so N / 1e6 is the correctly rounded quotient: the same double float() reads from the
 * decimal text. */
static int
time_value(const unsigned char *p, Py_ssize_t k, double *t)
{
    uint64_t v = 0;
    for (Py_ssize_t i = 1; i < k - 2; i++) {
        if (p[i] == ' ' || p[i] == '.')
            continue;
        if (v > EXACT_MAX)
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > EXACT_MAX)
        return 0;
    *t = (double)v / 1e6;
    return 1;
}

/* ------------------------------------------------------------------------------ */
/* LogLine construction                                                           */

/* True for objects that reference no other object (so no cycle can pass through them). */
static inline int
atomic(PyObject *o)
{
    return o == Py_None || PyBool_Check(o) || PyUnicode_CheckExact(o) || PyLong_CheckExact(o)
           || PyFloat_CheckExact(o);
}

/* Stop the garbage collector from tracking a new line whose items are all atomic: it can
 * never be part of a reference cycle (CPython does the same for plain tuples of atoms),
 * and half a million tracked lines per chunk would make every collection walk them. */
static PyObject *
untrack_if_atomic(PyObject *o)
{
    if (o != NULL) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(o); k++) {
            if (!atomic(PyTuple_GET_ITEM(o, k)))
                return o;
        }
        PyObject_GC_UnTrack(o);
    }
    return o;
}

/* A new instance of the tuple subclass tp holding the six items, whose references
 * it steals (all of them, also on failure). */
static PyObject *
new_line(PyTypeObject *tp, PyObject *items[6])
{
#if PY_VERSION_HEX < 0x030E0000
    /* what tuple.__new__(tp, items) does for a subclass, without the temporary tuple */
    PyObject *o = tp->tp_alloc(tp, 6);
    if (o == NULL) {
        for (int k = 0; k < 6; k++)
            Py_DECREF(items[k]);
        return NULL;
    }
    for (int k = 0; k < 6; k++)
        PyTuple_SET_ITEM(o, k, items[k]);
    return untrack_if_atomic(o);
#else
    /* tuples cache their hash from 3.14 on; let tuple's own constructor set that up */
    PyObject *plain = PyTuple_New(6);
    if (plain == NULL) {
        for (int k = 0; k < 6; k++)
            Py_DECREF(items[k]);
        return NULL;
    }
    for (int k = 0; k < 6; k++)
        PyTuple_SET_ITEM(plain, k, items[k]);
    PyObject *args = PyTuple_Pack(1, plain);
    Py_DECREF(plain);
    if (args == NULL)
        return NULL;
    PyObject *o = PyTuple_Type.tp_new(tp, args, NULL);
    Py_DECREF(args);
    return untrack_if_atomic(o);
#endif
}

/* ------------------------------------------------------------------------------ */
/* Scanner                                                                        */

typedef struct {
    PyObject_HEAD
    TableObject *raw;     /* raw line -> () or (text, timestamp, False, truncated) */
    TableObject *timed;   /* line minus its time prefix -> () or (text, truncated); or NULL */
    PyTypeObject *line_type;
    PyObject *name;
    unsigned char newline;
} ScannerObject;

static PyTypeObject Scanner_Type;

static PyObject *
Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"raw", "timed", "line_type", "name", "newline", NULL};
    PyObject *raw, *timed, *line_type, *name;
    const char *nl;
    Py_ssize_t nl_len;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO!Uy#:Scanner", kwlist, &Table_Type,
                                     &raw, &timed, &PyType_Type, &line_type, &name, &nl,
                                     &nl_len))
        return NULL;
    if (timed != Py_None && !PyObject_TypeCheck(timed, &Table_Type)) {
        PyErr_SetString(PyExc_TypeError, "timed must be a Table or None");
        return NULL;
    }
    PyTypeObject *lt = (PyTypeObject *)line_type;
    if (!PyType_IsSubtype(lt, &PyTuple_Type) || (size_t)lt->tp_itemsize != sizeof(PyObject *)) {
        PyErr_SetString(PyExc_TypeError, "line_type must be a tuple subclass without extra items");
        return NULL;
    }
    if (nl_len != 1) {
        PyErr_SetString(PyExc_ValueError, "newline must be a single byte");
        return NULL;
    }
    ScannerObject *s = (ScannerObject *)type->tp_alloc(type, 0);
    if (s == NULL)
        return NULL;
    Py_INCREF(raw);
    s->raw = (TableObject *)raw;
    if (timed != Py_None) {
        Py_INCREF(timed);
        s->timed = (TableObject *)timed;
    }
    Py_INCREF(lt);
    s->line_type = lt;
    Py_INCREF(name);
    s->name = name;
    s->newline = (unsigned char)nl[0];
    return (PyObject *)s;
}

static int
Scanner_traverse(ScannerObject *s, visitproc visit, void *arg)
{
    Py_VISIT(s->raw);
    Py_VISIT(s->timed);
    Py_VISIT(s->line_type);
    Py_VISIT(s->name);
    return 0;
}

static int
Scanner_tp_clear(ScannerObject *s)
{
    Py_CLEAR(s->raw);
    Py_CLEAR(s->timed);
    Py_CLEAR(s->line_type);
    Py_CLEAR(s->name);
    return 0;
}

static void
Scanner_dealloc(ScannerObject *s)
{
    PyObject_GC_UnTrack(s);
    Scanner_tp_clear(s);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* Buffer, start and end arguments: bytes, then 0 <= pos <= end <= len(buf). */
static int
buffer_range(PyObject *const *args, const unsigned char **buf, Py_ssize_t *pos,
             Py_ssize_t *end)
{
    if (!PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "buf must be bytes");
        return -1;
    }
    *buf = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    *pos = PyLong_AsSsize_t(args[1]);
    if (*pos == -1 && PyErr_Occurred())
        return -1;
    *end = PyLong_AsSsize_t(args[2]);
    if (*end == -1 && PyErr_Occurred())
        return -1;
    if (*pos < 0 || *pos > *end || *end > PyBytes_GET_SIZE(args[0])) {
        PyErr_SetString(PyExc_ValueError, "need 0 <= pos <= end <= len(buf)");
        return -1;
    }
    return 0;
}

/* Append to out the LogLine of a cache hit at line number lineno. item holds the cached
 * tail: 4 items (text, timestamp, False, truncated) from the raw table, or 2 (text,
 * truncated) from the time table, the time being t then. Returns 0, or -1 with an
 * exception set. */
static int
emit(ScannerObject *s, PyObject *out, Py_ssize_t lineno, PyObject *const *item, int timed,
     double t)
{
    PyObject *items[6];
    items[1] = PyLong_FromSsize_t(lineno);
    if (items[1] == NULL)
        return -1;
    if (timed) {
        items[3] = PyFloat_FromDouble(t);
        if (items[3] == NULL) {
            Py_DECREF(items[1]);
            return -1;
        }
        items[2] = item[0];
        items[4] = Py_False;
        items[5] = item[1];
        Py_INCREF(items[2]);
        Py_INCREF(items[4]);
        Py_INCREF(items[5]);
    }
    else {
        for (int k = 0; k < 4; k++) {
            items[2 + k] = item[k];
            Py_INCREF(items[2 + k]);
        }
    }
    items[0] = s->name;
    Py_INCREF(items[0]);
    PyObject *line = new_line(s->line_type, items);
    if (line == NULL)
        return -1;
    int rc = PyList_Append(out, line);
    Py_DECREF(line);
    return rc;
}

/* The cache entry of the line p[0:n], or NULL. *is_timed says which table it comes
 * from; for the time table, *t is the line's time. On NULL, *sure says whether both
 * tables were searched as LineMachine._lookup searches them (not so when the time is
 * too large to be computed here). */
static Entry *
lookup_line(const TableObject *raw, const TableObject *timed, const unsigned char *p,
            Py_ssize_t n, int *is_timed, double *t, int *sure)
{
    *is_timed = 0;
    *sure = 1;
    Py_ssize_t k = prefix_len(p, n);
    if (k == 0)
        return table_find(raw, p, n);
    /* hash the part after the time once, for both tables (see key_hash) */
    const unsigned char *rest = p + k;
    uint64_t h_rest = hash_bytes(rest, (size_t)(n - k));
    Entry *e = NULL;
    if (n <= raw->max_key && raw->used > 0)
        e = table_find_h(raw, p, n, hash_join(hash_bytes(p, (size_t)k), h_rest));
    if (e != NULL || timed == NULL)
        return e;
    if (!time_value(p, k, t)) {
        *sure = 0;
        return NULL;
    }
    if (prefix_len(rest, n - k) == 0)
        e = table_find_h(timed, rest, n - k, h_rest);
    else
        e = table_find(timed, rest, n - k);
    *is_timed = e != NULL;
    return e;
}

PyDoc_STRVAR(Scanner_scan_doc,
"scan(buf, pos, end, base, out) -> (pos, count, last, missed)\n\n"
"Walk the lines of buf[pos:end] (each ended by the newline byte; a last line without\n"
"one is not looked at) while each is a cache hit, appending the LogLine of every hit\n"
"with a non-empty value to the list out; line numbers count from base. Returns the\n"
"offset of the first line not consumed (a miss, or end), how many lines were\n"
"consumed, the offset where the last consumed line starts (-1 if none), and whether\n"
"the line at pos is in neither cache for sure (False: end, or left to Python).");

static PyObject *
Scanner_scan(ScannerObject *s, PyObject *const *args, Py_ssize_t nargs)
{
    const unsigned char *buf;
    Py_ssize_t pos, end;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "scan() takes buf, pos, end, base, out");
        return NULL;
    }
    if (s->raw == NULL) {
        PyErr_SetString(PyExc_ValueError, "Scanner was cleared");
        return NULL;
    }
    if (buffer_range(args, &buf, &pos, &end) < 0)
        return NULL;
    Py_ssize_t base = PyLong_AsSsize_t(args[3]);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    PyObject *out = args[4];
    if (!PyList_Check(out)) {
        PyErr_SetString(PyExc_TypeError, "out must be a list");
        return NULL;
    }
    /* keep the tables alive even if the code a release may run drops the scanner's */
    TableObject *raw = s->raw, *timed = s->timed;
    Py_INCREF(raw);
    Py_XINCREF(timed);

    Py_ssize_t count = 0, last = -1;
    int failed = 0, missed = 0;
    while (pos < end) {
        const unsigned char *line = buf + pos;
        const unsigned char *nl = memchr(line, s->newline, (size_t)(end - pos));
        if (nl == NULL)
            break;
        Py_ssize_t n = nl - line;
        double t = 0.0;
        int is_timed, sure;
        Entry *e = lookup_line(raw, timed, line, n, &is_timed, &t, &sure);
        if (e == NULL) {
            missed = sure;
            break;
        }
        if (e->shape != 0 && e->shape != (is_timed ? 2 : 4))
            break;
        if (e->shape != 0) {
            /* hold the value (and so its items): building the line may run code that
             * changes the table */
            PyObject *v = e->value;
            PyObject *item[4] = {e->item[0], e->item[1], e->item[2], e->item[3]};
            Py_INCREF(v);
            int rc = emit(s, out, base + count, item, is_timed, t);
            Py_DECREF(v);
            if (rc < 0) {
                failed = 1;
                break;
            }
        }
        last = pos;
        count++;
        pos = (nl - buf) + 1;
    }
    Py_DECREF(raw);
    Py_XDECREF(timed);
    if (failed)
        return NULL;
    return Py_BuildValue("(nnnO)", pos, count, last, missed ? Py_True : Py_False);
}

PyDoc_STRVAR(Scanner_lines_doc,
"lines(buf, pos, end, n) -> list of bytes\n\n"
"Up to n lines of buf[pos:end], without their newline byte; only lines whose newline\n"
"comes before end.");

static PyObject *
Scanner_lines(ScannerObject *s, PyObject *const *args, Py_ssize_t nargs)
{
    const unsigned char *buf;
    Py_ssize_t pos, end;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "lines() takes buf, pos, end, n");
        return NULL;
    }
    if (buffer_range(args, &buf, &pos, &end) < 0)
        return NULL;
    Py_ssize_t want = PyLong_AsSsize_t(args[3]);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    while (want-- > 0 && pos < end) {
        const unsigned char *nl = memchr(buf + pos, s->newline, (size_t)(end - pos));
        if (nl == NULL)
            break;
        Py_ssize_t stop = nl - buf;
        PyObject *b = PyBytes_FromStringAndSize((const char *)buf + pos, stop - pos);
        if (b == NULL || PyList_Append(out, b) < 0) {
            Py_XDECREF(b);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(b);
        pos = stop + 1;
    }
    return out;
}

static PyObject *
scan_time_prefix(PyObject *module, PyObject *arg)
{
    const unsigned char *p;
    Py_ssize_t n;
    double t = 0.0;
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "expected bytes, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    p = (const unsigned char *)PyBytes_AS_STRING(arg);
    n = PyBytes_GET_SIZE(arg);
    Py_ssize_t k = prefix_len(p, n);
    if (k == 0 || !time_value(p, k, &t))
        Py_RETURN_NONE;
    return Py_BuildValue("(nd)", k, t);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))Scanner_scan, METH_FASTCALL, Scanner_scan_doc},
    {"lines", (PyCFunction)(void (*)(void))Scanner_lines, METH_FASTCALL, Scanner_lines_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Scanner_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "e820scope._speedups._linescan.Scanner",
    .tp_basicsize = sizeof(ScannerObject),
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Scanner(raw, timed, line_type, name, newline): serves cache hits from a "
              "buffer.\n\nraw and timed are the two Tables of a LineMachine (timed may be "
              "None: no time-prefix lookups); line_type is LogLine; name is the source "
              "name put in every line; newline is the single newline byte.",
    .tp_traverse = (traverseproc)Scanner_traverse,
    .tp_clear = (inquiry)Scanner_tp_clear,
    .tp_methods = Scanner_methods,
    .tp_new = Scanner_new,
};

/* ------------------------------------------------------------------------------ */
/* Module                                                                         */

static PyMethodDef module_methods[] = {
    {"time_prefix", scan_time_prefix, METH_O,
     "time_prefix(line) -> (length, seconds) or None\n\n"
     "The printk time prefix scan() recognises at the start of line and its value; None\n"
     "when there is none or scan() leaves the line to Python (a value too large)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef linescan_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "e820scope._speedups._linescan",
    .m_doc = "C twin of the line caches and the cache-hit loop of "
             "e820scope.ingest.lineproc.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__linescan(void)
{
    PyObject *salt = PyBytes_FromString("e820scope._linescan");
    if (salt == NULL)
        return NULL;
    Py_hash_t h = PyObject_Hash(salt);
    Py_DECREF(salt);
    if (h == -1 && PyErr_Occurred())
        return NULL;
    hash_seed = avalanche((uint64_t)h);

    if (PyType_Ready(&Table_Type) < 0 || PyType_Ready(&Scanner_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&linescan_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Table", (PyObject *)&Table_Type) < 0
        || PyModule_AddObjectRef(m, "Scanner", (PyObject *)&Scanner_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
