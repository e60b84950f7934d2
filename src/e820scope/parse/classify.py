"""Text of one kernel log line -> :class:`LineFact` via the Lark grammars (cached).

Lines are pre-selected by :data:`~e820scope.parse.anchors.ANCHOR_RE`; the survivors
go through one LALR parser (grammars/kmsg.lark) over the whole line. Results are
cached per distinct text in a bounded LRU cache: the same map lines recur in every
kexec generation of a serial capture.
"""

from __future__ import annotations

import functools
import re

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from ..formats import ERA_D_ONLY, MAP_HEADERS, WHO
from ..grammar.loader import lalr_parser
from ..model.types import Era, parse_type_name
from .anchors import ANCHOR_RE
from .facts import LineFact

#: Returned for a line that has an anchor but does not parse.
UNPARSED = LineFact("unparsed")

_CACHE_SIZE = 16384

#: grammar alias -> the who-prefix / map header word it stands for (formats.py)
_WHO = {w.rule: w.text for w in WHO}
_MAP = {m.rule: m.word for m in MAP_HEADERS}
#: boot.lark firmware_marker alternatives -> what started the kernel
_FIRMWARE_MARKS = {
    "fw_efi_stub": "UEFI firmware (EFI stub)",
    "fw_probing_edd": "a BIOS boot loader (real-mode setup code)",
    "fw_seabios": "SeaBIOS",
    "fw_bdsdxe": "UEFI firmware (EDK II boot manager)",
    "fw_grub": "GRUB",
}
#: Where a firmware_marker line starts inside console garbage (its own anchors).
_FIRMWARE_START = re.compile(r"EFI stub:|Probing EDD|SeaBIOS \(version|BdsDxe:|Welcome to GRUB!")
#: Type strings that only era D (7.0+, fa06d58805c8 / 4a7a13e04c05) prints.
_ERA_D_ONLY = ERA_D_ONLY
#: A known type at the start of a garbled type field (console overwrites, borders).
_TYPE_PREFIX = re.compile(
    r"^(\((?:usable|reserved|ACPI data|ACPI NVS|unusable)\)|type \d+|"
    r"persistent (?:RAM )?\(type \d+\)|soft reserved|System RAM|device reserved|"
    r"usable|reserved|ACPI data|ACPI NVS|unusable)"
)
_LETTER = re.compile(r"[A-Za-z]")
_RANGE16 = re.compile(r"([0-9a-f]{16})\s*-\s*([0-9a-f]{16})")


def parser() -> Lark:
    """The cached LALR parser of grammars/kmsg.lark."""
    return lalr_parser("kmsg")


def _name(tree: Tree[Token]) -> str:
    """Rule name without Lark's import namespace (``e820__e820_entry`` -> ``e820_entry``)."""
    return str(tree.data).rsplit("__", 1)[-1]


