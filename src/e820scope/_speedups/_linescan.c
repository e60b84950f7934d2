/*
 * _linescan: the container layer's hot loop, run over a chunk buffer in C.
 *
 * Pure-Python twin: e820scope.ingest.lineproc (LineMachine.run and its two caches).
 * Three types live here (the third, Fold, has its own twin and is described where it
 * is defined):
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
 *            line and calls scan again. Of the machine's state the Scanner keeps only
 *            the console hand-over window (its fields are the machine's, see
 *            LineMachine.con): inside it, hits get the window's bookkeeping, and the
 *            lines that act on it (console lines, the kernel banner) are recalled
 *            from the machine's "parsed" tables, as LineMachine.general does. The
 *            caller scans only while no other state is pending. Scanner.fold() is the
 *            same walk with every hit given to a Fold instead of listed.
 *
 *   Fold     the parser's reading of the hits that only extend the open boot.
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

/* The printk time prefix as printk writes it below 100000 s, "[%5lu.%06lu] " (15
 * bytes): 1 with its time in *t when p[0:n] starts with it, else 0 (prefix_len and
 * time_value then read whatever prefix there is). The same prefixes prefix_len accepts
 * at length 15, and the same value time_value computes (N / 1e6 for N < 2^53). */
static inline int
std_prefix(const unsigned char *p, Py_ssize_t n, double *t)
{
    if (n < 15 || p[0] != '[' || p[6] != '.' || p[13] != ']' || p[14] != ' ')
        return 0;
    int i = 1;
    while (i < 6 && p[i] == ' ')
        i++;
    if (i == 6)
        return 0; /* no digit before the point */
    uint64_t v = 0;
    for (; i < 6; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9)
            return 0;
        v = v * 10 + d;
    }
    for (i = 7; i < 13; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9)
            return 0;
        v = v * 10 + d;
    }
    *t = (double)v / 1e6;
    return 1;
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
    /* how the line machine read lines it does not cache (LineMachine.parsed and
     * ts_parsed: the same shapes, never ()); NULL: such lines are left to Python */
    TableObject *parsed;
    TableObject *ts_parsed;
    PyTypeObject *line_type;
    PyObject *name;
    unsigned char newline;
    /* the console hand-over state (LineMachine.con; see console_effect) */
    int bootconsole;
    int handover;       /* 0 none, 1 both consoles print, 2 closing */
    /* outside the window, a line reaches LineMachine.general only through the anchor
     * test (LineMachine.hit); without one (0), every line does */
    int gated;
    Py_ssize_t handover_lines;
    Py_ssize_t handover_max;
} ScannerObject;

static PyTypeObject Scanner_Type;

static PyObject *
Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"raw",    "timed",     "line_type",    "name",  "newline",
                             "parsed", "ts_parsed", "handover_max", "gated", NULL};
    PyObject *raw, *timed, *line_type, *name, *parsed = Py_None, *ts_parsed = Py_None;
    const char *nl;
    Py_ssize_t nl_len, handover_max = 0;
    int gated = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO!Uy#|OOnp:Scanner", kwlist, &Table_Type,
                                     &raw, &timed, &PyType_Type, &line_type, &name, &nl,
                                     &nl_len, &parsed, &ts_parsed, &handover_max, &gated))
        return NULL;
    if ((timed != Py_None && !PyObject_TypeCheck(timed, &Table_Type))
        || (parsed != Py_None && !PyObject_TypeCheck(parsed, &Table_Type))
        || (ts_parsed != Py_None && !PyObject_TypeCheck(ts_parsed, &Table_Type))) {
        PyErr_SetString(PyExc_TypeError, "timed, parsed and ts_parsed must be Tables or None");
        return NULL;
    }
    if (parsed == Py_None && ts_parsed != Py_None) {
        PyErr_SetString(PyExc_TypeError, "ts_parsed needs parsed");
        return NULL;
    }
    if (handover_max < 0) {
        PyErr_SetString(PyExc_ValueError, "handover_max must be >= 0");
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
    if (parsed != Py_None) {
        Py_INCREF(parsed);
        s->parsed = (TableObject *)parsed;
    }
    if (ts_parsed != Py_None) {
        Py_INCREF(ts_parsed);
        s->ts_parsed = (TableObject *)ts_parsed;
    }
    s->handover_max = handover_max;
    s->gated = gated;
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
    Py_VISIT(s->parsed);
    Py_VISIT(s->ts_parsed);
    Py_VISIT(s->line_type);
    Py_VISIT(s->name);
    return 0;
}

static int
Scanner_tp_clear(ScannerObject *s)
{
    Py_CLEAR(s->raw);
    Py_CLEAR(s->timed);
    Py_CLEAR(s->parsed);
    Py_CLEAR(s->ts_parsed);
    Py_CLEAR(s->line_type);
    Py_CLEAR(s->name);
    return 0;
}

/* tp_dealloc of a GC type whose tp_clear drops everything it holds (Scanner, Fold). */
static void
gc_dealloc(PyObject *o)
{
    PyObject_GC_UnTrack(o);
    Py_TYPE(o)->tp_clear(o);
    Py_TYPE(o)->tp_free(o);
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
 * too large to be computed here). The reading is LineMachine._lookup's (raw table,
 * then time table), though a usual-prefix line is looked up in the time table first. */
