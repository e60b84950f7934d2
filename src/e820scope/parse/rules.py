"""One method per grammar rule: a Lark parse tree -> the fact (:mod:`.facts`) it says.

:class:`RuleReader` is what :func:`~e820scope.parse.classify.classify` hands each parse
tree to; each method's docstring quotes a real kernel line of its rule, and the examples
run as doctests (``tests/test_doctests.py``):

>>> from e820scope.parse.classify import classify
>>> f = classify("BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable")
>>> type(f).__name__, f.who, hex(f.addr), hex(f.end), f.type, f.raw_type, f.era
('EntryFact', 'BIOS-e820', '0x100000', '0xbffe0000', 1, 'usable', None)
"""

from __future__ import annotations

from dataclasses import replace

from lark import Token, Tree

from ..formats import HYPERVISOR_MAPS, MAP_HEADERS, WHO
from ..model.records import OpKind
from ..model.types import Era
from .facts import (
    NOTHING,
    UNPARSED,
    EntryFact,
    Fact,
    FwBugOrderFact,
    GapFact,
    HeaderFact,
    LastPfnFact,
    LiveHeaderFact,
    MemmapEntryFact,
    MemmapHeaderFact,
    PciGapFact,
    RamBufferFact,
    RangeOpFact,
    TableFullFact,
)
from .guest_maps import HVMLOADER_WORD, SEABIOS_WORD, hvmloader_entry, seabios_entry
from .rules_boot import BootRules, read_marker
from .rules_mm import MmRules
from .tree_values import Bits, entry_fact, memmap_entry_fact, op_fact, rule_name

#: grammar alias -> the who-prefix / map header word it stands for (formats.py)
_WHO = {w.rule: w.text for w in WHO}
_MAP = {m.rule: m.word for m in MAP_HEADERS}
#: grammar alias of a hypervisor map header word -> the word
_HV_MAP = {rule: word for h in HYPERVISOR_MAPS for word, rule in h.words.items()}
_XEN_WHO = next(h.who for h in HYPERVISOR_MAPS if h.prefix == "(XEN)")


