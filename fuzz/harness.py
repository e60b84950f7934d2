#!/usr/bin/env python3
"""Fuzz e820scope's public entry points with hostile bytes.

Targets (each takes one input as bytes; see fuzz/README.md):

* ``parse``: the bytes as a log file -> ``parse_input`` -> the text and JSON renderers;
* ``container``: the first byte picks a wrapping (plain, gzip, xz, bzip2, zstd, a
  sosreport tarball member, as-is), the rest is the content -> ``open_inputs`` and every
  line of every source;
* ``live``: the bytes are edits to a copy of a real ``live --root`` dump (replace a
  file's content, put a directory, FIFO, link out of the tree or nothing in its place)
  -> ``take_snapshot`` and both renderers.

A user-facing :class:`~e820scope.errors.E820ScopeError` is a correct answer; any other
exception, output holding text from outside the tree, or raw control characters in
rendered text is a finding. With atheris installed the run is coverage-guided
(libFuzzer); without it a deterministic mutator over the same seeds runs the same
targets, so CI can run a fixed number of inputs anywhere.

    python fuzz/harness.py TARGET [--runs N] [--seed S] [--crashes DIR] [-- libFuzzer args]
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import random
import shutil
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REGRESSIONS = HERE / "regressions"
DUMP = REPO / "tests/live/data/ovmf-6.1-gen2-root"
#: seeds are cut to this many bytes (a whole lab log makes an input too slow to mutate)
SEED_BYTES = 24 << 10
#: the one line no output may hold: it is only in a file outside the fuzzed tree
SECRET = "OUTSIDE-THE-TREE-4f1c"

try:  # coverage-guided when atheris is there
    import atheris

    with atheris.instrument_imports(include=["e820scope"]):
        import e820scope.ingest.reader as reader
        import e820scope.live.snapshot as snapshot
        import e820scope.parse.api as api
except ImportError:
    atheris = None
    import e820scope.ingest.reader as reader
    import e820scope.live.snapshot as snapshot
    import e820scope.parse.api as api

# after the instrumented imports above, so that atheris sees every e820scope module
import zstandard  # noqa: E402

from e820scope.cli.live_cmd import render_text, snapshot_json  # noqa: E402
from e820scope.errors import E820ScopeError  # noqa: E402
from e820scope.render.json_out import parse_json  # noqa: E402
from e820scope.render.text_tables import render_parsed  # noqa: E402
from e820scope.safe_text import escape_block  # noqa: E402

_WORK = Path(tempfile.mkdtemp(prefix="e820scope-fuzz-"))


class Finding(AssertionError):
    """The target misbehaved on this input (not an error a user is meant to see)."""


def _file(name: str, data: bytes) -> Path:
    p = _WORK / name
    p.write_bytes(data)
    return p


def _check_text(out: str) -> None:
    if escape_block(out) != out:
        raise Finding("raw control characters in rendered text")
    if SECRET in out:
        raise Finding("text from outside the tree in the output")


# ---- parse ---------------------------------------------------------------------------


def target_parse(data: bytes) -> None:
    p = _file("input.log", data)
    try:
        parsed = api.parse_input(p)
    except E820ScopeError:
        return
    render_parsed([parsed])
    json.dumps(parse_json([parsed]))


# ---- container -----------------------------------------------------------------------

_WRAP: list[Callable[[bytes], bytes]] = [
    lambda b: b,
    gzip.compress,
    lzma.compress,
    bz2.compress,
    lambda b: zstandard.ZstdCompressor().compress(b),
]


def _sosreport_tar(name: bytes, body: bytes) -> bytes:
    raw = io.BytesIO()
    member = "sosreport-h/sos_commands/kernel/dmesg" + name.decode("utf-8", "replace")[:40]
    with tarfile.open(fileobj=raw, mode="w:gz") as tf:
        for n, d in ((member, body), ("sosreport-h/sos_commands/logs/x", b"")):
            info = tarfile.TarInfo(n)
            info.size = len(d)
            tf.addfile(info, io.BytesIO(d))
    return raw.getvalue()


def target_container(data: bytes) -> None:
    if not data:
        return
    how, body = data[0] % 8, data[1:]
    if how < len(_WRAP):
        blob = _WRAP[how](body)
    elif how == len(_WRAP):
        cut = body.find(b"\n")
        blob = _sosreport_tar(body[: max(cut, 0)], body[cut + 1 :])
    else:
        blob = body  # as-is: may itself be a tarball or a compressed stream
    p = _file("input.bin", blob)
    try:
        for src in reader.open_inputs(p):
            for _ in reader.log_lines(src):
                pass
    except E820ScopeError:
        return


# ---- live ----------------------------------------------------------------------------

_DUMP_FILES = sorted(str(p.relative_to(DUMP)) for p in DUMP.rglob("*") if p.is_file())


def _edits(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """(file, operation, content) records: [file byte][op byte][length byte][content].

    The file byte indexes the dump's sorted file list; 255 means the content starts
    with the path and a NUL (kept regressions use that form: it survives new files).
    """
    at = 0
    while at + 3 <= len(data):
        f, op, n = data[at], data[at + 1], data[at + 2]
        content = data[at + 3 : at + 3 + n]
        rel = _DUMP_FILES[f % len(_DUMP_FILES)]
        if f == 255 and b"\0" in content:
            name, _, content = content.partition(b"\0")
            rel = name.decode("utf-8", "replace").lstrip("/").replace("..", "_")
        yield rel, op % 6, content
        at += 3 + n


def _apply(root: Path, rel: str, op: int, content: bytes) -> None:
    """Edit ``rel``: 0 new content, 1 a directory, 2 a FIFO, 3 a link to a secret file,
    4 its directory a link to a directory of secrets, 5 removed. Only below ``root``."""
    parts = [x for x in Path(rel).parts if x not in ("", ".", "..", "/")]
    if not parts or (op == 4 and len(parts) < 2):
        return
    p = root.joinpath(*parts)
    if op == 4:
        p = p.parent
    if p.is_symlink() or p.is_file() or p.is_fifo():
        p.unlink()
    elif p.is_dir():
        shutil.rmtree(p)
    if op == 0:
        p.write_bytes(content)
    elif op == 1:
        p.mkdir()
    elif op == 2:
        os.mkfifo(p)
    elif op == 3:
        p.symlink_to(_WORK / "secret")
    elif op == 4:
        p.symlink_to(_WORK / "elsewhere")


def _outside() -> None:
    """Files outside the fuzzed tree, every one holding :data:`SECRET`."""
    (_WORK / "secret").write_text(SECRET + "\n")
    (_WORK / "elsewhere").mkdir(exist_ok=True)
    for rel in _DUMP_FILES:
        (_WORK / "elsewhere" / Path(rel).name).write_text(SECRET + "\n")


def target_live(data: bytes) -> None:
    root = _WORK / "dump"
    if root.exists():
        shutil.rmtree(root)  # edits stay below it: it is never a link itself
    shutil.copytree(DUMP, root, symlinks=True)
    for rel, op, content in _edits(data):
        with contextlib.suppress(OSError):
            _apply(root, rel, op, content)
    snap = snapshot.take_snapshot(root)  # never raises, whatever the tree holds
    text = "\n".join([*render_text(snap), *snap.missing, *snap.warnings])
    _check_text(escape_block(text))  # the CLI escapes; nothing from outside may be there
    if SECRET in json.dumps(snapshot_json(snap)):
        raise Finding("text from outside the tree in the JSON")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "parse": target_parse,
    "container": target_container,
    "live": target_live,
}


# ---- seeds and the two drivers ---------------------------------------------------------


def seeds(target: str) -> list[bytes]:
    """Samples from samples/ and the repo's test data, plus every kept regression."""
    logs = sorted((REPO / "samples").glob("*/*.log"))
    out = [p.read_bytes()[:SEED_BYTES] for p in logs]
    if target == "container":
        out = [bytes([i % 8]) + b for i, b in enumerate(out)]
    elif target == "live":
        out = [bytes([i, 0, 40]) + b[:40] for i, b in enumerate(out)] + [
            bytes([f, op, 0]) for f in range(len(_DUMP_FILES)) for op in range(1, 6)
        ]
    reg = REGRESSIONS / target
    out += [p.read_bytes() for p in sorted(reg.glob("*")) if p.is_file()] if reg.is_dir() else []
    return out


