"""``e820scope predict``: when will this kexec chain lose memory, how much, will it boot."""

from __future__ import annotations

import json
import sys

import click

from ..analysis.chain_input import load_boots
from ..analysis.growth import generations, infer_mechanism
from ..analysis.predict import Prediction, predict
from ..errors import EXIT_DIFFERENT, EXIT_OK
from ..render.predict_text import to_json, to_text
from .common import echo, handle_errors
from .options import assumptions, growth_options, inputs_argument, json_option, parse_size


def build_prediction(
    files: tuple[str, ...],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
) -> Prediction:
    assume = assumptions(kernel, path, assume_setup_data)
    gens = generations(load_boots(files))
    mech = infer_mechanism(gens, assume)
    return predict(gens, mech, min_ram=parse_size(min_ram))


@click.command("predict")
@inputs_argument()
@growth_options(
    path_help="How the next reboots hand over the map (default: as observed; needed when "
    "no kexec'd boot is given).",
    setup_data_help="setup_data each hand-off carries, e.g. EFI,RNG_SEED (or none). "
    "Default: as observed, else what kexec_file_load creates for --kernel.",
    min_ram_help="Usable RAM above 16 MiB a generation needs to boot (kernel + initrd).",
)
@json_option("e820scope.predict/2")
@click.option(
    "--fail-within",
    type=click.IntRange(min=0),
    metavar="N",
    help="Exit 1 if usable RAM is predicted to be lost within N reboots of the last boot seen.",
)
@handle_errors
def predict_cmd(
    files: tuple[str, ...],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    as_json: bool,
    fail_within: int | None,
) -> None:
    """Predict the kexec reboot at which the e820 hand-off overflows 128 entries.

    FILE... are boot logs of consecutive generations (one log with many boots, or one
    file per boot, FILE#N for one boot of a file). From two or more kexec'd generations
    the growth is measured; from one boot give --kernel and --path (a cold boot) and,
    if the default is not right, --assume-setup-data.
    """
    pred = build_prediction(files, kernel, path, assume_setup_data, min_ram)
    if as_json:
        echo(json.dumps(to_json(pred, list(files)), indent=2))
    else:
        echo(to_text(pred, list(files)), nl=False)
    first = pred.first_loss
    if (
        fail_within is not None
        and first is not None
        and first.generation - pred.last_seen <= fail_within
    ):
        ahead = first.generation - pred.last_seen
        when = (
            "seen in the log"
            if ahead <= 0
            else f"{ahead} reboot(s) after the last seen (gen {pred.last_seen})"
        )
        echo(
            f"e820scope: usable RAM lost at gen {first.generation}, {when} "
            f"(--fail-within {fail_within})",
            err=True,
        )
        sys.exit(EXIT_DIFFERENT)
    sys.exit(EXIT_OK)
