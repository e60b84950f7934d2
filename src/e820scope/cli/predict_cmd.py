"""``e820scope predict``: when will this kexec chain lose memory, how much, will it boot."""

from __future__ import annotations

import json
import re
import sys

import click

from ..analysis.chain_input import load_boots
from ..analysis.growth import Assumptions, HandoffPath, generations, infer_mechanism
from ..analysis.predict import DEFAULT_MIN_RAM, Prediction, predict
from ..errors import EXIT_DIFFERENT, EXIT_OK, InputError
from ..kernel.setup_data import SetupDataType
from ..model.kversion import KernelVersion
from ..render.predict_text import to_json, to_text
from .common import handle_errors

_SIZE = re.compile(r"^(\d+)([KMGT]?)i?B?$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``64M``, ``1G``, ``4096`` -> bytes (binary units)."""
    m = _SIZE.match(text.strip())
    if not m:
        raise InputError(f"--min-ram {text!r}: not a size", hint="use e.g. 64M or 1G")
    shift = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()]
    return int(m.group(1)) << shift


def parse_setup_data_kinds(text: str) -> tuple[str, ...]:
    """``EFI,RNG_SEED`` -> ``("SETUP_EFI", "SETUP_RNG_SEED")``; ``none`` -> ``()``."""
    if text.strip().lower() in ("", "none"):
        return ()
    kinds = []
    for part in text.split(","):
        name = part.strip().upper()
        if not name.startswith("SETUP_"):
            name = "SETUP_" + name
        if name not in SetupDataType.__members__:
            valid = ",".join(n.removeprefix("SETUP_") for n in SetupDataType.__members__)
            raise InputError(
                f"--assume-setup-data: unknown setup_data type {part.strip()!r}",
                hint=f"use some of {valid}, or none",
            )
        kinds.append(name)
    return tuple(kinds)


def build_prediction(
    files: tuple[str, ...],
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
) -> Prediction:
    kver = None
    if kernel:
        try:
            kver = KernelVersion.parse(kernel)
        except ValueError as exc:
            raise InputError(f"--kernel {kernel!r}: not a kernel release", hint="e.g. 5.7") from exc
    assume = Assumptions(
        kernel=kver,
        path=HandoffPath(path) if path else None,
        setup_data=parse_setup_data_kinds(assume_setup_data)
        if assume_setup_data is not None
        else None,
    )
    gens = generations(load_boots(files))
    mech = infer_mechanism(gens, assume)
    return predict(gens, mech, min_ram=parse_size(min_ram))


@click.command("predict")
@click.argument("files", nargs=-1, required=True)
@click.option("--kernel", help="Kernel release of the future generations (e.g. 5.7).")
@click.option(
    "--path",
    type=click.Choice([p.value for p in HandoffPath]),
    help="How the next reboots hand over the map (default: as observed, else kexec_file_load).",
)
@click.option(
    "--assume-setup-data",
    metavar="TYPES",
    help="setup_data each hand-off carries, e.g. EFI,RNG_SEED (or none). Needed with one boot.",
)
@click.option(
    "--min-ram",
    default=f"{DEFAULT_MIN_RAM >> 20}M",
    show_default=True,
    help="Usable RAM above 16 MiB a generation needs to boot (kernel + initrd).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the e820scope.predict/1 document.")
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
    the growth is measured; from one boot give --kernel, --path and --assume-setup-data.
    """
    pred = build_prediction(files, kernel, path, assume_setup_data, min_ram)
    if as_json:
        click.echo(json.dumps(to_json(pred, list(files)), indent=2))
    else:
        click.echo(to_text(pred, list(files)), nl=False)
    first = pred.first_loss
    if (
        fail_within is not None
        and first is not None
        and first.generation - pred.last_seen <= fail_within
    ):
        click.echo(
            f"e820scope: usable RAM lost at gen {first.generation}, "
            f"{first.generation - pred.last_seen} reboot(s) after the last seen "
            f"(--fail-within {fail_within})",
            err=True,
        )
        sys.exit(EXIT_DIFFERENT)
    sys.exit(EXIT_OK)
