"""``e820scope fleet PATH...``: which hosts lose memory within N kexec reboots, and how much."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import EXIT_DIFFERENT, EXIT_INPUT_ERROR, EXIT_OK
from ..fleet.output import (
    SCHEMA,
    by_risk,
    require_pyarrow,
    summary,
    text_table,
    to_csv,
    to_json,
    write_parquet,
)
from ..fleet.row import HostRow
from ..fleet.scan import ScanConfig, scan
from .common import check_output, echo, handle_errors, writing

FLEET_EXIT_HELP = """\b
Exit codes:
  0  every host was scanned (rows with errors included)
  1  --fail-within N: some host loses usable RAM within N kexec reboots
  2  bad usage, or no host could be read at all
  4  --dask: the scheduler cannot be reached; --dask/--parquet: package missing
"""


@click.command("fleet", epilog=FLEET_EXIT_HELP)
@click.argument("paths", metavar="PATH...", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--from",
    "list_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="A file naming one input path per line (as @FILE does).",
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV output (lists joined with '; ').")
@click.option("--json", "as_json", is_flag=True, help=f"JSON output (schema {SCHEMA}).")
@click.option(
    "--parquet",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write the rows to FILE as Parquet (one row per host).",
)
@click.option(
    "--fail-within",
    type=click.IntRange(min=0),
    metavar="N",
    help="Exit 1 if some host loses usable RAM within N kexec reboots of its last boot seen.",
)
@click.option(
    "-j",
    "--jobs",
    "--workers",
    "workers",
    type=click.IntRange(min=1),
    metavar="N",
    default=None,
    help="Local worker processes (default: every core; 1: no pool). -j/--jobs as in "
    "the other commands; --workers is the old name.",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Run on the Dask distributed scheduler at ADDRESS (tcp://host:8786); its workers "
    "must see the input paths.",
)
@click.option(
    "--assume-kexec",
    is_flag=True,
    help="For hosts whose logs show no kexec reboot, predict kexec_file_load reboots "
    "into the same kernel (kexec_load for kernels before 3.17, which lack it; otherwise "
    "they are not predicted).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@handle_errors
def fleet(
    paths: tuple[str, ...],
    list_files: tuple[str, ...],
    as_csv: bool,
    as_json: bool,
    parquet: str | None,
    fail_within: int | None,
    workers: int | None,
    dask_address: str | None,
    assume_kexec: bool,
    quiet: bool,
) -> None:
    """Scan many hosts' boot logs and rank them by how soon they lose memory to kexec.

    PATH is a log (plain or compressed), a sosreport directory or tarball, a directory
    tree with one sub-directory per host, a glob, or @LIST (a file naming paths, one a
    line). Inputs are grouped by host (directory name, sosreport host name, journal or
    syslog host field, else the DMI line and kernel banner; the identified_by column says
    which), each host's boots are put in one chain in time order (a boot found in two
    files counts once), and the chain is predicted as 'e820scope predict' does.

    One row per host, most urgent first: kernel, how the last boot started, generations
    seen, entries received, entries of the modelled e820_table_kexec, growth per
    generation and what causes it, kexec reboots left before usable RAM is lost, bytes
    lost, the generation that will not boot, warnings. An input that cannot be read is a
    row with its error. A progress bar is drawn on stderr when it is a terminal.

    \b
    Example:
      e820scope fleet --fail-within 30 samples/lab/patched-6.1-ovmf-4g-chain \\
          samples/lab/stock-6.1-ovmf-6g-chain.log
    """
    if as_csv and as_json:
        raise click.UsageError("use just one of --csv or --json")
    if not paths and not list_files:
        raise click.UsageError("give at least one PATH (or --from FILE)")
    out = check_output(parquet) if parquet else None
    if out is not None:
        require_pyarrow()
    cfg = ScanConfig(workers or 0, dask_address, not quiet, assume_kexec)
    rows = list(scan(paths, list_files, cfg))
    if out is not None:
        with writing(out):
            write_parquet(rows, Path(out))
    if as_json:
        echo(json.dumps(to_json(rows, [*paths, *(f"@{f}" for f in list_files)]), indent=1))
    elif as_csv:
        echo(to_csv(rows), nl=False)
    else:
        echo(text_table(rows), nl=False)
    sys.exit(exit_code(rows, fail_within))


def exit_code(rows: list[HostRow], fail_within: int | None) -> int:
    """See :data:`FLEET_EXIT_HELP`."""
    if rows and summary(rows)["errors"] == len(rows):
        first = rows[0].error or ""
        echo(f"e820scope: no host could be read (first: {rows[0].host}: {first})", err=True)
        return EXIT_INPUT_ERROR
    if fail_within is not None:
        soon = [r for r in by_risk(rows) if r.loss_in is not None and r.loss_in <= fail_within]
        if soon:
            echo(
                f"e820scope: {len(soon)} host(s) lose usable RAM within {fail_within} kexec "
                f"reboot(s): "
                + ", ".join(r.host for r in soon[:10])
                + (" ..." if len(soon) > 10 else ""),
                err=True,
            )
            return EXIT_DIFFERENT
    return EXIT_OK