class _Bits:
    """The values of one parse tree in print order."""

    __slots__ = ("hex_digits", "hexes", "marks", "nums", "r16", "text", "text_pos")

    def __init__(self, tree: Tree[Token]) -> None:
        self.hexes: list[int] = []
        self.hex_digits: list[int] = []
        self.nums: list[int] = []
        self.marks: list[str] = []
        self.r16: list[str] = []
        self.text: str | None = None
        self.text_pos = -1
        self._walk(tree)

    def _walk(self, tree: Tree[Token]) -> None:
        name = _name(tree)
        if name in ("hex0x", "hex"):
            tok = str(tree.children[0])
            digits = tok[2:] if tok[:2].lower() == "0x" else tok
            self.hexes.append(int(digits, 16))
            self.hex_digits.append(len(digits))
            return
        if name in ("dec", "ksize", "ktype", "mbsize", "memidx", "zone_name", "release"):
            tok = str(tree.children[0])
            if name in ("zone_name", "release"):
                self.marks.append(tok)
            else:
                self.nums.append(int(re.sub(r"\D", "", tok)))
            return
        if name == "range16":
            self.r16.append(str(tree.children[0]))
            return
        if name in ("text", "etype", "op_types"):
            ttok = tree.children[0]
            assert isinstance(ttok, Token)
            self.text = str(ttok).rstrip()
            self.text_pos = ttok.start_pos if ttok.start_pos is not None else -1
            return
        if not tree.children:
            self.marks.append(name)
        for child in tree.children:
            if isinstance(child, Tree):
                self._walk(child)
            elif isinstance(child, Token) and child.type.endswith("TEXT"):
                self.text = str(child).rstrip()
                self.text_pos = child.start_pos if child.start_pos is not None else -1

    def mark(self, table: dict[str, str]) -> str:
        for m in self.marks:
            if m in table:
                return table[m]
        return ""

    def inclusive(self, i: int = 0) -> tuple[int, int]:
        """``(addr, size)`` of the i-th printed ``first-last`` pair (inclusive end)."""
        first, last = self.hexes[2 * i], self.hexes[2 * i + 1]
        return first, last - first + 1

    def range16(self, *, exclusive: bool) -> tuple[int, int]:
        m = _RANGE16.match(self.r16[0])
        assert m is not None
        first, second = int(m.group(1), 16), int(m.group(2), 16)
        return first, (second - first) if exclusive else (second - first + 1)


def _resolve_type(text: str | None) -> tuple[int | None, str, str]:
    """``(code, raw_type, note)`` for a printed type field (garbage after it noted)."""
    if text is None or not text.strip():
        return None, "", ""
    raw = text.strip()
    code = parse_type_name(raw)
    if code is not None:
        return code, raw, ""
    m = _TYPE_PREFIX.match(raw)
    if m:
        return (
            parse_type_name(m.group(1)),
            m.group(1),
            f"ignored text after the type: {raw[m.end() :]!r}",
        )
    return None, raw, ""


def _entry(b: _Bits, line: str, kind: str, who: str) -> LineFact:
    """An e820 table entry or hand-off memmap entry line."""
    if b.r16:
        exclusive = kind == "entry"  # era A e820 lines; kexec memmaps print inclusive ends
        addr, size = b.range16(exclusive=exclusive)
        era = Era.A if kind == "entry" else None
        digits_ok = True
    else:
        addr, size = b.inclusive()
        era = None
        digits_ok = all(d == 16 for d in b.hex_digits[:2])
    if kind == "memmap_entry":
        return LineFact(kind, who=who, addr=addr, size=size, type=b.nums[0] if b.nums else None)
    code, raw, note = _resolve_type(b.text)
    if raw and (raw.startswith(_ERA_D_ONLY) or line[max(0, b.text_pos - 2) : b.text_pos] == "  "):
        era = Era.D
        raw = " " + raw
    problem = ""
    if not digits_ok:
        problem = "an address is not 16 hex digits long (line cut?)"
    elif b.text is None:
        problem = "no type after the range (line cut?)"
    elif code is None:
        problem = f"unknown type text {raw.strip()!r}"
    elif size <= 0:
        problem = "end address below start address"
    return LineFact(
        kind, who=who, addr=addr, size=size, type=code, raw=raw, era=era, problem=problem, note=note
    )


def _op(b: _Bits, kind: str) -> LineFact:
    if b.r16:
        addr, size = b.range16(exclusive=True)
        era: Era | None = Era.A
    else:
        addr, size = b.inclusive()
        era = None
    old = new = None
    text = b.text or ""
    if "==>" in text:
        left, right = text.split("==>", 1)
        old, new = parse_type_name(left), parse_type_name(right)
    elif text:
        old = parse_type_name(text)
    if "System RAM" in text or "device reserved" in text:
        era = Era.D
    return LineFact(kind, addr=addr, size=size, type=old, new_type=new, raw=text, era=era)


