"""A mutable ``struct e820_table``: fixed capacity, entries in array order.

The kernel's range operations leave the array unsorted (new pieces are appended at the
end) and zero removed entries in place; :class:`KernelTable` keeps exactly that state
so that the next :meth:`KernelTable.update_table` sees what the kernel's sanitizer sees.
Addresses are ints; ``size`` bytes; ``end`` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..model.records import E820Entry
from .sanitize import EntryLike, e820__update_table


@dataclass(slots=True)
class Slot:
    """One mutable ``struct e820_entry`` in a table array."""

    addr: int
    size: int
    type: int

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True, slots=True)
class TableFull:
    """An ``__e820__range_add()`` refused because the table was full.

    The kernel prints ``too many entries; ignoring [mem start-(start+size-1)]`` (era D:
    ``E820 table full; ignoring``) and the range is lost from this table.
    """

    table: str
    addr: int
    size: int
    type: int


@dataclass
class KernelTable:
    """Working copy of one kernel table (``e820_table``, ``e820_table_kexec``, ...)."""

    name: str
    capacity: int
    slots: list[Slot] = field(default_factory=list)
    #: every refused append, in order (the "losing memory" record)
    full_events: list[TableFull] = field(default_factory=list)

    @classmethod
    def from_entries(
        cls, entries: Iterable[EntryLike], *, capacity: int, name: str = "e820_table"
    ) -> KernelTable:
        """A table holding ``entries`` in order; raises ValueError beyond ``capacity``."""
        slots = [Slot(e.addr, e.size, e.type) for e in entries]
        if len(slots) > capacity:
            raise ValueError(f"{name}: {len(slots)} entries exceed capacity {capacity}")
        return cls(name, capacity, slots)

    @property
    def nr_entries(self) -> int:
        return len(self.slots)

    def __len__(self) -> int:
        return len(self.slots)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots)

    def range_add(self, start: int, size: int, type: int) -> bool:
        """``__e820__range_add()``: append one entry, or record a TableFull and return False."""
        if len(self.slots) >= self.capacity:
            self.full_events.append(TableFull(self.name, start, size, type))
            return False
        self.slots.append(Slot(start, size, type))
        return True

    def update_table(self, nomerge: frozenset[int]) -> bool:
        """``e820__update_table(table)``: sanitize in place; False when the kernel returns -1."""
        result = e820__update_table(self.slots, capacity=self.capacity, nomerge=nomerge)
        if result is None:
            return False
        self.slots = [Slot(e.addr, e.size, e.type) for e in result]
        return True

    def to_entries(self) -> tuple[E820Entry, ...]:
        """Immutable snapshot in array order (zeroed slots included, as in the array)."""
        return tuple(E820Entry(s.addr, s.size, int(s.type)) for s in self.slots)

    def copy(self, name: str | None = None) -> KernelTable:
        """``memcpy()`` of the whole table (full-event history is not copied)."""
        return KernelTable(
            name or self.name, self.capacity, [Slot(s.addr, s.size, s.type) for s in self.slots]
        )
