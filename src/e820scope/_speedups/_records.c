/*
 * e820scope._speedups._records: build E820Entry records for a run of entry lines.
 *
 * The parser reads a kexec-chain console capture as long runs of e820 entry lines
 * (hundreds of thousands per 64 MiB). For each such line it needs a SourceRef
 * (path, line) and an E820Entry (addr, size, type, raw_type, ref). Both are frozen
 * slots dataclasses; in Python each costs a handful of slot-setter calls. This module
 * does the same thing in one C loop per run: it reads the LineFact's slots and the
 * LogLine's tuple items, and fills the new objects' slots through the classes' own slot
 * descriptors (the same __set__ the Python twin, parse.builder.make_entries, calls), so
 * the objects are exactly those the Python code builds.
 *
 * It also reads back what finish() needs of every table of every boot (bounds(): the
 * top of the table, its first and highest RAM), in one loop over the entries' slots,
 * and builds the parser's other records (tables, boots) positionally (Maker), without
 * the slot-setter calls of a frozen dataclass's __init__.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <limits.h>
#include <string.h>

/* Look up a class attribute that must be a data descriptor (a __slots__ member). */
static PyObject *
slot_descr(PyObject *cls, const char *name)
{
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (d == NULL)
        return NULL;
    if (Py_TYPE(d)->tp_descr_get == NULL || Py_TYPE(d)->tp_descr_set == NULL) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a slot", cls, name);
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static int
set_slot(PyObject *descr, PyObject *obj, PyObject *value)
{
    return Py_TYPE(descr)->tp_descr_set(descr, obj, value);
}

static PyObject *
get_slot(PyObject *descr, PyObject *obj)
{
    return Py_TYPE(descr)->tp_descr_get(descr, obj, (PyObject *)Py_TYPE(obj));
}

static void
untrack(PyObject *obj)
{
    if (PyObject_IS_GC(obj) && PyObject_GC_IsTracked(obj))
        PyObject_GC_UnTrack(obj);
}

/* A new, empty instance of a slots class (no __init__ runs, as with cls.__new__(cls)). */
static PyObject *
new_instance(PyTypeObject *cls)
{
    return cls->tp_alloc(cls, 0);
}

enum { E_ADDR, E_SIZE, E_TYPE, E_RAW, E_REF, N_ENTRY };
enum { R_PATH, R_LINE, N_REF };
enum { F_ADDR, F_SIZE, F_TYPE, F_RAW, N_FACT };

static const char *entry_names[N_ENTRY] = {"addr", "size", "type", "raw_type", "ref"};
static const char *ref_names[N_REF] = {"path", "line"};
static const char *fact_names[N_FACT] = {"addr", "size", "type", "raw"};

static int
descrs(PyObject *cls, const char **names, int n, PyObject **out)
{
    for (int i = 0; i < n; i++) {
        out[i] = slot_descr(cls, names[i]);
        if (out[i] == NULL) {
            for (int k = 0; k < i; k++)
                Py_CLEAR(out[k]);
            return -1;
        }
    }
    return 0;
}

static void
release(PyObject **d, int n)
{
    for (int i = 0; i < n; i++)
        Py_CLEAR(d[i]);
}

/* A new entry record (class ecls, slot descriptors ed) with its slots set to vals
 * (borrowed, in the order of entry_names); NULL with an exception on error.
 *
 * It is frozen and holds only ints, strings and the SourceRef, so it can never be part
 * of a reference cycle and the cyclic collector need not walk it (CPython does the
 * same for tuples of such values). A kexec chain console holds hundreds of thousands
 * of them per 64 MiB. */
static PyObject *
new_entry(PyTypeObject *ecls, PyObject **ed, PyObject *const *vals)
{
    PyObject *e = new_instance(ecls);
    for (int k = 0; e != NULL && k < N_ENTRY; k++) {
        if (set_slot(ed[k], e, vals[k]) < 0)
            Py_CLEAR(e);
    }
    if (e != NULL)
        untrack(e);
    return e;
}

/* One E820Entry for facts[i] printed at lines[i]; NULL with an exception on error. */
static PyObject *
one_entry(PyObject *fact, PyObject *line, PyTypeObject *ecls, PyTypeObject *rcls,
          PyObject **ed, PyObject **rd, PyObject **fd)
{
    if (!PyTuple_Check(line) || PyTuple_GET_SIZE(line) < 2) {
        PyErr_SetString(PyExc_TypeError, "a LogLine (tuple of at least path, line) expected");
        return NULL;
    }
    PyObject *ref = new_instance(rcls);
    if (ref == NULL)
        return NULL;
    if (set_slot(rd[R_PATH], ref, PyTuple_GET_ITEM(line, 0)) < 0 ||
        set_slot(rd[R_LINE], ref, PyTuple_GET_ITEM(line, 1)) < 0) {
        Py_DECREF(ref);
        return NULL;
    }
    untrack(ref); /* frozen, holding a str and an int (as the entry) */
    /* the fact's addr, size, type and raw are the entry's first N_FACT slots */
    PyObject *vals[N_ENTRY] = {0};
    int ok = 1;
    for (int k = 0; k < N_FACT && ok; k++) {
        vals[k] = get_slot(fd[k], fact);
        ok = vals[k] != NULL;
    }
    vals[E_REF] = ref;
    PyObject *entry = ok ? new_entry(ecls, ed, vals) : NULL;
    for (int k = 0; k < N_FACT; k++)
        Py_XDECREF(vals[k]);
    Py_DECREF(ref);
    return entry;
}

PyDoc_STRVAR(entries_doc,
"entries(entry_cls, ref_cls, fact_cls, facts, lines, start, stop, out)\n"
"\n"
"Append to the list ``out``, for each i in range(start, stop), the entry\n"
"``entry_cls(f.addr, f.size, f.type, f.raw, ref_cls(line[0], line[1]))`` where\n"
"``f = facts[i]`` (a ``fact_cls``) and ``line = lines[i]`` (a LogLine tuple).");

static PyObject *
entries(PyObject *module, PyObject *args)
{
    PyObject *ecls, *rcls, *fcls, *facts, *lines, *out;
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!nnO!:entries", &PyType_Type, &ecls, &PyType_Type,
                          &rcls, &PyType_Type, &fcls, &PyList_Type, &facts, &PyList_Type,
                          &lines, &start, &stop, &PyList_Type, &out))
        return NULL;
    if (start < 0 || stop < start || stop > PyList_GET_SIZE(facts) ||
        stop > PyList_GET_SIZE(lines)) {
        PyErr_SetString(PyExc_IndexError, "entries: start/stop out of range");
        return NULL;
    }
    PyObject *ed[N_ENTRY] = {0}, *rd[N_REF] = {0}, *fd[N_FACT] = {0};
    if (descrs(ecls, entry_names, N_ENTRY, ed) < 0)
        return NULL;
    if (descrs(rcls, ref_names, N_REF, rd) < 0) {
        release(ed, N_ENTRY);
        return NULL;
    }
    if (descrs(fcls, fact_names, N_FACT, fd) < 0) {
        release(ed, N_ENTRY);
        release(rd, N_REF);
        return NULL;
    }
    PyObject *result = Py_None;
    for (Py_ssize_t i = start; i < stop; i++) {
        /* items are borrowed; the lists cannot change while this loop holds the GIL and
         * runs no Python code but slot descriptors */
        PyObject *fact = PyList_GET_ITEM(facts, i);
        if (!PyObject_TypeCheck(fact, (PyTypeObject *)fcls)) {
            PyErr_Format(PyExc_TypeError, "facts[%zd] is not a %R", i, fcls);
            result = NULL;
            break;
        }
        PyObject *e = one_entry(fact, PyList_GET_ITEM(lines, i), (PyTypeObject *)ecls,
                                (PyTypeObject *)rcls, ed, rd, fd);
        if (e == NULL || PyList_Append(out, e) < 0) {
            Py_XDECREF(e);
            result = NULL;
            break;
        }
        Py_DECREF(e);
    }
    release(ed, N_ENTRY);
    release(rd, N_REF);
    release(fd, N_FACT);
    Py_XINCREF(result);
    return result;
}

