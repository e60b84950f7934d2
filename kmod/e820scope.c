// SPDX-License-Identifier: GPL-2.0-only
/*
 * e820scope.ko - read-only view of the kernel's three e820 tables.
 *
 * Exposes e820_table, e820_table_kexec and e820_table_firmware (arch/x86/kernel/e820.c)
 * under /sys/kernel/e820scope/ (and /sys/kernel/debug/e820scope/ when debugfs is
 * mounted), mode 0400, in the kernel's own entry format so that e820scope's grammar
 * parses them. The file format is described in ABI.md next to this file.
 *
 * The three symbols are not exported to modules (kernel-facts §6). They are resolved
 *   1. from module parameters that the loader read from /proc/kallsyms
 *      (e820scope-load.sh, `e820scope live --load`); every address handed in is checked
 *      with sprint_symbol(): it must name exactly that symbol at offset 0, or the
 *      module refuses to load;
 *   2. otherwise through kallsyms_lookup_name(), whose address is obtained by
 *      registering a kprobe on it (CONFIG_KPROBES).
 * Nothing is ever guessed: a symbol that cannot be resolved and verified makes
 * insmod fail with a dmesg line saying which one and why.
 *
 * Read-only towards the e820 tables: the module only reads the table pointers and
 * copies entries into its own buffers. It does change kernel state in one place:
 * when no address is given, it registers (and at once unregisters) a kprobe on
 * kallsyms_lookup_name to learn that function's address, which patches kernel text
 * for that moment (no_kprobe=1 forbids it).
 *
 * Locking: the kernel has no lock for these tables. They are written during early
 * boot, replaced by exactly-sized kmemdup() copies in e820__reallocate_tables()
 * (before any module can load), and later only by rare late paths
 * (e820__range_update_table() from SEV-SNP RMP fixup, EFI memory reservations). A
 * snapshot reads the table pointer and nr_entries once (READ_ONCE) and copies at most
 * as many entries as the kmemdup'd storage holds (ksize() of the object, and never more
 * than E820_MAX_ENTRIES), so a count that runs ahead of the storage is never followed
 * past the end of it.
 *
 * One snapshot per open: sysfs hands a bin_attribute out in page-sized read() calls,
 * and a table of more than ~55 entries takes several. Each open file gets one
 * rendering, made by its first read at offset 0 and kept for its later reads (as
 * seq_file does for debugfs, which renders at open). sysfs has no release hook for
 * bin_attributes, so a file's snapshot is freed when a read returns end of file, when
 * the same file reads offset 0 again, when more than E820SCOPE_MAX_SNAPS files hold
 * one (the least recently used goes) or at unload.
 *
 * Lockdown: physical addresses are confidential under lockdown=confidentiality, so
 * the check is made at load and again on every read (the level can be raised at run
 * time through /sys/kernel/security/lockdown).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>

/*
 * Version gates.
 * - <= 4.11: the tables were `struct e820map e820, e820_saved` (static storage) with a
 *   different layout; this module does not support them and refuses to build.
 * - 4.12: the tables became pointers named e820_table / e820_table_firmware
 *   (x86/boot/e820 rework by Ingo Molnar, merged for v4.12); no kexec table.
 * - >= 4.13: e820_table_kexec added by 12df216c61c8 "x86/boot/e820: Introduce the
 *   bootloader provided e820_table_firmware[] table".
 * - >= 6.15: E820_TYPE_RESERVED_KERN (128) removed by efe659ac0146.
 * - >= 7.0: era D type strings (" System RAM", " device reserved", ...).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 12, 0)
#error "e820scope.ko needs Linux >= 4.12 (pointer e820 tables); <= 4.11 names them e820/e820_saved and is not supported. Use `e820scope live` without the module."
#endif
#define E820SCOPE_HAS_KEXEC_TABLE (LINUX_VERSION_CODE >= KERNEL_VERSION(4, 13, 0))
#define E820SCOPE_ERA_D (LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0))

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 4, 0)
#include <linux/security.h>
#endif
#include <asm/e820/types.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
/* sysfs_emit()/sysfs_emit_at() appeared in 5.10 (2efc459d06f1). */
#define sysfs_emit(buf, ...) scnprintf(buf, PAGE_SIZE, __VA_ARGS__)
#define sysfs_emit_at(buf, at, ...) scnprintf((buf) + (at), PAGE_SIZE - (at), __VA_ARGS__)
#endif