static Entry *
lookup_line(const TableObject *raw, const TableObject *timed, const unsigned char *p,
            Py_ssize_t n, int *is_timed, double *t, int *sure)
{
    *is_timed = 0;
    *sure = 1;
    double std_t = 0.0;
    int std = std_prefix(p, n, &std_t);
    Py_ssize_t k = std ? 15 : prefix_len(p, n);
    if (k == 0)
        return table_find(raw, p, n);
    /* hash the part after the time once, for both tables (see key_hash) */
    const unsigned char *rest = p + k;
    uint64_t h_rest = hash_bytes(rest, (size_t)(n - k));
    Entry *e = NULL;
    /* A line with printk's usual prefix is looked up in the time table first: in a
     * kexec chain its message comes back at other times, so the raw table would miss.
     * Where both tables hold it they give the same reading (LineMachine._keep stores
     * the rest only when the reading's time is the prefix's and the rest reads alone;
     * tests/ingest/test_caches.py checks it), so the order changes no result, only
     * spares the raw table's probe and the prefix's hash. (A rest that starts with
     * another prefix has a split key hash: the general path below takes it.) */
    if (std && timed != NULL && rest[0] != '[') {
        e = table_find_h(timed, rest, n - k, h_rest);
        if (e != NULL) {
            *t = std_t;
            *is_timed = 1;
            return e;
        }
    }
    if (n <= raw->max_key && raw->used > 0)
        e = table_find_h(raw, p, n, hash_join(hash_bytes(p, (size_t)k), h_rest));
    if (e != NULL || timed == NULL)
        return e;
    if (std)
        *t = std_t;
    else if (!time_value(p, k, t)) {
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
"scan(buf, pos, end, base, out, prev=b'') -> (pos, count, last, missed)\n\n"
"Walk the lines of buf[pos:end] (each ended by the newline byte; a last line without\n"
"one is not looked at) while each is a cache hit, appending the LogLine of every hit\n"
"with a non-empty value to the list out; line numbers count from base. Inside the\n"
"console hand-over window (handover set) a hit gets the window's bookkeeping, and a\n"
"line both consoles printed (the same bytes as the line before it, prev for the\n"
"first one, with a time) is consumed without a LogLine. A line found in the parsed\n"
"tables instead is read too when it acts on the window or is inside it. Returns the\n"
"offset of the first line not consumed (a miss, or end), how many lines were\n"
"consumed, the offset where the last consumed line starts (-1 if none), and whether\n"
"the line at pos is in neither cache for sure (False: end, or left to Python).");


/* ------------------------------------------------------------------------------ */
/* Fold: the parser's reading of the cache hits that only extend the open boot     */

/*
 * Pure-Python twin: e820scope.parse.api._Splitter._line, the parser's line-by-line
 * reading. Scanner.fold() hands every cache hit to a Fold instead of building its
 * LogLine. Most lines of a kexec-chain console say nothing new to the parser: an e820
 * entry line that continues the open table block, a line with an anchor that says
 * nothing, a line the grammar did not accept while no block is open. For those the
 * Fold does in C what _line would do: append the E820Entry to the block, move the
 * boot's last line and printk clock. Every other line (anything that could open,
 * close or end something, a clock that goes back, a text the parser has not read yet)
 * is built as a LogLine and given, in order, to the parser's own Python reading
 * (the "slow" callable), before the scan goes on. So the parser's state is always
 * exactly what the line-by-line reading would have made of the lines so far.
 *
 * The Fold mirrors the few fields of that state it reads and writes (open boot, open
 * block's who, entry list and era set, first/last printk time) and keeps its own
 * writes (last line, times, the block's last SourceRef) until it next calls the
 * parser, which first stores them ("pending") and then answers with the state after
 * the line. The parser tells the Fold how it reads a line text through the tags dict:
 *
 *     text -> (0,)                                       says nothing
 *             (1, cuts, stripped text)                   not accepted by the grammar;
 *                                                        inside a block it cuts the
 *                                                        block when cuts is true or the
 *                                                        text starts with the block's
 *                                                        who
 *             (2, who, addr, size, type, raw_type, era)  plain entry line of "who"
 *             (3, k, record)                             appends a copy of record, its
 *                                                        ref set, to the boot's k-th
 *                                                        record list
 *             (4, (who, prefixed, None, text))           a map header (the pending
 *                                                        header, its ref set)
 *             (5,)                                       a line that only counts
 *             (6, name, value, copy)                     sets the boot's attribute name
 *                                                        to value (a copy of the record
 *                                                        value, its ref set, when copy
 *                                                        is true) unless it is set
 *
 * Codes 3-6 are lines after a table block (they close an open block); they count in
 * the boot's lines_after_last_block, except headers. An entry of another "who" than the
 * open block's (or with none open) starts a block. Closing and opening blocks is the
 * parser's work (BootBuilder.close_block / _open_block, which freeze the table and
 * take the pending header). A block that ends at a line the Fold reads is closed by
 * the parser when it next stores the pending writes (their last item says so); for
 * the first entry of a block the Fold asks the parser's block() callable to open it,
 * then reads the line itself. Without block(), such lines go to the parser whole. A
 * text without a tag always goes to the parser.
 */

enum {
    TAG_NOTHING = 0,
    TAG_UNPARSED = 1,
    TAG_ENTRY = 2,
    TAG_RECORD = 3,
    TAG_HEADER = 4,
    TAG_COUNT = 5,
    TAG_FIRST = 6,
};
enum { FE_ADDR, FE_SIZE, FE_TYPE, FE_RAW, FE_REF, FN_ENTRY };
enum { FR_PATH, FR_LINE, FN_REF };

typedef struct {
    PyObject_HEAD
    PyObject *tags;     /* dict: line text -> tag tuple */
    PyObject *slow;     /* slow(line or None, pending or None) -> state or None */
    PyObject *block;    /* block(who, ref, pending or None) -> state, or NULL */
    PyTypeObject *entry_type;
    PyTypeObject *ref_type;
    PyObject *e_descr[FN_ENTRY];
    PyObject *r_descr[FN_REF];
    /* where each of those slots is in an instance (-1: set through the descriptor) */
    Py_ssize_t e_off[FN_ENTRY];
    Py_ssize_t r_off[FN_REF];
    /* the mirrored state; valid while known */
    int known;
    int open;           /* a boot is open */
    PyObject *who;      /* the open block's who, or NULL when no block is open */
    PyObject *entries;  /* its entry list */
    PyObject *eras;     /* its era set */
    PyObject *last_era; /* the era last added to eras since the state was taken */
    int has_first, has_last;
    double first_ts, last_ts;
    PyObject *lists;    /* tuple of the boot's record lists */
    PyObject *boot;     /* the parser's BootBuilder */
    Py_ssize_t after;   /* the boot's lines_after_last_block */
    /* writes not yet stored in the parser's objects */
    int dirty;
    Py_ssize_t last_line;
    PyObject *last_ref; /* SourceRef of the last entry appended, or NULL */
    PyObject *header;   /* the new pending header, or NULL */
    int close_pending;  /* the open block ended: the parser is to close it */
    /* counters (tests and bench read them) */
    Py_ssize_t folded, handed, closed;
} FoldObject;

static PyTypeObject Fold_Type;

static PyObject *
fold_descr(PyObject *cls, const char *name)
{
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (d == NULL)
        return NULL;
    if (Py_TYPE(d)->tp_descr_set == NULL) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a slot", cls, name);
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* The offset of the object slot a __slots__ member descriptor reads and writes, or -1
 * (not such a descriptor: the Fold then calls its __set__). */
static Py_ssize_t
slot_offset(PyObject *descr)
{
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type))
        return -1;
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX || (m->flags & READONLY))
        return -1;
    return m->offset;
}

/* Stop mirroring the open block. */
static void
fold_forget_block(FoldObject *f)
{
    Py_CLEAR(f->who);
    Py_CLEAR(f->entries);
    Py_CLEAR(f->eras);
    Py_CLEAR(f->last_era);
}