class RuleReader(MmRules, BootRules):
    """Reads the parse tree of one line (``line``: the text that was parsed); the rules
    of mm.lark and efi.lark are in :mod:`.rules_mm`, those of boot.lark in
    :mod:`.rules_boot`."""

    __slots__ = ()

    def __init__(self, line: str) -> None:
        self.line = line

    def read(self, tree: Tree[Token]) -> Fact:
        """The fact of a whole parse tree (``start`` -> family -> rule)."""
        top = tree.children[0]
        assert isinstance(top, Tree)
        rule = top.children[0]
        assert isinstance(rule, Tree)
        name = rule_name(rule)
        marker = read_marker(name, self.line)
        if marker is not None:
            return marker
        method = getattr(self, f"rule_{name}", None)
        if method is None:
            return UNPARSED
        self.b = Bits(rule)
        fact: Fact = method()
        return fact

    # -- e820.lark -------------------------------------------------------------------
    def rule_e820_header(self) -> HeaderFact:
        """``BIOS-provided physical RAM map:`` (era B: ``e820: BIOS-provided ...``).

        >>> from e820scope.parse.classify import classify
        >>> classify("e820: BIOS-provided physical RAM map:")
        HeaderFact(word='BIOS-provided', prefixed=True)
        """
        return HeaderFact(self.b.mark(_MAP), "e820_pfx" in self.b.marks)

    def rule_e820_entry(self) -> EntryFact:
        """``BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable``; era A
        ``BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)``; era D two spaces.

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)")
        >>> hex(f.end), f.raw_type, f.era
        ('0xbffe0000', '(usable)', <Era.A: 'A'>)
        >>> f = classify("BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff]  System RAM")
        >>> f.type, f.raw_type, f.era
        (1, ' System RAM', <Era.D: 'D'>)
        """
        return entry_fact(self.b, self.line, self.b.mark(_WHO))

    def rule_e820_entry_size_at(self) -> EntryFact:
        """``BIOS-e820: 000000000009fc00 @ 0000000000000000 (usable)``: 2.4.0 - 2.4.2
        print SIZE @ START (arch/i386/kernel/setup.c print_memory_map).

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" BIOS-e820: 0000000007ef0000 @ 0000000000100000 (usable)")
        >>> hex(f.addr), hex(f.end), f.type, f.raw_type, f.era
        ('0x100000', '0x7ff0000', 1, '(usable)', <Era.A: 'A'>)
        """
        return entry_fact(self.b, self.line, self.b.mark(_WHO))

    def rule_e820_gap(self) -> GapFact:
        """``BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]`` (7.0+)."""
        first, last = self.b.hexes[0], self.b.hexes[1]
        return GapFact(first, last - first + 1, self.b.mark(_WHO))

    def rule_fw_bug_order(self) -> FwBugOrderFact:
        """``[Firmware Bug]: out of order E820 entry!`` (7.0+)."""
        return FwBugOrderFact(self.line.strip())

    def rule_range_update(self) -> RangeOpFact:
        """``e820: update [mem 0x00000000-0x00000fff] usable ==> reserved``

        >>> from e820scope.parse.classify import classify
        >>> f = classify("e820: update [mem 0x00000000-0x00000fff] usable ==> reserved")
        >>> f.op, f.addr, f.size, f.old_type, f.new_type, f.era
        (<OpKind.UPDATE: 'update'>, 0, 4096, 1, 2, None)
        """
        return op_fact(self.b, OpKind.UPDATE)

    def rule_range_remove(self) -> RangeOpFact:
        """``e820: remove [mem 0x000a0000-0x000fffff] usable``"""
        return op_fact(self.b, OpKind.REMOVE)

    def rule_table_full(self) -> TableFullFact:
        """``e820: too many entries; ignoring [mem 0x...-0x...]``"""
        b, text = self.b, self.line.strip()
        if b.hexes:
            addr, size = b.inclusive()
            return TableFullFact(addr, size, text)
        return TableFullFact(0, 0, text, Era.A)

    def rule_ram_buffer(self) -> RamBufferFact:
        """``e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]``"""
        b = self.b
        addr, size = b.range16(exclusive=True) if b.r16 else b.inclusive()
        return RamBufferFact(addr, size, self.line.strip())

    def rule_pci_gap(self) -> PciGapFact:
        """``[mem 0xc0000000-0xfeffbfff] available for PCI devices``; <= 3.4
        ``Allocating PCI resources starting at c0000000 (gap: c0000000:3ec00000)``."""
        b, line = self.b, self.line
        if len(b.hexes) == 3:  # <= 3.4: "starting at %lx (gap: %lx:%lx)" = start:size
            return PciGapFact(b.hexes[1], b.hexes[2], line.strip(), Era.A)
        addr, size = b.inclusive()
        era = Era.D if line.lstrip().startswith("[gap") else None
        return PciGapFact(addr, size, line.strip(), era, "e820_pfx" in b.marks)

    def rule_last_pfn(self) -> LastPfnFact:
        """``last_pfn = 0x140000 max_arch_pfn = 0x400000000``

        >>> from e820scope.parse.classify import classify
        >>> classify("last_pfn = 0x140000 max_arch_pfn = 0x400000000")
        LastPfnFact(last_pfn=1310720, max_arch_pfn=17179869184, prefixed=False)
        """
        b = self.b
        return LastPfnFact(b.hexes[0], b.hexes[1], "e820_pfx" in b.marks)

    def rule_kexec_file_header(self) -> MemmapHeaderFact:
        """``kexec-bzImage64: E820 memmap:`` (kexec_file_load debug, 6.8+)."""
        return MemmapHeaderFact("kexec-bzImage64")

    def rule_kexec_tools_header(self) -> MemmapHeaderFact:
        """``E820 memmap:`` of ``kexec -d``."""
        return MemmapHeaderFact("kexec-tools")

    def rule_kexec_file_entry(self) -> MemmapEntryFact:
        """``kexec-bzImage64: 0000000000001000-000000000009ffff (1)``

        >>> from e820scope.parse.classify import classify
        >>> classify("kexec-bzImage64: 0000000000001000-000000000009ffff (1)")
        MemmapEntryFact(addr=4096, size=651264, who='kexec-bzImage64', type=1)
        """
        return memmap_entry_fact(self.b, "kexec-bzImage64")

    def rule_kexec_tools_entry(self) -> MemmapEntryFact:
        """``0000000000001000-000000000009ffff (1)`` of ``kexec -d``."""
        return memmap_entry_fact(self.b, "kexec-tools")

    def rule_live_header(self) -> LiveHeaderFact:
        """``# e820_table_kexec ...`` (the companion module's table files)."""
        return LiveHeaderFact(self.b.mark(_WHO), self.b.text or "")

    def rule_xen_hv_header(self) -> HeaderFact:
        """``(XEN) Xen-e820 RAM map:``: the Xen hypervisor's own map follows.

        >>> from e820scope.parse.classify import classify
        >>> classify("(XEN) Xen-e820 RAM map:")
        HeaderFact(word='Xen-e820', prefixed=False)

        With ``e820-verbose`` Xen first prints the map as the boot loader gave it:

        >>> classify("(XEN) Initial Xen-e820 RAM map:").word
        'Xen-e820'
        """
        return HeaderFact(self.b.mark(_HV_MAP))

    def rule_xen_hv_entry(self) -> EntryFact:
        """``(XEN)  [0000000000000000, 000000000009fbff] (usable)`` (inclusive end, Xen
        4.14+); Xen 4.1 - 4.12 ``(XEN)  0000000000000000 - 000000000009e800 (usable)``.

        >>> from e820scope.parse.classify import classify
        >>> f = classify("(XEN)  [0000000000000000, 000000000009fbff] (usable)")
        >>> f.who, hex(f.addr), hex(f.end), f.type, f.era
        ('Xen hypervisor', '0x0', '0x9fc00', 1, None)
        >>> f = classify("(XEN)  000000000009e800 - 00000000000a0000 (reserved)")
        >>> hex(f.addr), hex(f.end), f.type, f.era
        ('0x9e800', '0xa0000', 2, None)
        """
        return replace(entry_fact(self.b, self.line, _XEN_WHO), era=None)

    def rule_seabios_map_header(self) -> HeaderFact:
        """``e820 map has 8 items:``: SeaBIOS's map follows (the count stays in the
        header's text, which completeness reads).

        >>> from e820scope.parse.classify import classify
        >>> classify("e820 map has 8 items:")
        HeaderFact(word='e820 map has', prefixed=False)
        """
        return HeaderFact(SEABIOS_WORD)

    def rule_seabios_map_entry(self) -> EntryFact:
        """``  6: 00000000fdffd000 - 00000000fe000000 = 4 NVS`` (:mod:`.guest_maps`).

        >>> from e820scope.parse.classify import classify
        >>> f = classify("  6: 00000000fdffd000 - 00000000fe000000 = 4 NVS")
        >>> f.who, hex(f.addr), hex(f.end), f.type, f.raw_type, f.era
        ('SeaBIOS', '0xfdffd000', '0xfe000000', 4, '4 NVS', None)
        """
        return seabios_entry(self.b)

    def rule_hvmloader_map_header(self) -> HeaderFact:
        """``E820 table:``: Xen hvmloader's map follows."""
        return HeaderFact(HVMLOADER_WORD)

    def rule_hvmloader_map_entry(self) -> EntryFact:
        """`` [02]: 00000000:00100000 - 00000000:7f800000: RAM`` (:mod:`.guest_maps`).

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" [02]: 00000000:00100000 - 00000000:7f800000: RAM")
        >>> f.who, hex(f.addr), hex(f.end), f.type, f.raw_type
        ('hvmloader', '0x100000', '0x7f800000', 1, 'RAM')
        """
        return hvmloader_entry(self.line)

    def rule_hvmloader_hole(self) -> Fact:
        """`` HOLE: 00000000:000a0000 - 00000000:000d0000``: not an entry; the map stays
        open."""
        return NOTHING