#define E820SCOPE_VERSION "0.1.0"
#define E820SCOPE_ZEROPAGE_MAX 128 /* E820_MAX_ENTRIES_ZEROPAGE */
#define E820SCOPE_TYPE_RESERVED_KERN 128 /* literal: the enumerator is gone in >= 6.15 */
#define E820SCOPE_TYPE_SOFT_RESERVED 0xefffffffu

static unsigned long e820_table_addr;
static unsigned long e820_table_kexec_addr;
static unsigned long e820_table_firmware_addr;
module_param(e820_table_addr, ulong, 0);
MODULE_PARM_DESC(e820_table_addr, "address of the e820_table symbol (from /proc/kallsyms)");
module_param(e820_table_kexec_addr, ulong, 0);
MODULE_PARM_DESC(e820_table_kexec_addr,
		 "address of the e820_table_kexec symbol (from /proc/kallsyms; >= 4.13)");
module_param(e820_table_firmware_addr, ulong, 0);
MODULE_PARM_DESC(e820_table_firmware_addr,
		 "address of the e820_table_firmware symbol (from /proc/kallsyms)");
static bool no_kprobe;
module_param(no_kprobe, bool, 0);
MODULE_PARM_DESC(no_kprobe, "never use the kprobe route to kallsyms_lookup_name");
static bool selftest;
module_param(selftest, bool, 0);
MODULE_PARM_DESC(selftest,
		 "add selftest_table(.bin): a module-owned table that a kernel thread keeps switching between two layouts, for testing readers against a changing table");

enum e820scope_idx {
	E820SCOPE_TABLE,
	E820SCOPE_KEXEC,
	E820SCOPE_FIRMWARE,
	E820SCOPE_NR,
	E820SCOPE_SELFTEST = E820SCOPE_NR, /* module-owned, only with selftest=1 */
};

struct e820scope_sym {
	const char *name;
	unsigned long *param;
	struct e820_table **ptr; /* address of the kernel's `struct e820_table *` variable */
	const char *how;	 /* "param", "kprobe:kallsyms_lookup_name", "absent" */
	const char *why;	 /* set when absent */
};

static struct e820_table *e820scope_selftest_cur;

static struct e820scope_sym syms[E820SCOPE_NR + 1] = {
	[E820SCOPE_TABLE] = { "e820_table", &e820_table_addr },
	[E820SCOPE_KEXEC] = { "e820_table_kexec", &e820_table_kexec_addr },
	[E820SCOPE_FIRMWARE] = { "e820_table_firmware", &e820_table_firmware_addr },
	[E820SCOPE_SELFTEST] = { "selftest_table", NULL, NULL, "module", NULL },
};

/* --- symbol resolution ------------------------------------------------------------ */

/* True when sprint_symbol() names @addr exactly `<name>+0x0/...`. Needs KALLSYMS_ALL. */
static bool e820scope_addr_is(unsigned long addr, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t n = strlen(name);

	sprint_symbol(buf, addr);
	return strncmp(buf, name, n) == 0 && strncmp(buf + n, "+0x0/", 5) == 0;
}

typedef unsigned long (*e820scope_lookup_fn)(const char *name);

/* Parses the hex digits of "<hex>/<size>" (what follows "+0x" in sprint_symbol()). */
static int e820scope_parse_offset(const char *s, unsigned long *val)
{
	char digits[20];
	size_t n = strcspn(s, "/");

	if (n == 0 || n >= sizeof(digits) || s[n] != '/')
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = 0;
	return kstrtoul(digits, 16, val);
}

/* Address of kallsyms_lookup_name() from a kprobe registered on it (not called here). */
static e820scope_lookup_fn e820scope_kprobe_lookup(int *err)
{
#ifdef CONFIG_KPROBES
	static const char prefix[] = "kallsyms_lookup_name+0x";
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	char buf[KSYM_SYMBOL_LEN];
	unsigned long addr, off;

	*err = register_kprobe(&kp);
	if (*err)
		return NULL;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	/* The probe may sit after an ENDBR/ftrace pad: step back to the symbol start. */
	sprint_symbol(buf, addr);
	if (strncmp(buf, prefix, sizeof(prefix) - 1) != 0 ||
	    e820scope_parse_offset(buf + sizeof(prefix) - 1, &off)) {
		*err = -ENOENT;
		return NULL;
	}
	return (e820scope_lookup_fn)(addr - off);
#else
	*err = -EOPNOTSUPP;
	return NULL;
#endif
}

