"""``e820scope diff A B``: compare the e820 maps of two boots."""

from __future__ import annotations

import json
import sys

import click

from ..analysis.chain_input import select_one
from ..analysis.diff import MapKind, diff_boots
from ..render.diff_json import SCHEMA as DIFF_SCHEMA
from ..render.diff_json import diff_json
from ..render.diff_text import render_diff
from .common import echo, handle_errors
from .options import INPUT, json_option, map_option


@click.command("diff")
@click.argument("a", metavar="A", type=INPUT)
@click.argument("b", metavar="B", type=INPUT)
@map_option()
@json_option(DIFF_SCHEMA)
@handle_errors
def diff(a: str, b: str, map_kind: str, as_json: bool) -> None:
    """Compare the e820 maps of boots A and B by address ranges.

    A and B are log files (the last boot with a map) or FILE#N for boot N of a
    multi-boot file (see 'e820scope timeline FILE' for the numbers). Every change is
    classified (split, merged, type change, grown/shrunk, added, removed, dropped at the
    zeropage cap), and a verdict explains it with the kernel functions and commits
    involved. It first says whether A and B are two machines (DMI, CPU, the
    firmware's reserved ranges) or one boot printed twice, and where a map is cut:
    entries past a cut are 'unknown', never removed, and bytes are counted only where
    both maps show them. Exit status: 0 no difference shown (identical, or agreeing
    where both maps show), 1 differences, 2 input error.

    \b
    Example:
      e820scope diff chain.log#57 chain.log#58
    """
    boot_a = select_one(a)
    boot_b = select_one(b)
    d = diff_boots(boot_a, boot_b, map_kind=MapKind(map_kind))
    if as_json:
        echo(json.dumps(diff_json(d), indent=2))
    else:
        echo(render_diff(d), nl=False)
    sys.exit(0 if d.agree else 1)
