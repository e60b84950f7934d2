"""``e820scope predict``: when will this kexec chain lose memory, how much, will it boot."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click

from ..analysis.chains import ChainPredictor, ChainReport
from ..analysis.predict import Prediction
from ..analysis.stream import no_boots_error, stream_boots
from ..errors import EXIT_DIFFERENT, EXIT_OK
from ..render.predict_chains import chains_json, chains_text
from .common import echo, handle_errors
from .options import (
    assumptions,
    growth_options,
    inputs_argument,
    jobs_for,
    jobs_option,
    json_option,
    parse_size,
    quiet_option,
)
from .progress import Progress


def build_chains(
    files: Sequence[str],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    *,
    quiet: bool = True,
    jobs: int = 1,
) -> ChainReport:
    """Every chain of the inputs predicted, boots streamed (a progress bar unless
    ``quiet`` or stderr is not a terminal), or read by ``jobs`` workers."""
    from ..analysis.parallel_run import predict_parts

    assume = assumptions(kernel, path, assume_setup_data)
    chains = ChainPredictor(assume, parse_size(min_ram))
    bar = Progress("predict", enabled=False if quiet else None)
    try:
        if jobs < 2 or not predict_parts(files[0], jobs, chains, progress=bar.update):
            for boot in stream_boots(files, with_map=True, progress=bar.update):
                chains.add(boot)
    finally:
        bar.close()
    if not chains.outcomes and not chains.pending:
        raise no_boots_error(files, with_map=True)
    return chains.finish()


def build_prediction(
    files: Sequence[str],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
) -> Prediction:
    """The prediction of the last chain of the inputs that can be predicted."""
    return build_chains(files, kernel, path, assume_setup_data, min_ram).prediction


@click.command("predict")
@inputs_argument()
@growth_options(
    path_help="How the next reboots hand over the map (default: as observed; needed when "
    "no kexec'd boot is given).",
    setup_data_help="setup_data each hand-off carries, e.g. EFI,RNG_SEED (or none). "
    "Default: as observed, else what kexec_file_load creates for --kernel.",
    min_ram_help="Usable RAM above 16 MiB a generation needs to boot (kernel + initrd).",
)
@json_option("e820scope.predict/4")
@click.option(
    "--fail-within",
    type=click.IntRange(min=0),
    metavar="N",
    help="Exit 1 if usable RAM is lost within N reboots of the last boot seen (or already "
    "lost in the log) in the last chain.",
)
@quiet_option()
@jobs_option()
@handle_errors
def predict_cmd(
    files: tuple[str, ...],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    as_json: bool,
    fail_within: int | None,
    quiet: bool,
    jobs: int | None,
) -> None:
    """Predict the kexec reboot at which the e820 hand-off overflows 128 entries.

    FILE... are boot logs of consecutive generations (one log with many boots, or one
    file per boot, FILE#N for one boot of a file). From two or more kexec'd generations
    the growth is measured; from one boot give --kernel and --path (a cold boot) and,
    if the default is not right, --assume-setup-data. A cold boot, another machine or a
    cut between files starts a new chain (each chain's line says which): each chain is
    predicted (one line each), the last one in detail; a loss the log already shows is
    reported as seen. A --kernel before 3.17 has no kexec_file_load: its reboots are
    kexec_load.
    """
    report = build_chains(
        files, kernel, path, assume_setup_data, min_ram, quiet=quiet, jobs=jobs_for(jobs, files)
    )
    if as_json:
        echo(json.dumps(chains_json(report, list(files)), indent=2))
    else:
        echo(chains_text(report, list(files)), nl=False)
    main = report.main
    first = main.first_loss
    if fail_within is not None and first is not None and first - main.last_seen <= fail_within:
        where = f" of chain {main.number}" if len(report.chains) > 1 else ""
        ahead = first - main.last_seen
        seen = (
            "seen in the log"
            if ahead <= 0
            else f"{ahead} reboot(s) after the last seen (gen {main.last_seen})"
        )
        echo(
            f"e820scope: usable RAM lost at gen {first}{where}, {seen} "
            f"(--fail-within {fail_within})",
            err=True,
        )
        sys.exit(EXIT_DIFFERENT)
    sys.exit(EXIT_OK)