PyDoc_STRVAR(entry_doc,
"entry(entry_cls, addr, size, type, raw_type, ref)\n"
"\n"
"``entry_cls(addr, size, type, raw_type, ref)`` built as entries() builds them (slot by\n"
"slot, not tracked by the cyclic collector). Twin: parse.builder.fast_entry.");

static PyObject *
entry(PyObject *module, PyObject *args)
{
    PyObject *ecls, *vals[N_ENTRY];
    if (!PyArg_ParseTuple(args, "O!OOOOO:entry", &PyType_Type, &ecls, &vals[E_ADDR],
                          &vals[E_SIZE], &vals[E_TYPE], &vals[E_RAW], &vals[E_REF]))
        return NULL;
    PyObject *ed[N_ENTRY] = {0};
    if (descrs(ecls, entry_names, N_ENTRY, ed) < 0)
        return NULL;
    PyObject *e = new_entry((PyTypeObject *)ecls, ed, vals);
    release(ed, N_ENTRY);
    return e;
}

/* The byte offset of the __slots__ member ``name`` of cls (an object slot), or -1. */
static Py_ssize_t
member_offset(PyTypeObject *cls, const char *name)
{
    if (cls->tp_members == NULL)
        return -1;
    for (PyMemberDef *m = cls->tp_members; m->name != NULL; m++) {
        if (strcmp(m->name, name) == 0)
            return m->type == T_OBJECT_EX ? m->offset : -1;
    }
    return -1;
}

