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

A sosreport directory is a boundary: files are opened relative to it without
following any link (:mod:`e820scope.boundary`), only regular files are read, and only
:data:`WALK_DEPTH` levels below the searched directories are listed.

Tarballs are streamed member by member with :mod:`tarfile` and never extracted:
members with absolute paths or ``..`` make the whole archive refused; links, devices
and members larger than :data:`MAX_MEMBER_SIZE` are never read.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from ..boundary import Boundary
from ..errors import InputError
from ..model.records import SourceRef
from .decompress import DecodedStream, sniff_compression
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


#: how many directories below ``var/crash``, ``var/log``, ``sos_commands/...`` are
#: walked: :func:`select` never uses a deeper file (``var/crash/<dir>/vmcore-dmesg.txt``)
WALK_DEPTH = 1


def from_directory(spec: str, root: Path) -> list[TextSource]:
    """The log files of a sosreport directory (``spec`` as the user wrote it).

    The directory is a boundary (:class:`~e820scope.boundary.Boundary`): no link below
    it is followed, only regular files are opened.
    """
    top = Boundary(root)
    if not any(top.is_dir(m) for m in _MARKERS):
        try:
            entries = top.listdir("")
        except OSError as exc:
            raise InputError(
                f"cannot read the directory {spec}: {exc.strerror or exc}",
                hint="check the path and its permissions",
                ref=SourceRef(spec, 1),
            ) from exc
        subs = [
            n
            for n, kind in entries
            if kind == "dir" and any(top.is_dir(f"{n}/{m}") for m in _MARKERS)
        ]
        if len(subs) != 1:
            raise _refuse(spec, "a directory that is not a sosreport (no sos_commands/ inside)")
        root = root / subs[0]
    tree = Boundary(root)
    rel: list[str] = []
    for sub in ("sos_commands/kernel", "sos_commands/logs", "var/log", "var/crash"):
        if tree.is_dir(sub):
            rel.extend(tree.walk(sub, WALK_DEPTH))
    chosen = _select_or_refuse(spec, rel)
    return [
        TextSource(str(root / p), root / p, opener=_file_opener(tree, str(root / p), p))
        for p in chosen
    ]


def _file_opener(tree: Boundary, name: str, rel: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        try:
            return tree.open(rel)
        except OSError as exc:
            raise InputError(
                f"cannot read {name}: {exc.strerror or exc}",
                hint="a sosreport is read only through its own regular files; links "
                "and special files inside it are never followed",
                ref=SourceRef(name, 1),
            ) from exc

    return opener


def looks_like_tar(fh: BinaryIO) -> bool:
    """True when the (possibly compressed) stream starts with a tar header."""
    head = fh.read(8)
    fh.seek(0)
    fmt = sniff_compression(head)
    try:
        block = DecodedStream(fh, fmt).read(512)
    except (OSError, EOFError, InputError):
        block = b""
    fh.seek(0)
    return len(block) >= 263 and block[257:262] == b"ustar"


def _open_tar(spec: str, path: Path) -> tuple[tarfile.TarFile, DecodedStream, BinaryIO]:
    """The archive read as a stream (bounded decompression), its decoded stream and file."""
    fh = path.open("rb")
    try:
        fmt = sniff_compression(fh.read(8))
        fh.seek(0)
        stream = DecodedStream(fh, fmt, spec)
        return tarfile.open(fileobj=stream, mode="r|"), stream, fh
    except BaseException:
        fh.close()
        raise


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
        tf, _, raw = _open_tar(spec, path)
        with raw, tf:
            for m in tf:
                if _safe(spec, m):
                    names.append(m.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
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
        name = f"{spec}!/{member}"
        tf, stream, raw = _open_tar(spec, path)
        for m in tf:
            if m.name == member and _safe(spec, m):
                f = tf.extractfile(m)
                if f is not None:
                    return cast(BinaryIO, _MemberStream(cast(BinaryIO, f), tf, stream, raw, name))
        tf.close()
        raw.close()
        raise InputError(
            f"{spec}: member {member} vanished from the archive",
            hint="the archive changed while being read; try again",
            ref=SourceRef(name, 1),
        )

    return opener


class _MemberStream(io.RawIOBase):
    """A tar member as a binary stream that closes its archive when closed.

    ``name`` and :meth:`disk_bytes_read` let a :class:`ChunkReader` decoding a compressed
    member name it and bound its expansion against the archive's bytes on disk.
    """

    def __init__(
        self, f: BinaryIO, tf: tarfile.TarFile, stream: DecodedStream, raw: BinaryIO, name: str
    ) -> None:
        super().__init__()
        self._f = f
        self._tf = tf
        self._stream = stream
        self._raw = raw
        self.name = name

    def disk_bytes_read(self) -> int:
        return self._stream.disk_bytes_read()

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


#: where a sosreport keeps the host's name (relative to its root), first found wins
HOSTNAME_FILES = (
    "hostname",
    "sos_commands/host/hostname",
    "sos_commands/general/hostname",
    "etc/hostname",
)
#: bytes read from a hostname file at most
_HOSTNAME_LIMIT = 256


def _first_word(data: bytes) -> str | None:
    words = data.decode("utf-8", "replace").split()
    return words[0] if words else None


def hostname(path: Path) -> str | None:
    """The host name a sosreport directory or tarball records (:data:`HOSTNAME_FILES`),
    or None (not a sosreport, or no such file). Read with the same rules as its logs:
    no link followed, tar members streamed, never extracted."""
    if path.is_dir():
        root = Boundary(path)
        if not any(root.is_dir(m) for m in _MARKERS):
            subs = [
                n for n, k in root.listdir("") if k == "dir" and root.is_dir(f"{n}/sos_commands")
            ]
            if len(subs) != 1:
                return None
            root = root.sub(subs[0])
        for rel in HOSTNAME_FILES:
            if root.kind(rel) == "file":
                try:
                    return _first_word(root.read_bytes(rel, _HOSTNAME_LIMIT))
                except (OSError, ValueError):
                    continue
        return None
    found: dict[str, str] = {}
    tf, _, raw = _open_tar(str(path), path)
    with raw, tf:
        for m in tf:
            if not _safe(str(path), m) or m.size > _HOSTNAME_LIMIT:
                continue
            key = m.name if m.name in HOSTNAME_FILES else m.name.partition("/")[2]
            if key in HOSTNAME_FILES:
                f = tf.extractfile(m)
                word = _first_word(f.read(_HOSTNAME_LIMIT)) if f is not None else None
                if word:
                    found.setdefault(key, word)
    return next((found[r] for r in HOSTNAME_FILES if r in found), None)
