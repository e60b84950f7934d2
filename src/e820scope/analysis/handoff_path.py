"""How the next reboots hand over the map, and what ``predict`` is told about them.

The hand-off path (:class:`HandoffPath`) is the user's (``--path``), else what the log
shows, else what the kernel model says the kernel can do
(:func:`e820scope.kernel.policy.has_kexec_file_load`); the setup_data each future
hand-off carries is the user's (``--assume-setup-data``), else what the last kexec'd
generation received, else what kexec_file_load creates on that kernel
(:func:`e820scope.kernel.policy.kexec_file_setup_data`). Each choice that is not seen in
the log is written down as an assumption.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..kernel.policy import KEXEC_FILE_LOAD_SINCE, has_kexec_file_load, kexec_file_setup_data
from ..model.kversion import KernelVersion
from ..model.records import StartMethod
from .generation import Generation


class HandoffPath(str, enum.Enum):
    """Hand-off path of the next kexec reboot."""

    KEXEC_FILE_LOAD = "kexec_file_load"
    KEXEC_LOAD = "kexec_load"


@dataclass(frozen=True)
class Assumptions:
    """What the user tells ``predict`` about the future (needed with a single boot)."""

    kernel: KernelVersion | None = None
    path: HandoffPath | None = None
    setup_data: tuple[str, ...] | None = None


def _is_kexec(start: StartMethod) -> bool:
    return start in (StartMethod.KEXEC_FILE_LOAD, StartMethod.KEXEC, StartMethod.KEXEC_LOAD)


def is_kexec(start: StartMethod) -> bool:
    """Whether a boot of this start method was kexec'd (any path)."""
    return start in (StartMethod.KEXEC_FILE_LOAD, StartMethod.KEXEC, StartMethod.KEXEC_LOAD)


def no_file_load(kver: KernelVersion | None) -> str | None:
    """Why ``kver`` cannot hand over with kexec_file_load, or None when it can (or is
    unknown)."""
    if kver is None or has_kexec_file_load(kver):
        return None
    since = ".".join(map(str, KEXEC_FILE_LOAD_SINCE))
    return f"kernel {kver} has no kexec_file_load (added in v{since}), only kexec_load"


def choose_path(
    gens: Sequence[Generation],
    assume: Assumptions,
    kver: KernelVersion | None,
    evidence: list[str],
    assumptions: list[str],
) -> HandoffPath:
    """The hand-off path of the next reboots: the user's, else as observed, else
    kexec_file_load when ``kver`` has it (e820scope.kernel.policy), else kexec_load.
    A kexec_file_load the log shows is believed even for a kernel the model says lacks
    it (a backport): the model only fills in what the log does not show. The kernel
    decides only when the user stated it (``--kernel``; ``fleet --assume-kexec`` states
    the log's): a single boot without it still asks for ``--kernel``/``--path``."""
    why_not = no_file_load(kver)
    if assume.path is not None:
        if assume.path is HandoffPath.KEXEC_FILE_LOAD and why_not:
            raise InputError(
                f"--path kexec_file_load: {why_not}",
                hint="give --path kexec_load, or a --kernel of 3.17 or later",
            )
        return assume.path
    if gens[-1].start is StartMethod.KEXEC_LOAD:
        return HandoffPath.KEXEC_LOAD
    if any(is_kexec(g.start) for g in gens):  # what the log shows wins over the model
        evidence.append(
            "the observed kexec hand-offs kept the firmware's first entry (kexec_file_load)"
        )
    elif why_not and assume.kernel is not None:  # the user's kernel, not just the log's
        assumptions.append(f"future reboots use kexec_load: {why_not}")
        return HandoffPath.KEXEC_LOAD
    else:
        assumptions.append("future reboots use kexec_file_load (kexec -s); give --path")
    return HandoffPath.KEXEC_FILE_LOAD


def need(missing: list[tuple[str, str]]) -> Exception:
    """One error naming every fact that is missing (what, example option) at once."""
    what = " and ".join(w for w, _ in missing)
    options = " ".join(x for _, x in missing)
    them = "them" if len(missing) > 1 else "it"
    return InputError(
        f"cannot infer the growth from one generation without {what}",
        hint=f"give at least two kexec'd generations, or state {them} ({options})",
    )


def future_kinds(
    gens: Sequence[Generation],
    assume: Assumptions,
    evidence: list[str],
    assumptions: list[str],
) -> tuple[KernelVersion, tuple[str, ...]]:
    """The kernel of the future generations and the setup_data kinds each of their
    hand-offs carries, for a chain without two kexec'd generations in a row. A release
    number alone cannot tell a patched kernel, so the user must state it: raises
    :class:`InputError` naming every missing fact."""
    last = gens[-1]
    missing = []
    if assume.kernel is None:
        seen = last.kernel  # the log's own kernel is the usual answer; 5.7 an example
        missing.append(
            ("the kernel version of the future generations", f"--kernel {seen or '5.7'}")
        )
    if assume.path is None and not any(is_kexec(g.start) for g in gens):
        missing.append(("the hand-off path", "--path kexec_file_load"))
    if missing or assume.kernel is None:
        raise need(missing)
    kver = assume.kernel
    if assume.setup_data is not None:
        kinds = assume.setup_data
        assumptions.append(
            "each hand-off carries setup_data " + ",".join(kinds) + " (--assume-setup-data)"
        )
    elif last.reserved and is_kexec(last.start):
        kinds = tuple(dict.fromkeys(x.kind for x in last.reserved))
        evidence.append(
            f"gen {last.number} reserved "
            + ", ".join(f"{x.kind} ({x.size:#x} bytes at {x.addr:#x})" for x in last.reserved)
        )
        assumptions.append("every future kexec'd kernel receives the same setup_data kinds")
    else:
        kinds = tuple(t.name for t in kexec_file_setup_data(kver))
        assumptions.append(
            "each kexec_file_load hand-off carries "
            + (",".join(kinds) or "no setup_data")
            + f" (what kexec_file_load creates on an EFI machine with {kver}, "
            "e820scope.kernel.policy; give --assume-setup-data to change)"
        )
    return kver, kinds
