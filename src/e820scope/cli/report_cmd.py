"""``e820scope report FILE... -o report.html``: one HTML page for a bug tracker."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..render.names import inputs_text
from .common import check_output, echo, handle_errors, writing
from .options import DEFAULT_MIN_RAM_TEXT, growth_options, inputs_argument, output_option
from .predict_cmd import build_prediction


@click.command("report")
@inputs_argument()
@output_option("out", help="The HTML file to write (e.g. report.html).")
@growth_options()
@click.option("--title", default="", help="Plot title (default: names the input).")
@handle_errors
def report_cmd(
    files: tuple[str, ...],
    out: str,
    kernel: str | None,
    path: str | None,
    assume_setup_data: str | None,
    min_ram: str,
    title: str,
) -> None:
    """Write one self-contained HTML page to attach to a ticket.

    The page holds the verdict, the timeline, the plots (inline SVG with selectable
    text), the first split and the first loss with their evidence (file:line and the
    log lines quoted), the prediction and the remedies. It loads nothing from the
    network and reads well on a phone. FILE... and the options are those of predict.

    \b
    Example:
      e820scope report chain.log -o report.html
    """
    # matplotlib and pandas only when a report is made
    from ..render.plot import figure_data, render_svg
    from ..render.report_data import gather
    from ..render.report_html import render_report

    target = check_output(out)
    pred = build_prediction(files, kernel, path, assume_setup_data, min_ram)
    names = inputs_text(files, short=True)
    svg = render_svg(figure_data(pred, title or f"kexec chain e820 forecast: {names}"))
    given = {
        "--kernel": kernel,
        "--path": path,
        "--assume-setup-data": assume_setup_data,
        "--min-ram": None if min_ram == DEFAULT_MIN_RAM_TEXT else min_ram,
        "--title": title or None,
    }
    options = [x for k, v in given.items() if v is not None for x in (k, v)]
    command = shlex.join(["e820scope", "report", *options, *files, "-o", out])
    page = render_report(gather(files, pred), svg, command)
    with writing(out):
        Path(target).write_text(page, encoding="utf-8")
    echo(f"wrote {out} ({len(page.encode()) >> 10} KiB)", err=True)
