"""Text and JSON renderings of a :class:`~e820scope.analysis.predict.Prediction`.

JSON schema ``e820scope.predict/4`` is documented in docs/predict.md. Ranges follow
:mod:`.json_common` (integers, ``end`` exclusive, hex beside them). Version 3: the input's
chains (``chain``, ``chains``: :mod:`.predict_chains`), and a generation the log shows has
``reboots_from_last_seen`` null (``observed`` true), never a negative count. Version 2:
version 1 gave ranges as ``start``, an inclusive ``end`` and ``bytes``.
"""

from __future__ import annotations

from typing import Any

from ..analysis.predict import GenState, Loss, Prediction
from ..analysis.units import human_size
from ..model.records import E820Entry
from ..model.types import short_name
from .json_common import entry_range
from .names import inputs_text

SCHEMA = "e820scope.predict/4"


def range_text(e: E820Entry) -> str:
    return f"[mem {e.addr:#018x}-{e.last:#018x}]"


def _entry_dict(e: E820Entry) -> dict[str, Any]:
    return entry_range(e)


def _ahead(p: Prediction, gen: int) -> int | None:
    """Reboots after the last boot seen; None for a generation the log shows."""
    return gen - p.last_seen if gen > p.last_seen else None


def _loss_dict(p: Prediction, loss: Loss) -> dict[str, Any]:
    return {
        "generation": loss.generation,
        "reboots_from_last_seen": _ahead(p, loss.generation),
        "observed": loss.generation <= p.last_seen,
        "dropped": [_entry_dict(e) for e in loss.dropped],
        "usable_before": loss.usable_before,
        "usable_after": loss.usable_after,
        "usable_lost": loss.usable_lost,
    }


def _state_dict(s: GenState) -> dict[str, Any]:
    return {
        "generation": s.generation,
        "observed": s.observed,
        "received_entries": len(s.received),
        "handoff_entries": s.handoff_entries,
        "usable_bytes": s.usable,
        "usable_above_16mib": s.usable_above_floor,
    }


def to_json(p: Prediction, inputs: list[str]) -> dict[str, Any]:
    """The ``e820scope.predict/4`` document (of one chain)."""
    m = p.mechanism
    first = p.first_loss
    death_state = p.state(p.death) if p.death is not None else None
    return {
        "schema": SCHEMA,
        "inputs": inputs,
        "last_seen_generation": p.last_seen,
        "verdict": "loss" if first is not None else "never",
        "mechanism": {
            "source": m.source,
            "path": m.path.value,
            "kernel": str(m.kernel) if m.kernel else None,
            "blobs_per_generation": [
                {"kind": k, "size": s, "size_hex": f"{s:#x}"}
                for k, s in zip(
                    m.carried_kinds or ("setup_data",) * len(m.blob_sizes),
                    m.blob_sizes,
                    strict=False,
                )
            ],
            "entries_per_generation": m.entries_per_generation,
            "measured_growth": list(m.measured_growth),
            "placement": m.placement.describe(),
            "evidence": list(m.evidence),
            "assumptions": list(m.assumptions),
        },
        "first_overflow_generation": p.first_overflow,
        "first_truncated_generation": p.first_truncated,
        "reboots_until_truncation": p.reboots_until_truncation,
        "first_loss": _loss_dict(p, first) if first is not None else None,
        "losses": [_loss_dict(p, x) for x in p.losses],
        "death": (
            {
                "generation": p.death,
                "reboots_from_last_seen": _ahead(p, p.death),
                "observed": p.death <= p.last_seen,
                "usable_above_16mib": death_state.usable_above_floor if death_state else None,
                "min_ram": p.min_ram,
            }
            if p.death is not None
            else None
        ),
        "never_reason": p.never_reason,
        "remedies": list(p.remedies),
        "notes": list(p.notes),
        "slow_waste": (
            {
                "bytes_per_generation": p.slow_waste.bytes_per_generation,
                "generations_per_page": p.slow_waste.generations_per_page,
                "bytes_until_overflow": p.slow_waste.bytes_until_overflow,
            }
            if p.slow_waste
            else None
        ),
        "generations": [_state_dict(s) for s in p.states],
    }


def to_text(p: Prediction, inputs: list[str]) -> str:
    """A report an operator reads top to bottom: mechanism, forecast, remedies, assumptions."""
    m = p.mechanism
    seen = [s for s in p.states if s.observed]
    last = seen[-1]
    out: list[str] = [
        f"Input: {inputs_text(inputs)} ({len(seen)} generation(s) seen, last: gen {p.last_seen})",
        f"Last seen: gen {p.last_seen} received {len(last.received)} entries, its "
        f"e820_table_kexec holds {last.handoff_entries}; usable RAM {last.usable} bytes "
        f"({human_size(last.usable)})",
        "",
        *_mechanism_lines(p),
        "",
        "Forecast:",
        *_forecast_lines(p),
        *_slow_waste_lines(p),
    ]
    for title, items in (
        ("Notes", p.notes),
        ("Remedies", p.remedies),
        ("Assumptions", m.assumptions),
    ):
        if items:
            out.extend(["", f"{title}:", *(f"  - {x}" for x in items)])
    return "\n".join(out) + "\n"