static int e820scope_resolve(void)
{
	e820scope_lookup_fn lookup = NULL;
	int kerr = 0, i;
	bool tried_kprobe = false;

	for (i = 0; i < E820SCOPE_NR; i++) {
		struct e820scope_sym *s = &syms[i];
		unsigned long addr = *s->param;

		if (i == E820SCOPE_KEXEC && !E820SCOPE_HAS_KEXEC_TABLE) {
			s->how = "absent";
			s->why = "no e820_table_kexec before 4.13 (12df216c61c8)";
			continue;
		}
		if (addr) {
			if (!e820scope_addr_is(addr, s->name)) {
				pr_err("refusing to load: %s_addr=0x%lx does not name %s in kallsyms (stale /proc/kallsyms copy, System.map with KASLR, or kptr_restrict zeroed addresses?)\n",
				       s->name, addr, s->name);
				return -EINVAL;
			}
			s->ptr = (struct e820_table **)addr;
			s->how = "param";
			continue;
		}
		if (no_kprobe) {
			pr_err("refusing to load: %s not resolved: no %s_addr= parameter and no_kprobe=1\n",
			       s->name, s->name);
			return -ENOENT;
		}
		if (!tried_kprobe) {
			tried_kprobe = true;
			lookup = e820scope_kprobe_lookup(&kerr);
		}
		if (!lookup) {
			pr_err("refusing to load: %s not resolved: no %s_addr= parameter and the kprobe route to kallsyms_lookup_name failed (%d; CONFIG_KPROBES off or lockdown?)\n",
			       s->name, s->name, kerr);
			return kerr ? kerr : -ENOENT;
		}
		addr = lookup(s->name);
		if (!addr || !e820scope_addr_is(addr, s->name)) {
			pr_err("refusing to load: kallsyms_lookup_name(\"%s\") found nothing (CONFIG_KALLSYMS_ALL=n?)\n",
			       s->name);
			return -ENOENT;
		}
		s->ptr = (struct e820_table **)addr;
		s->how = "kprobe:kallsyms_lookup_name";
	}
	return 0;
}

/* --- formatting --------------------------------------------------------------------- */

/* What e820_print_type() of the kernel this module is built for prints, except 128. */
static int e820scope_type(char *buf, size_t len, u32 type)
{
	const char *sp = E820SCOPE_ERA_D ? " " : "";

	switch (type) {
	case E820_TYPE_RAM:
		return scnprintf(buf, len, "%s", E820SCOPE_ERA_D ? " System RAM" : "usable");
	case E820_TYPE_RESERVED:
		return scnprintf(buf, len, "%s", E820SCOPE_ERA_D ? " device reserved" : "reserved");
	case E820_TYPE_ACPI:
		return scnprintf(buf, len, "%sACPI data", sp);
	case E820_TYPE_NVS:
		return scnprintf(buf, len, "%sACPI NVS", sp);
	case E820_TYPE_UNUSABLE:
		return scnprintf(buf, len, "%sunusable", sp);
	case E820_TYPE_PMEM:
	case E820_TYPE_PRAM:
		return scnprintf(buf, len, "%spersistent %s(type %u)", sp,
				 E820SCOPE_ERA_D ? "RAM " : "", type);
	case E820SCOPE_TYPE_SOFT_RESERVED:
		return scnprintf(buf, len, "%ssoft reserved", sp);
	default:
		/* includes 128, printed `usable` by <= 6.14 kernels: shown distinctly here */
		return scnprintf(buf, len, "%stype %u", sp, type);
	}
}

/*
 * Entries the storage behind @t can hold: e820__reallocate_tables() kmemdup()s each
 * table to exactly nr_entries entries, so the slab object's size bounds the copy.
 */
static u32 e820scope_room(const struct e820_table *t)
{
	size_t head = offsetof(struct e820_table, entries);
	size_t size = ksize(t);

	if (size <= head)
		return 0;
	return min_t(size_t, (size - head) / sizeof(struct e820_entry), E820_MAX_ENTRIES);
}

/*
 * Snapshot of one table: returns a kvmalloc'd copy of nr entries (nr read once,
 * bounded by the storage) or NULL with *nr = 0 when the table is absent.
 */