static void
fold_forget_state(FoldObject *f)
{
    fold_forget_block(f);
    Py_CLEAR(f->lists);
    Py_CLEAR(f->boot);
    f->known = 0;
    f->open = 0;
}

static int
Fold_tp_clear(FoldObject *f)
{
    fold_forget_state(f);
    Py_CLEAR(f->last_ref);
    Py_CLEAR(f->header);
    Py_CLEAR(f->tags);
    Py_CLEAR(f->slow);
    Py_CLEAR(f->block);
    Py_CLEAR(f->entry_type);
    Py_CLEAR(f->ref_type);
    for (int k = 0; k < FN_ENTRY; k++)
        Py_CLEAR(f->e_descr[k]);
    for (int k = 0; k < FN_REF; k++)
        Py_CLEAR(f->r_descr[k]);
    f->dirty = 0;
    f->close_pending = 0;
    return 0;
}

static int
Fold_traverse(FoldObject *f, visitproc visit, void *arg)
{
    Py_VISIT(f->tags);
    Py_VISIT(f->slow);
    Py_VISIT(f->block);
    Py_VISIT(f->entry_type);
    Py_VISIT(f->ref_type);
    for (int k = 0; k < FN_ENTRY; k++)
        Py_VISIT(f->e_descr[k]);
    for (int k = 0; k < FN_REF; k++)
        Py_VISIT(f->r_descr[k]);
    Py_VISIT(f->who);
    Py_VISIT(f->entries);
    Py_VISIT(f->eras);
    Py_VISIT(f->last_era);
    Py_VISIT(f->last_ref);
    Py_VISIT(f->lists);
    Py_VISIT(f->boot);
    Py_VISIT(f->header);
    return 0;
}

static PyObject *
Fold_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"tags", "slow", "entry_type", "ref_type", "block", NULL};
    static const char *e_names[FN_ENTRY] = {"addr", "size", "type", "raw_type", "ref"};
    static const char *r_names[FN_REF] = {"path", "line"};
    PyObject *tags, *slow, *etype, *rtype, *block = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO!O!|O:Fold", kwlist, &PyDict_Type, &tags,
                                     &slow, &PyType_Type, &etype, &PyType_Type, &rtype, &block))
        return NULL;
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "slow must be callable");
        return NULL;
    }
    if (block != Py_None && !PyCallable_Check(block)) {
        PyErr_SetString(PyExc_TypeError, "block must be callable or None");
        return NULL;
    }
    FoldObject *f = (FoldObject *)type->tp_alloc(type, 0);
    if (f == NULL)
        return NULL;
    Py_INCREF(tags);
    f->tags = tags;
    Py_INCREF(slow);
    f->slow = slow;
    if (block != Py_None) {
        Py_INCREF(block);
        f->block = block;
    }
    Py_INCREF(etype);
    f->entry_type = (PyTypeObject *)etype;
    Py_INCREF(rtype);
    f->ref_type = (PyTypeObject *)rtype;
    for (int k = 0; k < FN_ENTRY; k++) {
        f->e_descr[k] = fold_descr(etype, e_names[k]);
        f->e_off[k] = slot_offset(f->e_descr[k]);
        if (f->e_descr[k] == NULL) {
            Py_DECREF(f);
            return NULL;
        }
    }
    for (int k = 0; k < FN_REF; k++) {
        f->r_descr[k] = fold_descr(rtype, r_names[k]);
        f->r_off[k] = slot_offset(f->r_descr[k]);
        if (f->r_descr[k] == NULL) {
            Py_DECREF(f);
            return NULL;
        }
    }
    return (PyObject *)f;
}

static inline int
fold_set(PyObject *descr, PyObject *obj, PyObject *value)
{
    return Py_TYPE(descr)->tp_descr_set(descr, obj, value);
}

/* Set a slot of a new record: straight into the instance when its offset is known
 * (what the member descriptor's __set__ does, without the call), else through descr. */
static inline int
fold_put(Py_ssize_t off, PyObject *descr, PyObject *obj, PyObject *value)
{
    if (off < 0)
        return fold_set(descr, obj, value);
    PyObject **slot = (PyObject **)((char *)obj + off);
    Py_INCREF(value);
    Py_XSETREF(*slot, value);
    return 0;
}

/* Mirror the state slow() answered: None (no open boot) or (who or None, entries, eras,
 * first_ts or None, last_ts or None, record lists, lines_after_last_block, the
 * BootBuilder). Steals st. */
static int
fold_take_state(FoldObject *f, PyObject *st)
{
    fold_forget_state(f);
    if (st == NULL)
        return -1;
    if (st == Py_None) {
        Py_DECREF(st);
        f->known = 1;
        return 0;
    }
    if (!PyTuple_Check(st) || PyTuple_GET_SIZE(st) != 8 || !PyTuple_Check(PyTuple_GET_ITEM(st, 5))) {
        PyErr_SetString(PyExc_TypeError, "slow() must return None or an 8-tuple");
        Py_DECREF(st);
        return -1;
    }
    PyObject *who = PyTuple_GET_ITEM(st, 0);
    PyObject *first = PyTuple_GET_ITEM(st, 3), *last = PyTuple_GET_ITEM(st, 4);
    if (who != Py_None) {
        PyObject *entries = PyTuple_GET_ITEM(st, 1), *eras = PyTuple_GET_ITEM(st, 2);
        if (!PyUnicode_Check(who) || !PyList_Check(entries) || !PySet_Check(eras)) {
            PyErr_SetString(PyExc_TypeError, "slow(): block state must be (str, list, set)");
            Py_DECREF(st);
            return -1;
        }
        Py_INCREF(who);
        f->who = who;
        Py_INCREF(entries);
        f->entries = entries;
        Py_INCREF(eras);
        f->eras = eras;
    }
    f->has_first = first != Py_None;
    f->has_last = last != Py_None;
    if ((f->has_first && !PyFloat_Check(first)) || (f->has_last && !PyFloat_Check(last))) {
        fold_forget_state(f);
        PyErr_SetString(PyExc_TypeError, "slow(): printk times must be float or None");
        Py_DECREF(st);
        return -1;
    }
    f->first_ts = f->has_first ? PyFloat_AS_DOUBLE(first) : 0.0;
    f->last_ts = f->has_last ? PyFloat_AS_DOUBLE(last) : 0.0;
    f->after = PyLong_AsSsize_t(PyTuple_GET_ITEM(st, 6));
    if (f->after == -1 && PyErr_Occurred()) {
        fold_forget_state(f);
        Py_DECREF(st);
        return -1;
    }
    f->lists = PyTuple_GET_ITEM(st, 5);
    Py_INCREF(f->lists);
    f->boot = PyTuple_GET_ITEM(st, 7);
    Py_INCREF(f->boot);
    f->open = 1;
    f->known = 1;
    Py_DECREF(st);
    return 0;
}

