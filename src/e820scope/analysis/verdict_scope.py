"""The first sentences of a diff verdict: what is compared with what.

Before any change is explained, the verdict says whether A and B are two machines
(:mod:`.identity`: then nothing is a generation change), one boot printed twice, and
where either side's map is cut (:mod:`.known`: nothing past a cut is a loss).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .align import ChangeKind
from .units import describe, human_size

if TYPE_CHECKING:
    from .diff import BootDiff


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def lead_sentences(d: BootDiff) -> list[str]:
    """Machines, a boot printed twice, cuts: in that order."""
    out: list[str] = []
    if d.machine.same is False:
        out.append(
            f"{d.a.label} and {d.b.label} are different machines: {'; '.join(d.machine.differ)}."
        )
    if d.twice:
        out.append(d.twice + ".")
    for cut in d.cuts:
        out.append(cut[0].upper() + cut[1:] + ".")
    if d.cuts:
        out.append("Bytes are counted only where both maps show them.")
    return out


def unknown_count(d: BootDiff) -> int:
    return sum(c.kind is ChangeKind.UNKNOWN for c in d.changes)


def agree_sentence(d: BootDiff) -> str:
    """The maps show no change where both show them, some entries past a cut."""
    same = sum(c.kind is ChangeKind.UNCHANGED for c in d.changes)
    return (
        f"The {d.map_kind.value} maps agree where both show them: {same} entries unchanged, "
        f"{unknown_count(d)} past a cut (unknown, not removed or added)."
    )


def two_machines(d: BootDiff) -> list[str]:
    """The comparison of two machines' maps: what each holds, never a change in time."""
    counts = Counter(
        c.kind.value.replace("_", " ")
        for c in d.changes
        if c.kind not in (ChangeKind.UNCHANGED, ChangeKind.UNKNOWN)
    )
    out = [
        f"Their {d.map_kind.value} maps are two machines' maps, not one map changed by a "
        f"reboot or a kexec: {len(d.a_entries)} entries against {len(d.b_entries)}"
        + (f" ({_join([f'{n} {k}' for k, n in sorted(counts.items())])})." if counts else ".")
    ]
    only_a = [e for c in d.changes if c.kind is ChangeKind.REMOVED for e in c.before]
    only_b = [e for c in d.changes if c.kind is ChangeKind.ADDED for e in c.after]
    if only_a:
        out.append(f"Only {d.a.label}'s map has {_join([describe(e) for e in only_a[:5]])}.")
    if only_b:
        out.append(f"Only {d.b.label}'s map has {_join([describe(e) for e in only_b[:5]])}.")
    if d.usable_before != d.usable_after:
        out.append(
            f"Usable RAM: {human_size(d.usable_before)} on {d.a.label}, "
            f"{human_size(d.usable_after)} on {d.b.label} (two machines: nothing was lost "
            "or gained)."
        )
    return out


def machine_evidence(d: BootDiff) -> list[str]:
    """The identity evidence, for the verdict's evidence list."""
    m = d.machine
    out = [f"machine: {s}" for s in m.differ]
    out.extend(f"machine: {s}" for s in m.agree)
    return out
