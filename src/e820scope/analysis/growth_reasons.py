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

from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE, KEXEC_TABLE_FIXES, kexec_table_fix
from ..kernel.setup_data import SetupDataType
from ..model.kversion import KernelVersion
from .generation import Blob, Generation


def setup_type(kind: str) -> int:
    """The ``SETUP_*`` value of a blob kind; an unknown kind counts as SETUP_PCI
    (reserved wherever any type is)."""
    try:
        return int(SetupDataType[kind])
    except KeyError:
        return int(SetupDataType.SETUP_PCI)


def fix_for(kind: str, kver: KernelVersion | None = None) -> str:
    """The fix that keeps a ``kind`` blob out of e820_table_kexec: the one ``kver`` has
    (:func:`e820scope.kernel.policy.kexec_table_fix`), else the first that would."""
    code = setup_type(kind)
    fix = kexec_table_fix(kver, code) if kver is not None else None
    if fix is None:
        fix = next(f for f in KEXEC_TABLE_FIXES if f.keeps_out(code))
    return fix.label


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
