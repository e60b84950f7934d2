"""``e820scope parse FILE...``: the e820 maps and boot facts of boot logs.

Streaming: boots are rendered one by one as the parser finishes them
(:class:`~e820scope.parse.api.BootStream`), so memory stays flat whatever the size of
the input (a multi-GiB console capture holds thousands of boots). The rendered text
goes to a spooled temporary file (in memory up to :data:`_SPOOL_IN_MEMORY`, on disk
beyond) and is copied to stdout at the end: the output is byte for byte what rendering
all boots at once gives (the JSON document's header, which says whether any input is
partial, is only known at the end), and nothing is printed for an input that turns out
to be unreadable.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..analysis.chain_input import no_such_boot
from ..errors import EXIT_INPUT_ERROR
from ..model.records import Boot, ParsedLog, Severity
from ..parse.api import split_boot_spec
from ..render.names import input_name
from .common import echo, handle_errors
from .options import inputs_argument, jobs_for, jobs_option, quiet_option
from .parse_parts import render, rendered_parts, shown_warnings
from .progress import Progress

if TYPE_CHECKING:
    from ..parse.api import BootStream

#: rendered output kept in memory before the spool moves to a temporary file (bytes)
_SPOOL_IN_MEMORY = 8 << 20


@click.command("parse")
@inputs_argument()
@click.option("--json", "as_json", is_flag=True, help="JSON output (schema e820scope.parse/2).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV output: one row per map entry.")
@quiet_option()
@jobs_option(default_help="every core for a single file of 64 MiB or more (--csv: 1), else 1")
@handle_errors
def parse(
    files: tuple[str, ...], as_json: bool, as_csv: bool, quiet: bool, jobs: int | None
) -> None:
    """Read boot logs and show every e820 map they print, boot by boot.

    FILE is a log (serial capture, dmesg, journal, syslog, a mail), '-' for stdin, a
    compressed file or a sosreport; FILE#N shows boot N only. A file may hold many
    boots (kexec chains, journals); each is numbered (FILE#N in every command) and
    shown with its kernel, how it was started, each map (start, end, size, type) and a
    summary.

    Exit status: 0 maps found (possibly partial: see the warnings), 2 unreadable,
    binary or cut-short input (a truncated .gz: what was read is still printed and
    marked partial), 3 an input holds no e820 map (the message says where to get one).

    \b
    Example:
      e820scope parse /var/log/dmesg
      e820scope parse --json chain.log | jq '.boots[].tables[0].summary'
    """
    from ..parse.api import BootStream

    if as_json and as_csv:
        raise click.UsageError("--json and --csv are exclusive")
    picks = [split_boot_spec(f) for f in files]
    # workers render text and JSON themselves (cli/parse_parts.py): every core for a big
    # file; CSV rows travel as pickled boots, which costs the caller about what parsing
    # them does (bench/README.md), so --csv uses workers only when asked
    workers = jobs_for(jobs, files, auto=not as_csv)
    streams = [BootStream(path, jobs=workers) for path, _ in picks]
    bar = Progress("parse", enabled=False if quiet else None)
    sizes = [_size(path) for path, _ in picks]
    total = None if None in sizes else sum(x or 0 for x in sizes)
    for k, s in enumerate(streams):
        s.on_read = functools.partial(_moved, bar, sum(x or 0 for x in sizes[:k]), total)
    wanted = [n for _, n in picks]
    boot_warnings: list[list[str]] = [[] for _ in streams]
    with tempfile.SpooledTemporaryFile(
        max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8"
    ) as spool:
        out: IO[str] = spool
        try:
            if as_csv:
                _csv_boots(_each(streams, wanted, boot_warnings), out)
            else:
                form = "json" if as_json else "text"
                _write(_rendered(streams, wanted, boot_warnings, form), out, as_json)
        finally:
            bar.close()
        for spec, s, n in zip(files, streams, wanted, strict=True):
            if n is not None and n > s.count:
                raise no_such_boot(spec, s.count)
        if as_json:
            echo(_json_head(files, streams, wanted), nl=False)
        out.seek(0)
        # JSON needs no escaping (json.dumps escapes every control character itself),
        # and scanning the JSON of a big capture would cost about 1 s per GB
        copy = click.echo if as_json else echo
        while chunk := out.read(1 << 20):
            copy(chunk, nl=False)
        if as_json:
            echo(_JSON_TAIL if any(s.count for s in streams) else _JSON_EMPTY_TAIL)
    if not quiet:
        _warn(streams, boot_warnings)
    for s in streams:
        if not s.has_entries:
            raise s.no_map_error()
    if any(s.truncated for s in streams):
        sys.exit(EXIT_INPUT_ERROR)


def _size(path: str) -> int | None:
    try:
        p = Path(path)
        return p.stat().st_size if p.is_file() else None
    except OSError:
        return None


def _moved(bar: Progress, base: int, total: int | None, pos: int) -> None:
    bar.update(base + pos, total)


def _warn(streams: list[BootStream], boot_warnings: list[list[str]]) -> None:
    """The inputs' and the shown boots' warnings on stderr, after the output."""
    for s, bw in zip(streams, boot_warnings, strict=True):
        for w in s.warnings:
            if w.severity is not Severity.INFO:
                echo(f"e820scope: {w}", err=True)
        for text in bw:
            echo(text, err=True)
        if s.partial:
            echo(
                f"e820scope: warning: {input_name(s.source)}: partial result (a map is cut "
                "off or filtered, or the input is cut off; see the notes above)",
                err=True,
            )


def _each(
    streams: list[BootStream], wanted: list[int | None], boot_warnings: list[list[str]]
) -> Iterator[tuple[BootStream, Boot]]:
    """(stream, boot) for every boot shown (all, or boot N of a ``FILE#N``), in order;
    their warnings set aside."""
    for s, n, bw in zip(streams, wanted, boot_warnings, strict=True):
        for b in s:
            if n is not None and b.index != n:
                continue
            bw.extend(shown_warnings(b))
            yield s, b


def _rendered(
    streams: list[BootStream], wanted: list[int | None], boot_warnings: list[list[str]], form: str
) -> Iterator[tuple[str, list[str], list[str]]]:
    """Every boot shown, rendered in ``form`` (:func:`.parse_parts.render`), with its
    shown warnings and the list they belong to; an input read by workers
    (``-j N``) is rendered in them."""
    for s, n, bw in zip(streams, wanted, boot_warnings, strict=True):
        parts = rendered_parts(s, form, s.on_read) if s.jobs > 1 else None
        if parts is None:
            s.jobs = 1  # not cut: read serially
            parts = (
                (render(form, b, s.source), shown_warnings(b))
                for b in s
                if n is None or b.index == n
            )
        for text, shown in parts:
            yield text, shown, bw


def _write(boots: Iterator[tuple[str, list[str], list[str]]], out: IO[str], as_json: bool) -> None:
    """The boots, separated as ``render_parsed`` / ``parse_json`` do, their warnings set
    aside. JSON: the items of the ``boots`` array, each on its own line in compact form
    (``json.dumps`` without ``indent`` runs the C encoder; with ``indent`` the whole dump
    goes through the pure-Python encoder). The document parses to the same object
    either way; ``jq .`` pretty-prints it, and a boot is one line for ``grep``. Text:
    blocks separated by blank lines."""
    lead, sep = ("\n  ", ",\n  ") if as_json else ("", "\n")
    for text, shown, aside in boots:
        out.write(lead)
        out.write(text)
        aside.extend(shown)
        lead = sep


def _csv_boots(each: Iterator[tuple[BootStream, Boot]], out: IO[str]) -> None:
    """``parse_csv``, one boot at a time (the header row once)."""
    from ..render.csv_out import parse_csv

    header = parse_csv([])
    out.write(header)
    for s, b in each:
        out.write(parse_csv([ParsedLog(s.source, (b,))])[len(header) :])


#: ``json.dumps(doc, indent=1)`` puts the boots last: ``"boots": [`` ... ``]`` + ``}``.
_JSON_TAIL = "\n ]\n}"
_JSON_EMPTY_TAIL = "]\n}"


def _json_head(specs: tuple[str, ...], streams: list[BootStream], wanted: list[int | None]) -> str:
    """The JSON document up to and including ``"boots": [`` (as ``parse_json`` makes it).

    ``spec`` is the input as given (``FILE#N`` too); ``boots`` counts the boots shown."""
    from ..render.json_out import SCHEMA, warning_json

    head: dict[str, Any] = {
        "schema": SCHEMA,
        "partial": any(s.partial for s in streams),
        "inputs": [
            {
                "spec": spec,
                "files": list(s.inputs_used),
                "boots": s.count if n is None else 1,
                "partial": s.partial,
                "not_x86_reason": s.not_x86_reason,
                "warnings": [warning_json(w) for w in s.warnings],
            }
            for spec, s, n in zip(specs, streams, wanted, strict=True)
        ],
        "boots": [],
    }
    doc = json.dumps(head, indent=1)
    return doc[: -len(_JSON_EMPTY_TAIL)]