static PyObject *
fold_time(int has, double t)
{
    if (!has)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(t);
}

/* The writes not yet stored in the parser's objects, as the tuple slow() and block()
 * take (None when there are none); they count as stored from here on. NULL on error. */
static PyObject *
fold_pending(FoldObject *f)
{
    PyObject *pending;
    if (f->dirty) {
        PyObject *ll = PyLong_FromSsize_t(f->last_line);
        PyObject *ft = fold_time(f->has_first, f->first_ts);
        PyObject *lt = fold_time(f->has_last, f->last_ts);
        PyObject *af = PyLong_FromSsize_t(f->after);
        PyObject *ref = f->last_ref != NULL ? f->last_ref : Py_None;
        PyObject *hd = f->header != NULL ? f->header : Py_None;
        PyObject *cl = f->close_pending ? Py_True : Py_False;
        pending = (ll && ft && lt && af) ? PyTuple_Pack(7, ll, ft, lt, ref, af, hd, cl) : NULL;
        Py_XDECREF(ll);
        Py_XDECREF(ft);
        Py_XDECREF(lt);
        Py_XDECREF(af);
        if (pending == NULL)
            return NULL;
        f->dirty = 0;
        f->close_pending = 0;
        Py_CLEAR(f->last_ref);
        Py_CLEAR(f->header);
    }
    else {
        Py_INCREF(Py_None);
        pending = Py_None;
    }
    return pending;
}

/* Call fn(*head, pending) (n of head, at most 2; pending: the writes not yet stored,
 * see fold_pending) and mirror the state it answers. 0, or -1 with an exception set. */
static int
fold_ask(FoldObject *f, PyObject *fn, PyObject *const *head, size_t n)
{
    PyObject *args[3];
    assert(n <= 2);
    PyObject *pending = fold_pending(f);
    if (pending == NULL)
        return -1;
    for (size_t k = 0; k < n; k++)
        args[k] = head[k];
    args[n] = pending;
    fold_forget_state(f);
    Py_INCREF(fn);
    PyObject *st = PyObject_Vectorcall(fn, args, n + 1, NULL);
    Py_DECREF(fn);
    Py_DECREF(pending);
    return fold_take_state(f, st);
}

/* Give line (or None: no line, only store the pending writes) to slow(), then mirror
 * the state it answers. Returns 0, or -1 with an exception set. */
static int
fold_call(FoldObject *f, PyObject *line)
{
    PyObject *head[1] = {line != NULL ? line : Py_None};
    return fold_ask(f, f->slow, head, 1);
}

/* A new SourceRef(path, lineno), untracked (it holds a str and an int). */
static PyObject *
fold_ref(FoldObject *f, PyObject *path, Py_ssize_t lineno)
{
    PyObject *num = PyLong_FromSsize_t(lineno);
    if (num == NULL)
        return NULL;
    PyObject *ref = f->ref_type->tp_alloc(f->ref_type, 0);
    if (ref == NULL || fold_put(f->r_off[FR_PATH], f->r_descr[FR_PATH], ref, path) < 0
        || fold_put(f->r_off[FR_LINE], f->r_descr[FR_LINE], ref, num) < 0) {
        Py_DECREF(num);
        Py_XDECREF(ref);
        return NULL;
    }
    Py_DECREF(num);
    if (PyObject_IS_GC(ref) && PyObject_GC_IsTracked(ref))
        PyObject_GC_UnTrack(ref);
    return ref;
}

/* Have the parser close the open block and open one for who at line lineno (block(), as
 * BootBuilder._block_for does for an entry of another block), then mirror the state it
 * answers. Returns 0, or -1 with an exception set. */
static int
fold_block(FoldObject *f, PyObject *who, PyObject *path, Py_ssize_t lineno)
{
    PyObject *ref = fold_ref(f, path, lineno);
    if (ref == NULL)
        return -1;
    PyObject *head[2] = {who, ref};
    int rc = fold_ask(f, f->block, head, 2);
    Py_DECREF(ref);
    return rc;
}

/* A new SourceRef(path, lineno) and E820Entry(addr, size, type, raw_type, ref) from an
 * entry tag, appended to the open block's entries. */
static int
fold_entry(FoldObject *f, PyObject *path, Py_ssize_t lineno, PyObject *tag)
{
    PyObject *ref = fold_ref(f, path, lineno);
    if (ref == NULL)
        return -1;
    PyObject *e = f->entry_type->tp_alloc(f->entry_type, 0);
    if (e == NULL) {
        Py_DECREF(ref);
        return -1;
    }
    for (int k = 0; k < FE_REF; k++) {
        if (fold_put(f->e_off[k], f->e_descr[k], e, PyTuple_GET_ITEM(tag, 2 + k)) < 0) {
            Py_DECREF(ref);
            Py_DECREF(e);
            return -1;
        }
    }
    if (fold_put(f->e_off[FE_REF], f->e_descr[FE_REF], e, ref) < 0) {
        Py_DECREF(ref);
        Py_DECREF(e);
        return -1;
    }
    /* frozen, holding only ints, strings and the SourceRef: never part of a cycle
     * (as in _records.c) */
    if (PyObject_IS_GC(e) && PyObject_GC_IsTracked(e))
        PyObject_GC_UnTrack(e);
    int rc = PyList_Append(f->entries, e);
    Py_DECREF(e);
    if (rc < 0) {
        Py_DECREF(ref);
        return -1;
    }
    Py_XSETREF(f->last_ref, ref);
    PyObject *era = PyTuple_GET_ITEM(tag, 6);
    if (era != Py_None && era != f->last_era) {
        if (PySet_Add(f->eras, era) < 0)
            return -1;
        Py_INCREF(era);
        Py_XSETREF(f->last_era, era);
    }
    return 0;
}

/* A copy of the slots-only record proto (a frozen dataclass with slots=True) with its
 * "ref" slot set to ref: what the parser's Python code builds for the line, field for
 * field. NULL without an exception when proto is not such a record. */