def _build(tree: Tree[Token], line: str) -> LineFact:
    top = tree.children[0]
    assert isinstance(top, Tree)
    rule = top.children[0]
    assert isinstance(rule, Tree)
    name = _name(rule)
    b = _Bits(rule)
    prefixed = "e820_pfx" in b.marks
    if name == "e820_header":
        return LineFact("header", who=b.mark(_MAP), prefixed=prefixed)
    if name == "e820_entry":
        return _entry(b, line, "entry", b.mark(_WHO))
    if name == "e820_gap":
        first, last = b.hexes[0], b.hexes[1]
        return LineFact("gap", who=b.mark(_WHO), addr=first, size=last - first + 1, era=Era.D)
    if name == "fw_bug_order":
        return LineFact("fw_bug_order", raw=line.strip(), era=Era.D)
    if name == "range_update":
        return _op(b, "update")
    if name == "range_remove":
        return _op(b, "remove")
    if name == "table_full":
        if b.hexes:
            addr, size = b.inclusive()
            return LineFact("table_full", addr=addr, size=size, raw=line.strip())
        return LineFact("table_full", raw=line.strip(), era=Era.A)
    if name == "ram_buffer":
        if b.r16:
            addr, size = b.range16(exclusive=True)
        else:
            addr, size = b.inclusive()
        return LineFact("ram_buffer", addr=addr, size=size, raw=line.strip())
    if name == "pci_gap":
        if len(b.hexes) == 3:  # <= 3.4: "starting at %lx (gap: %lx:%lx)" = start:size
            return LineFact(
                "pci_gap", addr=b.hexes[1], size=b.hexes[2], raw=line.strip(), era=Era.A
            )
        addr, size = b.inclusive()
        era = Era.D if line.lstrip().startswith("[gap") else None
        return LineFact(
            "pci_gap", addr=addr, size=size, raw=line.strip(), era=era, prefixed=prefixed
        )
    if name == "last_pfn":
        return LineFact("last_pfn", nums=(b.hexes[0], b.hexes[1]), prefixed=prefixed)
    if name in ("kexec_file_header", "kexec_tools_header"):
        who = "kexec-bzImage64" if name == "kexec_file_header" else "kexec-tools"
        return LineFact("memmap_header", who=who)
    if name in ("kexec_file_entry", "kexec_tools_entry"):
        who = "kexec-bzImage64" if name == "kexec_file_entry" else "kexec-tools"
        return _entry(b, line, "memmap_entry", who)
    if name == "live_header":
        return LineFact("live_header", who=b.mark(_WHO), raw=b.text or "")
    if name == "total_ram":
        return LineFact("total_ram", nums=(int(re.sub(r"\D", "", line.split(":", 1)[1])),))
    if name == "memory":
        return LineFact("memory", nums=(b.nums[0], b.nums[1]), raw=line.strip())
    if name in ("initmem_mem", "initmem_old", "initmem_memoryless"):
        node = b.nums[0]
        if name == "initmem_memoryless":
            return LineFact("initmem", nums=(node,), note="memoryless")
        addr, size = b.range16(exclusive=True) if name == "initmem_old" else b.inclusive()
        return LineFact("initmem", addr=addr, size=size, nums=(node,))
    if name == "node_data":
        node = b.nums[0] if b.nums else -1
        addr, size = b.inclusive()
        return LineFact("node_data", addr=addr, size=size, nums=(node,))
    if name == "early_node_hdr":
        return LineFact("early_hdr")
    if name in ("early_node_mem", "early_node_pfn"):
        node = b.nums[0] if b.nums else int(line.strip().split(":", 1)[0])
        if name == "early_node_pfn":  # PFNs, end exclusive
            return LineFact(
                "early_node",
                addr=b.hexes[0] << 12,
                size=(b.hexes[1] - b.hexes[0]) << 12,
                nums=(node,),
            )
        addr, size = b.inclusive()
        return LineFact("early_node", addr=addr, size=size, nums=(node,))
    if name == "zone_hdr":
        return LineFact("zone_hdr")
    if name in ("zone_mem", "zone_empty", "zone_pfn"):
        zone = b.marks[0] if b.marks else ""
        if name == "zone_empty":
            return LineFact("zone", who=zone, note="empty")
        if name == "zone_pfn":
            return LineFact(
                "zone", who=zone, addr=b.hexes[0] << 12, size=(b.hexes[1] - b.hexes[0]) << 12
            )
        addr, size = b.inclusive()
        return LineFact("zone", who=zone, addr=addr, size=size)
    if name in ("efi_mem_new", "efi_mem_old"):
        idx = b.nums[0]
        attrs_m = re.search(r"\[([^\]]*)\]", line[line.find(":", 4) :])
        if name == "efi_mem_old":  # type=%u, attr=0x%llx, range=[a-b)
            etype, attr = b.nums[1], b.hexes[0]
            return LineFact(
                "efi_mem",
                who=f"type={etype}",
                addr=b.hexes[1],
                size=b.hexes[2] - b.hexes[1],
                nums=(idx,),
                raw=f"attr={attr:#x}",
            )
        attrs = attrs_m.group(1) if attrs_m else ""
        type_name, _, attr_cols = attrs.partition("|")
        addr, size = b.inclusive()
        return LineFact(
            "efi_mem", who=type_name.strip(), addr=addr, size=size, nums=(idx,), raw=attr_cols
        )
    if name in ("efi_remove_done", "efi_remove_kept"):
        addr, size = b.inclusive()
        return LineFact(
            "efi_remove",
            addr=addr,
            size=size,
            nums=(b.nums[0],),
            raw=line.strip(),
            note="" if name == "efi_remove_done" else "kept",
        )
    if name == "linux_version":
        return LineFact("linux_version", who=b.marks[0] if b.marks else "", raw=line.strip())
    if name in ("arch_command_line", "kernel_command_line"):
        return LineFact("command_line", who=name, raw=b.text or "")
    if name == "kexec_start":
        return LineFact("kexec_start", raw=line.strip())
    if name == "crashkernel":
        return LineFact("crashkernel", raw=line.strip(), nums=_crash_nums(line))
    if name == "oom":
        return LineFact("oom", raw=line.strip())
    if name == "panic":
        return LineFact("panic", raw=line.strip())
    if name == "reboot_sep":
        return LineFact("reboot_sep")
    if name in ("not_x86_mips", "not_x86_arm"):
        return LineFact("not_x86", raw=line.strip())
    if name in _FIRMWARE_MARKS:
        return LineFact("firmware", who=_FIRMWARE_MARKS[name], raw=line.strip())
    return UNPARSED


