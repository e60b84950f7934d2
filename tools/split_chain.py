#!/usr/bin/env python3
"""Cut one multi-boot console capture into one file per boot (genNN.log).

Usage: tools/split_chain.py CAPTURE OUTDIR [N ...]

Boot N's file holds the capture's lines from the line after boot N-1's range (line 1
for the first boot, so firmware output before the first banner stays with it) up to
the line before boot N+1's first line, exactly as recorded (the boots are found by
e820scope's parser).
Without N, every boot is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from e820scope.parse import parse_input


def main() -> None:
    capture, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    wanted = {int(n) for n in sys.argv[3:]}
    boots = parse_input(str(capture)).boots
    lines = capture.read_bytes().split(b"\n")
    outdir.mkdir(parents=True, exist_ok=True)
    for i, boot in enumerate(boots):
        if wanted and boot.index not in wanted:
            continue
        start = boots[i - 1].last_line + 1 if i else 1
        end = boots[i + 1].first_line - 1 if i + 1 < len(boots) else len(lines)
        chunk = lines[start - 1 : end]
        (outdir / f"gen{boot.index:02d}.log").write_bytes(b"\n".join(chunk) + b"\n")


if __name__ == "__main__":
    main()
