"""A boot's log printed again while it ran (``dmesg`` on the console), folded into it."""

from __future__ import annotations

from dataclasses import replace

from ..model.records import Boot, ParseWarning, Severity, SourceRef


def is_replay(a: Boot, b: Boot) -> bool:
    """B is A's own kernel log printed again while A ran (``dmesg`` on the console).

    Serial captures often hold the boot log twice: as the kernel printed it, then as
    someone (or a test harness) ran ``dmesg`` on the same console. The replay restarts at
    ``[    0.000000]`` like a new boot, but it is the same boot: same banner, same command
    line, same firmware map and ``Memory:`` line, no firmware or boot-loader output before
    it, and A did not end by kexec or panic. A genuine reboot of the same kernel shows
    firmware output first or a kexec/panic end, so it is never folded.
    """
    if a.ended_by != "next_boot" or not a.linux_version:
        return False
    fa, fb = a.firmware_map, b.firmware_map
    return (
        b.linux_version == a.linux_version
        and b.cmdline == a.cmdline
        and fa is not None
        and fb is not None
        and fa.entries == fb.entries
        and (a.memory is None or b.memory is None or a.memory == b.memory)
    )


def fold_replay(a: Boot, b: Boot) -> Boot:
    """A, extended over its replay B: B's lines, end, and the debug-level operations a
    console often lacks (a replayed ``dmesg`` has the KERN_DEBUG ``e820: update`` lines)."""
    note = ParseWarning(
        SourceRef(b.source, b.first_line),
        f"lines {b.first_line}-{b.last_line} replay this boot's kernel log (dmesg printed "
        f"to the console); read as part of boot {a.index}, not as a boot of their own",
        severity=Severity.INFO,
    )
    return replace(
        a,
        last_line=b.last_line,
        ended_by=b.ended_by,
        ops=a.ops or b.ops,
        events=a.events + tuple(e for e in b.events if e.kind in ("kexec_start", "panic", "oom")),
        warnings=(*a.warnings, note),
    )
