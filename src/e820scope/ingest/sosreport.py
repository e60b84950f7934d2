"""sosreport directories and tarballs: which files hold kernel logs, in generation order.

Files used (paths relative to the sosreport root), oldest generation first:

1. ``var/crash/<dir>/vmcore-dmesg.txt`` — the log of a kernel that crashed — then
   ``var/crash/<dir>/kexec-dmesg.log`` — its kdump capture kernel; crash directories in
   name order (kdump names them by date).
2. Rotated boot logs ``var/log/dmesg.N[.gz]``, highest N (oldest) first.
3. Journal exports of earlier boots, ``sos_commands/logs/journalctl_*boot_-N*``.
4. The current boot: ``sos_commands/kernel/dmesg`` (else ``dmesg_-T``-like names,
   else ``var/log/dmesg``); if there is none, the current-boot journal export
   (``sos_commands/logs/journalctl_*``), else ``var/log/kern.log*`` / ``messages*``.

Tarballs are streamed member by member with :mod:`tarfile` and never extracted:
members with absolute paths or ``..`` make the whole archive refused; links, devices
and members larger than :data:`MAX_MEMBER_SIZE` are never read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

import zstandard

from ..errors import InputError
from ..model.records import SourceRef
from .decompress import sniff_compression
from .reader import TextSource

#: members bigger than this are not read (decompression-bomb guard), bytes.
MAX_MEMBER_SIZE = 4 << 30

_MARKERS = ("sos_commands", "sos_reports", "sos_logs")
_CRASH = re.compile(r"^var/crash/([^/]+)/(vmcore-dmesg\.txt|kexec-dmesg\.log)$")
_ROTATED = re.compile(r"^var/log/dmesg\.(\d+)(?:\.(?:gz|xz|bz2|zst))?$")
_KDMESG = re.compile(r"^sos_commands/kernel/(dmesg[^/]*)$")
_JOURNAL = re.compile(r"^sos_commands/logs/(journalctl_[^/]*)$")
_JOURNAL_OLD = re.compile(r"boot_-(\d+)")
_SYSLOG = re.compile(r"^var/log/(kern\.log|messages)(?:[.-](\d+))?(?:\.(?:gz|xz|bz2|zst))?$")


def _journal_rank(name: str) -> int | None:
    """-N for an earlier-boot export, 0 for a current-boot one, None if not a log."""
    if any(k in name for k in ("list-boots", "disk-usage", "verify", "header", "fields")):
        return None
    m = _JOURNAL_OLD.search(name)
    if m:
        return -int(m.group(1))
    return 0


def select(paths: Iterable[str]) -> list[str]:
    """Choose and order the log files among sosreport-relative ``paths``."""
    crash: list[tuple[str, int, str]] = []
    rotated: list[tuple[int, str]] = []
    kdmesg: list[str] = []
    journals: list[tuple[int, str]] = []
    syslog: list[tuple[bool, int, str]] = []
    var_dmesg: str | None = None
    for p in paths:
        m = _CRASH.match(p)
        if m:
            crash.append((m.group(1), 0 if m.group(2).startswith("vmcore") else 1, p))
            continue
        m = _ROTATED.match(p)
        if m:
            rotated.append((int(m.group(1)), p))
            continue
        if p == "var/log/dmesg":
            var_dmesg = p
            continue
        m = _KDMESG.match(p)
        if m:
            kdmesg.append(p)
            continue
        m = _JOURNAL.match(p)
        if m:
            rank = _journal_rank(m.group(1))
            if rank is not None:
                journals.append((rank, p))
            continue
        m = _SYSLOG.match(p)
        if m:
            syslog.append((m.group(1) != "kern.log", int(m.group(2) or 0), p))
    out = [p for _, _, p in sorted(crash)]
    out += [p for _, p in sorted(rotated, reverse=True)]
    old_journals = sorted(j for j in journals if j[0] < 0)
    out += [p for _, p in old_journals]
    current: list[str] = []
    if kdmesg:
        # plain "dmesg" first; "dmesg_-T" etc. hold the same boot.
        current = [sorted(kdmesg, key=lambda p: (p != "sos_commands/kernel/dmesg", len(p), p))[0]]
    elif var_dmesg:
        current = [var_dmesg]
    else:
        cur_j = sorted((p for r, p in journals if r == 0), key=lambda p: (len(p), p))
        if cur_j:
            current = [cur_j[0]]
        elif syslog:
            # kern.log holds only kernel lines; messages is the fallback; older first
            best = min(s[0] for s in syslog)
            current = [p for k, _, p in sorted(syslog, key=lambda s: -s[1]) if k == best]
    return out + current


def _refuse(spec: str, why: str) -> InputError:
    return InputError(
        f"{spec}: {why}",
        hint="this does not look like a sosreport; give a sosreport directory or tarball, "
        "or a single log file",
        ref=SourceRef(spec, 1),
    )


def _root_of(rel_paths: list[str]) -> str | None:
    """The sosreport root prefix ("" or "sosreport-host-.../") among ``rel_paths``."""
    for p in rel_paths:
        parts = PurePosixPath(p).parts
        for i, part in enumerate(parts[:2]):
            if part in _MARKERS:
                return "/".join(parts[:i]) + ("/" if i else "")
    return None


def _select_or_refuse(spec: str, paths: Iterable[str]) -> list[str]:
    """:func:`select` of a sosreport's files; an error when it holds no kernel log."""
    chosen = select(paths)
    if not chosen:
        raise _refuse(
            spec,
            "sosreport without a kernel log (no sos_commands/kernel/dmesg, "
            "var/log/dmesg, journal export or var/log/messages)",
        )
    return chosen