static struct e820_entry *e820scope_snapshot(int idx, u32 *nr)
{
	struct e820_table *t;
	struct e820_entry *copy;
	u32 n, room;

	*nr = 0;
	if (!syms[idx].ptr)
		return NULL;
	t = READ_ONCE(*syms[idx].ptr);
	if (!t)
		return NULL;
	n = READ_ONCE(t->nr_entries);
	room = e820scope_room(t);
	if (n > room) {
		pr_warn_once("%s: nr_entries=%u but its storage holds %u entries; showing %u\n",
			     syms[idx].name, n, room, room);
		n = room;
	}
	copy = kvmalloc_array(n ? n : 1, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	memcpy(copy, t->entries, n * sizeof(*copy));
	*nr = n;
	return copy;
}

/* Renders the text form of table @idx; returns a kvmalloc'd buffer and its length. */
static char *e820scope_render_text(int idx, size_t *len)
{
	struct e820_entry *e;
	size_t cap, pos = 0;
	char *buf, type[40];
	u32 nr, i;

	e = e820scope_snapshot(idx, &nr);
	if (IS_ERR(e))
		return ERR_CAST(e);
	cap = 160 + (size_t)nr * 96;
	buf = kvmalloc(cap, GFP_KERNEL);
	if (!buf) {
		kvfree(e);
		return ERR_PTR(-ENOMEM);
	}
	pos += scnprintf(buf + pos, cap - pos,
			 "# %s nr_entries=%u capacity=%u zeropage_max=%u kernel=%s\n",
			 syms[idx].name, nr, (unsigned int)E820_MAX_ENTRIES, E820SCOPE_ZEROPAGE_MAX,
			 init_utsname()->release);
	for (i = 0; i < nr; i++) {
		e820scope_type(type, sizeof(type), e[i].type);
		pos += scnprintf(buf + pos, cap - pos, "%s: [mem %#018Lx-%#018Lx] %s\n",
				 syms[idx].name, (unsigned long long)e[i].addr,
				 (unsigned long long)(e[i].addr + e[i].size - 1), type);
	}
	kvfree(e);
	*len = pos;
	return buf;
}

/* Binary form: packed 20-byte struct e820_entry records, little endian, no header. */
static char *e820scope_render_bin(int idx, size_t *len)
{
	u32 nr;
	struct e820_entry *e = e820scope_snapshot(idx, &nr);

	if (IS_ERR_OR_NULL(e))
		return e ? ERR_CAST(e) : ERR_PTR(-ENOENT);
	*len = (size_t)nr * sizeof(*e);
	return (char *)e;
}

static char *e820scope_render(int idx, bool bin, size_t *len)
{
	return bin ? e820scope_render_bin(idx, len) : e820scope_render_text(idx, len);
}

static bool e820scope_locked_down(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 4, 0)
	return security_locked_down(LOCKDOWN_KCORE) != 0;
#else
	return false;
#endif
}

/* --- one snapshot per open sysfs file ------------------------------------------------ */

#define E820SCOPE_MAX_SNAPS 64

struct e820scope_snap {
	struct list_head node;
	const struct file *file;
	int idx;
	bool bin;
	char *buf;
	size_t len;
};

static LIST_HEAD(e820scope_snaps); /* most recently used first */
static DEFINE_MUTEX(e820scope_snap_lock);
static unsigned int e820scope_nsnaps;

static void e820scope_snap_free(struct e820scope_snap *s)
{
	list_del(&s->node);
	e820scope_nsnaps--;
	kvfree(s->buf);
	kfree(s);
}

static struct e820scope_snap *e820scope_snap_find(const struct file *f, int idx, bool bin)
{
	struct e820scope_snap *s;

	list_for_each_entry(s, &e820scope_snaps, node)
		if (s->file == f && s->idx == idx && s->bin == bin)
			return s;
	return NULL;
}

/* A fresh rendering for @f, replacing its old one; evicts the least recently used. */
static struct e820scope_snap *e820scope_snap_new(const struct file *f, int idx, bool bin)
{
	struct e820scope_snap *s = e820scope_snap_find(f, idx, bin);