/* The value of an unsigned 64-bit int slot; 0 with *ok cleared when it is unset, not an
 * int, negative or wider (the caller then leaves the work to Python). */
static unsigned long long
u64_at(PyObject *obj, Py_ssize_t offset, int *ok)
{
    PyObject *v = *(PyObject **)((char *)obj + offset);
    if (v == NULL || !PyLong_CheckExact(v)) {
        *ok = 0;
        return 0;
    }
    unsigned long long x = PyLong_AsUnsignedLongLong(v);
    if (x == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        *ok = 0;
    }
    return x;
}

PyDoc_STRVAR(bounds_doc,
"bounds(entry_cls, entries, ram_a, ram_b)\n"
"\n"
"For a tuple of ``entry_cls`` records (E820Entry), ``(top, first_ram, ram_top)``:\n"
"the largest ``addr + size``, the smallest ``addr`` of an entry whose ``type`` is\n"
"ram_a or ram_b (None if there is none) and the largest ``addr + size`` of such an\n"
"entry (0 if none); ``top`` is 0 for no entries. None when some value does not fit\n"
"in 64 bits (the caller computes it in Python). Twin: parse.finish._bounds_py.");

static PyObject *
bounds(PyObject *module, PyObject *args)
{
    PyObject *ecls, *entries;
    long ram_a, ram_b;
    if (!PyArg_ParseTuple(args, "O!O!ll:bounds", &PyType_Type, &ecls, &PyTuple_Type, &entries,
                          &ram_a, &ram_b))
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)ecls;
    Py_ssize_t oa = member_offset(tp, "addr"), os = member_offset(tp, "size"),
               ot = member_offset(tp, "type");
    if (oa < 0 || os < 0 || ot < 0 || tp->tp_dictoffset != 0) {
        PyErr_Format(PyExc_TypeError, "bounds: %R is not a slots record with addr, size, type",
                     ecls);
        return NULL;
    }
    unsigned long long top = 0, first = 0, ram_top = 0;
    int any_ram = 0, ok = 1;
    Py_ssize_t n = PyTuple_GET_SIZE(entries);
    for (Py_ssize_t i = 0; i < n && ok; i++) {
        PyObject *e = PyTuple_GET_ITEM(entries, i);
        if (Py_TYPE(e) != tp) {
            PyErr_Format(PyExc_TypeError, "bounds: entries[%zd] is not a %R", i, ecls);
            return NULL;
        }
        unsigned long long addr = u64_at(e, oa, &ok), size = u64_at(e, os, &ok),
                           type = u64_at(e, ot, &ok);
        if (!ok || addr > ULLONG_MAX - size)
            Py_RETURN_NONE;
        unsigned long long end = addr + size;
        if (end > top)
            top = end;
        if (type == (unsigned long long)ram_a || type == (unsigned long long)ram_b) {
            if (!any_ram || addr < first)
                first = addr;
            if (end > ram_top)
                ram_top = end;
            any_ram = 1;
        }
    }
    if (!ok)
        Py_RETURN_NONE;
    if (any_ram)
        return Py_BuildValue("(KKK)", top, first, ram_top);
    return Py_BuildValue("(KOK)", top, Py_None, 0ULL);
}

