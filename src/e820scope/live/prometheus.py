"""``live --prometheus FILE``: the kexec budget as node_exporter textfile-collector metrics.

The metric names, labels and meanings are listed in docs/metrics.md (every metric of
:func:`metrics` must be there; tests/live/test_prometheus.py checks it and parses the
output with the Prometheus client library's parser). Values come from the same
snapshot and budget that ``live`` prints (:mod:`.snapshot`, :mod:`.budget`); a value
that cannot be read on this machine is left out, never guessed (the scrape then shows
the metric absent, and ``e820scope_live_source_missing`` counts what was missing).

The file is replaced atomically: written to a temporary file in the same directory
(the collector ignores names that do not end in ``.prom``), flushed to disk, then
renamed over ``FILE``, so the collector never reads half a file.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.records import usable_bytes
from .budget import KexecBudget
from .snapshot import LiveSnapshot

#: (name, type, help) of every metric, in output order
METRICS: tuple[tuple[str, str, str], ...] = (
    (
        "e820scope_info",
        "gauge",
        "Always 1; labels: running kernel, EFI, where the kexec table came from.",
    ),
    ("e820scope_kexec_table_entries", "gauge", "Entries in the running kernel's e820_table_kexec."),
    (
        "e820scope_zeropage_max_entries",
        "gauge",
        "Entries the zero page holds (E820_MAX_ENTRIES_ZEROPAGE).",
    ),
    (
        "e820scope_next_kexec_file_load_passed_entries",
        "gauge",
        "Entries the next kexec_file_load hands over.",
    ),
    (
        "e820scope_next_kexec_file_load_dropped_entries",
        "gauge",
        "Entries the next kexec_file_load drops (past the zero page).",
    ),
    (
        "e820scope_next_kexec_file_load_dropped_bytes",
        "gauge",
        "Bytes of the entries the next kexec_file_load drops.",
    ),
    (
        "e820scope_kexec_growth_entries_per_generation",
        "gauge",
        "Entries each kexec_file_load generation adds to its kexec table.",
    ),
    (
        "e820scope_kexec_reboots_left",
        "gauge",
        "kexec_file_load reboots that still pass every entry (+Inf: no growth).",
    ),
    (
        "e820scope_usable_bytes",
        "gauge",
        "Usable RAM bytes in a map (the types the running kernel uses as RAM: 1, and 128 "
        "up to 6.14); label map=received|firmware.",
    ),
    (
        "e820scope_setup_data_growing",
        "gauge",
        "1 per setup_data type the next kernel reserves in its kexec table (+2 entries each).",
    ),
    (
        "e820scope_live_source_missing",
        "gauge",
        "Sources of the live read that were missing (see e820scope live).",
    ),
)


def _label(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(v: float) -> str:
    if math.isinf(v):
        return "+Inf"
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _firmware(snap: LiveSnapshot) -> int | None:
    """Usable bytes in the firmware's map: the module's e820_table_firmware, else
    /sys/firmware/memmap when it shows that table (kernels before 6.15). Usable as the
    running kernel counts it (:func:`e820scope.model.records.usable_bytes`)."""
    if snap.module and "e820_table_firmware" in snap.module.tables:
        return usable_bytes(snap.module.tables["e820_table_firmware"].entries, snap.kernel)
    if snap.memmap is not None and snap.memmap_table == "e820_table_firmware":
        return usable_bytes(snap.memmap, snap.kernel)
    return None


def metrics(
    snap: LiveSnapshot, budget: tuple[KexecBudget, str] | None
) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every metric's samples (labels, value); a metric without samples is left out."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {m[0]: [] for m in METRICS}
    info = {"kernel": str(snap.kernel or "unknown"), "efi": "1" if snap.efi else "0"}
    info["kexec_table_source"] = budget[1] if budget else "none"
    out["e820scope_info"].append((info, 1))
    zp = E820_MAX_ENTRIES_ZEROPAGE
    if snap.module and "e820_table_kexec" in snap.module.tables:
        zp = snap.module.tables["e820_table_kexec"].zeropage_max
    out["e820scope_zeropage_max_entries"].append(({}, zp))
    if budget:
        b = budget[0]
        out["e820scope_kexec_table_entries"].append(({}, b.kexec_entries))
        out["e820scope_next_kexec_file_load_passed_entries"].append(({}, len(b.passed)))
        out["e820scope_next_kexec_file_load_dropped_entries"].append(({}, len(b.dropped)))
        out["e820scope_next_kexec_file_load_dropped_bytes"].append(({}, b.dropped_bytes))
        if b.growth is not None:
            out["e820scope_kexec_growth_entries_per_generation"].append(({}, b.growth))
            left = math.inf if b.reboots_left is None else b.reboots_left
            out["e820scope_kexec_reboots_left"].append(({}, left))
        for t in b.next_setup_data:
            out["e820scope_setup_data_growing"].append(({"type": t}, 1))
    if snap.boot_params is not None:
        # what the running kernel does with the map it received: a type-128 entry is RAM
        # up to 6.14 and left out from 6.15 (KernelVersion.ram_types)
        received = usable_bytes(snap.boot_params.e820_table, snap.kernel)
        out["e820scope_usable_bytes"].append(({"map": "received"}, received))
    fw = _firmware(snap)
    if fw is not None:
        out["e820scope_usable_bytes"].append(({"map": "firmware"}, fw))
    out["e820scope_live_source_missing"].append(({}, len(snap.missing)))
    return out


def render(samples: dict[str, list[tuple[dict[str, str], float]]]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines = []
    for name, kind, help_text in METRICS:
        if not samples.get(name):
            continue
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples[name]:
            lab = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{name}{{{lab}}} {_num(value)}" if lab else f"{name} {_num(value)}")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: temporary file in the same directory, fsync,
    rename (mode 0644, readable by node_exporter)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
