"""Parse the serial console of a test-bed run into per-generation dumps.

The guest (guest_init.sh) prints::

    @@E820SCOPE-FILE gen=N mode=text|hex path=PATH
    ...file content (hex: ``od -An -v -tx1`` output)...
    @@E820SCOPE-END
    @@E820SCOPE-RESULT gen=N event=NAME key=value ...

Kernel console output before /init is split into generations at each ``Linux version``
(which OVMF's ANSI escapes or SeaBIOS's EDD message may precede on the same line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FILE = re.compile(r"@@E820SCOPE-FILE gen=(\d+) mode=(text|hex) path=(\S+)")
_RESULT = re.compile(r"@@E820SCOPE-RESULT gen=(\d+) (.*)$")
_END = "@@E820SCOPE-END"


@dataclass
class Generation:
    """One kernel generation: its console lines, dumped files and result records."""

    gen: int
    console: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    results: list[dict[str, str]] = field(default_factory=list)

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8", "replace")

    def result(self, event: str) -> dict[str, str] | None:
        for r in self.results:
            if r.get("event") == event:
                return r
        return None


def _hex(lines: list[str]) -> bytes:
    return bytes(int(tok, 16) for ln in lines for tok in ln.split())


def parse_console(text: str) -> list[Generation]:
    """Generations in boot order; dumps are attached by their ``gen=`` field."""
    gens: dict[int, Generation] = {}
    kernel_segments: list[list[str]] = []
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _FILE.search(ln)
        if m:
            gen, mode, path = int(m[1]), m[2], m[3]
            body: list[str] = []
            i += 1
            while i < len(lines) and _END not in lines[i]:
                body.append(lines[i])
                i += 1
            if i < len(lines):
                tail = lines[i][: lines[i].index(_END)]
                if tail:
                    body.append(tail)
            g = gens.setdefault(gen, Generation(gen))
            if mode == "hex":
                g.files[path] = _hex(body)
            else:
                g.files[path] = ("\n".join(body) + "\n").encode() if body else b""
            i += 1
            continue
        r = _RESULT.search(ln)
        if r:
            rec = dict(kv.split("=", 1) for kv in r[2].split() if "=" in kv)
            gens.setdefault(int(r[1]), Generation(int(r[1]))).results.append(rec)
        elif "Linux version " in ln:
            kernel_segments.append([ln[ln.index("Linux version ") :]])
        elif kernel_segments:
            kernel_segments[-1].append(ln)
        i += 1
    for n, seg in enumerate(kernel_segments, start=1):
        gens.setdefault(n, Generation(n)).console = seg
    return [gens[k] for k in sorted(gens)]
