"""Minimal test-only reader of era B/C table lines from the lab logs.

The real parser is e820scope.parse (tested elsewhere); the kernel-model unit tests only
need ``who: [mem a-b] type`` lines of clean QEMU serial captures, grouped per kernel
generation (a ``Linux version`` line starts one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from e820scope.model.records import E820Entry
from e820scope.model.types import parse_type_name

_ENTRY = re.compile(
    r"^(?:\[\s*[\d.]+\] )?(?P<who>BIOS-e820|reserve setup_data|extended|user|modified): "
    r"\[mem 0x(?P<a>[0-9a-f]+)-0x(?P<b>[0-9a-f]+)\]\s+(?P<t>.+?)\s*$"
)
_LAB_NR = re.compile(r"^LAB-NR gen=(\d+) table=(\d+) kexec=(\d+) firmware=(\d+)")


@dataclass
class Generation:
    blocks: dict[str, list[E820Entry]] = field(default_factory=dict)
    nr: tuple[int, int, int] | None = None


def generations(path: Path) -> list[Generation]:
    gens: list[Generation] = []
    last_who = ""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("Linux version") or "] Linux version" in line:
            gens.append(Generation())
            last_who = ""
            continue
        if not gens:
            continue
        m = _LAB_NR.match(line)
        if m:
            gens[-1].nr = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
            continue
        m = _ENTRY.match(line)
        if not m:
            continue
        who = m.group("who")
        code = parse_type_name(m.group("t"))
        assert code is not None, line
        entry = E820Entry.from_inclusive(int(m.group("a"), 16), int(m.group("b"), 16), code)
        block = gens[-1].blocks.setdefault(who, [])
        # console hand-over may print a line twice in a row (lab MANIFEST note)
        if last_who == who and block and block[-1] == entry:
            continue
        block.append(entry)
        last_who = who
    return gens
