#!/usr/bin/env python3
"""Scrub personal data from a public log before it goes into samples/.

Keeps every line (so line numbers in goldens and manifests stay valid) and every byte of
kernel output; replaces e-mail addresses, mail header values that name people or carry
tracking ids, "X wrote:" attributions, UUIDs and syslog host names.

Usage: tools/scrub_sample.py IN OUT
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

EMAIL = re.compile(rb"[A-Za-z0-9._%+=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
UUID = re.compile(
    rb"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
HEADER = re.compile(
    rb"^(From|To|Cc|CC|Reply-To|Sender|Autocrypt|Message-I[Dd]|In-Reply-To|References|"
    rb"Return-Path|Received|DKIM-Signature|ARC-[A-Za-z-]+|X-[A-Za-z0-9-]+|List-[A-Za-z-]+|"
    rb"Delivered-To|Authentication-Results|Openpgp):"
)
WROTE = re.compile(rb"^((?:>\s*)*On .*?,) .* (wrote|writes):\s*$")
SYSLOG_HOST = re.compile(
    rb"^((?:[A-Z][a-z]{2}\s+\d+|\d{4}-\d\d-\d\dT[0-9:.+-]+) ?[0-9:]{0,8}\s)(\S+)(\s+kernel:)"
)
GENERIC_HOSTS = {b"localhost", b"localhost.localdomain", b"ubuntu", b"debian"}


def scrub(data: bytes) -> bytes:
    out: list[bytes] = []
    in_header = False
    for line in data.split(b"\n"):
        body = line.rstrip(b"\r")
        m = HEADER.match(body)
        if m:
            in_header = True
            line = m.group(1) + b": [scrubbed]" + line[len(body) :]
        elif in_header and body[:1] in (b" ", b"\t") and body.strip():
            line = b" [scrubbed]" + line[len(body) :]
        else:
            in_header = False
            line = EMAIL.sub(b"redacted@example.invalid", line)
            line = WROTE.sub(rb"\1 [scrubbed] \2:", line)
            hm = SYSLOG_HOST.match(line)
            if hm and hm.group(2) not in GENERIC_HOSTS:
                line = hm.group(1) + b"host" + line[hm.end(2) :]
        line = UUID.sub(b"00000000-0000-0000-0000-000000000000", line)
        out.append(line)
    return b"\n".join(out)


def main() -> None:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    dst.write_bytes(scrub(src.read_bytes()))


if __name__ == "__main__":
    main()
