"""What ``predict`` says about blobs that do not make the hand-off grow.

Two different things look alike in a chain's maps: a blob each kexec'd kernel reserves
and hands on (a new type-128 entry every generation: growth), and a blob of the cold
boot (the boot loader's or the EFI stub's setup_data, e.g. SETUP_PCI) that the first
kernel reserved in ``e820_table_kexec`` and every later kernel received and kept (the
same entry in every map: a constant, carried once). A kernel that does not hand on its
own blobs has the fix for their type only (:func:`e820scope.kernel.policy.setup_data_reserved`):
the reason names that fix, never one the chain contradicts.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.kversion import KernelVersion
from .generation import Blob, Generation

#: The commit that stopped each setup_data type from being reserved in e820_table_kexec.
FIX_FOR_KIND = {
    "SETUP_EFI": "8efbc518b884 (v5.8)",
    "SETUP_IMA": "b69a2afd5afc (v6.0)",
    "SETUP_RNG_SEED": "7fd817c90650 (v6.8)",
}
#: Every type (6.9).
ALL_TYPES_FIX = "fc7f27cda843 (v6.9)"


def fix_for(kind: str, kver: KernelVersion | None = None) -> str:
    """The fix that keeps a ``kind`` blob out of e820_table_kexec (on ``kver``: 6.9 and
    later keep every type out)."""
    if kver is not None and kver.at_least(6, 9):
        return ALL_TYPES_FIX
    return FIX_FOR_KIND.get(kind, ALL_TYPES_FIX)


def not_carried(dropped: Sequence[Blob], kver: KernelVersion | None) -> str:
    """Why nothing is added per generation: the kexec'd kernels' own blobs stay behind."""
    kinds = list(dict.fromkeys(x.kind for x in dropped))
    fixes = "; ".join(f"{fix_for(k, kver)} for {k}" for k in kinds)
    return (
        f"each kexec'd kernel's own setup_data ({', '.join(kinds)}) is not reserved in "
        f"e820_table_kexec (the kernel has {fixes}): nothing is added per generation"
    )


def constant_blobs(gens: Sequence[Generation]) -> tuple[Generation, tuple[Blob, ...], int, int]:
    """Blobs carried in every kexec table once: (the chain's first generation, its blobs
    that every later generation received, how many later generations showed them, how
    many got a map cut at the 128 cap, which may have dropped them)."""
    first, later = gens[0], gens[1:]
    whole = [g for g in later if len(g.received) < E820_MAX_ENTRIES_ZEROPAGE]
    if not whole or not first.reserved:
        return first, (), len(whole), len(later) - len(whole)
    keys = [{(e.addr, e.size) for e in g.received} for g in whole]
    kept = tuple(x for x in first.reserved if all((x.addr, x.size) in k for k in keys))
    return first, kept, len(whole), len(later) - len(whole)


def constant_text(first: Generation, kept: Sequence[Blob], later: int, capped: int) -> str:
    """Evidence that ``kept`` are carried once, not added every generation."""
    what = ", ".join(f"a {x.size:#x}-byte {x.kind} blob at {x.addr:#x}" for x in kept)
    start = first.start.value
    cut = " whose map was not cut at 128 entries" if capped else ""
    return (
        f"gen {first.number} ({start} start) reserved {what}; each of the {later} "
        f"generation(s) after it{cut} received it as its own type-128 entry: carried in "
        f"every kexec table, +2 entries once (gen {first.number + 1}) and never added "
        "again: a constant, not growth"
    )


def constant_clause(kept: Sequence[Blob]) -> str:
    """The never-reason's note on blobs carried once."""
    what = ", ".join(f"{x.size:#x}-byte {x.kind} blob at {x.addr:#x}" for x in kept)
    return (
        f"; the chain's first boot's {what} is carried in every kexec table: a constant, not growth"
    )