def from_directory(spec: str, root: Path) -> list[TextSource]:
    """The log files of a sosreport directory (``spec`` as the user wrote it)."""
    if not any((root / m).is_dir() for m in _MARKERS):
        subs = [d for d in root.iterdir() if d.is_dir() and any((d / m).is_dir() for m in _MARKERS)]
        if len(subs) != 1:
            raise _refuse(spec, "a directory that is not a sosreport (no sos_commands/ inside)")
        root = subs[0]
    rel = []
    for sub in ("sos_commands/kernel", "sos_commands/logs", "var/log", "var/crash"):
        base = root / sub
        if base.is_dir():
            for f in base.rglob("*"):
                if f.is_file() and not f.is_symlink():
                    rel.append(f.relative_to(root).as_posix())
    chosen = _select_or_refuse(spec, rel)
    return [TextSource(str(root / p), root / p) for p in chosen]


def looks_like_tar(fh: BinaryIO) -> bool:
    """True when the (possibly compressed) stream starts with a tar header."""
    head = fh.read(8)
    fh.seek(0)
    fmt = sniff_compression(head)
    try:
        stream = _decompressing(fh, fmt)
        block = stream.read(512)
    except (OSError, EOFError, lzma.LZMAError, zstandard.ZstdError):
        block = b""
    fh.seek(0)
    return len(block) >= 263 and block[257:262] == b"ustar"


def _decompressing(fh: BinaryIO, fmt: str | None) -> BinaryIO:
    if fmt is None:
        return fh
    if fmt == "gzip":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    if fmt in ("xz", "lzma"):
        return lzma.LZMAFile(fh)  # type: ignore[return-value]
    if fmt == "bzip2":
        return bz2.BZ2File(fh)  # type: ignore[return-value]
    reader: BinaryIO = zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True)
    return reader


def _open_tar(path: Path) -> tuple[tarfile.TarFile, BinaryIO]:
    fh = path.open("rb")
    fmt = sniff_compression(fh.read(8))
    fh.seek(0)
    return tarfile.open(fileobj=_decompressing(fh, fmt), mode="r|"), fh


def _safe(spec: str, m: tarfile.TarInfo) -> bool:
    """False for members never read; raises for members that make the archive unsafe."""
    name = m.name
    if name.startswith("/") or PurePosixPath(name).is_absolute():
        raise _refuse(spec, f"archive member with an absolute path ({name!r}); refused")
    if ".." in PurePosixPath(name).parts:
        raise _refuse(spec, f"archive member escaping the archive ({name!r}); refused")
    return m.isfile() and m.size <= MAX_MEMBER_SIZE


def from_tarball(spec: str, path: Path) -> list[TextSource]:
    """The log files of a sosreport tarball, read without extracting it."""
    names: list[str] = []
    try:
        tf, raw = _open_tar(path)
        with raw, tf:
            for m in tf:
                if _safe(spec, m):
                    names.append(m.name)
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zstandard.ZstdError) as exc:
        raise InputError(
            f"{spec}: unreadable tar archive ({exc})",
            hint="check that the archive is complete (tar tf); re-copy it if not",
            ref=SourceRef(spec, 1),
        ) from exc
    root = _root_of(names)
    if root is None:
        raise _refuse(spec, "a tar archive that is not a sosreport (no sos_commands/ inside)")
    rel = {n[len(root) :]: n for n in names if n.startswith(root)}
    chosen = _select_or_refuse(spec, rel)
    return [
        TextSource(f"{spec}!/{p}", None, opener=_member_opener(spec, path, rel[p])) for p in chosen
    ]


def _member_opener(spec: str, path: Path, member: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        tf, raw = _open_tar(path)
        for m in tf:
            if m.name == member and _safe(spec, m):
                f = tf.extractfile(m)
                if f is not None:
                    return cast(BinaryIO, _MemberStream(cast(BinaryIO, f), tf, raw))
        tf.close()
        raw.close()
        raise InputError(
            f"{spec}: member {member} vanished from the archive",
            hint="the archive changed while being read; try again",
            ref=SourceRef(f"{spec}!/{member}", 1),
        )

    return opener


class _MemberStream(io.RawIOBase):
    """A tar member as a binary stream that closes its archive when closed."""

    def __init__(self, f: BinaryIO, tf: tarfile.TarFile, raw: BinaryIO) -> None:
        super().__init__()
        self._f = f
        self._tf = tf
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        return self._f.read(-1 if n is None else n)

    def peek(self, n: int = 1) -> bytes:
        pk = getattr(self._f, "peek", None)
        return bytes(pk(n)) if pk is not None else b""

    def close(self) -> None:
        if not self.closed:
            self._f.close()
            self._tf.close()
            self._raw.close()
        super().close()
