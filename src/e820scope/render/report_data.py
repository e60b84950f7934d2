"""What ``e820scope report`` shows, gathered from the inputs (no HTML here).

The page is built from the same analyses as the other commands: the timeline frame
(:func:`~e820scope.analysis.timeline.timeline_frame`), the prediction
(:func:`~e820scope.cli.predict_cmd.build_prediction`'s pieces), and two diffs of
consecutive generations: the first that split an entry and the first that lost usable
RAM. Evidence is quoted from the inputs by ``file:line`` (the kernel message of that
line, container stripped); stdin cannot be read twice and is not quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from ..analysis.align import ChangeKind
from ..analysis.chain_input import boots_of_spec
from ..analysis.diff import BootDiff, MapKind, diff_boots
from ..analysis.predict import Prediction
from ..analysis.timeline import follows, timeline_frame
from ..errors import NoMapError
from ..ingest import log_lines, open_inputs
from ..model.records import Boot, SourceRef
from ..parse.api import split_boot_spec

#: Most lines quoted per key diff.
MAX_QUOTES = 14


@dataclass(frozen=True)
class Quote:
    """A log line cited as evidence: ``where`` is ``file:line``; ``text`` None when the
    line could not be read again (stdin)."""

    where: str
    text: str | None


@dataclass(frozen=True)
class KeyDiff:
    title: str
    diff: BootDiff
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Fate:
    """A boot that did not come up: panic, OOM, or no ``Memory:`` line."""

    label: str
    text: str
    quote: Quote | None


@dataclass(frozen=True)
class ReportData:
    inputs: tuple[str, ...]
    frame: pd.DataFrame
    prediction: Prediction
    key_diffs: tuple[KeyDiff, ...]
    fates: tuple[Fate, ...]


def key_diffs(boots: Sequence[Boot]) -> list[tuple[str, BootDiff]]:
    """(title, diff) of the first consecutive pair with a split and of the first that
    lost usable RAM (entries dropped at the cap, or fewer usable bytes)."""
    found: dict[str, BootDiff] = {}
    for a, b in pairwise(boots):
        if len(found) == 2:
            break
        if not follows(a, b):
            continue
        try:
            d = diff_boots(a, b, map_kind=MapKind.FIRMWARE)
        except NoMapError:
            continue
        if "split" not in found and d.of_kind(ChangeKind.SPLIT):
            found["split"] = d
        if "loss" not in found and (d.usable_lost or d.of_kind(ChangeKind.DROPPED_AT_CAP)):
            found["loss"] = d
    titles = {"split": "First split", "loss": "First loss of usable RAM"}
    return [(titles[k], found[k]) for k in ("split", "loss") if k in found]


def diff_refs(d: BootDiff) -> list[SourceRef]:
    """The lines behind a diff: both table headers, the entries of every change, the
    ``Memory:`` lines."""
    refs: list[SourceRef | None] = [d.a_table.first_ref, d.b_table.first_ref]
    for c in d.changes:
        if c.kind is not ChangeKind.UNCHANGED:
            refs.extend(e.ref for e in c.before + c.after)
    refs.extend(m.ref for m in (d.a.memory, d.b.memory) if m is not None)
    unique = dict.fromkeys(r for r in refs if r is not None)
    return list(unique)[:MAX_QUOTES]


def read_lines(specs: Iterable[str], refs: Iterable[SourceRef]) -> dict[tuple[str, int], str]:
    """The kernel message of each ``file:line`` in ``refs``, read again from ``specs``
    (only the inputs given; stdin is skipped)."""
    wanted: dict[str, set[int]] = {}
    for r in refs:
        wanted.setdefault(r.path, set()).add(r.line)
    out: dict[tuple[str, int], str] = {}
    paths = dict.fromkeys(split_boot_spec(s)[0] for s in specs)
    for path in paths:
        if path == "-":
            continue
        for src in open_inputs(path):
            lines = wanted.get(src.name)
            if not lines:
                continue
            for ln in log_lines(src):
                if ln.line in lines:
                    out[(src.name, ln.line)] = ln.text
    return out


def gather(specs: Sequence[str], prediction: Prediction) -> ReportData:
    """Everything the page shows, for inputs ``specs`` and their ``prediction``."""
    boots = [b for spec in specs for b in boots_of_spec(spec, with_map=False)]
    frame = timeline_frame(boots)
    diffs = key_diffs(boots)
    fate_refs: list[tuple[Boot, str, SourceRef | None]] = []
    for b in boots:
        for kind in ("panic", "oom"):
            for ev in b.events_of(kind):
                fate_refs.append((b, f"{kind}: {ev.text}", ev.ref))
    refs = [r for _, d in diffs for r in diff_refs(d)]
    refs.extend(r for _, _, r in fate_refs if r is not None)
    text = read_lines(specs, refs)

    def quote(r: SourceRef) -> Quote:
        return Quote(f"{r.path}:{r.line}", text.get((r.path, r.line)))

    return ReportData(
        inputs=tuple(specs),
        frame=frame,
        prediction=prediction,
        key_diffs=tuple(
            KeyDiff(title, d, tuple(quote(r) for r in diff_refs(d))) for title, d in diffs
        ),
        fates=tuple(Fate(b.label, t, quote(r) if r is not None else None) for b, t, r in fate_refs),
    )