def run_one(target: str, data: bytes) -> None:
    """Run one input; :class:`Finding` (or any unexpected exception) is a failure."""
    TARGETS[target](data)


def _mutate(rng: random.Random, pool: list[bytes]) -> bytes:
    b = bytearray(rng.choice(pool))
    for _ in range(rng.randint(1, 8)):
        k = rng.randrange(7)
        at = rng.randrange(len(b) + 1)
        if k == 0 and b:
            b[min(at, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif k == 1 and b:
            b[min(at, len(b) - 1)] = rng.choice(b"\x00\xff\n\r=[]-:<>\x1b\x7f0")
        elif k == 2:
            other = rng.choice(pool)
            s = rng.randrange(len(other) + 1)
            b[at:at] = other[s : s + rng.randint(1, 200)]
        elif k == 3:
            del b[at : at + rng.randint(1, 64)]
        elif k == 4:
            b[at:at] = b[at : at + rng.randint(1, 64)] * rng.randint(2, 50)
        elif k == 5:
            del b[at:]
        else:
            b[at:at] = rng.choice([b"e820", b"BIOS-e820: ", b"[mem 0x", b"=\n", b"\x00", b"\xc3("])
    return bytes(b)


def run_plain(target: str, runs: int, seed: int, crashes: Path) -> int:
    """Deterministic mutation without atheris; returns the number of findings."""
    rng = random.Random(seed)
    pool = seeds(target)
    found = 0
    t0 = time.monotonic()
    for i in range(runs):
        data = pool[i] if i < len(pool) else _mutate(rng, pool)
        try:
            run_one(target, data)
        except Exception as exc:  # every failure is kept
            found += 1
            crashes.mkdir(parents=True, exist_ok=True)
            out = crashes / f"{target}-{seed}-{i}"
            out.write_bytes(data)
            print(f"finding {out}: {type(exc).__name__}: {exc}", file=sys.stderr)
    took = time.monotonic() - t0
    print(f"fuzz {target}: {runs} inputs, {found} findings, {took:.1f} s", file=sys.stderr)
    return found


def run_atheris(target: str, runs: int, libfuzzer_args: list[str]) -> None:
    assert atheris is not None
    corpus = _WORK / f"corpus-{target}"
    corpus.mkdir(exist_ok=True)
    for i, s in enumerate(seeds(target)):
        (corpus / f"seed-{i}").write_bytes(s)

    def one(data: bytes) -> None:
        run_one(target, data)

    argv = [sys.argv[0], *libfuzzer_args, str(corpus)]
    if runs:
        argv.insert(1, f"-runs={runs}")
    atheris.Setup(argv, one)
    atheris.Fuzz()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", choices=[*TARGETS, "all"])
    ap.add_argument("--runs", type=int, default=1000, help="inputs per target (0: forever)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plain", action="store_true", help="the built-in mutator even with atheris")
    ap.add_argument("--crashes", type=Path, default=Path("fuzz-findings"))
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    libfuzzer = argv[cut + 1 :]  # after --: arguments for libFuzzer
    try:
        _outside()
        names = list(TARGETS) if a.target == "all" else [a.target]
        if atheris is not None and not a.plain and len(names) == 1:
            run_atheris(names[0], a.runs, libfuzzer)
            return 0
        return 1 if sum(run_plain(n, a.runs, a.seed, a.crashes) for n in names) else 0
    finally:
        shutil.rmtree(_WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
