"""What a run of boots says about its whole input, noted boot by boot.

One :class:`Tally` per :class:`~.api.BootStream`, and one per part that a
:mod:`.parallel` worker reads (folded into the stream's, in order, with :meth:`add`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.records import Boot, MapStatus

#: statuses that make a parse partial: a map cut off, or a filtered (grep) log
NOT_WHOLE = (MapStatus.CUT_OFF, MapStatus.FILTERED)


@dataclass
class Tally:
    #: boots seen
    count: int = 0
    #: boots with a table block
    with_table: int = 0
    #: some boot has a table with entries
    has_entries: bool = False
    #: some boot's map is cut off or filtered
    not_whole: bool = False
    #: the first non-empty completeness reason (for :func:`~.api.no_map_error`)
    first_reason: str | None = None

    def note(self, boot: Boot) -> None:
        self.count += 1
        if boot.tables:
            self.with_table += 1
            if not self.has_entries:
                self.has_entries = any(t.entries for t in boot.tables)
        if boot.completeness.status in NOT_WHOLE:
            self.not_whole = True
        if self.first_reason is None and boot.completeness.reason:
            self.first_reason = boot.completeness.reason

    def add(self, later: Tally) -> None:
        """Fold in the tally of the boots that follow these."""
        self.count += later.count
        self.with_table += later.with_table
        self.has_entries = self.has_entries or later.has_entries
        self.not_whole = self.not_whole or later.not_whole
        if self.first_reason is None:
            self.first_reason = later.first_reason
