"""What one kernel log line says, independent of where it was found.

A :class:`LineFact` is the parser's reading of one line's text. It carries no
:class:`~e820scope.model.records.SourceRef`, so identical lines (which recur across
kexec generations) share one cached fact; the boot builder adds the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.types import Era


@dataclass(frozen=True, slots=True)
class LineFact:
    """One recognised line.

    ``kind`` names the grammar rule family (``header``, ``entry``, ``gap``, ``update``,
    ``remove``, ``table_full``, ``ram_buffer``, ``pci_gap``, ``last_pfn``,
    ``memmap_header``, ``memmap_entry``, ``live_header``, ``fw_bug_order``,
    ``total_ram``, ``memory``, ``initmem``, ``node_data``, ``early_hdr``, ``early_node``,
    ``zone_hdr``, ``zone``, ``efi_mem``, ``efi_remove``, ``linux_version``,
    ``command_line``, ``kexec_start``, ``crashkernel``, ``oom``, ``panic``,
    ``reboot_sep``, ``not_x86``).

    Ranges are normalised to ``addr`` + ``size`` (bytes, end exclusive) whatever the
    printed convention. ``type`` is the e820 type code (``None`` when not printed or
    not recognised), ``raw`` the type text as printed or the free text of the line.
    ``who`` is the e820 "who" prefix (``BIOS-e820``...), the map header kind, the
    memmap source or the zone name. ``era`` is set when the line's own format fixes
    the print era (A: ``start - end`` lines; D: ``System RAM`` / double space / gap).
    ``problem`` is non-empty when the line looks cut or garbled and must not be
    trusted as an entry; ``note`` records harmless oddities (text after the type).
    """

    kind: str
    who: str = ""
    addr: int = 0
    size: int = 0
    type: int | None = None
    new_type: int | None = None
    raw: str = ""
    nums: tuple[int, ...] = ()
    era: Era | None = None
    prefixed: bool = False
    problem: str = ""
    note: str = ""

    @property
    def end(self) -> int:
        return self.addr + self.size
