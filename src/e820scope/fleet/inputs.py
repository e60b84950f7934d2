"""``fleet PATH...`` -> units of work: hosts already named, and inputs still to identify.

A ``PATH`` is a file, a directory, a glob (``logs/*/kern.log*``), ``@LIST`` (a file
naming one path per line; ``#`` comments and blank lines skipped); standard input is
not read. What a directory means:

* a sosreport directory (``sos_commands/`` inside, or one sub-directory that has it) is
  one input of one host;
* a directory a glob matches (``logs/*``), or one that holds only files, is one host,
  named by the directory (its regular files and the sosreports inside it, at most
  :data:`HOST_DEPTH` levels down, are that host's inputs);
* any other directory is a tree: each sub-directory is one host, as above; files
  directly in the tree are inputs whose host is read from their content
  (:mod:`.identity`). A flat directory of many hosts' logs is named by its files
  (``captures/*.log``): each file is then identified by its content.

Directories are read through :class:`~e820scope.boundary.Boundary`: no symbolic link
below a named directory is followed, only regular files are taken.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..boundary import Boundary

#: how many directory levels below a host's directory are searched for its logs
HOST_DEPTH = 3
_MARKERS = ("sos_commands", "sos_reports", "sos_logs")
_GLOB = re.compile(r"[*?[]")
_ROTATION = re.compile(r"^(?P<base>.*?)(?:[.-](?P<n>\d+))?(?P<ext>\.(?:gz|xz|bz2|zst|lzma))?$")


@dataclass(frozen=True)
class HostUnit:
    """One host's inputs, oldest first, and how the host was named."""

    host: str
    identified_by: str
    specs: tuple[str, ...]
    size: int = 0


@dataclass
class Expanded:
    """What the command line named: hosts named by their directory, inputs to identify,
    and arguments that named nothing (each becomes an error row)."""

    hosts: list[HostUnit] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)


def read_list(path: str) -> list[str]:
    """The paths a list file names (``@LIST``, ``--from``), one a line."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return [s for s in (ln.strip() for ln in text.splitlines()) if s and not s.startswith("#")]


def is_sosreport_dir(path: Path) -> bool:
    """A sosreport directory: ``sos_commands/`` (or a marker) in it or in its one child."""
    top = Boundary(path)
    if any(top.is_dir(m) for m in _MARKERS):
        return True
    try:
        subs = [n for n, k in top.listdir("") if k == "dir"]
    except OSError:
        return False
    return len(subs) == 1 and any(top.is_dir(f"{subs[0]}/{m}") for m in _MARKERS)


def rotation_key(name: str) -> tuple[str, int, str]:
    """Sort key putting rotated logs oldest first: ``kern.log.3.gz``, ``kern.log.2``,
    ``kern.log.1``, ``kern.log``; ``gen2.log`` before ``gen10.log``."""
    m = _ROTATION.match(name)
    base, n = (m.group("base"), m.group("n")) if m else (name, None)
    natural = re.sub(r"\d+", lambda d: f"{int(d.group()):012d}", base)
    return natural, -int(n) if n is not None else 0, name


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _host_inputs(hostdir: Path) -> tuple[list[str], int]:
    """A host directory's inputs (files and sosreports), oldest first, and their bytes."""
    if is_sosreport_dir(hostdir):
        return [str(hostdir)], 0
    tree = Boundary(hostdir)
    found: list[str] = []
    size = 0
    todo = [("", 0)]
    while todo:
        rel, depth = todo.pop()
        try:
            entries = tree.listdir(rel)
        except OSError:
            continue
        files = []
        for name, kind in entries:
            sub = f"{rel}/{name}" if rel else name
            if kind == "file":
                files.append(sub)
            elif kind == "dir" and is_sosreport_dir(hostdir / sub):
                found.append(str(hostdir / sub))
            elif kind == "dir" and depth + 1 < HOST_DEPTH:
                todo.append((sub, depth + 1))
        for f in sorted(files, key=lambda s: rotation_key(Path(s).name)):
            found.append(str(hostdir / f))
            size += _size(hostdir / f)
    return found, size


def _directory(path: Path, out: Expanded) -> None:
    if is_sosreport_dir(path):
        out.loose.append(str(path))
        return
    tree = Boundary(path)
    entries = tree.listdir("")
    if not any(kind == "dir" for _, kind in entries):
        _host_dir(path, out)  # only files: the logs of one host
        return
    for name, kind in entries:
        if kind == "file":
            out.loose.append(str(path / name))
        elif kind == "dir":
            _host_dir(path / name, out)


def _host_dir(path: Path, out: Expanded) -> None:
    specs, size = _host_inputs(path)
    if specs:
        out.hosts.append(HostUnit(path.name, f"directory {path}", tuple(specs), size))
    else:
        out.missing.append((str(path), "a host directory without files"))


def expand(args: Iterable[str], list_files: Iterable[str] = ()) -> Expanded:
    """Turn ``PATH...`` arguments (and ``--from`` list files) into units of work."""
    out = Expanded()
    todo = list(args)
    for lf in list_files:
        todo.append(f"@{lf}")
    seen: set[str] = set()
    while todo:
        arg = todo.pop(0)
        if arg.startswith("@") and not Path(arg).exists():
            try:
                todo[0:0] = read_list(arg[1:])
            except OSError as exc:
                out.missing.append((arg, f"cannot read the list file: {exc.strerror or exc}"))
            continue
        if _GLOB.search(arg) and not Path(arg).exists():
            found = glob.glob(arg)  # noqa: PTH207 (the pattern may be absolute)
            matches = sorted(found, key=lambda s: rotation_key(Path(s).name))
            if not matches:
                out.missing.append((arg, "the pattern matches no file"))
            for m in matches:
                if Path(m).is_dir() and not is_sosreport_dir(Path(m)) and m not in seen:
                    seen.add(m)  # a directory a pattern names is one host
                    _host_dir(Path(m), out)
            todo[0:0] = [m for m in matches if m not in seen]
            continue
        if arg in seen:
            continue
        seen.add(arg)
        p = Path(arg)
        if p.is_dir():
            try:
                _directory(p, out)
            except OSError as exc:
                out.missing.append((arg, f"cannot read the directory: {exc.strerror or exc}"))
        elif p.is_file():
            out.loose.append(arg)
        elif p.exists():
            out.missing.append((arg, "not a regular file or directory"))
        else:
            out.missing.append((arg, "no such file or directory"))
    return out
