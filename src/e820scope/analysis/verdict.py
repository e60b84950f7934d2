"""Explain a :class:`~.diff.BootDiff` in plain words, citing kernel functions and commits.

The sentences follow kernel-facts §2.4 (kexec_file_load's 128-entry cap in
``setup_e820_entries()``), §4.2 (which setup_data goes into ``e820_table_kexec``, by
version) and §5 (known growth bugs and their fixes).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.records import Boot, E820Entry, StartMethod
from ..model.types import USABLE_TYPES_UP_TO_6_14, E820Type
from .align import Change, ChangeKind
from .hidden import setup_data_kind
from .units import describe, fmt_range, human_size
from .verdict_scope import agree_sentence, lead_sentences, machine_evidence, two_machines

if TYPE_CHECKING:
    from .diff import BootDiff, Verdict

#: Why a kind of setup_data piece keeps coming back, and the upstream fix (§4.2, §5.1).
GROWTH_CAUSE = {
    "SETUP_EFI": (
        "SETUP_EFI reservations (each kexec_file_load boot gets a new SETUP_EFI node and "
        "e820__reserve_setup_data() put it into e820_table_kexec)",
        'fixed upstream by 8efbc518b884 "x86/kexec: Do not reserve EFI setup_data in the '
        'kexec e820 table" (v5.8)',
    ),
    "SETUP_RNG_SEED": (
        "SETUP_RNG_SEED reservations (a 16-byte node header per boot, 6.0-6.7)",
        'fixed upstream by 7fd817c90650 "x86/e820: Don\'t reserve SETUP_RNG_SEED in e820" '
        "(v6.8, stable backports)",
    ),
    "other": (
        "setup_data nodes reserved in e820_table_kexec (every type but SETUP_EFI/SETUP_IMA/"
        "SETUP_RNG_SEED up to 6.8)",
        'fc7f27cda843 "x86/kexec: Do not update E820 kexec table for setup_data" (v6.9) '
        "stopped all kexec-table reservations",
    ),
}

#: A fall of ``Memory: ...K available`` up to this many KiB, with the present total
#: unchanged and more entries, is explained as per-entry boot allocations.
SLOW_WASTE_MAX_KB = 64

#: Split pieces listed one by one in a sentence; longer splits are summarised.
MAX_LISTED = 5

CAP_WHERE = (
    "see setup_e820_entries() in arch/x86/kernel/kexec-bzimage64.c, which copies at most "
    "E820_MAX_ENTRIES_ZEROPAGE entries into boot_params"
)


def _label(boot: Boot) -> str:
    return boot.label


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _growth_kind(d: BootDiff) -> str | None:
    """The setup_data kind behind the type-128 pieces A carries (most common by count)."""
    pieces = [e for e in d.a_entries if e.type == E820Type.RESERVED_KERN]
    if d.handoff is not None:
        pieces = [e for e in d.handoff.model.entries if e.type == E820Type.RESERVED_KERN]
    if not pieces:
        return None
    counts = Counter(setup_data_kind(e.size) for e in pieces)
    return counts.most_common(1)[0][0]


def _policy_note(d: BootDiff) -> str | None:
    h = d.handoff
    if h is None or not h.matches or h.policy_agrees or d.a.kernel is None:
        return None
    extra = [e for e in h.model.kept if e not in h.policy_model.kept]
    missing = [e for e in h.policy_model.kept if e not in h.model.kept]
    if extra:
        fixes = sorted({GROWTH_CAUSE[setup_data_kind(e.size)][1].split(' "')[0] for e in extra})
        return (
            f"{_label(d.a)} runs {d.a.kernel} but reserved its {_kinds_phrase(extra)} node(s) "
            f"({_join([fmt_range(e) for e in extra])}) in e820_table_kexec, which that "
            f"version should not do ({_join(fixes)}): the build lacks or reverts the fix"
        )
    if missing:
        return (
            f"{_label(d.a)} runs {d.a.kernel} but did not carry "
            f"{_join([fmt_range(e) for e in missing])} into its kexec table although its "
            "version would: a backported fix"
        )
    return None


def _cap_sentences(d: BootDiff, dropped: list[Change]) -> list[str]:
    h = d.handoff
    assert h is not None
    entries = [e for c in dropped for e in c.before]
    usable = [e for e in entries if e.type in USABLE_TYPES_UP_TO_6_14]
    named = usable or entries
    verb = "was" if len(named) == 1 else "were"
    noun = "entry" if len(named) == 1 else "entries"
    head = f"{noun} {_join([describe(e) for e in named])} {verb} not passed on"
    s = (
        f"{head}: the previous generation's kexec table had {len(h.model.entries)} entries and "
        f"kexec_file_load passes {E820_MAX_ENTRIES_ZEROPAGE} ({CAP_WHERE})"
    )
    kind = _growth_kind(d)
    if kind is not None:
        cause, fix = GROWTH_CAUSE[kind]
        s += f"; growth comes from {cause}, {fix}"
    out = [s + "."]
    others = [e for e in entries if e not in named]
    if others:
        out.append(f"Also dropped: {_join([describe(e) for e in others])}.")
    return out


def _pieces(entries: tuple[E820Entry, ...]) -> str:
    """List split pieces; long lists are summarised by type."""
    if len(entries) <= MAX_LISTED:
        return ", ".join(describe(e) for e in entries)
    rk = [e for e in entries if e.type == E820Type.RESERVED_KERN]
    kinds = Counter(setup_data_kind(e.size) for e in rk)
    kind_txt = _join([f"{n} {k}-sized" for k, n in sorted(kinds.items())])
    return (
        f"{len(rk)} type-128 pieces ({human_size(sum(e.size for e in rk))}; {kind_txt}) "
        f"between {len(entries) - len(rk)} usable pieces"
    )


def _kinds_phrase(entries: list[E820Entry]) -> str:
    kinds = sorted({setup_data_kind(e.size) for e in entries})
    return _join([k if k != "other" else "setup_data" for k in kinds])


def _split_sentences(d: BootDiff, splits: list[Change]) -> list[str]:
    out: list[str] = []
    for c in splits:
        (src,) = c.before
        s = f"{describe(src)} became {len(c.after)} entries ({_pieces(c.after)})"
        tiny = [e for e in c.after if e.type == E820Type.RESERVED_KERN]
        if tiny and d.handoff is not None and d.handoff.matches:
            own = [e for e in tiny if e in d.handoff.model.kept]
            if own:
                s += (
                    f": {_join([fmt_range(e) for e in own])} is {_label(d.a)}'s own "
                    f"{_kinds_phrase(own)} node ({_join([human_size(e.size) for e in own])}), "
                    "reserved as E820_TYPE_RESERVED_KERN in its "
                    "e820_table_kexec by e820__reserve_setup_data() and passed on verbatim by "
                    "kexec_file_load (types are copied as they are)"
                )
            if any(setup_data_kind(e.size) == "other" for e in own):
                likely = (
                    " (on a cold boot most likely SETUP_PCI option ROMs from the EFI stub)"
                    if d.a.start.method is StartMethod.COLD
                    else ""
                )
                s += (
                    "; a node of this size is neither SETUP_EFI nor an RNG seed"
                    f"{likely}: such nodes "
                    "go into e820_table_kexec up to v6.8 (fc7f27cda843, v6.9, stopped it) but "
                    "kexec_file_load does not create them again, so this is a one-time +2 "
                    "carried on from then"
                )
        rk = [e for e in c.after if e.type == E820Type.RESERVED_KERN]
        if len(rk) >= 2:
            kind = Counter(setup_data_kind(e.size) for e in rk).most_common(1)[0][0]
            cause, fix = GROWTH_CAUSE[kind]
            s += (
                f"; its {len(rk)} type-128 pieces are setup_data nodes of earlier kexec_file_load "
                f"boots carried on verbatim: growth from {cause}, {fix}"
            )
        out.append(s + ".")
    return out


def _prediction(d: BootDiff, splits: list[Change]) -> str | None:
    """When the split is a recurring node (SETUP_EFI / RNG seed), say when the cap is hit."""
    h = d.handoff
    if h is None or not h.matches or not splits:
        return None
    recurring = [
        e
        for c in splits
        for e in c.after
        if e.type == E820Type.RESERVED_KERN
        and e in h.model.kept
        and setup_data_kind(e.size) in ("SETUP_EFI", "SETUP_RNG_SEED")
    ]
    if not recurring:
        return None
    n = len(d.b_entries)
    if n >= E820_MAX_ENTRIES_ZEROPAGE:
        return None
    k_min = (E820_MAX_ENTRIES_ZEROPAGE - 2 - n) // 2 + 1
    target = d.b.index + k_min + 1
    return (
        f"{_label(d.b)} received {n} of {E820_MAX_ENTRIES_ZEROPAGE} zeropage slots; at +2 "
        f"entries per generation the hop into boot #{target} ({k_min + 1} generations after "
        f"{_label(d.b)}) is the first that drops entries."
    )


def _kexec_load_sentences(d: BootDiff) -> list[str]:
    out: list[str] = []
    for boot, entries in ((d.a, d.a_entries), (d.b, d.b_entries)):
        if boot.start.method is not StartMethod.KEXEC_LOAD or not entries:
            continue
        first = entries[0].addr
        if first in (0x100, 0x400):
            ver = "older than v2.0.22" if first == 0x100 else "v2.0.22 or later (774a16b)"
            out.append(
                f"{_label(boot)} was started by kexec_load: its first RAM entry starts at "
                f"{first:#x}, where kexec-tools {ver} moves the start of low RAM (real-mode "
                "interrupt vector); kexec-tools builds that map from /sys/firmware/memmap, or "
                "from /proc/iomem on kernels without it (before v2.6.27), so ranges missing "
                "there are not passed on."
            )
    return out


def _memory_sentence(d: BootDiff) -> str | None:
    ma, mb = d.a.memory, d.b.memory
    if ma is None or mb is None:
        return None
    if ma.total_kb != mb.total_kb:
        diff_kb = mb.total_kb - ma.total_kb
        return (
            f"Memory: present total {ma.total_kb}K -> {mb.total_kb}K "
            f"({'+' if diff_kb > 0 else ''}{diff_kb}K, {human_size(diff_kb * 1024)})."
        )
    diff_kb = mb.available_kb - ma.available_kb
    if -SLOW_WASTE_MAX_KB <= diff_kb < 0 and len(d.a_entries) < len(d.b_entries):
        carried = [e for e in d.b_entries if e.type == E820Type.RESERVED_KERN]
        s = (
            f"Memory: same present total ({ma.total_kb}K) but available "
            f"{ma.available_kb}K -> {mb.available_kb}K ({'+' if diff_kb > 0 else ''}{diff_kb}K)"
            f" while the map went from {len(d.a_entries)} to {len(d.b_entries)} entries: boot-time "
            "memblock allocations scale with the entry count (e820__reserve_resources() takes "
            "one struct resource per e820_table entry, firmware_map_add_early() one "
            "firmware_map_entry per e820_table_firmware entry, never freed), so each +2 costs a "
            "few hundred bytes and crosses a page every few generations"
        )
        if carried:
            s += (
                f"; {_label(d.b)} carries {len(carried)} type-128 pieces "
                f"({human_size(sum(e.size for e in carried))}) from earlier generations"
            )
        return s + "."
    if diff_kb:
        return (
            f"Memory: same present total ({ma.total_kb}K), available {ma.available_kb}K -> "
            f"{mb.available_kb}K ({'+' if diff_kb > 0 else ''}{diff_kb}K)."
        )
    return None


def _counts(d: BootDiff) -> str:
    c = Counter(ch.kind.value for ch in d.changes if ch.kind is not ChangeKind.UNCHANGED)
    if "unknown" in c:
        c["unknown (past a cut)"] = c.pop("unknown")
    parts = [f"{n} {k.replace('_', ' ')}" for k, n in sorted(c.items())]
    return _join(parts)


def explain(d: BootDiff) -> Verdict:
    """Build the verdict: the most important finding first, then supporting sentences."""
    from .diff import Verdict

    summary: list[str] = lead_sentences(d)
    evidence: list[str] = [
        f"{_label(d.a)}: {len(d.a_entries)} entries ({d.a_table.who} block at "
        f"{d.a_table.first_ref or '?'}), {_label(d.b)}: {len(d.b_entries)} entries "
        f"({d.b_table.who} block at {d.b_table.first_ref or '?'})",
        *machine_evidence(d),
    ]
    if d.machine.same is False:
        return Verdict((*summary, *two_machines(d)), tuple(evidence))
    dropped = list(d.of_kind(ChangeKind.DROPPED_AT_CAP))
    splits = list(d.of_kind(ChangeKind.SPLIT))
    summary.extend(_sameness_sentences(d))
    if dropped:
        summary.extend(_cap_sentences(d, dropped))
    summary.extend(_split_sentences(d, splits))
    pred = _prediction(d, splits)
    if pred:
        summary.append(pred)
    note = _policy_note(d)
    if note:
        summary.append(note + ".")
    summary.extend(_kexec_load_sentences(d))
    summary.extend(_only_in_sentences(d))
    summary.extend(_usable_sentences(d))
    evidence.extend(_model_evidence(d))
    return Verdict(tuple(summary), tuple(evidence))


def _sameness_sentences(d: BootDiff) -> list[str]:
    """Identical (and why nothing was carried over), agreeing, or differing maps."""
    if d.agree and not d.identical:
        return [agree_sentence(d)]
    if not d.identical:
        return [f"The {d.map_kind.value} maps differ: {_counts(d)}."]
    out = [
        f"The {d.map_kind.value} maps are identical: {len(d.a_entries)} entries, "
        f"{human_size(d.usable_before)} usable."
    ]
    h = d.handoff
    if h is not None and h.matches and h.model.left_out:
        out.append(
            f"{_label(d.a)}'s own {_kinds_phrase(list(h.model.left_out))} node "
            f"({_join([fmt_range(e) for e in h.model.left_out])}) stayed out of its "
            "e820_table_kexec, so nothing was carried over (8efbc518b884 v5.8 for "
            "SETUP_EFI, fc7f27cda843 v6.9 for all types)."
        )
    return out


def _only_in_sentences(d: BootDiff) -> list[str]:
    """The entries only one side has (and the zeropage cap's signature in them)."""
    out: list[str] = []
    removed = [e for c in d.of_kind(ChangeKind.REMOVED) for e in c.before]
    if removed:
        out.append(f"Only in {_label(d.a)}: {_join([describe(e) for e in removed])}.")
        top = d.b_entries[-1].end if d.b_entries else 0
        if (
            not d.consecutive
            and len(d.b_entries) == E820_MAX_ENTRIES_ZEROPAGE
            and all(e.addr >= top for e in removed)
        ):
            out.append(
                f"{_label(d.b)} received exactly {E820_MAX_ENTRIES_ZEROPAGE} entries and lost "
                "only the highest addresses: the signature of kexec_file_load truncation at the "
                "zeropage cap in a generation between these boots (diff consecutive boots to "
                "see which)."
            )
    added = [e for c in d.of_kind(ChangeKind.ADDED) for e in c.after]
    if added:
        out.append(f"Only in {_label(d.b)}: {_join([describe(e) for e in added])}.")
    return out


def _usable_sentences(d: BootDiff) -> list[str]:
    """Usable RAM lost or gained, and what the ``Memory:`` lines say."""
    out: list[str] = []
    if d.usable_lost:
        out.append(
            f"Usable RAM lost: {human_size(d.usable_lost)} ({d.usable_lost} bytes; "
            f"{d.usable_before} -> {d.usable_after})."
        )
    elif d.usable_after != d.usable_before:
        out.append(
            f"Usable RAM gained: {human_size(d.usable_after - d.usable_before)} "
            f"({d.usable_before} -> {d.usable_after} bytes)."
        )
    mem = _memory_sentence(d)
    if mem:
        out.append(mem)
    return out


def _model_evidence(d: BootDiff) -> list[str]:
    """The kexec-table model's check of the hand-off, and each side's hidden pieces."""
    out: list[str] = []
    h = d.handoff
    if h is not None:
        out.append(
            f"model of {_label(d.a)}'s e820_table_kexec ({h.model.basis}): "
            f"{len(h.model.entries)} entries; its first {len(h.passed)} "
            f"{'match' if h.matches else 'do NOT match'} the map {_label(d.b)} received"
        )
        if h.dropped:
            out.append("past slot 128: " + ", ".join(describe(e) for e in h.dropped))
    for boot, hidden in ((d.a, d.a_hidden), (d.b, d.b_hidden)):
        if hidden.carried or hidden.own:
            out.append(
                f"{_label(boot)}: {len(hidden.carried)} hidden type-128 pieces received"
                + (
                    f", own setup_data {_join([fmt_range(p.entry) for p in hidden.own])}"
                    if hidden.own
                    else ""
                )
            )
    return out
