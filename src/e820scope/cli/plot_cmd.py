"""``e820scope plot``: entry count, usable RAM and address map per kexec generation."""

from __future__ import annotations

import click

from .common import handle_errors
from .predict_cmd import build_prediction


@click.command("plot")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    help="Figure file; the format follows the extension: .png, .svg or .pdf.",
)
@click.option("--kernel", help="Kernel release of the future generations (e.g. 5.7).")
@click.option(
    "--path",
    type=click.Choice(["kexec_file_load", "kexec_load"]),
    help="Hand-off path of the next reboots.",
)
@click.option(
    "--assume-setup-data",
    metavar="TYPES",
    help="setup_data each hand-off carries, e.g. EFI,RNG_SEED (or none).",
)
@click.option(
    "--min-ram",
    default="64M",
    show_default=True,
    help="Usable RAM above 16 MiB a generation needs to boot.",
)
@click.option("--title", default="", help="Figure title (default: names the input).")
@handle_errors
def plot_cmd(
    files: tuple[str, ...],
    out: str,
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    title: str,
) -> None:
    """Plot the observed generations and the predicted continuation (headless)."""
    from ..render.plot import figure_data, render  # matplotlib only when plotting

    pred = build_prediction(files, kernel, path, assume_setup_data, min_ram)
    names = ", ".join(files) if len(files) <= 2 else f"{files[0]} ... {files[-1]}"
    data = figure_data(pred, title or f"kexec chain e820 forecast: {names}")
    written = render(data, out)
    click.echo(f"wrote {written}", err=True)
