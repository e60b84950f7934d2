"""Model the kexec table a boot handed to the next one, and check it against the log.

For a ``kexec_file_load`` hop, the next kernel's ``BIOS-e820`` map is the first 128
entries (``E820_MAX_ENTRIES_ZEROPAGE``) of the previous kernel's ``e820_table_kexec``:
``setup_e820_entries()`` in arch/x86/kernel/kexec-bzimage64.c copies the table verbatim
and silently drops everything past slot 128 (the TODO about passing more through
setup_data is still there in 7.1).

The previous kernel's kexec table is its received map plus the setup_data nodes that
its version reserves in the kexec table (``kernel.policy.setup_data_reserved``). The
log shows it almost directly: the ``reserve setup_data`` block is e820_table right after
``e820__reserve_setup_data()``, i.e. received map + *every* node as type 128. The model
tries, in order: the version policy, every node reserved, no node reserved; the first
whose first 128 entries equal the map the next kernel printed is taken (so a patched or
backported kernel is recognised from its behaviour, and reported).

Entries are compared as printed by the receiving kernel (type 128 collapsed to 1 when it
prints RESERVED_KERN as ``usable``). Addresses in bytes, ``end`` exclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..kernel.handoff import zeropage_split
from ..kernel.sanitize import merge_abutting
from ..model.records import Boot, E820Entry
from ..model.types import E820Type
from .growth import reserved_in_kexec
from .hidden import (
    boot_hidden,
    prints_reserved_kern_as_usable,
    received_table,
    resolve,
    setup_data_table,
)


@dataclass(frozen=True)
class KexecTableModel:
    """The modelled ``e820_table_kexec`` of one boot (resolved types, sorted).

    ``basis`` is ``policy``, ``all setup_data`` or ``no setup_data``; ``kept``/``left_out``
    are this boot's own setup_data pieces that went into / stayed out of the table.
    """

    entries: tuple[E820Entry, ...]
    basis: str
    kept: tuple[E820Entry, ...]
    left_out: tuple[E820Entry, ...]


@dataclass(frozen=True)
class HandoffCheck:
    """A's modelled kexec table against the map B received.

    ``passed`` are slots 1..128, ``dropped`` the entries past slot 128. ``matches`` is
    True when ``passed`` equals B's received map; ``policy_agrees`` False when the
    matching model is not the one the version policy predicts (patched kernel).
    """

    model: KexecTableModel
    passed: tuple[E820Entry, ...]
    dropped: tuple[E820Entry, ...]
    matches: bool
    policy_agrees: bool
    policy_model: KexecTableModel


def _without(entries: Sequence[E820Entry], drop: set[tuple[int, int]]) -> tuple[E820Entry, ...]:
    """Turn the type-128 pieces in ``drop`` back into RAM and re-merge."""
    changed = [
        e.retyped(int(E820Type.RAM))
        if e.type == E820Type.RESERVED_KERN and (e.addr, e.size) in drop
        else e
        for e in entries
    ]
    return merge_abutting(changed)


def kexec_table_models(a: Boot) -> list[KexecTableModel]:
    """Candidate kexec tables of boot ``a``: version policy first, then all, then none."""
    hidden = boot_hidden(a)
    own = [p.entry for p in hidden.own]
    sd = setup_data_table(a)
    fw = received_table(a)
    base_tbl = sd if sd is not None else fw
    if base_tbl is None:
        return []
    full = resolve(base_tbl.entries, a.kernel)
    models: list[KexecTableModel] = []
    if a.kernel is not None:
        keep = [
            e for e, p in zip(own, hidden.own, strict=True) if reserved_in_kexec(a.kernel, p.kind)
        ]
        out = [e for e in own if e not in keep]
        models.append(
            KexecTableModel(
                _without(full, {(e.addr, e.size) for e in out}), "policy", tuple(keep), tuple(out)
            )
        )
    models.append(KexecTableModel(full, "all setup_data", tuple(own), ()))
    models.append(
        KexecTableModel(
            _without(full, {(e.addr, e.size) for e in own}), "no setup_data", (), tuple(own)
        )
    )
    return models


def _printed(entries: Sequence[E820Entry], collapse_128: bool) -> list[tuple[int, int, int]]:
    out = []
    for e in entries:
        t = e.type
        if collapse_128 and t == E820Type.RESERVED_KERN:
            t = int(E820Type.RAM)
        out.append((e.addr, e.size, t))
    return out


def check_kexec_file_handoff(a: Boot, b: Boot) -> HandoffCheck | None:
    """Model A's kexec table and compare its first 128 entries with B's received map.

    Returns None when either boot lacks the maps needed.
    """
    fw_b = received_table(b)
    models = kexec_table_models(a)
    if fw_b is None or not models:
        return None
    collapse = prints_reserved_kern_as_usable(b.kernel)
    got = _printed(fw_b.entries, True) if collapse else _printed(fw_b.entries, False)
    chosen = models[0]
    matches = False
    for m in models:
        if _printed(zeropage_split(m.entries)[0], collapse) == got:
            chosen, matches = m, True
            break
    policy_model = models[0]
    passed, dropped = zeropage_split(chosen.entries)
    return HandoffCheck(
        model=chosen,
        passed=passed,
        dropped=dropped,
        matches=matches,
        policy_agrees=(chosen.entries == policy_model.entries),
        policy_model=policy_model,
    )
