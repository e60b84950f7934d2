"""Read files under a directory that is a boundary: a sosreport, a ``live --root`` dump.

Nothing outside the directory is ever read. Every path is opened one component at a
time relative to the directory (``openat``) with ``O_NOFOLLOW``, so a symbolic link
anywhere below the root (``var/log -> /var/log``, ``status -> /etc/shadow``) is never
followed; the root itself is followed once, as the user named it. Only regular files
are opened: FIFOs, sockets and devices are never opened (the type is checked with
``lstat`` before the open, which is non-blocking, and again on the open descriptor), so
nothing can block or have a side effect; no more than ``limit`` bytes are read from one.
Walks are iterative and stop at a depth limit.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class OutsideError(OSError):
    """A path that is not a regular file inside the boundary (a link, a FIFO, ``..``)."""


def _parts(rel: str) -> list[str]:
    parts = [p for p in PurePosixPath(rel).parts if p not in ("", ".")]
    if any(p == ".." or "/" in p for p in parts) or PurePosixPath(rel).is_absolute():
        raise OutsideError(f"{rel}: a path leaving the directory")
    return parts


def _kind(mode: int) -> str:
    """What a file is, in words, for a message about why it was not read."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _not_regular(mode: int) -> str:
    """Why a file that is not regular is not read."""
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed)"
    return f"{_kind(mode)}, not a regular file"


class Boundary:
    """A directory whose files are read without following links out of it.

    ``base`` is a path below ``root`` that relative paths start from (itself reached
    without following links): ``Boundary(dump, "sys/firmware/memmap")``.
    """

    def __init__(self, root: Path, base: str = "") -> None:
        self.root = root
        self.base = base.strip("/")

    def sub(self, rel: str) -> Boundary:
        """The boundary of the same root whose paths start at ``rel``."""
        return Boundary(self.root, self.join(rel))

    def join(self, rel: str) -> str:
        """``rel`` as a path relative to the root."""
        rel = rel.strip("/")
        return f"{self.base}/{rel}" if self.base and rel else self.base or rel

    def place(self, rel: str) -> str:
        """Where ``rel`` is, for messages."""
        return str(self.root / self.join(rel)) if self.join(rel) else str(self.root)

    def _open_dir(self, parts: list[str]) -> int:
        """A descriptor of the directory ``parts`` below the root (links not followed)."""
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in parts:
                try:
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        what = self._what(fd, part)
                        raise OutsideError(f"{part} is {what}, not a directory") from exc
                    raise
                os.close(fd)
                fd = nxt
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def _what(dir_fd: int, name: str) -> str:
        try:
            return _kind(os.lstat(name, dir_fd=dir_fd).st_mode)
        except OSError:
            return "unreadable"

    def kind(self, rel: str) -> str | None:
        """``"file"``, ``"dir"``, another kind in words, or None when absent (no link
        is followed, so a link is ``"a symbolic link"``)."""
        parts = _parts(self.join(rel))
        if not parts:
            try:
                return "dir" if stat.S_ISDIR(self.root.stat().st_mode) else "not a directory"
            except OSError:
                return None
        try:
            fd = self._open_dir(parts[:-1])
        except OSError:
            return None
        try:
            mode = os.lstat(parts[-1], dir_fd=fd).st_mode
        except OSError:
            return None
        finally:
            os.close(fd)
        if stat.S_ISREG(mode):
            return "file"
        if stat.S_ISDIR(mode):
            return "dir"
        return _kind(mode)

    def is_dir(self, rel: str) -> bool:
        return self.kind(rel) == "dir"

    def open(self, rel: str) -> BinaryIO:
        """Open the regular file ``rel`` for reading; :class:`OutsideError` for anything
        else (a link, a FIFO, a device, a directory), ``OSError`` when unreadable.

        The type is checked before the open (``lstat``: a device is never opened, as
        opening one can have effects) and again on the open descriptor, which must be
        the same file.
        """
        parts = _parts(self.join(rel))
        if not parts:
            raise OutsideError(f"{rel}: not a file")
        fd = self._open_dir(parts[:-1])
        try:
            before = os.lstat(parts[-1], dir_fd=fd)
            if not stat.S_ISREG(before.st_mode):
                raise OutsideError(_not_regular(before.st_mode))
            try:
                ffd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise OutsideError("a symbolic link (not followed)") from exc
                raise
        finally:
            os.close(fd)
        after = os.fstat(ffd)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(
            after.st_mode
        ):
            os.close(ffd)
            raise OutsideError("replaced while being opened")
        os.set_blocking(ffd, True)
        raw = io.FileIO(ffd, "rb")
        raw.name = self.place(rel)  # what messages about the stream call it
        return io.BufferedReader(raw)

    def read_bytes(self, rel: str, limit: int) -> bytes:
        """The content of the regular file ``rel``; ``ValueError`` past ``limit`` bytes."""
        with self.open(rel) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"larger than {limit} bytes (not read)")
        return data

    def listdir(self, rel: str) -> list[tuple[str, str]]:
        """``(name, kind)`` of the entries of directory ``rel`` (kind as :meth:`kind`),
        in name order."""
        fd = self._open_dir(_parts(self.join(rel)))
        try:
            out = []
            with os.scandir(fd) as it:
                for e in it:
                    mode = e.stat(follow_symlinks=False).st_mode
                    k = "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else ""
                    out.append((e.name, k or _kind(mode)))
        finally:
            os.close(fd)
        return sorted(out)

    def walk(self, rel: str, max_depth: int, max_entries: int = 100_000) -> Iterator[str]:
        """Relative paths of the regular files below directory ``rel``, at most
        ``max_depth`` directories deep (0: only ``rel``'s own files), iteratively.

        Links, FIFOs and devices are skipped; so are entries past ``max_entries``.
        """
        todo = [(rel.strip("/"), 0)]
        seen = 0
        while todo:
            d, depth = todo.pop()
            try:
                entries = self.listdir(d)
            except OSError:
                continue
            for name, k in entries:
                seen += 1
                if seen > max_entries:
                    return
                path = f"{d}/{name}" if d else name
                if k == "file":
                    yield path
                elif k == "dir" and depth < max_depth:
                    todo.append((path, depth + 1))