PyDoc_STRVAR(unaligned_doc,
"unaligned(entry_cls, entries, size, type, align)\n"
"\n"
"For a tuple of ``entry_cls`` records (E820Entry), whether one of them has this\n"
"``size`` and ``type`` and an ``addr`` that is not a multiple of ``align`` (a positive\n"
"power of two); None when some value does not fit in 64 bits (the caller decides in\n"
"Python). Twin: parse.finish._unaligned_py.");

static PyObject *
unaligned(PyObject *module, PyObject *args)
{
    PyObject *ecls, *entries;
    unsigned long long want_size, want_type, align;
    if (!PyArg_ParseTuple(args, "O!O!KKK:unaligned", &PyType_Type, &ecls, &PyTuple_Type,
                          &entries, &want_size, &want_type, &align))
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)ecls;
    Py_ssize_t oa = member_offset(tp, "addr"), os = member_offset(tp, "size"),
               ot = member_offset(tp, "type");
    if (oa < 0 || os < 0 || ot < 0 || tp->tp_dictoffset != 0 || align == 0
        || (align & (align - 1)) != 0) {
        PyErr_Format(PyExc_TypeError,
                     "unaligned: %R is not a slots record with addr, size, type, or align is "
                     "not a power of two",
                     ecls);
        return NULL;
    }
    int ok = 1;
    Py_ssize_t n = PyTuple_GET_SIZE(entries);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PyTuple_GET_ITEM(entries, i);
        if (Py_TYPE(e) != tp) {
            PyErr_Format(PyExc_TypeError, "unaligned: entries[%zd] is not a %R", i, ecls);
            return NULL;
        }
        unsigned long long size = u64_at(e, os, &ok);
        if (!ok)
            Py_RETURN_NONE;
        if (size != want_size)
            continue;
        unsigned long long type = u64_at(e, ot, &ok), addr = u64_at(e, oa, &ok);
        if (!ok)
            Py_RETURN_NONE;
        if (type == want_type && (addr & (align - 1)) != 0)
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

PyDoc_STRVAR(seal_doc,
"seal(items)\n"
"\n"
"``tuple(items)`` for a list, not tracked by the cyclic garbage collector when none of\n"
"its items is tracked (E820Entry records built here and by _linescan, ints, strings)\n"
"or is a dict.\n"
"A cycle through such a tuple would have to pass through an untracked object, which\n"
"the collector never looks into, so untracking the tuple changes nothing it could\n"
"collect; it only spares every young-generation collection a walk over the table.");

static PyObject *
seal(PyObject *module, PyObject *items)
{
    if (!PyList_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "seal: a list expected");
        return NULL;
    }
    PyObject *t = PyList_AsTuple(items);
    if (t == NULL)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(t);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(t, i);
        /* an untracked dict is tracked again once it holds a container */
        if (PyObject_IS_GC(o) && (PyObject_GC_IsTracked(o) || PyDict_Check(o)))
            return t;
    }
    untrack(t);
    return t;
}

/* ------------------------------------------------------------------------------ */
/* Maker: a fast positional constructor for a slots record                        */

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    Py_ssize_t n;
    Py_ssize_t *offsets; /* the slot offset of each field, in field order */
    vectorcallfunc vectorcall;
} MakerObject;

static PyTypeObject Maker_Type;

static PyObject *
maker_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    MakerObject *mk = (MakerObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (mk->cls == NULL) {
        PyErr_SetString(PyExc_ValueError, "Maker was cleared");
        return NULL;
    }
    if ((kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) || nargs != mk->n) {
        PyErr_Format(PyExc_TypeError, "%s maker takes exactly %zd positional arguments",
                     mk->cls->tp_name, mk->n);
        return NULL;
    }
    PyObject *o = mk->cls->tp_alloc(mk->cls, 0);
    if (o == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyObject **slot = (PyObject **)((char *)o + mk->offsets[i]);
        Py_INCREF(args[i]);
        Py_XSETREF(*slot, args[i]);
    }
    return o;
}

