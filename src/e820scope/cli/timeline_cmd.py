"""``e820scope timeline FILE...``: one row per boot / kexec generation."""

from __future__ import annotations

import click

from ..analysis.diff import MapKind
from ..analysis.stream import no_boots_error, stream_boots
from .common import echo, handle_errors
from .options import (
    csv_option,
    inputs_argument,
    jobs_for,
    jobs_option,
    json_option,
    map_option,
    quiet_option,
)
from .progress import Progress


@click.command("timeline")
@inputs_argument()
@map_option(help="Which map of each boot to count (see 'e820scope diff --help').")
@csv_option()
@json_option("e820scope.timeline/4")
@click.option("--wide", is_flag=True, help="Every column (the default table fits 120 columns).")
@quiet_option()
@jobs_option()
@handle_errors
def timeline(
    files: tuple[str, ...],
    map_kind: str,
    as_csv: bool,
    as_json: bool,
    wide: bool,
    quiet: bool,
    jobs: int | None,
) -> None:
    """One row per boot of each FILE (in argument order; a capture splits into its boots).

    Columns: kernel, how it was started, entries, usable RAM (MiB) and its exact change
    vs the previous row, hidden type-128 pieces, splits introduced (address of each),
    notes (PANIC/OOM, entries at or dropped at the 128 cap, warnings; the texts are
    listed under the table). --wide adds how each boot ended, own setup_data
    reservations, last_pfn, Initmem end and the Memory: total. A cold boot, another
    machine or a cut between files (unknown start in the next file) starts a new chain,
    marked above its row with why; JSON and CSV have chain, generation, chain_start and
    chain_start_why columns.

    \b
    Example:
      e820scope timeline samples/lab/patched-6.1-ovmf-4g-chain.log --csv
    """
    # pandas is imported here, not when the CLI starts (it costs every command ~0.3 s)
    from ..analysis.parallel_run import timeline_rows
    from ..analysis.timeline import TimelineRows
    from ..render.timeline_json import timeline_csv_lines, timeline_json_text
    from ..render.timeline_text import timeline_lines

    if as_csv and as_json:
        raise click.UsageError("use just one of --csv or --json")
    with TimelineRows(MapKind(map_kind)) as rows:
        workers = jobs_for(jobs, files)
        bar = Progress("timeline", enabled=False if quiet else None)
        try:
            if workers < 2 or not timeline_rows(
                files[0], workers, MapKind(map_kind), rows, progress=bar.update
            ):
                for boot in stream_boots(files, with_map=False, progress=bar.update):
                    rows.add(boot)
        finally:
            bar.close()
        if not rows.count:
            raise no_boots_error(files, with_map=False)
        rows.prev = None  # the last boot is not needed any more
        if as_json:
            pieces = timeline_json_text(rows)
        elif as_csv:
            pieces = timeline_csv_lines(rows)
        else:
            pieces = (line + "\n" for line in timeline_lines(rows, wide=wide))
        for piece in pieces:
            echo(piece, nl=False)
        if as_json:
            echo("")