	if (s)
		e820scope_snap_free(s);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->buf = e820scope_render(idx, bin, &s->len);
	if (IS_ERR(s->buf)) {
		long err = PTR_ERR(s->buf);

		kfree(s);
		return ERR_PTR(err);
	}
	s->file = f;
	s->idx = idx;
	s->bin = bin;
	list_add(&s->node, &e820scope_snaps);
	if (++e820scope_nsnaps > E820SCOPE_MAX_SNAPS)
		e820scope_snap_free(list_last_entry(&e820scope_snaps, struct e820scope_snap, node));
	return s;
}

static void e820scope_snap_free_all(void)
{
	struct e820scope_snap *s, *tmp;

	mutex_lock(&e820scope_snap_lock);
	list_for_each_entry_safe(s, tmp, &e820scope_snaps, node)
		e820scope_snap_free(s);
	mutex_unlock(&e820scope_snap_lock);
}

static ssize_t e820scope_sysfs_read(const struct file *f, int idx, bool bin, char *to,
				    loff_t off, size_t count)
{
	struct e820scope_snap *s;
	ssize_t ret;

	if (off < 0)
		return -EINVAL;
	mutex_lock(&e820scope_snap_lock);
	s = e820scope_snap_find(f, idx, bin);
	if (e820scope_locked_down()) {
		if (s)
			e820scope_snap_free(s);
		ret = -EPERM;
		goto out;
	}
	/* a file that lost its rendering to eviction gets a new one (may differ) */
	if (off == 0 || !s)
		s = e820scope_snap_new(f, idx, bin);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	if (off >= s->len) {
		e820scope_snap_free(s); /* end of file: this reader is done */
		ret = 0;
		goto out;
	}
	ret = min_t(size_t, count, s->len - off);
	memcpy(to, s->buf + off, ret);
	list_move(&s->node, &e820scope_snaps);
out:
	mutex_unlock(&e820scope_snap_lock);
	return ret;
}

/* --- selftest: a table that changes under its readers ------------------------------- */

#define E820SCOPE_SELFTEST_A 100 /* entries of type 1 (~7 kB of text: two pages) */
#define E820SCOPE_SELFTEST_B 70	 /* entries of type 4 */

static struct e820_table *e820scope_selftest_tables[2];
static struct task_struct *e820scope_selftest_thread;

static struct e820_table *e820scope_selftest_make(u32 n, u32 type)
{
	size_t size = offsetof(struct e820_table, entries) + n * sizeof(struct e820_entry);
	struct e820_table *t = kzalloc(size, GFP_KERNEL);
	u32 i;

	if (!t)
		return NULL;
	for (i = 0; i < n; i++) {
		t->entries[i].addr = (u64)i << 24;
		t->entries[i].size = 0x100000ULL * type;
		t->entries[i].type = type;
	}
	t->nr_entries = n;
	return t;
}

static int e820scope_selftest_fn(void *unused)
{
	unsigned long flips = 0;

	while (!kthread_should_stop()) {
		WRITE_ONCE(e820scope_selftest_cur, e820scope_selftest_tables[++flips & 1]);
		usleep_range(100, 200);
	}
	return 0;
}

static int e820scope_selftest_start(void)
{
	e820scope_selftest_tables[0] = e820scope_selftest_make(E820SCOPE_SELFTEST_A, 1);
	e820scope_selftest_tables[1] = e820scope_selftest_make(E820SCOPE_SELFTEST_B, 4);
	if (!e820scope_selftest_tables[0] || !e820scope_selftest_tables[1])
		return -ENOMEM;
	e820scope_selftest_cur = e820scope_selftest_tables[0];
	syms[E820SCOPE_SELFTEST].ptr = &e820scope_selftest_cur;
	e820scope_selftest_thread = kthread_run(e820scope_selftest_fn, NULL, "e820scope-selftest");
	if (IS_ERR(e820scope_selftest_thread)) {
		int err = PTR_ERR(e820scope_selftest_thread);

		e820scope_selftest_thread = NULL;
		return err;
	}
	return 0;
}

static void e820scope_selftest_stop(void)
{
	if (e820scope_selftest_thread)
		kthread_stop(e820scope_selftest_thread);
	e820scope_selftest_thread = NULL;
	syms[E820SCOPE_SELFTEST].ptr = NULL;
	kfree(e820scope_selftest_tables[0]);
	kfree(e820scope_selftest_tables[1]);
	e820scope_selftest_tables[0] = e820scope_selftest_tables[1] = NULL;
}

