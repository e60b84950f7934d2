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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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
    PyObject *entry = new_instance(ecls);
    if (entry == NULL) {
        Py_DECREF(ref);
        return NULL;
    }
    for (int k = 0; k < N_FACT; k++) {
        PyObject *v = get_slot(fd[k], fact);
        int rc = v == NULL ? -1 : set_slot(ed[k], entry, v);
        Py_XDECREF(v);
        if (rc < 0) {
            Py_DECREF(ref);
            Py_DECREF(entry);
            return NULL;
        }
    }
    int rc = set_slot(ed[E_REF], entry, ref);
    if (rc < 0) {
        Py_DECREF(ref);
        Py_DECREF(entry);
        return NULL;
    }
    /* Both objects are frozen and hold only ints, strings and (the entry) the
     * SourceRef: they can never be part of a reference cycle, so the cyclic collector
     * need not walk them (CPython does the same for tuples of such values). A kexec
     * chain console holds hundreds of thousands of them per 64 MiB. */
    untrack(ref);
    untrack(entry);
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

static PyMethodDef methods[] = {
    {"entries", entries, METH_VARARGS, entries_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "e820scope._speedups._records",
    "Build E820Entry records for runs of entry lines (twin: parse.builder.make_entries).",
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
    return PyModule_Create(&module);
}
