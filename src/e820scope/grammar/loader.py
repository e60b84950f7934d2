"""Load the Lark grammars of grammars/ (shipped inside the package as e820scope/grammars).

An installed e820scope reads them from the package (``importlib.resources``); a source
checkout run with ``PYTHONPATH=src`` falls back to the repository's grammars/ folder.

Building the LALR tables of kmsg.lark takes about 0.13 s, a third of a small
``e820scope parse``. The built parser is therefore kept in a per-user cache directory
(:func:`cache_dir`) and loaded from there in about 0.01 s. The file's name carries a
digest of every ``.lark`` file, of the grammar folder's place (one file per install) and
the Lark and Python versions, so an edited grammar or an upgrade never loads an old
parser; Lark also checks the grammar text and its imported files against the cache
before using it. ``E820SCOPE_NO_CACHE=1`` turns the cache off; ``E820SCOPE_CACHE_DIR``
chooses another directory.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
from importlib import resources
from pathlib import Path

import lark
from lark import Lark

#: environment variables that steer the parser cache
NO_CACHE_ENV = "E820SCOPE_NO_CACHE"
CACHE_DIR_ENV = "E820SCOPE_CACHE_DIR"


def grammar_dir() -> Path:
    """Where the ``.lark`` files are: inside the installed package, else the checkout."""
    packaged = resources.files("e820scope") / "grammars"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "grammars"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("e820scope grammars not found: reinstall the package (pip install .)")


def grammar_text(name: str) -> str:
    """The source of ``grammars/<name>.lark``."""
    return (grammar_dir() / f"{name}.lark").read_text(encoding="utf-8")


def cache_dir() -> Path | None:
    """The directory for built parsers, or None when there must be no cache.

    ``$E820SCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/e820scope``, else
    ``~/.cache/e820scope``; created with mode 0700. A cached parser is a pickle, and
    loading a pickle runs code, so a directory that someone else could write to (not
    owned by this user, or group/other-writable) is never used.
    """
    if os.environ.get(NO_CACHE_ENV):
        return None
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        path = Path(chosen)
    else:
        # os.path.expanduser leaves "~" alone where Path.expanduser would raise
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")  # noqa: PTH111
        if base.startswith("~"):  # no home directory to expand to
            return None
        path = Path(base) / "e820scope"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
    except OSError:
        return None
    private = st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not (stat.S_ISDIR(st.st_mode) and private and os.access(path, os.W_OK | os.X_OK)):
        return None
    return path


def grammar_digest(gdir: Path) -> str:
    """A digest of every ``.lark`` file in ``gdir`` (names and contents)."""
    h = hashlib.sha256()
    for f in sorted(gdir.glob("*.lark")):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def cache_file(name: str, start: str, gdir: Path) -> Path | None:
    """Where the built parser of ``grammars/<name>.lark`` is kept, or None (no cache).

    The name holds a digest of the grammar folder's place: Lark checks its options when
    it loads a cached parser, the import path among them, so two installs (two venvs, a
    source tree and an installed package) sharing one file would rebuild it in turn,
    each run. Files of the same grammar and place under another digest or version are
    removed when a new one is about to be written, so the directory holds one parser
    per grammar and install.
    """
    where = cache_dir()
    if where is None:
        return None
    place = hashlib.sha256(str(gdir.resolve()).encode()).hexdigest()[:8]
    stem = f"lark-{name}-{start}-{place}-"
    path = where / (
        f"{stem}{grammar_digest(gdir)}-lark{lark.__version__}"
        f"-py{sys.version_info[0]}{sys.version_info[1]}.pickle"
    )
    if not path.exists():
        for old in where.glob(f"{stem}*.pickle"):
            with contextlib.suppress(OSError):
                old.unlink()
    return path


def build_parser(name: str, start: str = "start", *, cache: Path | None = None) -> Lark:
    """An LALR parser for ``grammars/<name>.lark``, built or loaded from ``cache`` (Lark
    rebuilds it when the file does not match the grammar and options). Each parse reads
    one log line, so the trees carry no positions (``propagate_positions`` made every
    parse about a third slower)."""
    gdir = grammar_dir()
    return Lark(
        grammar_text(name),
        parser="lalr",
        start=start,
        propagate_positions=False,
        maybe_placeholders=False,
        import_paths=[str(gdir)],
        cache=str(cache) if cache is not None else False,
    )


@functools.cache
def lalr_parser(name: str, start: str = "start") -> Lark:
    """The parser of ``grammars/<name>.lark``, built once per process (and kept in the
    per-user cache between processes, see :func:`cache_dir`)."""
    return build_parser(name, start, cache=cache_file(name, start, grammar_dir()))
