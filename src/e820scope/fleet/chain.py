"""One host: its inputs -> one kexec chain in time order -> the prediction -> a row.

The boots of every input (a sosreport gives several sources: crash logs, rotated
``dmesg``, journal boots, the current ``dmesg``) are merged into one chain. The same
boot often appears in two sources (the journal's current boot and ``dmesg``;
``var/log/dmesg.0`` and the journal's previous boot): a boot whose kernel release,
command line, firmware map, final map and ``Memory:`` line all equal those of a boot
from another source is that boot, and is counted once. Boots within one source are
never merged (the source itself shows them as distinct). Sources come oldest first
(:func:`e820scope.ingest.sosreport.select`, rotated logs highest number first); a
source that shares boots with the chain so far has its other boots placed around the
shared ones, so the chain stays in time order.

The analysis is the one ``predict`` runs (:mod:`e820scope.analysis.growth`,
:mod:`e820scope.analysis.predict`); kdump capture kernels are left out of the chain
(they boot from the crash kernel's reserved region, not from the previous map).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..analysis.chain_input import join_inputs
from ..analysis.growth import (
    Assumptions,
    Generation,
    HandoffPath,
    Mechanism,
    generations,
    infer_mechanism,
)
from ..analysis.predict import Prediction, predict
from ..errors import E820ScopeError
from ..kernel.policy import has_kexec_file_load
from ..model.records import Boot, StartMethod
from ..parse import parse_input
from .inputs import HostUnit
from .row import HostRow

Fingerprint = tuple[object, ...]


def fingerprint(b: Boot) -> Fingerprint:
    """What makes two copies of a boot the same boot (see the module docstring)."""
    fw = b.firmware_map
    final = b.final_map
    mem = (b.memory.available_kb, b.memory.total_kb) if b.memory else None
    return (
        b.linux_version,
        b.cmdline,
        tuple(fw.entries) if fw else None,
        tuple(final.entries) if final else None,
        mem,
    )


def merge_sources(sources: Sequence[Sequence[Boot]]) -> tuple[list[list[Boot]], int]:
    """The boots of ``sources`` (each in its own order, oldest source first) as one
    sequence of runs (consecutive boots of one source), each boot once; and how many
    copies were dropped."""
    chain: list[tuple[Fingerprint, Boot, int]] = []
    sources_of: dict[Fingerprint, set[int]] = {}  # which sources hold each boot
    dropped = 0
    for si, boots in enumerate(sources):
        pending: list[tuple[Fingerprint, Boot, int]] = []
        cursor: int | None = None  # just after the last boot shared with the chain
        fps = [fingerprint(b) for b in boots]
        for b, fp in zip(boots, fps, strict=True):
            at = None
            if sources_of.get(fp, set()) - {si}:
                at = next(i for i, (f, _, s) in enumerate(chain) if f == fp and s != si)
            if at is None or (cursor is not None and at < cursor):
                pending.append((fp, b, si))  # new, or a copy out of time order: kept
                continue
            dropped += 1
            chain[at:at] = pending
            cursor = at + len(pending) + 1
            pending = []
        end = len(chain) if cursor is None else cursor
        chain[end:end] = pending
        for fp in fps:
            sources_of.setdefault(fp, set()).add(si)
    runs: list[list[Boot]] = []
    last = -1
    for _, b, si in chain:
        if si != last:
            runs.append([])
            last = si
        runs[-1].append(b)
    return runs, dropped


def _by_source(boots: Sequence[Boot]) -> list[list[Boot]]:
    out: list[list[Boot]] = []
    for b in boots:
        if not out or out[-1][-1].source != b.source:
            out.append([])
        out[-1].append(b)
    return out


def _mechanism(
    gens: Sequence[Generation], warnings: list[str], assume_kexec: bool
) -> Mechanism | None:
    """The growth as ``predict`` infers it. A chain without two kexec'd generations in a
    row gets what the log's own kernel does on the next reboots (said in the warnings):
    when the host was seen kexec-rebooting, or with ``assume_kexec`` (as
    kexec_file_load, or kexec_load on a kernel without it:
    :func:`e820scope.kernel.policy.has_kexec_file_load`); else None (the log shows no
    kexec: nothing to predict)."""
    try:
        return infer_mechanism(gens, Assumptions())
    except E820ScopeError:
        kver = gens[-1].kernel
        kexeced = any(g.start in _KEXEC for g in gens)
        if kver is None or not (kexeced or assume_kexec):
            return None
        path = None
        file_load = has_kexec_file_load(kver)
        if not kexeced:
            path = HandoffPath.KEXEC_FILE_LOAD if file_load else HandoffPath.KEXEC_LOAD
        warnings.append(
            f"one kexec'd generation does not show the growth: assumed the next reboots run {kver}"
            if path is None
            else f"no kexec reboot in the log: assumed (--assume-kexec) the next reboots run "
            f"{kver} with {path.value}"
            + ("" if file_load else " (the kernel has no kexec_file_load)")
        )
        return infer_mechanism(gens, Assumptions(kernel=kver, path=path))


_KEXEC = (StartMethod.KEXEC_FILE_LOAD, StartMethod.KEXEC_LOAD, StartMethod.KEXEC)


def describe(mech: Mechanism) -> str:
    """The mechanism in a few words: what is carried, on which path, or why nothing grows."""
    if mech.blob_sizes:
        kinds = ",".join(mech.carried_kinds) or f"{len(mech.blob_sizes)} setup_data blob(s)"
        return f"{kinds} carried in e820_table_kexec ({mech.path.value})"
    return f"no growth ({mech.path.value})"


def _load(unit: HostUnit, warnings: list[str]) -> tuple[list[list[Boot]], int, bool]:
    """Every source's boots with a map, per source; boots read in all; partial input."""
    sources: list[list[Boot]] = []
    total = 0
    partial = False
    errors: list[str] = []
    for spec in unit.specs:
        try:
            parsed = parse_input(spec)
        except E820ScopeError as exc:
            errors.append(str(exc))
            continue
        total += len(parsed.boots)
        partial = partial or parsed.partial
        sources.extend(_by_source([b for b in parsed.boots if b.firmware_map is not None]))
    if errors and not sources:
        raise _Failed("; ".join(errors), total)
    warnings.extend(f"input not used: {e}" for e in errors)
    return sources, total, partial