/* --- sysfs -------------------------------------------------------------------------- */

/*
 * Text files are bin_attributes (size 0 = unbounded) because a table can exceed a page.
 *
 * The read callback's bin_attribute argument became const in three steps: 6.13 added
 * a const .read_new beside the old .read, later releases made .read itself const and
 * dropped .read_new again (present 6.13-6.17 by the public sysfs.h history; gcc >= 14
 * makes a mismatch a build error, not a warning). Decided by real builds: Debian's
 * 6.12.117 (gcc-14) needs the non-const .read, Debian's 7.2.12 (gcc-16) the const .read
 * (it has no .read_new). The 6.13-6.17 window is not covered by any kernel of the
 * matrix.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
#define E820SCOPE_BIN_CONST const
#define E820SCOPE_READ_FIELD read
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define E820SCOPE_BIN_CONST const
#define E820SCOPE_READ_FIELD read_new
#else
#define E820SCOPE_BIN_CONST
#define E820SCOPE_READ_FIELD read
#endif

#define E820SCOPE_BIN_READ(fn, idx, bin)                                               \
	static ssize_t fn(struct file *f, struct kobject *k,                           \
			  E820SCOPE_BIN_CONST struct bin_attribute *a, char *buf,     \
			  loff_t off, size_t count)                                    \
	{                                                                              \
		return e820scope_sysfs_read(f, idx, bin, buf, off, count);             \
	}

E820SCOPE_BIN_READ(table_text_read, E820SCOPE_TABLE, false)
E820SCOPE_BIN_READ(kexec_text_read, E820SCOPE_KEXEC, false)
E820SCOPE_BIN_READ(firmware_text_read, E820SCOPE_FIRMWARE, false)
E820SCOPE_BIN_READ(table_bin_read, E820SCOPE_TABLE, true)
E820SCOPE_BIN_READ(kexec_bin_read, E820SCOPE_KEXEC, true)
E820SCOPE_BIN_READ(firmware_bin_read, E820SCOPE_FIRMWARE, true)
E820SCOPE_BIN_READ(selftest_text_read, E820SCOPE_SELFTEST, false)
E820SCOPE_BIN_READ(selftest_bin_read, E820SCOPE_SELFTEST, true)

#define E820SCOPE_BIN_ATTR(var, fname, fn)                                             \
	static struct bin_attribute var = {                                            \
		.attr = { .name = fname, .mode = 0400 },                               \
		.E820SCOPE_READ_FIELD = fn,                                            \
	}

E820SCOPE_BIN_ATTR(attr_table, "e820_table", table_text_read);
E820SCOPE_BIN_ATTR(attr_kexec, "e820_table_kexec", kexec_text_read);
E820SCOPE_BIN_ATTR(attr_firmware, "e820_table_firmware", firmware_text_read);
E820SCOPE_BIN_ATTR(attr_table_bin, "e820_table.bin", table_bin_read);
E820SCOPE_BIN_ATTR(attr_kexec_bin, "e820_table_kexec.bin", kexec_bin_read);
E820SCOPE_BIN_ATTR(attr_firmware_bin, "e820_table_firmware.bin", firmware_bin_read);
E820SCOPE_BIN_ATTR(attr_selftest, "selftest_table", selftest_text_read);
E820SCOPE_BIN_ATTR(attr_selftest_bin, "selftest_table.bin", selftest_bin_read);

static ssize_t status_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	int i, pos;

	pos = sysfs_emit(buf, "module=e820scope version=%s kernel=%s\n", E820SCOPE_VERSION,
			 init_utsname()->release);
	pos += sysfs_emit_at(buf, pos, "capacity=%u zeropage_max=%u\n",
			     (unsigned int)E820_MAX_ENTRIES, E820SCOPE_ZEROPAGE_MAX);
	for (i = 0; i < E820SCOPE_NR; i++) {
		if (syms[i].ptr)
			pos += sysfs_emit_at(buf, pos, "%s resolved=%s verified=sprint_symbol\n",
					     syms[i].name, syms[i].how);
		else
			pos += sysfs_emit_at(buf, pos, "%s resolved=absent reason=\"%s\"\n",
					     syms[i].name, syms[i].why ? syms[i].why : "");
	}
	return pos;
}

static struct kobj_attribute attr_status = __ATTR(status, 0400, status_show, NULL);

static struct kobject *e820scope_kobj;
static struct dentry *e820scope_debugfs;

/* --- debugfs (same content) --------------------------------------------------------- */

