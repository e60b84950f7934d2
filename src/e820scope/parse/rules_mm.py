"""The rules of grammars/mm.lark and grammars/efi.lark (see :mod:`.rules`).

>>> from e820scope.parse.classify import classify
>>> classify("  node   0: [mem 0x0000000000001000-0x000000000009efff]")
EarlyNodeFact(addr=4096, size=647168, node=0)
"""

from __future__ import annotations

import re

from .facts import (
    EarlyNodeFact,
    EfiMemFact,
    EfiRemoveFact,
    InitmemFact,
    MemoryFact,
    MmHeaderFact,
    NodeDataFact,
    TotalRamFact,
    ZoneFact,
)
from .tree_values import RuleBase


class MmRules(RuleBase):
    """The methods of :class:`~e820scope.parse.rules.RuleReader` for mm.lark and efi.lark."""

    __slots__ = ()

    # -- mm.lark ---------------------------------------------------------------------
    def rule_total_ram(self) -> TotalRamFact:
        """``total RAM covered: 3072M``"""
        return TotalRamFact(int(re.sub(r"\D", "", self.line.split(":", 1)[1])))

    def rule_memory(self) -> MemoryFact:
        """``Memory: 3977716K/4193784K available (14343K kernel code, ...)``

        >>> from e820scope.parse.classify import classify
        >>> f = classify("Memory: 3977716K/4193784K available (14343K kernel code)")
        >>> f.available_kb, f.total_kb
        (3977716, 4193784)
        """
        return MemoryFact(self.line.strip(), self.b.nums[0], self.b.nums[1])

    def rule_initmem_mem(self) -> InitmemFact:
        """``Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]``"""
        addr, size = self.b.inclusive()
        return InitmemFact(addr, size, self.b.nums[0])

    def rule_initmem_old(self) -> InitmemFact:
        """``Initmem setup node 0 0000000000000000-0000000140000000`` (<= 3.x)."""
        addr, size = self.b.range16(exclusive=True)
        return InitmemFact(addr, size, self.b.nums[0])

    def rule_initmem_memoryless(self) -> InitmemFact:
        """``Initmem setup node 1 as memoryless``

        >>> from e820scope.parse.classify import classify
        >>> classify("Initmem setup node 1 as memoryless")
        InitmemFact(addr=0, size=0, node=1, memoryless=True)
        """
        return InitmemFact(0, 0, self.b.nums[0], True)

    def rule_node_data(self) -> NodeDataFact:
        """``NODE_DATA(0) allocated [mem 0x13ffd5000-0x13fffffff]`` (3.x: no node)."""
        b = self.b
        addr, size = b.inclusive()
        return NodeDataFact(addr, size, b.nums[0] if b.nums else -1)

    def rule_early_node_hdr(self) -> MmHeaderFact:
        """``Early memory node ranges``"""
        return MmHeaderFact("early_node_ranges")

    def rule_early_node_mem(self) -> EarlyNodeFact:
        """``  node   0: [mem 0x0000000000001000-0x000000000009efff]``"""
        addr, size = self.b.inclusive()
        return EarlyNodeFact(addr, size, self._node())

    def rule_early_node_pfn(self) -> EarlyNodeFact:
        """``    0: 0x00000001 -> 0x0000009f`` (PFNs, end exclusive; 2.6)."""
        b = self.b
        addr, size = b.hexes[0] << 12, (b.hexes[1] - b.hexes[0]) << 12
        return EarlyNodeFact(addr, size, self._node())

    def _node(self) -> int:
        b = self.b
        return b.nums[0] if b.nums else int(self.line.strip().split(":", 1)[0])

    def rule_zone_hdr(self) -> MmHeaderFact:
        """``Zone ranges:``"""
        return MmHeaderFact("zones")

    def rule_zone_mem(self) -> ZoneFact:
        """``  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]``"""
        addr, size = self.b.inclusive()
        return ZoneFact(addr, size, self._zone())

    def rule_zone_empty(self) -> ZoneFact:
        """``  Device   empty``"""
        return ZoneFact(0, 0, self._zone(), True)

    def rule_zone_pfn(self) -> ZoneFact:
        """``  DMA      0x00000001 -> 0x00001000`` (PFNs, end exclusive; 2.6)."""
        b = self.b
        addr, size = b.hexes[0] << 12, (b.hexes[1] - b.hexes[0]) << 12
        return ZoneFact(addr, size, self._zone())

    def _zone(self) -> str:
        return self.b.marks[0] if self.b.marks else ""

    # -- efi.lark --------------------------------------------------------------------
    def rule_efi_mem_new(self) -> EfiMemFact:
        """``efi: mem03: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC]
        range=[0x0000000000100000-0x00000000007fffff] (7MB)``

        >>> from e820scope.parse.classify import classify
        >>> f = classify("efi: mem03: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] "
        ...              "range=[0x0000000000100000-0x00000000007fffff] (7MB)")
        >>> f.index, f.type_name, f.attrs, hex(f.addr), hex(f.end)
        (3, 'Conventional', '   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC', '0x100000', '0x800000')
        """
        line, b = self.line, self.b
        attrs_m = re.search(r"\[([^\]]*)\]", line[line.find(":", 4) :])
        attrs = attrs_m.group(1) if attrs_m else ""
        type_name, _, attr_cols = attrs.partition("|")
        addr, size = b.inclusive()
        return EfiMemFact(addr, size, b.nums[0], type_name.strip(), attr_cols)

    def rule_efi_mem_old(self) -> EfiMemFact:
        """``efi: mem00: type=7, attr=0xf, range=[0x0000000000000000-0x000000000009f000)``"""
        b = self.b
        etype, attr = b.nums[1], b.hexes[0]
        size = b.hexes[2] - b.hexes[1]
        return EfiMemFact(b.hexes[1], size, b.nums[0], f"type={etype}", f"attr={attr:#x}")

    def rule_efi_remove_done(self) -> EfiRemoveFact:
        """``efi: Remove mem115: MMIO range=[0xc0000000-0xcfffffff] (256MB) from e820 map``"""
        return self._efi_remove(kept=False)

    def rule_efi_remove_kept(self) -> EfiRemoveFact:
        """``efi: Not removing mem116: MMIO range=[0xfe000000-0xfe010fff] (68KB) from e820
        map``"""
        return self._efi_remove(kept=True)

    def _efi_remove(self, *, kept: bool) -> EfiRemoveFact:
        addr, size = self.b.inclusive()
        return EfiRemoveFact(addr, size, self.b.nums[0], self.line.strip(), kept)
