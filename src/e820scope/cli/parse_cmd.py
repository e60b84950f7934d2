"""``e820scope parse FILE...``: the e820 maps and boot facts of boot logs."""

from __future__ import annotations

import json

import click

from ..model.records import ParsedLog, Severity
from .common import handle_errors


@click.command("parse")
@click.argument("files", metavar="FILE...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON output (schema e820scope.parse/1).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV output: one row per map entry.")
@click.option("-q", "--quiet", is_flag=True, help="No warnings on stderr (errors still shown).")
@handle_errors
def parse(files: tuple[str, ...], as_json: bool, as_csv: bool, quiet: bool) -> None:
    """Read boot logs and show every e820 map they print, boot by boot.

    FILE is a log (serial capture, dmesg, journal, syslog, a mail), '-' for stdin, a
    compressed file or a sosreport. A file may hold many boots (kexec chains,
    journals); each is numbered (FILE#N in other commands) and shown with its kernel,
    how it was started, each map (start, end, size, type) and a summary.

    Exit status: 0 maps found (possibly partial: see the warnings), 2 unreadable or
    binary input, 3 an input holds no e820 map (the message says where to get one).

    \b
    Example:
      e820scope parse /var/log/dmesg
      e820scope parse --json chain.log | jq '.boots[].tables[0].summary'
    """
    from ..parse import no_map_error, parse_input
    from ..render.csv_out import parse_csv
    from ..render.json_out import parse_json
    from ..render.text_tables import render_parsed

    if as_json and as_csv:
        raise click.UsageError("--json and --csv are exclusive")
    logs: list[ParsedLog] = [parse_input(f) for f in files]
    if as_json:
        click.echo(json.dumps(parse_json(logs), indent=1))
    elif as_csv:
        click.echo(parse_csv(logs), nl=False)
    else:
        click.echo(render_parsed(logs), nl=False)
    if not quiet:
        for p in logs:
            for w in p.warnings:
                if w.severity is not Severity.INFO:
                    click.echo(f"e820scope: {w}", err=True)
            for b in p.boots:
                for w in b.warnings:
                    if w.severity is not Severity.INFO:
                        click.echo(f"e820scope: {w}", err=True)
            if p.partial:
                click.echo(
                    f"e820scope: warning: {p.source}: partial result (a map or the input is "
                    "cut off; see the notes above)",
                    err=True,
                )
    for p in logs:
        if not any(t.entries for b in p.boots for t in b.tables):
            raise no_map_error(p)
