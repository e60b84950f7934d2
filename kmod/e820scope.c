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
 * Strictly read-only: the module never writes to kernel state; it only reads the
 * table pointers and copies entries into its own buffers.
 *
 * Locking: the kernel has no lock for these tables. They are written during early
 * boot, replaced by exactly-sized kmemdup() copies in e820__reallocate_tables()
 * (before any module can load), and later only by rare late paths
 * (e820__range_update_table() from SEV-SNP RMP fixup, EFI memory reservations). Each
 * read takes one snapshot: the table pointer and nr_entries are read once
 * (READ_ONCE), nr_entries is bounded by the compile-time capacity E820_MAX_ENTRIES,
 * and that many entries are copied before formatting. Since the reallocated storage
 * holds exactly nr_entries entries, reading past the snapshot count never happens.
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
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/module.h>
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

enum e820scope_idx { E820SCOPE_TABLE, E820SCOPE_KEXEC, E820SCOPE_FIRMWARE, E820SCOPE_NR };

struct e820scope_sym {
	const char *name;
	unsigned long *param;
	struct e820_table **ptr; /* address of the kernel's `struct e820_table *` variable */
	const char *how;	 /* "param", "kprobe:kallsyms_lookup_name", "absent" */
	const char *why;	 /* set when absent */
};

static struct e820scope_sym syms[E820SCOPE_NR] = {
	[E820SCOPE_TABLE] = { "e820_table", &e820_table_addr },
	[E820SCOPE_KEXEC] = { "e820_table_kexec", &e820_table_kexec_addr },
	[E820SCOPE_FIRMWARE] = { "e820_table_firmware", &e820_table_firmware_addr },
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
 * Snapshot of one table: returns a kvmalloc'd copy of nr entries (nr read once,
 * bounded by E820_MAX_ENTRIES) or NULL with *nr = 0 when the table is absent.
 */
static struct e820_entry *e820scope_snapshot(int idx, u32 *nr)
{
	struct e820_table *t;
	struct e820_entry *copy;
	u32 n;

	*nr = 0;
	if (!syms[idx].ptr)
		return NULL;
	t = READ_ONCE(*syms[idx].ptr);
	if (!t)
		return NULL;
	n = READ_ONCE(t->nr_entries);
	if (n > E820_MAX_ENTRIES)
		n = E820_MAX_ENTRIES;
	copy = kvmalloc_array(n ? n : 1, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	memcpy(copy, t->entries, n * sizeof(*copy));
	*nr = n;
	return copy;
}

/* Renders the text form of table @idx; returns a kvmalloc'd buffer and its length. */
static char *e820scope_render(int idx, size_t *len)
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

static ssize_t e820scope_copy_out(char *to, loff_t off, size_t count, const char *from,
				  size_t len)
{
	if (off < 0)
		return -EINVAL;
	if (off >= len)
		return 0;
	if (count > len - off)
		count = len - off;
	memcpy(to, from + off, count);
	return count;
}

static ssize_t e820scope_read_text(int idx, char *to, loff_t off, size_t count)
{
	size_t len;
	ssize_t ret;
	char *buf = e820scope_render(idx, &len);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = e820scope_copy_out(to, off, count, buf, len);
	kvfree(buf);
	return ret;
}

/* Binary form: packed 20-byte struct e820_entry records, little endian, no header. */
static ssize_t e820scope_read_bin(int idx, char *to, loff_t off, size_t count)
{
	u32 nr;
	ssize_t ret;
	struct e820_entry *e = e820scope_snapshot(idx, &nr);

	if (IS_ERR(e))
		return PTR_ERR(e);
	ret = e820scope_copy_out(to, off, count, (const char *)e, (size_t)nr * sizeof(*e));
	kvfree(e);
	return ret;
}

/* --- sysfs -------------------------------------------------------------------------- */

/* Text files are bin_attributes (size 0 = unbounded) because a table can exceed a page. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define E820SCOPE_BIN_CONST const
#else
#define E820SCOPE_BIN_CONST
#endif

#define E820SCOPE_BIN_READ(fn, idx, reader)                                            \
	static ssize_t fn(struct file *f, struct kobject *k,                           \
			  E820SCOPE_BIN_CONST struct bin_attribute *a, char *buf,     \
			  loff_t off, size_t count)                                    \
	{                                                                              \
		return reader(idx, buf, off, count);                                   \
	}

E820SCOPE_BIN_READ(table_text_read, E820SCOPE_TABLE, e820scope_read_text)
E820SCOPE_BIN_READ(kexec_text_read, E820SCOPE_KEXEC, e820scope_read_text)
E820SCOPE_BIN_READ(firmware_text_read, E820SCOPE_FIRMWARE, e820scope_read_text)
E820SCOPE_BIN_READ(table_bin_read, E820SCOPE_TABLE, e820scope_read_bin)
E820SCOPE_BIN_READ(kexec_bin_read, E820SCOPE_KEXEC, e820scope_read_bin)
E820SCOPE_BIN_READ(firmware_bin_read, E820SCOPE_FIRMWARE, e820scope_read_bin)

#define E820SCOPE_BIN_ATTR(var, fname, fn)                                             \
	static struct bin_attribute var = {                                            \
		.attr = { .name = fname, .mode = 0400 },                               \
		.read = fn,                                                            \
	}

E820SCOPE_BIN_ATTR(attr_table, "e820_table", table_text_read);
E820SCOPE_BIN_ATTR(attr_kexec, "e820_table_kexec", kexec_text_read);
E820SCOPE_BIN_ATTR(attr_firmware, "e820_table_firmware", firmware_text_read);
E820SCOPE_BIN_ATTR(attr_table_bin, "e820_table.bin", table_bin_read);
E820SCOPE_BIN_ATTR(attr_kexec_bin, "e820_table_kexec.bin", kexec_bin_read);
E820SCOPE_BIN_ATTR(attr_firmware_bin, "e820_table_firmware.bin", firmware_bin_read);

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

static ssize_t e820scope_dbg_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	int idx = (int)(long)f->private_data;
	size_t len;
	ssize_t ret;
	char *buf = e820scope_render(idx, &len);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kvfree(buf);
	return ret;
}

static const struct file_operations e820scope_dbg_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = e820scope_dbg_read,
	.llseek = default_llseek,
};

static void e820scope_remove_files(void)
{
	debugfs_remove_recursive(e820scope_debugfs);
	e820scope_debugfs = NULL;
	if (e820scope_kobj)
		kobject_put(e820scope_kobj); /* removes every file created on it */
	e820scope_kobj = NULL;
}

static int __init e820scope_init(void)
{
	struct bin_attribute *text[E820SCOPE_NR] = { &attr_table, &attr_kexec, &attr_firmware };
	struct bin_attribute *bin[E820SCOPE_NR] = { &attr_table_bin, &attr_kexec_bin,
						    &attr_firmware_bin };
	int i, err;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 4, 0)
	/* Physical addresses are confidential under lockdown=confidentiality. */
	if (security_locked_down(LOCKDOWN_KCORE)) {
		pr_err("refusing to load: kernel lockdown (confidentiality) forbids reading kernel memory\n");
		return -EPERM;
	}
#endif
	err = e820scope_resolve();
	if (err)
		return err;

	e820scope_kobj = kobject_create_and_add("e820scope", kernel_kobj);
	if (!e820scope_kobj)
		return -ENOMEM;
	err = sysfs_create_file(e820scope_kobj, &attr_status.attr);
	for (i = 0; !err && i < E820SCOPE_NR; i++) {
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
