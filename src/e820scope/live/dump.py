"""Reading a live system or a dump of one (``live --root``) without ever failing.

Every file is read through :class:`~e820scope.boundary.Boundary` (nothing outside the
root, no link followed, regular files only, at most :data:`MAX_FILE` bytes). What is
absent or root-only goes to ``missing`` (something to go and get); what is there but
damaged (a directory where a file belongs, a FIFO, a link, invalid UTF-8, a value
that does not parse, an inconsistent range) goes to ``warnings`` with its place, and
the reading goes on without that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..boundary import Boundary, OutsideError

#: the most read from one file (sysfs attributes are one page; /proc/iomem a few KiB)
MAX_FILE = 1 << 20


@dataclass
class Dump:
    """A root to read under, plus where each problem is reported."""

    tree: Boundary
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def at(cls, where: Path | Dump) -> Dump:
        """``where`` itself, or a new reader rooted at the directory ``where``."""
        return where if isinstance(where, Dump) else cls(Boundary(where))

    def sub(self, rel: str) -> Dump:
        """The same root and message lists, paths starting at ``rel``."""
        return Dump(self.tree.sub(rel), self.missing, self.warnings)

    def place(self, rel: str = "") -> str:
        return self.tree.place(rel)

    def warn(self, rel: str, what: str) -> None:
        self.warnings.append(f"{self.place(rel)}: {what}")

    def exists(self, rel: str) -> bool:
        return self.tree.kind(rel) is not None

    def is_dir(self, rel: str) -> bool:
        return self.tree.is_dir(rel)

    def data(self, rel: str, what: str = "", limit: int = MAX_FILE) -> bytes | None:
        """The bytes of regular file ``rel``, or None (absent: a ``missing`` line when
        ``what`` names it; root-only: a ``missing`` line; damaged: a warning)."""
        try:
            return self.tree.read_bytes(rel, limit)
        except FileNotFoundError:
            if what:
                self.missing.append(f"{what}: {self.place(rel)} does not exist")
        except PermissionError:
            self.missing.append(f"{what or rel}: {self.place(rel)} is not readable (run as root)")
        except OutsideError as exc:
            self.warn(rel, f"{exc}; not read")
        except OSError as exc:
            self.warn(rel, f"unreadable ({exc.strerror or exc})")
        except ValueError as exc:
            self.warn(rel, str(exc))
        return None

    def text(self, rel: str, what: str = "") -> str | None:
        """:meth:`data` as UTF-8 text; invalid UTF-8 is a warning (None)."""
        raw = self.data(rel, what)
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.warn(rel, f"not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})")
            return None

    def number(self, rel: str, base: int) -> int | None:
        """The integer a one-value sysfs file holds (``base`` 16, or 0 for ``0x``-prefixed
        or decimal); a warning and None when it holds something else."""
        text = self.text(rel)
        if text is None:
            return None
        try:
            return int(text.strip(), base)
        except ValueError:
            shown = text.strip()[:40]
            self.warn(rel, f"expected a number, found {shown!r}")
            return None

    def numbered_dirs(self, rel: str = "") -> list[str]:
        """Names of the ``N/`` subdirectories of ``rel`` in numeric order (links and
        files among them are warned about and left out)."""
        try:
            entries = self.tree.listdir(rel)
        except OSError as exc:
            self.warn(rel, f"unreadable directory ({exc.strerror or exc})")
            return []
        out = []
        for name, kind in entries:
            if not name.isdigit():
                continue
            if kind != "dir":
                shown = "a regular file" if kind == "file" else kind
                self.warn(f"{rel}/{name}" if rel else name, f"{shown}, expected a directory")
                continue
            out.append(name)
        return sorted(out, key=int)