static PyObject *
fold_clone(PyObject *proto, PyObject *ref)
{
    PyTypeObject *tp = Py_TYPE(proto);
    if (tp->tp_base != &PyBaseObject_Type || tp->tp_dictoffset != 0 || tp->tp_members == NULL
        || tp->tp_itemsize != 0)
        return NULL;
    PyMemberDef *m;
    Py_ssize_t at = -1;
    for (m = tp->tp_members; m->name != NULL; m++) {
        if (m->type != T_OBJECT_EX || (m->flags & READONLY))
            return NULL;
        if (strcmp(m->name, "ref") == 0)
            at = m->offset;
    }
    if (at < 0)
        return NULL;
    PyObject *o = tp->tp_alloc(tp, 0);
    if (o == NULL)
        return NULL;
    for (m = tp->tp_members; m->name != NULL; m++) {
        PyObject *v = m->offset == at ? ref : *(PyObject **)((char *)proto + m->offset);
        Py_XINCREF(v);
        *(PyObject **)((char *)o + m->offset) = v;
    }
    /* frozen, holding only atoms, tuples of atoms and the SourceRef */
    if (PyObject_IS_GC(o) && PyObject_GC_IsTracked(o))
        PyObject_GC_UnTrack(o);
    return o;
}

/* The open block ended at a line read here: stop mirroring it and have the parser
 * close it with the pending writes (a block() call of its own is not needed: nothing
 * the parser does in between depends on the block being closed yet). */
static void
fold_close_later(FoldObject *f)
{
    fold_forget_block(f);
    f->close_pending = 1;
    f->dirty = 1;
    f->closed++;
}