def _crash_nums(line: str) -> tuple[int, ...]:
    """Numbers of a crashkernel line: (size_mb, at_mb) or (start, end_inclusive)."""
    m = re.search(r"Reserving (\d+)MB of memory at (\d+)MB", line)
    if m:
        return (int(m.group(1)), int(m.group(2)))
    hx = re.findall(r"0x([0-9a-f]+)", line)
    return tuple(int(h, 16) for h in hx[:2])


def _parse_text(text: str) -> LineFact | None:
    try:
        return _build(parser().parse(text), text)
    except LarkError:
        return None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def classify(text: str) -> LineFact | None:
    """What a kernel log line says: a :class:`LineFact`, :data:`UNPARSED` for a line that
    looks relevant but does not parse, or None for a line without any anchor.

    ``text`` is the line with its container already stripped; leading garbage before a
    keyword (console noise, an unstripped prefix) is tolerated by retrying from the
    first anchor, then from after ``kernel: ``.
    """
    m = ANCHOR_RE.search(text)
    if m is None:
        return None
    stripped = text.strip()
    fact = _parse_text(stripped)
    if fact is not None:
        return fact
    starts = []
    if m.start() > 0 and not _LETTER.search(text, 0, m.start()):
        starts.append(m.start())  # console noise before the keyword, not words
    k = text.find("kernel: ")
    if k >= 0:
        starts.append(k + len("kernel: "))
    fw = _FIRMWARE_START.search(text)
    if fw is not None:  # firmware banners often follow screen-control garbage
        starts.append(fw.start())
    for s in starts:
        fact = _parse_text(text[s:].strip())
        if fact is not None:
            return fact
    return UNPARSED