static PyObject *
Maker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cls", "fields", NULL};
    PyObject *cls, *fields;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!:Maker", kwlist, &PyType_Type, &cls,
                                     &PyTuple_Type, &fields))
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)cls;
    Py_ssize_t n = PyTuple_GET_SIZE(fields), members = 0;
    if (tp->tp_members != NULL) {
        for (PyMemberDef *m = tp->tp_members; m->name != NULL; m++)
            members++;
    }
    /* only a class whose instances are their slots: nothing else to set up */
    if (tp->tp_base != &PyBaseObject_Type || tp->tp_dictoffset != 0 || tp->tp_itemsize != 0
        || members != n || n == 0) {
        PyErr_Format(PyExc_TypeError,
                     "Maker: %R must derive from object and have exactly the slots named "
                     "by fields",
                     cls);
        return NULL;
    }
    Py_ssize_t *offsets = PyMem_New(Py_ssize_t, (size_t)n);
    if (offsets == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(fields, i);
        const char *s = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
        Py_ssize_t off = s != NULL ? member_offset(tp, s) : -1;
        for (Py_ssize_t k = 0; k < i && off >= 0; k++) {
            if (offsets[k] == off)
                off = -1; /* named twice */
        }
        if (off < 0) {
            PyMem_Free(offsets);
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "Maker: %R is not an object slot of %R", name,
                             cls);
            return NULL;
        }
        offsets[i] = off;
    }
    MakerObject *mk = (MakerObject *)type->tp_alloc(type, 0);
    if (mk == NULL) {
        PyMem_Free(offsets);
        return NULL;
    }
    Py_INCREF(cls);
    mk->cls = tp;
    mk->n = n;
    mk->offsets = offsets;
    mk->vectorcall = maker_vectorcall;
    return (PyObject *)mk;
}

static int
Maker_traverse(MakerObject *mk, visitproc visit, void *arg)
{
    Py_VISIT(mk->cls);
    return 0;
}

static int
Maker_clear(MakerObject *mk)
{
    Py_CLEAR(mk->cls);
    return 0;
}

static void
Maker_dealloc(MakerObject *mk)
{
    PyObject_GC_UnTrack(mk);
    Maker_clear(mk);
    PyMem_Free(mk->offsets);
    Py_TYPE(mk)->tp_free((PyObject *)mk);
}

static PyMemberDef Maker_members[] = {
    {"cls", T_OBJECT, offsetof(MakerObject, cls), READONLY, "the class it builds"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject Maker_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "e820scope._speedups._records.Maker",
    .tp_basicsize = sizeof(MakerObject),
    .tp_dealloc = (destructor)Maker_dealloc,
    .tp_vectorcall_offset = offsetof(MakerObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Maker(cls, fields): maker(*values) builds cls with each of its slots, named "
              "in fields order, set to the value at the same place, as cls(*values) does "
              "for a slots dataclass without __post_init__ whose fields are those slots "
              "(no __init__ runs; every field must be given). Twin: the class itself (see "
              "e820scope._speedups.maker).",
    .tp_traverse = (traverseproc)Maker_traverse,
    .tp_clear = (inquiry)Maker_clear,
    .tp_members = Maker_members,
    .tp_new = Maker_new,
};

static PyMethodDef methods[] = {
    {"entries", entries, METH_VARARGS, entries_doc},
    {"entry", entry, METH_VARARGS, entry_doc},
    {"bounds", bounds, METH_VARARGS, bounds_doc},
    {"unaligned", unaligned, METH_VARARGS, unaligned_doc},
    {"seal", seal, METH_O, seal_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "e820scope._speedups._records",
    "Build E820Entry records for runs of entry lines (twin: parse.builder.make_entries),\n"
    "and read a table's address bounds (twin: parse.finish._bounds_py).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__records(void)
{
    if (PyType_Ready(&Maker_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Maker", (PyObject *)&Maker_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