class _Failed(Exception):
    def __init__(self, message: str, boots: int = 0) -> None:
        super().__init__(message)
        self.boots = boots


def analyse(unit: HostUnit, assume_kexec: bool = False) -> HostRow:
    """The row of one host. Never raises: a host that cannot be read or predicted is a
    row with ``error`` set."""
    row = HostRow(unit.host, unit.identified_by, unit.specs, unit.size or _bytes(unit.specs))
    warnings: list[str] = []
    try:
        return _analyse(unit, row, warnings, assume_kexec)
    except _Failed as exc:
        return replace(row, boots=exc.boots, warnings=tuple(warnings), error=str(exc))
    except E820ScopeError as exc:
        return replace(row, warnings=tuple(warnings), error=str(exc))
    except Exception as exc:  # a bug must not end the scan of the other hosts
        return replace(
            row,
            warnings=tuple(warnings),
            error=f"internal error: {type(exc).__name__}: {exc} (a bug; please report it)",
        )


def _analyse(unit: HostUnit, row: HostRow, warnings: list[str], assume_kexec: bool) -> HostRow:
    sources, total, partial = _load(unit, warnings)
    runs, dropped = merge_sources(sources)
    if dropped:
        warnings.append(f"{dropped} boot(s) found in two sources, counted once")
    boots = join_inputs(runs)
    kdump = [b for b in boots if b.start.method is StartMethod.KDUMP]
    if kdump:
        warnings.append(f"{len(kdump)} kdump capture boot(s) left out of the chain")
        boots = [b for b in boots if b.start.method is not StartMethod.KDUMP]
    if not boots:
        raise _Failed(f"no BIOS-provided e820 map in {total} boot(s) read", total)
    last = boots[-1]
    row = replace(
        row,
        kernel=str(last.kernel) if last.kernel else None,
        start_method=last.start.method.value,
        boots=total,
        generations=len(boots),
        duplicates_dropped=dropped,
        partial=partial,
    )
    gens = generations(boots)
    mech = _mechanism(gens, warnings, assume_kexec)
    if mech is None:
        return _unpredicted(row, gens, warnings)
    pred = predict(gens, mech)
    warnings.extend(f"assumed: {a}" for a in mech.assumptions)
    return _fill(row, mech, pred, warnings)


def _unpredicted(row: HostRow, gens: Sequence[Generation], warnings: list[str]) -> HostRow:
    """The row of a host whose growth cannot be told: what was received, and why."""
    seen = gens[-1]
    if seen.kernel is None:
        why = "the kernel version is not in the log: the growth cannot be told"
        mechanism = "unknown (no kernel version)"
    else:
        why = (
            "no kexec reboot in the log: nothing to predict (--assume-kexec predicts "
            "kexec_file_load reboots into the same kernel, kexec_load before 3.17)"
        )
        mechanism = "no kexec seen"
    return replace(
        row,
        entries_received=len(seen.received),
        last_seen_generation=seen.number,
        mechanism=mechanism,
        warnings=(*warnings, why),
    )


def _fill(row: HostRow, mech: Mechanism, pred: Prediction, warnings: list[str]) -> HostRow:
    seen = pred.state(pred.last_seen)
    first = pred.first_loss
    left = None
    if first is not None:
        left = max(first.generation - pred.last_seen - 1, 0)
        if first.generation <= pred.last_seen:
            warnings.append(f"usable RAM already lost at generation {first.generation}")
    if row.partial:
        warnings.append("an input is cut short or a map is cut off: results are partial")
    return replace(
        row,
        entries_received=len(seen.received),
        kexec_table_entries=seen.handoff_entries,
        growth_per_generation=mech.entries_per_generation,
        mechanism=describe(mech),
        mechanism_source=mech.source,
        handoff_path=mech.path.value,
        last_seen_generation=pred.last_seen,
        first_loss_generation=first.generation if first else None,
        reboots_left=left,
        bytes_lost=first.usable_lost if first else None,
        will_not_boot_generation=pred.death,
        warnings=tuple(warnings),
    )


def _bytes(specs: Sequence[str]) -> int:
    total = 0
    for s in specs:
        try:
            st = Path(s).stat()
        except OSError:
            continue
        total += st.st_size
    return total
