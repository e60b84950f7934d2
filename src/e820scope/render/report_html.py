"""``e820scope report``: one self-contained HTML page for a bug tracker.

The page has no network resources (no scripts, fonts, images or styles from elsewhere:
the plots are inline SVG with real ``<text>``, the style sheet is inline), works without
JavaScript, and reflows to a phone's width (tables scroll sideways inside their box).
Sections: verdict, timeline, plots, the key diffs (first split, first loss) with their
evidence quoted by ``file:line``, the prediction and its remedies, and the
``e820scope.predict/4`` and ``e820scope.timeline/4`` documents as JSON data blocks.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from .. import __version__
from ..analysis.align import ChangeKind
from ..analysis.predict import Prediction
from ..analysis.units import describe, exact_and_human, human_size
from .names import inputs_text
from .predict_text import to_json, to_text
from .report_data import Fate, KeyDiff, Quote, ReportData
from .timeline_json import timeline_json
from .timeline_text import NARROW, cell, row_notes

_CSS = """
:root { color-scheme: light; --warn: #b3261e; --muted: #555; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  margin: 0 auto; padding: 0.75rem; max-width: 72rem; color: #111; background: #fff; }
h1 { font-size: 1.35rem; margin: 0.4rem 0; } h2 { font-size: 1.15rem; margin-top: 1.6rem;
  border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1rem; margin-bottom: 0.3rem; }
.meta { color: var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
ul.verdict { padding-left: 1.8rem; }
.verdict { border-left: 4px solid var(--warn); background: #fdf3f2; padding: 0.5rem 0.9rem; }
.verdict.ok { border-color: #1b6e3a; background: #eff8f1; }
.verdict li { margin: 0.25rem 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left;
  white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.loss td { background: #fff4e5; } tr.fate td { background: #fde7e5; font-weight: 600; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 0.5rem; }
figure { margin: 0.5rem 0; } figure svg { width: 100%; height: auto; display: block; }
/* a phone keeps the figure at its drawn size (labels stay legible) and scrolls it inside
   its box; the page itself never scrolls sideways */
.wide-hint { display: none; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 880px) { figure svg { min-width: 860px; } .wide-hint { display: block; } }
.quote { border-left: 3px solid #999; margin: 0.3rem 0; padding: 0.1rem 0.6rem; }
.quote .where { color: var(--muted); font-size: 0.8rem; overflow-wrap: anywhere; }
.quote .line { display: block; overflow-wrap: anywhere; }
ul.notes { font-size: 0.9rem; } ul.notes li { overflow-wrap: anywhere; }
details { margin: 0.5rem 0; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def verdict_items(data: ReportData) -> list[str]:
    """The verdict's sentences (plain text): what was observed, then what is predicted."""
    p = data.prediction
    items: list[str] = []
    loss = next((k for k in data.key_diffs if k.title.startswith("First loss")), None)
    if loss is not None:
        d = loss.diff
        dropped = [e for c in d.of_kind(ChangeKind.DROPPED_AT_CAP) for e in c.before]
        items.append(
            f"Observed: {d.b.label} was the first boot to lose usable RAM: "
            f"{exact_and_human(d.usable_lost)} less than {d.a.label}"
            + (
                f"; {len(dropped)} entries dropped at the 128-entry zeropage cap ("
                + ", ".join(describe(e) for e in dropped)
                + ")"
                if dropped
                else ""
            )
            + "."
        )
    items.extend(f"Observed: {f.label} did not come up: {f.text}." for f in data.fates)
    items.append(_forecast(p))
    return items


def _forecast(p: Prediction) -> str:
    m = p.mechanism
    if p.first_loss is None:
        return f"Prediction: no memory loss ({p.never_reason or 'the hand-off does not grow'})."
    first = p.first_loss
    seen = first.generation <= p.last_seen
    text = (
        f"Model ({m.source} growth, +{m.entries_per_generation:g} entries per generation, "
        f"{m.path.value}): the first hand-off that loses usable RAM "
        + (
            f"is generation {first.generation} (observed)"
            if seen
            else f"will be generation {first.generation}, {first.generation - p.last_seen} "
            f"reboot(s) after the last seen (gen {p.last_seen})"
        )
        + f": {human_size(first.usable_lost)} of usable RAM lost"
    )
    if p.death is not None:
        verb = "does" if p.death <= p.last_seen else "will"
        text += f"; generation {p.death} {verb} not have enough RAM to boot"
    return text + "."


def _timeline_table(data: ReportData) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for _, h in NARROW)
    rows: list[str] = []
    notes: list[str] = []
    for rec in data.frame.to_dict(orient="records"):
        flags, texts = row_notes(rec)
        cls = "fate" if isinstance(rec.get("fate"), str) else ("loss" if texts else "")
        cells = []
        for col, _ in NARROW:
            value = (", ".join(flags) or "-") if col == "notes" else cell(col, rec[col], False)
            num = col in (
                "index",
                "boot",
                "entries",
                "usable_bytes",
                "usable_delta_bytes",
                "type128",
            )
            cells.append(f"<td{' class=num' if num else ''}>{_e(value)}</td>")
        label = _e(rec["label"])
        rows.append(f'<tr class="{cls}" title="{label}">{"".join(cells)}</tr>')
        notes.extend(f"#{rec['index']} ({rec['label']}): {t}" for t in texts)
    note_html = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return (
        f'<div class="scroll"><table id="timeline"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        + (f'<ul class="notes">{note_html}</ul>' if notes else "")
    )


def _quote(q: Quote) -> str:
    line = (
        f'<code class="line">{_e(q.text)}</code>'
        if q.text is not None
        else '<span class="line">(not quoted: stdin cannot be read twice)</span>'
    )
    return f'<div class="quote"><span class="where mono">{_e(q.where)}</span>{line}</div>'


def _key_diff(k: KeyDiff) -> str:
    d = k.diff
    changes = [c for c in d.changes if c.kind is not ChangeKind.UNCHANGED]
    rows = "".join(
        f"<tr><td>{_e(c.kind.value)}</td><td>{'<br>'.join(_e(describe(e)) for e in c.before)}"
        f"</td><td>{'<br>'.join(_e(describe(e)) for e in c.after)}</td></tr>"
        for c in changes
    )
    summary = "".join(f"<p>{_e(s)}</p>" for s in d.verdict.summary)
    evidence = "".join(f"<li>{_e(s)}</li>" for s in d.verdict.evidence)
    return (
        f'<section class="keydiff"><h3>{_e(k.title)}: {_e(d.a.label)} → {_e(d.b.label)}</h3>'
        f"{summary}"
        '<div class="scroll"><table><thead><tr><th>change</th><th>before</th><th>after</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        f'<h4>Evidence</h4><ul class="notes">{evidence}</ul>'
        f"<h4>Log lines</h4>{''.join(_quote(q) for q in k.quotes)}</section>"
    )


def _fates(fates: tuple[Fate, ...]) -> str:
    if not fates:
        return ""
    body = "".join(
        f"<h3>{_e(f.label)}</h3>{_quote(f.quote) if f.quote else '<p>' + _e(f.text) + '</p>'}"
        for f in fates
    )
    return f'<section id="fates"><h2>Boots that did not come up</h2>{body}</section>'


def _json_block(ident: str, doc: dict[str, Any]) -> str:
    text = json.dumps(doc, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{ident}">{text}</script>'


def render_report(data: ReportData, svg: str, command: str) -> str:
    """The whole page. ``svg`` is the plot as an inline ``<svg>`` element."""
    p = data.prediction
    inputs = inputs_text(data.inputs)
    verdict = "".join(f"<li>{_e(s)}</li>" for s in verdict_items(data))
    ok = " ok" if p.first_loss is None and not data.fates else ""
    remedies = "".join(f"<li>{_e(r)}</li>" for r in p.remedies)
    diffs = "".join(_key_diff(k) for k in data.key_diffs) or "<p>No split and no loss seen.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="e820scope {_e(__version__)}">
<title>e820scope report: {_e(inputs)}</title>
<style>{_CSS}</style></head>
<body>
<header><h1>e820 memory map report</h1>
<p class="meta">Inputs: <span class="mono">{_e(inputs)}</span><br>
Made by <span class="mono">{_e(command)}</span> (e820scope {_e(__version__)})</p></header>
<section id="verdict"><h2>Verdict</h2><ul class="verdict{ok}">{verdict}</ul></section>
<section id="timeline-section"><h2>Timeline</h2>{_timeline_table(data)}</section>
<section id="plots"><h2>Plots</h2><figure>
<p class="wide-hint">The figure is drawn at full size: scroll it sideways.</p>
<div class="scroll">{svg}</div>
<figcaption class="meta">(a) entries per generation against the 128-entry cap,
(b) usable RAM, (c) the address map of key generations with a zoom on what was lost.
</figcaption></figure></section>
<section id="diffs"><h2>Key diffs</h2>{diffs}</section>
{_fates(data.fates)}
<section id="prediction"><h2>Prediction and remedies</h2>
<p>{_e(_forecast(p))}</p><h3>Remedies</h3><ol id="remedies">{remedies}</ol>
<details><summary>Full prediction report</summary><pre>{_e(to_text(p, list(data.inputs)))}</pre>
</details></section>
{_json_block("e820scope-predict", to_json(p, list(data.inputs)))}
{_json_block("e820scope-timeline", timeline_json(data.frame))}
</body></html>
"""
