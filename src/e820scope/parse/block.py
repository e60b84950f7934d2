"""A table block being read: its entries, gaps, eras and notes until it is frozen into an
:class:`~e820scope.model.records.E820Table` (:meth:`BlockAcc.freeze`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.kversion import KernelVersion
from ..model.records import E820Entry, E820Table, SourceRef, TableKind
from ..model.types import Era

_tnew = tuple.__new__


def fast_entry(addr: int, size: int, type: int, raw_type: str, ref: SourceRef) -> E820Entry:
    """``E820Entry(addr, size, type, raw_type, ref)`` without the checks of ``__new__``."""
    return _tnew(E820Entry, (addr, size, type, raw_type, ref.path, ref.line))


#: enum members read for every block, as plain globals (an Enum class attribute costs
#: ~0.1 us a read on Python 3.11)
_ERA_A, _ERA_B, _ERA_C, _ERA_D = Era.A, Era.B, Era.C, Era.D
#: blocks that are no kernel's e820 printout: no print era
_MEMMAP_KINDS = (TableKind.KEXEC_FILE_MEMMAP, TableKind.KEXEC_TOOLS_MEMMAP, TableKind.HYPERVISOR)


@dataclass(slots=True)
class BlockAcc:
    """A table block being read."""

    kind: TableKind
    who: str
    header: str | None
    first_ref: SourceRef
    last_ref: SourceRef
    prefixed: bool = False
    entries: list[E820Entry] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    eras: set[Era] = field(default_factory=set)
    complete: bool = True
    notes: list[str] = field(default_factory=list)

    def cut(self, note: str) -> None:
        self.complete = False
        if note not in self.notes:
            self.notes.append(note)

    def freeze(self, kver: KernelVersion | None) -> E820Table:
        eras = self.eras
        if _ERA_A in eras:
            era: Era | None = _ERA_A
        elif _ERA_D in eras or self.gaps:
            era = _ERA_D
        elif self.kind in _MEMMAP_KINDS:
            era = None
        elif self.prefixed:
            era = _ERA_B
        elif kver is not None:
            era = kver.print_era
        else:
            era = _ERA_C if self.entries else None
        return E820Table(  # its fields, in order
            self.kind,
            self.who,
            tuple(self.entries),
            era,
            self.header,
            self.first_ref,
            self.last_ref,
            self.complete,
            tuple(self.notes),
            tuple(self.gaps),
        )
