"""The boots of ``timeline``/``predict`` inputs, streamed, and what each keeps of a boot.

A console capture of a machine that kexec-reboots for months holds tens of thousands of
boots; keeping each :class:`~e820scope.model.records.Boot` would make memory grow with
the input. :func:`stream_boots` yields the boots of every ``FILE``/``FILE#N`` argument
one at a time (:class:`~e820scope.parse.api.BootStream`), and the analyses keep a
:class:`BootInfo` (a few fields) per boot instead of the boot itself.

Chains: a boot continues the chain of the boot before it unless it was started by the
firmware (a cold boot), its start is unknown and it comes from another file, or its log
shows another machine (:func:`continues`: the one rule ``timeline`` and ``predict`` use).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import NoMapError
from ..model.kversion import KernelVersion
from ..model.records import Boot, BootStart, StartMethod
from ..parse.api import BootStream, split_boot_spec
from .identity import Identity, identity_of, machine_verdict

#: Called with (bytes read of the inputs so far, total bytes or None).
ProgressHook = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class BootInfo:
    """What the chain analyses keep of a boot once its tables have been read."""

    index: int
    source: str
    first_line: int
    start: StartMethod
    kernel: KernelVersion | None
    memory_total_kb: int | None
    ended_by: str
    #: what the log says of the machine (None: not kept)
    identity: Identity | None = None
    #: why the firmware map is not whole in the log (None: it is, or there is none)
    map_cut: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source}#{self.index}"

    @classmethod
    def of(cls, boot: Boot) -> BootInfo:
        return cls(
            boot.index,
            boot.source,
            boot.first_line,
            boot.start.method,
            boot.kernel,
            boot.memory.total_kb if boot.memory else None,
            boot.ended_by,
            identity_of(boot),
            _map_cut(boot),
        )


def _map_cut(boot: Boot) -> str | None:
    fw = boot.firmware_map
    if fw is None or fw.complete:
        return None
    return fw.notes[0] if fw.notes else "the map is not whole"


class ChainStart(str, enum.Enum):
    """Why a boot starts a chain (:func:`chain_start`)."""

    #: the first boot of the input
    FIRST = "first"
    #: started by the firmware: the carried type-128 entries are gone
    COLD_BOOT = "cold_boot"
    #: the log shows another machine than the boot before (:func:`.identity.machine_verdict`)
    OTHER_MACHINE = "other_machine"
    #: its start is unknown and it comes from another file than the boot before: the log
    #: is cut between them and does not show that one handed over to the other
    CUT = "cut"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """That a boot starts a chain, and why: ``why`` in words (it names no boot label, so
    the rows of a parallel run, renumbered later, say the same)."""

    kind: ChainStart
    why: str


def chain_start(prev: BootInfo | None, info: BootInfo) -> ChainBreak | None:
    """Whether ``info``'s boot starts a chain rather than continuing ``prev``'s, and why
    (None: it continues it). The one chain rule of ``timeline`` and ``predict``.

    The first boot starts one; a cold boot starts a new chain; a boot of unknown start
    continues it only within the same file (boots from several files are generations
    only when the log shows a kexec, kdump or similar); and two machines are two chains,
    never a generation change (:func:`.identity.machine_verdict`: a paste of two hosts'
    consoles).
    """
    method = info.start
    if prev is None:
        return ChainBreak(ChainStart.FIRST, f"first boot of the input ({method.value} start)")
    if method is StartMethod.COLD:
        return ChainBreak(ChainStart.COLD_BOOT, "cold boot: started by the firmware")
    if method is StartMethod.UNKNOWN and prev.source != info.source:
        return ChainBreak(
            ChainStart.CUT,
            "cut: unknown start, in another file than the boot before (no hand-over shown)",
        )
    if prev.identity is None or info.identity is None:
        return None
    verdict = machine_verdict(prev.identity, info.identity, "the boot before", "this boot")
    if verdict.same is not False:
        return None
    return ChainBreak(
        ChainStart.OTHER_MACHINE,
        f"another machine ({method.value} start): " + "; ".join(verdict.differ),
    )


def continues(prev: BootInfo, info: BootInfo) -> bool:
    """Whether ``info``'s boot continues the chain of ``prev``'s (:func:`chain_start`)."""
    return chain_start(prev, info) is None


def _input_bytes(path: str) -> int | None:
    if path == "-":
        return None
    try:
        p = Path(path)
        return p.stat().st_size if p.is_file() else None
    except OSError:
        return None


def stream_boots(
    specs: Sequence[str], *, with_map: bool, progress: ProgressHook | None = None
) -> Iterator[Boot]:
    """The boots ``specs`` name, in argument order, one at a time.

    ``FILE`` stands for all its boots (those with a firmware map when ``with_map``),
    ``FILE#N`` for boot N (which must have a map when ``with_map``). When a file's first
    boot follows a file whose last boot ended in ``Starting new kernel``, it is taken
    as the kexec'd generation it is (one file per generation). ``progress`` is told the
    bytes read so far. Raises :class:`InputError` for an unreadable input or a boot
    number out of range.
    """
    paths = [split_boot_spec(s)[0] for s in specs]
    sizes = [_input_bytes(p) for p in paths]
    total = None if None in sizes else sum(s or 0 for s in sizes)
    done = 0
    prev: Boot | None = None
    for spec, path, size in zip(specs, paths, sizes, strict=True):
        n = split_boot_spec(spec)[1]
        boots, count = _boots_of(path, path == "-" or paths.count(path) > 1, done, total, progress)
        first = True
        for boot in boots:
            if n is not None and boot.index != n:
                continue
            if with_map and boot.firmware_map is None:
                if n is not None:
                    raise NoMapError(
                        f"{spec}: boot #{n} has no BIOS-provided e820 map",
                        hint="pick a boot whose early messages are in the log",
                    )
                continue
            if first and prev is not None:
                boot = after_kexec(prev, boot)
            first = False
            prev = boot
            yield boot
        if n is not None and n > count():
            from .chain_input import no_such_boot

            raise no_such_boot(spec, count())
        done += size or 0


def _boots_of(
    path: str, repeated: bool, done: int, total: int | None, progress: ProgressHook | None
) -> tuple[Iterable[Boot], Callable[[], int]]:
    """The boots of ``path`` and how to count them once read: streamed, or parsed once
    and kept (a path named more than once, e.g. ``FILE#1 FILE#2``, and stdin, which can
    be read only once: ``report -`` reads its boots for the prediction and the page)."""
    if repeated:
        from .chain_input import parse_cached

        every = parse_cached(path).boots
        return every, lambda: len(every)
    stream = BootStream(path)
    if progress is not None:
        stream.on_read = functools.partial(_moved, progress, done, total)
    return stream, lambda: stream.count


def _moved(progress: ProgressHook, base: int, total: int | None, pos: int) -> None:
    progress(base + pos, total)


def after_kexec(prev: Boot, boot: Boot) -> Boot:
    """``boot`` as a kexec'd generation when the file before ended in a kexec."""
    if prev.ended_by != "kexec" or boot.start.method not in (
        StartMethod.COLD,
        StartMethod.UNKNOWN,
    ):
        return boot
    fw = boot.firmware_map
    if fw is None or not fw.entries:
        return boot
    low = fw.entries[0].addr in (0x100, 0x400)
    method = StartMethod.KEXEC_LOAD if low else StartMethod.KEXEC_FILE_LOAD
    return replace(boot, start=BootStart(method, "previous input ends in kexec"))


def no_boots_error(specs: Sequence[str], *, with_map: bool) -> NoMapError:
    """The error for inputs that hold no boot (with a map, when ``with_map``)."""
    if with_map:
        return NoMapError(
            f"{', '.join(specs)}: no BIOS-provided e820 map found",
            hint="give boot logs that include the early boot messages (dmesg from boot)",
        )
    return NoMapError(
        f"no boot found in {', '.join(specs)}",
        hint="is this a Linux x86 boot log? try 'e820scope parse FILE'",
    )
