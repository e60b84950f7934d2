"""``predict`` on an input of several chains: one line per chain, then the detailed
report of the last chain that could be predicted (:mod:`.predict_text`).

A figure the log already shows is said to be seen (``lost at gen 58, seen``); a
forecast counts the reboots after the chain's last boot. One chain: the report alone,
as it always was (plus ``chain``/``chains`` in JSON).
"""

from __future__ import annotations

from typing import Any

from ..analysis.chains import ChainOutcome, ChainReport
from ..analysis.units import human_size
from .predict_text import to_json, to_text


def when(c: ChainOutcome, gen: int) -> str:
    """``seen`` for a generation of the log, else how many reboots after its last boot."""
    n = gen - c.last_seen
    if n <= 0:
        return "seen"
    return f"{n} reboot{'s' if n != 1 else ''} after its last boot"


def outcome_text(c: ChainOutcome) -> str:
    """The figures of one chain in a line (after ``chain N: first..last``)."""
    if c.verdict == "not predicted":
        return f"not predicted: {c.reason}"
    parts: list[str] = []
    if c.first_loss is not None:
        lost = human_size(c.first_loss_bytes or 0)
        verb = "lost" if c.seen(c.first_loss) else "loses"
        parts.append(f"{verb} {lost} at gen {c.first_loss}, {when(c, c.first_loss)}")
    elif c.first_truncated is not None:
        parts.append(
            f"map truncated at gen {c.first_truncated}, {when(c, c.first_truncated)} "
            "(no usable RAM among the dropped entries)"
        )
    else:
        parts.append(f"never: {c.reason}")
    if c.death is not None:
        parts.append(f"will not boot at gen {c.death}, {when(c, c.death)}")
    return "; ".join(parts)


def chain_title(c: ChainOutcome) -> str:
    """``chain N (first..last, G generations; why it starts)``."""
    gens = f"{c.generations} generation{'s' if c.generations != 1 else ''}"
    span = c.first if c.first == c.last else f"{c.first}..{c.last}"
    why = f"; {c.start_why}" if c.start_why else ""
    return f"chain {c.number} ({span}, {gens}{why})"


def chains_text(r: ChainReport, inputs: list[str]) -> str:
    """The report: with several chains, the list of chains above the detailed one."""
    detail = to_text(r.prediction, inputs)
    if len(r.chains) == 1:
        return detail
    out = [
        f"{len(r.chains)} chains (a cold boot, another machine or a cut between files "
        "starts a new chain; generations are counted from each chain's first boot):"
    ]
    out.extend(f"  {chain_title(c)}: {outcome_text(c)}" for c in r.chains)
    out.append("")
    out.append(f"Detailed forecast: {chain_title(r.main)}")
    return "\n".join(out) + "\n" + detail


def _at(c: ChainOutcome, gen: int | None) -> dict[str, Any] | None:
    if gen is None:
        return None
    ahead = gen - c.last_seen
    return {
        "generation": gen,
        "observed": ahead <= 0,
        "reboots_from_last_seen": ahead if ahead > 0 else None,
    }


def outcome_json(c: ChainOutcome) -> dict[str, Any]:
    loss = _at(c, c.first_loss)
    if loss is not None:
        loss["usable_lost"] = c.first_loss_bytes
    return {
        "chain": c.number,
        "chain_start": c.start_kind,
        "chain_start_why": c.start_why,
        "first_boot": c.first,
        "last_boot": c.last,
        "generations": c.generations,
        "last_seen_generation": c.last_seen,
        "verdict": c.verdict,
        "reason": c.reason,
        "entries_per_generation": c.entries_per_generation,
        "first_overflow": _at(c, c.first_overflow),
        "first_truncated": _at(c, c.first_truncated),
        "first_loss": loss,
        "death": _at(c, c.death),
        "summary": outcome_text(c),
    }


def chains_json(r: ChainReport, inputs: list[str]) -> dict[str, Any]:
    """The ``e820scope.predict/4`` document: the detailed chain's fields, which chain
    that is (``chain``), and every chain's outcome (``chains``)."""
    doc = to_json(r.prediction, inputs)
    doc["chain"] = outcome_json(r.main)
    doc["chains"] = [outcome_json(c) for c in r.chains]
    return doc
