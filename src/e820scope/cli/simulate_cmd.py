"""``e820scope simulate``: write the console logs of future kexec generations."""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis.chain_input import load_boots
from ..analysis.growth import generations, infer_mechanism
from ..analysis.predict import predict
from ..analysis.simulate import simulate_logs
from ..errors import InputError
from ..model.types import Era
from .common import check_output, echo, handle_errors, writing
from .options import assumptions, growth_options, inputs_argument, output_option, parse_size


@click.command("simulate")
@inputs_argument()
@click.option(
    "--generations",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many future generations to write.",
)
@click.option(
    "--era",
    type=click.Choice([e.value for e in Era]),
    help="Print format (default: the kernel's era).",
)
@growth_options(
    kernel_help="Kernel release the generations run (e.g. 5.7).",
    path_help="Hand-off path of the reboots.",
    min_ram_help="Usable RAM above 16 MiB a generation needs; the chain ends there.",
)
@output_option(
    "outdir",
    help="Directory for gen01.log (the start boot), gen02.log, ... (created if missing).",
    directory=True,
)
@handle_errors
def simulate_cmd(
    files: tuple[str, ...],
    count: int,
    era: str | None,
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    outdir: str,
) -> None:
    """Write gen01.log (the last boot of FILE...) and the next generations' logs.

    The growth comes from the observed generations, or from --kernel/--path/
    --assume-setup-data for a single boot (or a pasted start map of BIOS-e820 lines).
    The logs are SYNTHETIC (marked in their Linux version line): for rehearsals and tests.
    """
    check_output(outdir, directory=True)
    assume = assumptions(kernel, path, assume_setup_data)
    gens = generations(load_boots(files))
    mech = infer_mechanism(gens, assume)
    pred = predict(gens, mech, min_ram=parse_size(min_ram), at_least=count)
    run_kver = assume.kernel or gens[-1].kernel
    if run_kver is None:
        raise InputError("the start boot has no Linux version line", hint="give --kernel")
    print_era = Era(era) if era else run_kver.print_era
    logs = simulate_logs(pred, run_kver, print_era, count, source=", ".join(files))
    out = Path(outdir)
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
        for log in logs:
            (out / log.filename).write_text(log.text)
    last = logs[-1]
    echo(
        f"wrote {len(logs)} synthetic logs to {out}/ (gen01 = start, last {last.filename}: "
        f"{len(last.state.received)} entries received)"
        + (
            f"; the chain ends at predicted generation {pred.death} (will not boot)"
            if pred.death is not None and pred.death == last.state.generation
            else ""
        ),
        err=True,
    )
