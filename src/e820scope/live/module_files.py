"""Files of the companion kernel module (kmod/, format in kmod/ABI.md).

``/sys/kernel/e820scope/<table>`` (and ``/sys/kernel/debug/e820scope/<table>``)::

    # e820_table_kexec nr_entries=18 capacity=3200 zeropage_max=128 kernel=6.1.0-56-amd64
    e820_table_kexec: [mem 0x0000000000000000-0x000000000009ffff] usable
    e820_table_kexec: [mem 0x0000000000100000-0x00000000007fffff] type 128

Ranges are inclusive as printed; entries are returned with exclusive ``end``. Type names
are those the running kernel's era prints (``usable`` or era D `` System RAM``...),
except that 128 is always ``type 128``. ``<table>.bin`` holds the same entries as packed
20-byte ``struct e820_entry`` records. ``status`` says how each symbol was resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..model.records import E820Entry, SourceRef
from ..model.types import parse_type_name
from .boot_params import decode_e820_entries
from .dump import Dump

TABLES = ("e820_table", "e820_table_kexec", "e820_table_firmware")
SYSFS_DIR = Path("sys/kernel/e820scope")
DEBUGFS_DIR = Path("sys/kernel/debug/e820scope")

_HEADER = re.compile(
    r"^# (?P<table>\w+) nr_entries=(?P<nr>\d+) capacity=(?P<cap>\d+) "
    r"zeropage_max=(?P<zp>\d+) kernel=(?P<kernel>\S+)\s*$"
)
_ENTRY = re.compile(
    r"^(?P<table>\w+): \[mem (?P<first>0x[0-9a-f]+)-(?P<last>0x[0-9a-f]+)\] (?P<type>.+)$"
)


class ModuleFormatError(ValueError):
    """A module file does not follow kmod/ABI.md; ``line`` is 1-based."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class ModuleTable:
    """One table as the module printed it.

    ``capacity`` is E820_MAX_ENTRIES of the running kernel (slots of the static table;
    after e820__reallocate_tables() the storage holds exactly ``nr_entries``).
    """

    name: str
    nr_entries: int
    capacity: int
    zeropage_max: int
    kernel: str
    entries: tuple[E820Entry, ...]


def parse_module_table(text: str, path: str = "<module>") -> ModuleTable:
    """Parse the text form; raises :class:`ModuleFormatError` on any deviation."""
    lines = text.splitlines()
    if not lines:
        raise ModuleFormatError(path, 1, "empty file, expected the '# <table> nr_entries=' header")
    h = _HEADER.match(lines[0])
    if not h:
        raise ModuleFormatError(path, 1, f"expected '# <table> nr_entries=N ...', got {lines[0]!r}")
    name = h["table"]
    entries = []
    for no, line in enumerate(lines[1:], start=2):
        m = _ENTRY.match(line)
        if not m or m["table"] != name:
            raise ModuleFormatError(path, no, f"expected '{name}: [mem a-b] type', got {line!r}")
        code = parse_type_name(m["type"])
        if code is None:
            raise ModuleFormatError(path, no, f"unknown e820 type {m['type']!r}")
        first, last = int(m["first"], 16), int(m["last"], 16)
        if last < first:
            raise ModuleFormatError(path, no, f"range ends ({last:#x}) below its start")
        entries.append(E820Entry.from_inclusive(first, last, code, m["type"], SourceRef(path, no)))
    nr = int(h["nr"])
    if nr != len(entries):
        raise ModuleFormatError(path, 1, f"header says nr_entries={nr}, file has {len(entries)}")
    return ModuleTable(name, nr, int(h["cap"]), int(h["zp"]), h["kernel"], tuple(entries))


def parse_status(text: str) -> dict[str, str]:
    """``status`` as ``{symbol: how}`` (``param``, ``kprobe:kallsyms_lookup_name``, ``absent``)
    plus the ``module``/``version``/``kernel``/``capacity``/``zeropage_max`` keys."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if "=" in words[0]:
            for w in words:
                k, _, v = w.partition("=")
                out[k] = v
        else:
            for w in words[1:]:
                if w.startswith("resolved="):
                    out[words[0]] = w.partition("=")[2]
    return out


@dataclass(frozen=True)
class ModuleView:
    """What the loaded module exposes; ``tables`` maps table name to its content."""

    directory: Path
    status: dict[str, str]
    tables: dict[str, ModuleTable]


def read_module(root: Path | Dump) -> ModuleView | None:
    """Read the module's files under ``root`` (``/`` normally); None when not loaded.

    Prefers sysfs, falls back to debugfs. Files a non-root reader cannot open (they are
    0400) are listed in ``root``'s :class:`Dump` ``missing``; a table file that does not
    follow kmod/ABI.md is left out with a warning (the other tables are still read).
    """
    dump = Dump.at(root)
    for rel in (SYSFS_DIR.as_posix(), DEBUGFS_DIR.as_posix()):
        if not dump.is_dir(rel):
            continue
        d = dump.sub(rel)
        tables = {}
        for name in TABLES:
            text = d.text(name)
            if text is None:
                continue
            try:
                tables[name] = parse_module_table(text, d.place(name))
            except ModuleFormatError as exc:
                d.warnings.append(f"e820scope module: {exc}; table left out")
        return ModuleView(Path(d.place()), parse_status(d.text("status") or ""), tables)
    return None


def read_module_bin(path: Path) -> tuple[E820Entry, ...]:
    """Decode a ``<table>.bin`` file (packed 20-byte entries, no header)."""
    blob = path.read_bytes()
    if len(blob) % 20:
        raise ValueError(f"{path}: {len(blob)} bytes is not a multiple of 20")
    return decode_e820_entries(blob)
