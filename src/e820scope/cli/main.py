"""The ``e820scope`` command group. Each sub-command lives in its own module."""

from __future__ import annotations

import importlib

import click

from .. import __version__
from .common import EXIT_CODES_HELP, reset_sigpipe

#: (module, attribute) of every sub-command, in the order ``--help`` lists them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("parse_cmd", "parse"),
    ("live_cmd", "live"),
    ("predict_cmd", "predict_cmd"),
    ("plot_cmd", "plot_cmd"),
    ("report_cmd", "report_cmd"),
    ("simulate_cmd", "simulate_cmd"),
    ("diff_cmd", "diff"),
    ("timeline_cmd", "timeline"),
    ("fleet_cmd", "fleet"),
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, prog_name="e820scope")
def cli() -> None:
    """x86 boot-log forensics of the e820 memory map.

    Read boot logs of any kernel era (serial consoles, dmesg, journal, syslog,
    sosreports), compare the e820 maps of two boots, follow kexec generations and
    predict the reboot at which memory will be lost.
    """


for _module, _attr in COMMANDS:
    cli.add_command(getattr(importlib.import_module(f"e820scope.cli.{_module}"), _attr))


def main() -> None:
    reset_sigpipe()
    cli(prog_name="e820scope")
