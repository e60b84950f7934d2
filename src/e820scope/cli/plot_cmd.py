"""``e820scope plot``: entry count, usable RAM and address map per kexec generation."""

from __future__ import annotations

import click

from ..render.names import inputs_text
from .common import check_output, echo, handle_errors, writing
from .options import growth_options, inputs_argument, output_option
from .predict_cmd import build_prediction


@click.command("plot")
@inputs_argument()
@output_option("out", help="Figure file; the format follows the extension: .png, .svg or .pdf.")
@growth_options()
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

    check_output(out)
    pred = build_prediction(files, kernel, path, assume_setup_data, min_ram)
    data = figure_data(
        pred, title or f"kexec chain e820 forecast: {inputs_text(files, short=True)}"
    )
    with writing(out):
        written = render(data, out)
    echo(f"wrote {written}", err=True)