def _mechanism_lines(p: Prediction) -> list[str]:
    """How the kexec table grows (or why it does not), and the evidence."""
    m = p.mechanism
    out = [f"Mechanism ({m.source}), hand-off path {m.path.value}:"]
    if m.blob_sizes:
        kinds = m.carried_kinds or ("setup_data",) * len(m.blob_sizes)
        blobs = ", ".join(f"{k} ({s:#x} bytes)" for k, s in zip(kinds, m.blob_sizes, strict=False))
        out.append(
            f"  each kexec'd kernel reserves {blobs} in e820_table_kexec, splitting a usable "
            f"entry: +{m.entries_per_generation:g} entries per generation"
        )
        out.append(f"  placement: {m.placement.describe()}")
    else:
        out.append("  no growth: " + (p.never_reason or "nothing is reserved in the kexec table"))
    out.extend(f"  evidence: {ev}" for ev in m.evidence)
    return out


def _forecast_lines(p: Prediction) -> list[str]:
    """The generations where the table overflows, the map is cut, RAM is lost and the
    kernel no longer boots."""
    out: list[str] = []
    if p.first_loss is None and p.first_truncated is None:
        out.append(f"  never: {p.never_reason}")
    if p.first_overflow is not None:
        st = p.state(p.first_overflow)
        out.append(
            f"  gen {p.first_overflow} ({_rel(p, p.first_overflow)}): its e820_table_kexec "
            f"holds {st.handoff_entries} entries > 128, kexec_file_load passes only 128"
        )
    if p.first_truncated is not None:
        out.extend(_loss_lines(p))
    if p.death is not None:
        st = p.state(p.death)
        out.append(
            f"  gen {p.death} ({_rel(p, p.death)}): WILL NOT BOOT: {st.usable_above_floor} bytes "
            f"usable above 16 MiB, less than the {human_size(p.min_ram)} a kernel + initrd "
            "need (--min-ram)"
        )
    elif p.first_truncated is not None:
        out.append("  no generation in the simulated range runs out of RAM for the kernel")
    return out


def _loss_lines(p: Prediction) -> list[str]:
    """The first truncated map, the first usable RAM lost and the generations after."""
    loss = p.losses[0]
    out = [
        f"  gen {loss.generation} ({_rel(p, loss.generation)}): FIRST TRUNCATED MAP, "
        f"{len(loss.dropped)} entr{'y' if len(loss.dropped) == 1 else 'ies'} "
        "dropped at the 128 cap:",
        *_dropped_lines(loss),
        f"    usable RAM {loss.usable_before} -> {loss.usable_after} bytes "
        f"(-{loss.usable_lost}, {human_size(loss.usable_lost)})",
    ]
    first = p.first_loss
    if first is not None and first is not loss:
        out.append(
            f"  gen {first.generation} ({_rel(p, first.generation)}): first usable RAM "
            f"lost: -{first.usable_lost} bytes"
        )
    later = [x for x in p.losses if x is not loss]
    if later:
        out.append("  following generations:")
        for x in later:
            out.append(
                f"    gen {x.generation} ({_rel(p, x.generation)}): usable "
                f"{x.usable_after} bytes (-{x.usable_lost}, {human_size(x.usable_lost)}); "
                "dropped " + ", ".join(f"{short_name(e.type)} {range_text(e)}" for e in x.dropped)
            )
    return out


def _slow_waste_lines(p: Prediction) -> list[str]:
    """The boot metadata each generation's new entries cost before the cap."""
    w = p.slow_waste
    if not w or not w.bytes_per_generation:
        return []
    return [
        "",
        f"Slow waste before the cap: each generation's +entries cost "
        f"{w.bytes_per_generation} bytes of never-freed boot metadata (struct resource per "
        "e820_table entry, firmware_map_entry per firmware entry): MemTotal falls by "
        f"4 KiB every {w.generations_per_page:.1f} generations"
        + (
            f", about {w.bytes_until_overflow // 1024} KiB by gen {p.first_overflow}"
            if w.bytes_until_overflow
            else ""
        )
        + "; the map itself keeps every usable page until the cap.",
    ]


def _rel(p: Prediction, gen: int) -> str:
    n = gen - p.last_seen
    if n <= 0:
        return "observed"
    return f"{n} reboot{'s' if n != 1 else ''} after the last seen"


def _dropped_lines(loss: Loss) -> list[str]:
    return [
        f"    {range_text(e)} {short_name(e.type):<24} {e.size:>14} bytes ({human_size(e.size)})"
        for e in loss.dropped
    ]