struct e820scope_dbg {
	char *buf;
	size_t len;
};

/* One rendering per open (freed at release), like single_open(). */
static int e820scope_dbg_open(struct inode *inode, struct file *f)
{
	struct e820scope_dbg *d;

	if (e820scope_locked_down())
		return -EPERM;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->buf = e820scope_render_text((int)(long)inode->i_private, &d->len);
	if (IS_ERR(d->buf)) {
		int err = PTR_ERR(d->buf);

		kfree(d);
		return err;
	}
	f->private_data = d;
	return 0;
}

static ssize_t e820scope_dbg_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct e820scope_dbg *d = f->private_data;

	if (e820scope_locked_down())
		return -EPERM;
	return simple_read_from_buffer(ubuf, count, ppos, d->buf, d->len);
}

static int e820scope_dbg_release(struct inode *inode, struct file *f)
{
	struct e820scope_dbg *d = f->private_data;

	kvfree(d->buf);
	kfree(d);
	return 0;
}

static const struct file_operations e820scope_dbg_fops = {
	.owner = THIS_MODULE,
	.open = e820scope_dbg_open,
	.read = e820scope_dbg_read,
	.release = e820scope_dbg_release,
	.llseek = default_llseek,
};

static void e820scope_remove_files(void)
{
	debugfs_remove_recursive(e820scope_debugfs);
	e820scope_debugfs = NULL;
	if (e820scope_kobj) {
		/* kobject_del() removes the files and waits for running reads (kernfs
		 * drains them); only then are the snapshots freed */
		kobject_del(e820scope_kobj);
		kobject_put(e820scope_kobj);
	}
	e820scope_kobj = NULL;
	e820scope_snap_free_all();
	e820scope_selftest_stop();
}

static int __init e820scope_init(void)
{
	struct bin_attribute *text[E820SCOPE_NR + 1] = { &attr_table, &attr_kexec, &attr_firmware,
							 &attr_selftest };
	struct bin_attribute *bin[E820SCOPE_NR + 1] = { &attr_table_bin, &attr_kexec_bin,
							&attr_firmware_bin, &attr_selftest_bin };
	int i, err;

	/* Physical addresses are confidential under lockdown=confidentiality. */
	if (e820scope_locked_down()) {
		pr_err("refusing to load: kernel lockdown (confidentiality) forbids reading kernel memory\n");
		return -EPERM;
	}
	err = e820scope_resolve();
	if (err)
		return err;

	if (selftest) {
		err = e820scope_selftest_start();
		if (err) {
			e820scope_selftest_stop();
			return err;
		}
	}
	e820scope_kobj = kobject_create_and_add("e820scope", kernel_kobj);
	if (!e820scope_kobj) {
		e820scope_selftest_stop();
		return -ENOMEM;
	}
	err = sysfs_create_file(e820scope_kobj, &attr_status.attr);
	for (i = 0; !err && i <= E820SCOPE_NR; i++) {
		if (!syms[i].ptr)
			continue;
		err = sysfs_create_bin_file(e820scope_kobj, text[i]);
		if (!err)
			err = sysfs_create_bin_file(e820scope_kobj, bin[i]);
	}
	if (err) {
		pr_err("cannot create /sys/kernel/e820scope files (%d)\n", err);
		e820scope_remove_files();
		return err;
	}

	e820scope_debugfs = debugfs_create_dir("e820scope", NULL);
	if (!IS_ERR_OR_NULL(e820scope_debugfs)) {
		for (i = 0; i < E820SCOPE_NR; i++)
			if (syms[i].ptr)
				debugfs_create_file(syms[i].name, 0400, e820scope_debugfs,
						    (void *)(long)i, &e820scope_dbg_fops);
	}

	pr_info("e820_table via %s, e820_table_kexec via %s, e820_table_firmware via %s\n",
		syms[0].how, syms[1].how, syms[2].how);
	return 0;
}

static void __exit e820scope_exit(void)
{
	e820scope_remove_files();
}

module_init(e820scope_init);
module_exit(e820scope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("e820scope developers");
MODULE_DESCRIPTION("Read-only view of the x86 e820 tables (e820_table, _kexec, _firmware)");
MODULE_VERSION(E820SCOPE_VERSION);
