"""Click options shared by the analysis commands (diff, timeline, predict, plot, simulate).

One definition per option, so names, defaults, choices and help stay the same in every
command; the helpers that turn the option strings into typed values live here too.
Sizes are bytes (binary units).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..analysis.diff import MapKind
from ..analysis.growth import Assumptions, HandoffPath
from ..analysis.predict import DEFAULT_MIN_RAM
from ..errors import InputError
from ..kernel.setup_data import SetupDataType
from ..model.kversion import KernelVersion

F = TypeVar("F", bound=Callable[..., Any])

#: Type of every input argument: a log, ``-`` (stdin), ``FILE#N``. A path (the shell
#: completes file names) that is not checked here: the parser reports a missing file.
INPUT = click.Path(allow_dash=True, path_type=str)


def inputs_argument(name: str = "files") -> Callable[[F], F]:
    """``FILE...``: one or more inputs (every command that reads logs)."""
    return click.argument(name, metavar="FILE...", nargs=-1, required=True, type=INPUT)


#: ``--min-ram``'s default as typed
DEFAULT_MIN_RAM_TEXT = f"{DEFAULT_MIN_RAM >> 20}M"

_SIZE = re.compile(r"^(\d+)([KMGT]?)i?B?$", re.IGNORECASE)


def map_option(
    help: str = "firmware: the map each kernel received (BIOS-provided physical RAM map); "
    "final: the last e820_table printout of each boot.",
) -> Callable[[F], F]:
    """``--map firmware|final`` (parameter ``map_kind``)."""
    return click.option(
        "--map",
        "map_kind",
        type=click.Choice([m.value for m in MapKind]),
        default=MapKind.FIRMWARE.value,
        show_default=True,
        help=help,
    )


def json_option(schema: str, help: str | None = None) -> Callable[[F], F]:
    """``--json`` (parameter ``as_json``): the command's JSON document of ``schema``."""
    return click.option(
        "--json", "as_json", is_flag=True, help=help or f"JSON output (schema {schema})."
    )


def quiet_option() -> Callable[[F], F]:
    """``-q/--quiet`` (parameter ``quiet``): no progress bar, no warnings on stderr."""
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="No progress bar and no warnings on stderr (errors still shown).",
    )


def jobs_option(
    default_help: str = "every core for a single file of 64 MiB or more, else 1",
) -> Callable[[F], F]:
    """``-j/--jobs N`` (parameter ``jobs``): worker processes for one big capture."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Worker processes for one big capture: a plain log file is cut at boot "
        f"banners and read in parts (the output is the serial run's). Default: {default_help}.",
    )


def jobs_for(jobs: int | None, files: Sequence[str], *, auto: bool = True) -> int:
    """The workers to use: more than one only for a single plain ``FILE`` (not ``-``,
    not ``FILE#N``); without ``--jobs``, every core for a big file when ``auto``."""
    from ..parse.api import split_boot_spec
    from ..parse.parallel import default_jobs

    if len(files) != 1 or files[0] == "-" or split_boot_spec(files[0])[1] is not None:
        return 1
    if jobs is None:
        return default_jobs(files[0]) if auto else 1
    return jobs


def csv_option() -> Callable[[F], F]:
    """``--csv`` (parameter ``as_csv``)."""
    return click.option(
        "--csv", "as_csv", is_flag=True, help="CSV output (list cells joined with ';')."
    )


def output_option(dest: str, help: str, *, directory: bool = False) -> Callable[[F], F]:
    """``-o/--output`` (required) into parameter ``dest``: a file, or a directory that is
    created when missing. The shell completes paths; :func:`.common.check_output` says
    early, in one line, when it cannot be written."""
    return click.option(
        "-o",
        "--output",
        dest,
        required=True,
        metavar="DIR" if directory else "FILE",
        help=help,
        type=_OutputPath(file_okay=not directory, dir_okay=directory, path_type=str),
    )


class _OutputPath(click.Path):
    """A path the shell completes (a file, or a directory) that click does not check:
    :func:`.common.check_output` does, with a one-line message and exit 2."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value


def growth_options(
    *,
    kernel_help: str = "Kernel release of the future generations (e.g. 5.7).",
    path_help: str = "Hand-off path of the next reboots.",
    setup_data_help: str = "setup_data each hand-off carries, e.g. EFI,RNG_SEED (or none).",
    min_ram_help: str = "Usable RAM above 16 MiB a generation needs to boot.",
) -> Callable[[F], F]:
    """``--kernel``, ``--path``, ``--assume-setup-data``, ``--min-ram``: what ``predict``,
    ``plot`` and ``simulate`` may be told about the future generations (see
    :func:`assumptions` and :func:`parse_size`)."""
    options = (
        click.option("--kernel", help=kernel_help),
        click.option("--path", type=click.Choice([p.value for p in HandoffPath]), help=path_help),
        click.option("--assume-setup-data", metavar="TYPES", help=setup_data_help),
        click.option(
            "--min-ram",
            default=DEFAULT_MIN_RAM_TEXT,
            show_default=True,
            help=min_ram_help,
        ),
    )

    def apply(f: F) -> F:
        for opt in reversed(options):
            f = opt(f)
        return f

    return apply


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


def parse_kernel(kernel: str | None) -> KernelVersion | None:
    """``--kernel`` as a :class:`KernelVersion` (None when not given)."""
    if not kernel:
        return None
    try:
        return KernelVersion.parse(kernel)
    except ValueError as exc:
        raise InputError(f"--kernel {kernel!r}: not a kernel release", hint="e.g. 5.7") from exc


def assumptions(kernel: str | None, path: str | None, assume_setup_data: str | None) -> Assumptions:
    """The growth options of :func:`growth_options` as the model's :class:`Assumptions`."""
    return Assumptions(
        kernel=parse_kernel(kernel),
        path=HandoffPath(path) if path else None,
        setup_data=parse_setup_data_kinds(assume_setup_data)
        if assume_setup_data is not None
        else None,
    )
