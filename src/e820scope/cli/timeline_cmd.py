"""``e820scope timeline FILE...``: one row per boot / kexec generation."""

from __future__ import annotations

import json

import click

from ..analysis.chain_input import boots_of_spec
from ..analysis.diff import MapKind
from ..errors import NoMapError
from ..model.records import Boot
from .common import echo, handle_errors
from .options import csv_option, inputs_argument, json_option, map_option


@click.command("timeline")
@inputs_argument()
@map_option(help="Which map of each boot to count (see 'e820scope diff --help').")
@csv_option()
@json_option("e820scope.timeline/2")
@click.option("--wide", is_flag=True, help="Every column (the default table fits 120 columns).")
@handle_errors
def timeline(
    files: tuple[str, ...], map_kind: str, as_csv: bool, as_json: bool, wide: bool
) -> None:
    """One row per boot of each FILE (in argument order; a capture splits into its boots).

    Columns: kernel, how it was started, entries, usable RAM (MiB) and its exact change
    vs the previous row, hidden type-128 pieces, splits introduced (address of each),
    notes (PANIC/OOM, entries at or dropped at the 128 cap, warnings; the texts are
    listed under the table). --wide adds how each boot ended, own setup_data
    reservations, last_pfn, Initmem end and the Memory: total.

    \b
    Example:
      e820scope timeline samples/lab/patched-6.1-ovmf-4g-chain.log --csv
    """
    # pandas is imported here, not when the CLI starts (it costs every command ~0.3 s)
    from ..analysis.timeline import timeline_frame
    from ..render.timeline_json import timeline_csv, timeline_json
    from ..render.timeline_text import render_timeline

    if as_csv and as_json:
        raise click.UsageError("use just one of --csv or --json")
    boots: list[Boot] = []
    for spec in files:
        boots.extend(boots_of_spec(spec, with_map=False))
    if not boots:
        raise NoMapError(
            f"no boot found in {', '.join(files)}",
            hint="is this a Linux x86 boot log? try 'e820scope parse FILE'",
        )
    df = timeline_frame(boots, map_kind=MapKind(map_kind))
    if as_json:
        echo(json.dumps(timeline_json(df), indent=2))
    elif as_csv:
        echo(timeline_csv(df), nl=False)
    else:
        echo(render_timeline(df, wide=wide), nl=False)