/* Tags 3-5 (see the top of this section): 1 done, 0 the parser must read it, -1 error. */
static int
fold_after_block(FoldObject *f, PyObject *path, Py_ssize_t lineno, long code, PyObject *tag)
{
    if (f->who != NULL) {
        /* it closes the open block: the parser closes it when it next stores the
         * pending writes (BootBuilder.close_block, before any later line is read
         * there), and the line is read as with no block open */
        if (f->block == NULL)
            return 0;
        fold_close_later(f);
    }
    if (code == TAG_COUNT) {
        f->after++;
        return 1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(tag);
    if (code == TAG_HEADER) {
        PyObject *proto = n == 2 ? PyTuple_GET_ITEM(tag, 1) : NULL;
        if (proto == NULL || !PyTuple_CheckExact(proto) || PyTuple_GET_SIZE(proto) != 4)
            return 0;
        PyObject *ref = fold_ref(f, path, lineno);
        if (ref == NULL)
            return -1;
        PyObject *hd = PyTuple_Pack(4, PyTuple_GET_ITEM(proto, 0), PyTuple_GET_ITEM(proto, 1),
                                    ref, PyTuple_GET_ITEM(proto, 3));
        Py_DECREF(ref);
        if (hd == NULL)
            return -1;
        Py_XSETREF(f->header, hd);
        return 1;
    }
    if (code == TAG_FIRST) {
        if (n != 4 || !PyUnicode_Check(PyTuple_GET_ITEM(tag, 1)) || f->boot == NULL)
            return 0;
        PyObject *name = PyTuple_GET_ITEM(tag, 1);
        PyObject *now = PyObject_GetAttr(f->boot, name);
        if (now == NULL)
            return -1;
        Py_DECREF(now);
        if (now == Py_None) {
            PyObject *value = PyTuple_GET_ITEM(tag, 2);
            int copy = PyObject_IsTrue(PyTuple_GET_ITEM(tag, 3));
            if (copy < 0)
                return -1;
            if (copy) {
                PyObject *ref = fold_ref(f, path, lineno);
                if (ref == NULL)
                    return -1;
                value = fold_clone(value, ref);
                Py_DECREF(ref);
                if (value == NULL)
                    return PyErr_Occurred() ? -1 : 0;
            }
            else
                Py_INCREF(value);
            int rc = PyObject_SetAttr(f->boot, name, value);
            Py_DECREF(value);
            if (rc < 0)
                return -1;
        }
        f->after++;
        return 1;
    }
    /* TAG_RECORD */
    if (n != 3 || f->lists == NULL)
        return 0;
    Py_ssize_t k = PyLong_AsSsize_t(PyTuple_GET_ITEM(tag, 1));
    if (k == -1 && PyErr_Occurred())
        return -1;
    if (k < 0 || k >= PyTuple_GET_SIZE(f->lists) || !PyList_Check(PyTuple_GET_ITEM(f->lists, k)))
        return 0;
    PyObject *ref = fold_ref(f, path, lineno);
    if (ref == NULL)
        return -1;
    PyObject *rec = fold_clone(PyTuple_GET_ITEM(tag, 2), ref);
    Py_DECREF(ref);
    if (rec == NULL)
        return PyErr_Occurred() ? -1 : 0;
    int rc = PyList_Append(PyTuple_GET_ITEM(f->lists, k), rec);
    Py_DECREF(rec);
    if (rc < 0)
        return -1;
    f->after++;
    return 1;
}

static int fold_tagged(FoldObject *f, PyObject *path, Py_ssize_t lineno, PyObject *tag,
                       int has_ts, double t);

/* Read the cache hit at line lineno: text, and its time (has_ts, t). Returns 1 when
 * the Fold read it, 0 when the parser must (nothing done), -1 on error. */
static int
fold_try(FoldObject *f, PyObject *path, Py_ssize_t lineno, PyObject *text, int has_ts, double t)
{
    if (!f->known && fold_call(f, NULL) < 0)
        return -1;
    if (!f->open)
        return 0;
    PyObject *tag = PyDict_GetItemWithError(f->tags, text);
    if (tag == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_CheckExact(tag) || PyTuple_GET_SIZE(tag) < 1)
        return 0;
    /* held: reading it allocates, and a collection may run code that changes the dict */
    Py_INCREF(tag);
    int rc = fold_tagged(f, path, lineno, tag, has_ts, t);
    Py_DECREF(tag);
    return rc;
}

/* fold_try() for a line whose tag is known. */
static int
fold_tagged(FoldObject *f, PyObject *path, Py_ssize_t lineno, PyObject *tag, int has_ts,
            double t)
{
    /* a clock that goes back may start a new boot: the parser decides */
    if (has_ts && f->has_last && t < f->last_ts)
        return 0;
    long code = PyLong_AsLong(PyTuple_GET_ITEM(tag, 0));
    if (code == -1 && PyErr_Occurred())
        return -1;
    switch (code) {
    case TAG_NOTHING:
        break;
    case TAG_UNPARSED:
        if (f->who != NULL) {
            /* BootBuilder.unparsed: the line cuts the open block when it looks like one
             * of its entries */
            if (PyTuple_GET_SIZE(tag) != 3 || PyTuple_GET_ITEM(tag, 1) != Py_False)
                return 0;
            PyObject *stripped = PyTuple_GET_ITEM(tag, 2);
            if (!PyUnicode_Check(stripped))
                return 0;
            Py_ssize_t m = PyUnicode_Tailmatch(stripped, f->who, 0, PY_SSIZE_T_MAX, -1);
            if (m != 0)
                return m < 0 ? -1 : 0;
        }
        break;
    case TAG_ENTRY: {
        if (PyTuple_GET_SIZE(tag) != 7)
            return 0;
        PyObject *who = PyTuple_GET_ITEM(tag, 1);
        if (!PyUnicode_CheckExact(who))
            return 0;
        int same = f->who != NULL && who == f->who;
        if (f->who != NULL && !same) {
            int eq = PyUnicode_Compare(who, f->who);
            if (eq == -1 && PyErr_Occurred())
                return -1;
            same = eq == 0;
        }
        if (!same) {
            /* the first entry of a block: the parser closes the open one, if any, and
             * opens this one (block()); the entry itself is read here */
            if (f->block == NULL)
                return 0;
            if (fold_block(f, who, path, lineno) < 0)
                return -1;
            if (!f->open || f->who == NULL)
                return 0;
            int eq = PyUnicode_Compare(who, f->who);
            if (eq == -1 && PyErr_Occurred())
                return -1;
            if (eq != 0)
                return 0;
        }
        if (fold_entry(f, path, lineno, tag) < 0)
            return -1;
        break;
    }
    case TAG_RECORD:
    case TAG_HEADER:
    case TAG_COUNT:
    case TAG_FIRST: {
        int rc = fold_after_block(f, path, lineno, code, tag);
        if (rc <= 0)
            return rc;
        break;
    }
    default:
        return 0;
    }
    f->last_line = lineno;
    if (has_ts) {
        if (!f->has_first) {
            f->has_first = 1;
            f->first_ts = t;
        }
        f->has_last = 1;
        f->last_ts = t;
    }
    f->dirty = 1;
    f->folded++;
    return 1;
}

PyDoc_STRVAR(Fold_line_doc,
"line(line)\n\n"
"Give a LogLine the scanner did not serve (read by the Python line machine) to the\n"
"parser, after storing the Fold's pending writes.");

static PyObject *
Fold_line(FoldObject *f, PyObject *line)
{
    /* a LogLine the fold may read itself: (path, line, text, time, False, truncated) */
    if (PyTuple_Check(line) && PyTuple_GET_SIZE(line) == 6) {
        PyObject *path = PyTuple_GET_ITEM(line, 0), *num = PyTuple_GET_ITEM(line, 1);
        PyObject *text = PyTuple_GET_ITEM(line, 2), *ts = PyTuple_GET_ITEM(line, 3);
        if (PyUnicode_CheckExact(path) && PyLong_CheckExact(num) && PyUnicode_CheckExact(text)
            && (ts == Py_None || PyFloat_CheckExact(ts)) && PyTuple_GET_ITEM(line, 4) == Py_False) {
            Py_ssize_t lineno = PyLong_AsSsize_t(num);
            if (lineno == -1 && PyErr_Occurred())
                return NULL;
            int has_ts = ts != Py_None;
            int rc = fold_try(f, path, lineno, text, has_ts, has_ts ? PyFloat_AS_DOUBLE(ts) : 0.0);
            if (rc < 0)
                return NULL;
            if (rc > 0)
                Py_RETURN_NONE;
        }
    }
    f->handed++;
    if (fold_call(f, line) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(Fold_flush_doc,
"flush()\n\n"
"Store the pending writes in the parser's objects (before Python reads them).");

static PyObject *
Fold_flush(FoldObject *f, PyObject *Py_UNUSED(ignored))
{
    if (f->dirty && fold_call(f, NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(Fold_reset_doc,
"reset()\n\n"
"flush(), then forget the mirrored state: the parser's state was changed by code that\n"
"did not go through this Fold (it is asked again before the next line).");

static PyObject *
Fold_reset(FoldObject *f, PyObject *Py_UNUSED(ignored))
{
    if (f->dirty && fold_call(f, NULL) < 0)
        return NULL;
    fold_forget_state(f);
    Py_RETURN_NONE;
}

static PyMethodDef Fold_methods[] = {
    {"line", (PyCFunction)Fold_line, METH_O, Fold_line_doc},
    {"flush", (PyCFunction)Fold_flush, METH_NOARGS, Fold_flush_doc},
    {"reset", (PyCFunction)Fold_reset, METH_NOARGS, Fold_reset_doc},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Fold_members[] = {
    {"folded", T_PYSSIZET, offsetof(FoldObject, folded), READONLY,
     "cache hits read here (not given to the parser)"},
    {"handed", T_PYSSIZET, offsetof(FoldObject, handed), READONLY,
     "lines given to the parser through line()"},
    {"closed", T_PYSSIZET, offsetof(FoldObject, closed), READONLY,
     "table blocks that ended at a line read here (closed by the parser later)"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject Fold_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "e820scope._speedups._linescan.Fold",
    .tp_basicsize = sizeof(FoldObject),
    .tp_dealloc = gc_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Fold(tags, slow, entry_type, ref_type, block=None): the parser's reading of "
              "cache hits that only extend the open boot.\n\ntags maps a line text to how "
              "the parser reads it; slow(line, pending) is the parser's own reading of a line "
              "(None: only store pending) and answers its state; entry_type and ref_type are "
              "E820Entry and SourceRef; block(who, ref, pending), when given, closes the "
              "parser's open table block and opens one for who at ref, and answers the "
              "state (without it, lines that close or open a block go to slow).",
    .tp_traverse = (traverseproc)Fold_traverse,
    .tp_clear = (inquiry)Fold_tp_clear,
    .tp_methods = Fold_methods,
    .tp_members = Fold_members,
    .tp_new = Fold_new,
};

PyDoc_STRVAR(Scanner_fold_doc,
"fold(buf, pos, end, base, fold, prev=b'') -> (pos, count, last, missed)\n\n"
"scan(), with every hit read by the Fold fold instead of appended to a list: a hit it\n"
"can read alone is read in C, any other is built as a LogLine and given to the parser\n"
"(fold's slow callable) before the next line. Returns what scan() returns.");

/* A cache hit for the Fold f: item holds the cached tail as for emit(). The Fold reads
 * it, or it is built as a LogLine and given to the parser. 0, or -1 on error. */
static int
fold_hit(ScannerObject *s, FoldObject *f, Py_ssize_t lineno, PyObject *const *item,
         int timed, double t)
{
    int has_ts = 1;
    if (!timed) {
        has_ts = PyFloat_Check(item[1]);
        if (has_ts)
            t = PyFloat_AS_DOUBLE(item[1]);
        else if (item[1] != Py_None)
            has_ts = -1;
    }
    int rc = 0;
    /* a cached time that is not a float, or a boot hint: the parser reads it */
    if (has_ts >= 0 && (timed || item[2] == Py_False))
        rc = fold_try(f, s->name, lineno, item[0], has_ts, t);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    PyObject *list = PyList_New(0);
    rc = list == NULL ? -1 : emit(s, list, lineno, item, timed, t);
    if (rc == 0) {
        f->handed++;
        rc = fold_call(f, PyList_GET_ITEM(list, 0));
    }
    Py_XDECREF(list);
    return rc;
}

/* ------------------------------------------------------------------------------ */
/* The console hand-over window (twin: LineMachine._effects, _console and step)     */

/* The substrings LineMachine._effects and _console look for (set up at import). */
enum {
    S_BANNER,       /* "Linux version ", at the start */
    S_CONSOLE,      /* "console [" */
    S_HANDOVER,     /* "console handover" */
    S_BOOTCONSOLE,  /* "bootconsole [" */
    S_ENABLED,      /* "enabled" */
    S_DISABLED,     /* "disabled" */
    S_CON_ENABLED,  /* "] enabled" */
    S_COUNT,
};
static const char *const console_words[S_COUNT] = {
    "Linux version ", "console [", "console handover", "bootconsole [",
    "enabled",        "disabled",  "] enabled",
};
static PyObject *console_str[S_COUNT];

/* 1 when body holds word k, 0 when not, -1 on error. */
static inline int
has_word(PyObject *body, int k)
{
    return PySequence_Contains(body, console_str[k]);
}

enum { FX_BANNER = 1, FX_CONSOLE = 2 };

/* The state effects LineMachine._effects finds in a line read as body (FX_ flags), or
 * -1 on error. */
static int
body_effects(PyObject *body)
{
    Py_ssize_t banner = PyUnicode_Tailmatch(body, console_str[S_BANNER], 0, PY_SSIZE_T_MAX, -1);
    if (banner < 0)
        return -1;
    int con = has_word(body, S_CONSOLE);
    if (con == 0)
        con = has_word(body, S_HANDOVER);
    if (con < 0)
        return -1;
    return (banner ? FX_BANNER : 0) | (con ? FX_CONSOLE : 0);
}

/* LineMachine._console: a console line opens, closes or ends the window in which the
 * boot console and the real console both print every line. 0, or -1 on error. */
static int
console_effect(ScannerObject *s, PyObject *body)
{
    int boot = has_word(body, S_BOOTCONSOLE);
    if (boot < 0)
        return -1;
    int on = boot ? has_word(body, S_ENABLED) : 0;
    if (on < 0)
        return -1;
    if (on) {
        s->bootconsole = 1;
        return 0;
    }
    int off = boot ? has_word(body, S_DISABLED) : 0;
    if (off == 0)
        off = has_word(body, S_HANDOVER);
    if (off < 0)
        return -1;
    if (off) {
        if (s->handover)
            s->handover = 2;
        s->bootconsole = 0;
        return 0;
    }
    int con_on = has_word(body, S_CON_ENABLED);
    if (con_on < 0)
        return -1;
    if (con_on && s->bootconsole) {
        s->handover = 1;
        s->handover_lines = 0;
    }
    return 0;
}

/* Whether the raw line p[0:n] holds one of the state anchors LineMachine's anchor test
 * looks for first (lineproc._STATE_ANCHORS), so that the test lets it through. */
static int
state_anchored(const unsigned char *p, Py_ssize_t n)
{
    static const char *const words[] = {"console [", "Linux version"};
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        const unsigned char *w = (const unsigned char *)words[k];
        size_t len = strlen(words[k]);
        const unsigned char *at = p, *stop = p + n;
        while ((size_t)(stop - at) >= len) {
            at = memchr(at, w[0], (size_t)(stop - at) - len + 1);
            if (at == NULL)
                break;
            if (memcmp(at, w, len) == 0)
                return 1;
            at++;
        }
    }
    return 0;
}

/* The window's bookkeeping for one line of it; 1 when the line is dropped (the second
 * print of a line both consoles printed: the same bytes as the line before it, with a
 * time), else 0. */
static int
window_step(ScannerObject *s, int same_as_prev, int has_ts)
{
    s->handover_lines++;
    if (s->handover_lines > s->handover_max)
        s->handover = 0;
    if (same_as_prev && has_ts)
        return 1;
    if (s->handover == 2)
        s->handover = 0;
    return 0;
}

/* The walk behind scan() and fold(): lines of buf[pos:end] while each is a cache hit,
 * each hit appended to the list out as its LogLine, or, with a Fold f, read by f (or
 * built as a LogLine and given to the parser through f). */
static PyObject *
scanner_walk(ScannerObject *s, PyObject *const *args, Py_ssize_t nargs, const char *usage,
             int folding)
{
    const unsigned char *buf;
    Py_ssize_t pos, end;
    if (nargs != 5 && nargs != 6) {
        PyErr_SetString(PyExc_TypeError, usage);
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
    FoldObject *f = NULL;
    if (folding) {
        if (!PyObject_TypeCheck(out, &Fold_Type)) {
            PyErr_SetString(PyExc_TypeError, "fold must be a Fold");
            return NULL;
        }
        f = (FoldObject *)out;
        if (f->tags == NULL) {
            PyErr_SetString(PyExc_ValueError, "Fold was cleared");
            return NULL;
        }
    }
    else if (!PyList_Check(out)) {
        PyErr_SetString(PyExc_TypeError, "out must be a list");
        return NULL;
    }
    /* the line before buf[pos]: the prev argument (b"" when not given) */
    PyObject *prev_obj = nargs == 6 ? args[5] : NULL;
    if (prev_obj != NULL && !PyBytes_Check(prev_obj)) {
        PyErr_SetString(PyExc_TypeError, "prev must be bytes");
        return NULL;
    }
    /* keep the tables, the previous line and the Fold alive even if the code a release
     * or the parser may run drops them */
    TableObject *raw = s->raw, *timed = s->timed, *parsed = s->parsed, *ts_parsed = s->ts_parsed;
    Py_INCREF(raw);
    Py_XINCREF(timed);
    Py_XINCREF(parsed);
    Py_XINCREF(ts_parsed);
    Py_XINCREF(prev_obj);
    Py_INCREF(out);
    const unsigned char *prev = prev_obj ? (const unsigned char *)PyBytes_AS_STRING(prev_obj)
                                         : (const unsigned char *)"";
    Py_ssize_t prev_n = prev_obj ? PyBytes_GET_SIZE(prev_obj) : 0;

    Py_ssize_t count = 0, last = -1;
    int failed = 0, missed = 0;
    while (pos < end) {
        const unsigned char *line = buf + pos;
        const unsigned char *nl = memchr(line, s->newline, (size_t)(end - pos));
        if (nl == NULL)
            break;
        Py_ssize_t n = nl - line;
        double t = 0.0;
        int is_timed, sure, fx = 0;
        Entry *e = lookup_line(raw, timed, line, n, &is_timed, &t, &sure);
        if (e != NULL && e->shape == 0 && s->handover) {
            /* a line without a result: inside the window it is read in full (see
             * LineMachine.step), unless it was read before */
            e = NULL;
            sure = 0;
        }
        if (e == NULL) {
            /* a line the caches do not hold: LineMachine.general recalls how it read it
             * before; that is done here when the line acts on the console window or
             * is read inside it (else general caches it, in Python) */
            if (parsed == NULL) {
                missed = sure;
                break;
            }
            int k_timed, k_sure;
            double kt = 0.0;
            Entry *k = lookup_line(parsed, ts_parsed, line, n, &k_timed, &kt, &k_sure);
            if (k == NULL || k->shape != (k_timed ? 2 : 4) || !PyUnicode_Check(k->item[0])) {
                missed = sure;
                break;
            }
            fx = body_effects(k->item[0]);
            if (fx < 0) {
                failed = 1;
                break;
            }
            /* outside the window: only a line with an effect, and (as the anchor test
             * lets it through) only one holding a state anchor; else Python decides */
            if (!s->handover && (fx == 0 || (s->gated && !state_anchored(line, n)))) {
                missed = sure;
                break;
            }
            e = k;
            is_timed = k_timed;
            t = kt;
        }
        else if (e->shape != 0 && e->shape != (is_timed ? 2 : 4))
            break;
        int drop = 0;
        if (e->shape != 0) {
            if (fx & FX_BANNER) {
                s->bootconsole = 0; /* a new kernel: no console state carries over */
                s->handover = 0;
            }
            if (s->handover) {
                int same = n == prev_n && memcmp(line, prev, (size_t)n) == 0;
                drop = window_step(s, same, is_timed || e->item[1] != Py_None);
            }
            if (!drop && (fx & FX_CONSOLE) && console_effect(s, e->item[0]) < 0) {
                failed = 1;
                break;
            }
        }
        if (e->shape != 0 && !drop) {
            /* hold the value (and so its items): building the line, or the parser, may
             * run code that changes the table */
            PyObject *v = e->value;
            PyObject *item[4] = {e->item[0], e->item[1], e->item[2], e->item[3]};
            Py_INCREF(v);
            int rc = f == NULL ? emit(s, out, base + count, item, is_timed, t)
                               : fold_hit(s, f, base + count, item, is_timed, t);
            Py_DECREF(v);
            if (rc < 0) {
                failed = 1;
                break;
            }
        }
        last = pos;
        count++;
        prev = line;
        prev_n = n;
        pos = (nl - buf) + 1;
    }
    Py_DECREF(out);
    Py_XDECREF(prev_obj);
    Py_DECREF(raw);
    Py_XDECREF(timed);
    Py_XDECREF(parsed);
    Py_XDECREF(ts_parsed);
    if (failed)
        return NULL;
    return Py_BuildValue("(nnnO)", pos, count, last, missed ? Py_True : Py_False);
}

static PyObject *
Scanner_scan(ScannerObject *s, PyObject *const *args, Py_ssize_t nargs)
{
    return scanner_walk(s, args, nargs, "scan() takes buf, pos, end, base, out", 0);
}

static PyObject *
Scanner_fold(ScannerObject *s, PyObject *const *args, Py_ssize_t nargs)
{
    return scanner_walk(s, args, nargs, "fold() takes buf, pos, end, base, fold", 1);
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
    /* the way lookup_line reads it: the usual 15-byte prefix first */
    if (std_prefix(p, n, &t))
        return Py_BuildValue("(nd)", (Py_ssize_t)15, t);
    Py_ssize_t k = prefix_len(p, n);
    if (k == 0 || !time_value(p, k, &t))
        Py_RETURN_NONE;
    return Py_BuildValue("(nd)", k, t);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))Scanner_scan, METH_FASTCALL, Scanner_scan_doc},
    {"fold", (PyCFunction)(void (*)(void))Scanner_fold, METH_FASTCALL, Scanner_fold_doc},
    {"lines", (PyCFunction)(void (*)(void))Scanner_lines, METH_FASTCALL, Scanner_lines_doc},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Scanner_members[] = {
    {"bootconsole", T_INT, offsetof(ScannerObject, bootconsole), 0,
     "a boot console (earlyprintk) is printing"},
    {"handover", T_INT, offsetof(ScannerObject, handover), 0,
     "the console hand-over window: 0 none, 1 both consoles print every line, 2 it ends "
     "at the next printed line"},
    {"handover_lines", T_PYSSIZET, offsetof(ScannerObject, handover_lines), 0,
     "physical lines read inside the window"},
    {"handover_max", T_PYSSIZET, offsetof(ScannerObject, handover_max), READONLY,
     "the window ends after this many lines"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject Scanner_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "e820scope._speedups._linescan.Scanner",
    .tp_basicsize = sizeof(ScannerObject),
    .tp_dealloc = gc_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Scanner(raw, timed, line_type, name, newline, parsed=None, ts_parsed=None, "
              "handover_max=0): serves cache hits from a buffer.\n\nraw and timed are the "
              "two cache Tables of a LineMachine (timed may be None: no time-prefix "
              "lookups); line_type is LogLine; name is the source name put in every line; "
              "newline is the single newline byte; parsed and ts_parsed are the machine's "
              "Tables of lines it read but does not cache (None: such lines are left to "
              "Python); handover_max bounds the console hand-over window; gated says the "
              "machine has an anchor test (outside the window, a line it read before is "
              "then read here only when it holds a state anchor: 'console [', 'Linux "
              "version').",
    .tp_traverse = (traverseproc)Scanner_traverse,
    .tp_clear = (inquiry)Scanner_tp_clear,
    .tp_methods = Scanner_methods,
    .tp_members = Scanner_members,
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

    for (int k = 0; k < S_COUNT; k++) {
        if (console_str[k] == NULL) {
            console_str[k] = PyUnicode_InternFromString(console_words[k]);
            if (console_str[k] == NULL)
                return NULL;
        }
    }
    if (PyType_Ready(&Table_Type) < 0 || PyType_Ready(&Scanner_Type) < 0
        || PyType_Ready(&Fold_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&linescan_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Table", (PyObject *)&Table_Type) < 0
        || PyModule_AddObjectRef(m, "Scanner", (PyObject *)&Scanner_Type) < 0
        || PyModule_AddObjectRef(m, "Fold", (PyObject *)&Fold_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
