"""Containers not in samples/, built in tmp_path from a real capture's kernel lines.

Each test re-wraps the printk records of samples/lab/stock-6.1-seabios-6g-chain.log in
one container format and checks that the container layer gives back exactly the
original message texts, timestamps and boot boundaries.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_helpers import read_all

from e820scope.ingest import LogLine

LAB = "stock-6.1-seabios-6g-chain.log"


@pytest.fixture(scope="module")
def records(lab: Path) -> list[LogLine]:
    """The printk records (timestamped lines) of the real chain, in order."""
    return [ln for ln in read_all(lab / LAB) if ln.timestamp is not None]


def _boots(recs: list[LogLine]) -> list[list[LogLine]]:
    out: list[list[LogLine]] = []
    for r in recs:
        if r.text.startswith("Linux version") or not out:
            out.append([])
        out[-1].append(r)
    return out


def _write(tmp_path: Path, name: str, lines: list[str], newline: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes(newline.join(lines).encode() + newline.encode())
    return p


def test_records_fixture_is_a_chain(records: list[LogLine]) -> None:
    assert len(_boots(records)) == 5
    assert records[0].text.startswith("Linux version 6.1.0-56-amd64")


def test_kmsg(tmp_path: Path, records: list[LogLine]) -> None:
    lines: list[str] = []
    for boot in _boots(records):
        for seq, r in enumerate(boot):
            usec = round((r.timestamp or 0) * 1e6)
            lines.append(f"6,{seq},{usec},-;{r.text}")
            if seq == 3:
                lines.append(" SUBSYSTEM=acpi")
                lines.append(" DEVICE=+acpi:LNXSYSTM:00")
    got = read_all(_write(tmp_path, "kmsg.txt", lines))
    assert [g.text for g in got] == [r.text for r in records]
    assert [g.timestamp for g in got] == pytest.approx([r.timestamp for r in records])
    hints = [g.text[:13] for g in got if g.boot_hint]
    assert hints == ["Linux version"] * 4  # four sequence resets after the first boot


def test_journal_json_string_and_byte_array_messages(
    tmp_path: Path, records: list[LogLine]
) -> None:
    lines = []
    for b, boot in enumerate(_boots(records)):
        for n, r in enumerate(boot):
            msg: object = list(r.text.encode()) if n % 5 == 0 else r.text
            rec = {
                "__CURSOR": f"s=x;i={n}",
                "_BOOT_ID": f"{b:032x}",
                "_TRANSPORT": "kernel",
                "MESSAGE": msg,
                "__MONOTONIC_TIMESTAMP": str(round((r.timestamp or 0) * 1e6) + 7),
                "_SOURCE_MONOTONIC_TIMESTAMP": str(round((r.timestamp or 0) * 1e6)),
            }
            lines.append(json.dumps(rec))
        lines.append(json.dumps({"_BOOT_ID": f"{b:032x}", "_TRANSPORT": "stdout", "MESSAGE": "x"}))
    got = read_all(_write(tmp_path, "j.json", lines))
    assert [g.text for g in got] == [r.text for r in records]
    assert [g.timestamp for g in got] == pytest.approx([r.timestamp for r in records])
    assert sum(g.boot_hint for g in got) == 4


def test_journal_short_monotonic_and_separators(tmp_path: Path, records: list[LogLine]) -> None:
    lines = ["-- Logs begin at Sun 2026-11-22 00:00:00 UTC, end at Sun 2026-11-22 01:00:00 UTC. --"]
    for b, boot in enumerate(_boots(records)):
        if b:
            lines.append("-- Reboot --" if b % 2 else f"-- Boot {b:032x} --")
        for r in boot:
            lines.append(f"[{r.timestamp:12.6f}] lab kernel: {r.text}")
        lines.append(f"[{99.5:12.6f}] lab systemd[1]: Reached target shutdown.")
    got = read_all(_write(tmp_path, "mono.txt", lines))
    assert [g.text for g in got] == [r.text for r in records]
    assert [g.timestamp for g in got] == pytest.approx([r.timestamp for r in records])
    assert [g.text[:13] for g in got if g.boot_hint] == ["Linux version"] * 4


def test_journal_separator_then_plain_text_starts_no_boot(tmp_path: Path) -> None:
    """journalctl's separator marks a boot only for the next journal record: a pasted
    journal followed by the rest of a document (plain text) gets no boot hint there."""
    lines = [
        "Nov 22 01:07:00 lab kernel: Linux version 6.1.0-56-amd64 (x@y) #1 SMP",
        "-- Reboot --",
        "Nov 22 01:09:00 lab systemd[1]: Started Foo.",
        "",
        "3. Now show the e820 map of the last boot (the kernel's Memory: line too):",
        "-- Reboot --",
        "Nov 22 01:12:00 lab kernel: Linux version 6.1.0-56-amd64 (x@y) #1 SMP",
    ]
    got = read_all(_write(tmp_path, "notes.txt", lines))
    assert [(g.line, g.boot_hint) for g in got if g.boot_hint or "version" in g.text] == [
        (1, False),
        (7, True),
    ]


@pytest.mark.parametrize(
    "prefix",
    [
        "Nov 22 01:07:00 lab kernel: ",  # short / kern.log
        "Nov 22 01:07:00.123456 lab kernel: ",  # short-precise
        "2026-11-22T01:07:00+0000 lab kernel: ",  # short-iso
        "2026-11-22T01:07:00.894704+00:00 lab kernel: ",  # rsyslog RFC 3339
        "gen 22 01:07:00 lab kernel: ",  # Catalan
        "ene 22 01:07:00 lab kernel: ",  # Spanish
        "Mär 22 01:07:00 lab kernel: ",  # German
        "Okt  2 01:07:00 lab kernel: ",
        "[Sun Nov 22 01:07:00 2026] ",  # dmesg -T
        "[07:50:34.978][Moby           ][Info   ] ",  # Docker Desktop's VM console log
    ],
)
def test_wall_clock_prefixes(tmp_path: Path, records: list[LogLine], prefix: str) -> None:
    lines = [prefix + r.text for r in records[:300]]
    lines.insert(5, prefix.replace("kernel: ", "sshd[812]: ") + "Accepted publickey")
    got = read_all(_write(tmp_path, "wall.txt", lines))
    if "kernel" in prefix:
        assert [g.text for g in got] == [r.text for r in records[:300]]
    else:  # dmesg -T has no program tag: the sshd line is just another line
        assert [g.text for g in got if "Accepted" not in g.text] == [r.text for r in records[:300]]
    assert all(g.timestamp is None for g in got)


def test_kern_log_with_printk_time(tmp_path: Path, records: list[LogLine]) -> None:
    lines = [f"Nov 22 01:07:00 lab kernel: [{r.timestamp:12.6f}] {r.text}" for r in records[:50]]
    got = read_all(_write(tmp_path, "kern.log", lines))
    assert [(g.text, g.timestamp) for g in got] == [(r.text, r.timestamp) for r in records[:50]]


@pytest.mark.parametrize(
    "fmt",
    [
        "[{ts:12.6f}][    T0] {text}",  # CONFIG_PRINTK_CALLER
        "[{ts:12.6f}] [    C1] {text}",
        "<6>[{ts:12.6f}] {text}",  # dmesg -r
        "[{ts:12.6f}] <6>{text}",
    ],
)
def test_printk_prefix_variants(tmp_path: Path, records: list[LogLine], fmt: str) -> None:
    lines = [fmt.format(ts=r.timestamp, text=r.text) for r in records[:200]]
    got = read_all(_write(tmp_path, "printk.txt", lines))
    assert [(g.text, g.timestamp) for g in got] == [(r.text, r.timestamp) for r in records[:200]]


@pytest.mark.parametrize(
    "stamp",
    [
        "[2020-10-16 04:19:33] ",  # Qubes guest console log (QubesOS/qubes-issues#6122)
        "[2020-10-16 04:19:33.123] ",
        "[Oct 16 04:19:33] ",  # a console logger's own stamp, another spelling
        "Oct 16 04:19:33 ",  # moreutils ts' default format (no host, no tag)
        "2020-10-16 04:19:33 ",
    ],
)
def test_console_logger_stamp_before_printk_time(
    tmp_path: Path, records: list[LogLine], stamp: str
) -> None:
    """A console logger's bracketed stamp before the printk prefix is peeled, and the
    printk time is the line's (a line after a map then shows the kernel went on)."""
    lines = [f"{stamp}[{r.timestamp:12.6f}] {r.text}" for r in records[:200]]
    lines.insert(0, f"{stamp}Logfile Opened")
    got = read_all(_write(tmp_path, "console.log", lines))
    if got[0].text.endswith("Logfile Opened"):  # the logger's own line (as syslog: not kept)
        assert got[0].timestamp is None
        got = got[1:]
    assert [(g.text, g.timestamp) for g in got] == [(r.text, r.timestamp) for r in records[:200]]


def test_brackets_that_are_no_stamp_stay() -> None:
    """A kernel message that starts with a bracket, without a printk time after it,
    is left whole (and read once: no endless peeling)."""
    from e820scope.ingest.prefixes import strip_line

    for text in ("[Firmware Bug]: TSC_DEADLINE disabled", "[mem 0x1000-0x1fff] reserved"):
        got = strip_line(text)
        assert got is not None and (got.text, got.timestamp) == (text, None)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_only(tmp_path: Path, records: list[LogLine], newline: str) -> None:
    lines = [f"[{r.timestamp:12.6f}] {r.text}" for r in records[:200]]
    got = read_all(_write(tmp_path, "cr.txt", lines, newline))
    assert [g.text for g in got] == [r.text for r in records[:200]]
    assert [g.ref.line for g in got] == list(range(1, 201))


def test_ansi_and_glued_garbage(tmp_path: Path, records: list[LogLine]) -> None:
    first = f"Probing EDD (edd=off to disable)... o[{records[0].timestamp:12.6f}] {records[0].text}"
    lines = [
        "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: starting Boot0001",
        first,
        "\xff\xfe garbage Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc)",
    ]
    p = tmp_path / "g.txt"
    p.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n\xff\xfe\n")
    got = read_all(p)
    assert got[0].text == "BdsDxe: starting Boot0001"
    assert got[1].text == records[0].text and got[1].timestamp == 0.0
    assert got[2].text == "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc)"
    assert got[3].text == "\ufffd\ufffd"  # undecodable bytes never crash


def test_mail_quoting_levels(tmp_path: Path, records: list[LogLine]) -> None:
    quotes = ["> ", ">> ", "> > ", ">"]
    lines = [quotes[i % 4] + f"[{r.timestamp:12.6f}] {r.text}" for i, r in enumerate(records[:40])]
    got = read_all(_write(tmp_path, "q.txt", lines))
    assert [g.text for g in got] == [r.text for r in records[:40]]


def test_qp_detected_from_e820_lines_without_header(tmp_path: Path) -> None:
    lines = [
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usab=",
        "le",
        "[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reser=",
        "ved",
        "[    0.000000] Command line: mem=3D4G",
    ]
    got = read_all(_write(tmp_path, "qp.txt", lines))
    assert [g.text for g in got] == [
        "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
        "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
        "Command line: mem=4G",
    ]
    assert [g.ref.line for g in got] == [1, 3, 5]


def test_type_wrapped_to_next_line_is_rejoined(tmp_path: Path) -> None:
    lines = [
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]",
        "usable",
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007ffdbfff]",
        "[    0.000000] NX (Execute Disable) protection: active",
        " BIOS-e820: 0000000000000000 - 000000000009f000",
        "(usable)",
    ]
    got = read_all(_write(tmp_path, "wrap.txt", lines))
    assert [(g.ref.line, g.text, g.truncated) for g in got] == [
        (1, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable", False),
        (3, "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdbfff]", True),
        (4, "NX (Execute Disable) protection: active", False),
        (5, " BIOS-e820: 0000000000000000 - 000000000009f000 (usable)", False),
    ]


def _container_forms(records: list[LogLine]) -> dict[str, list[str]]:
    """The real chain's records as three containers that wrap each console line:
    Docker's json-file log, a CRI (Kubernetes) container log, and journalctl -o json."""
    docker, cri, journal = [], [], []
    for i, r in enumerate(records):
        line = f"[{r.timestamp:12.6f}] {r.text}"
        when = f"2026-12-07T03:00:{i % 60:02d}.{i:09d}Z"
        docker.append(json.dumps({"log": line + "\r\n", "stream": "stdout", "time": when}))
        cri.append(f"{when} stdout F {line}")
        usec = round((r.timestamp or 0) * 1e6)
        journal.append(
            json.dumps(
                {"_TRANSPORT": "kernel", "MESSAGE": r.text, "__MONOTONIC_TIMESTAMP": str(usec)}
            )
        )
    return {"docker": docker, "cri": cri, "journal": journal}


@pytest.mark.parametrize("form", ["docker", "cri", "journal"])
def test_console_in_container_logs(tmp_path: Path, records: list[LogLine], form: str) -> None:
    """A VM's serial console logged by a container runtime (Docker json-file, CRI) is
    read as the console itself; and in these containers, as in journal JSON, the bare
    kernel lines after a map count (every boot's map is whole, as in the plain log)."""
    from e820scope.model.records import MapStatus
    from e820scope.parse import parse_input

    p = _write(tmp_path, f"{form}.log", _container_forms(records)[form])
    got = read_all(p)
    assert [g.text for g in got] == [r.text for r in records]
    assert [g.timestamp for g in got] == pytest.approx([r.timestamp for r in records])
    plain = _write(tmp_path, "plain.log", [f"[{r.timestamp:12.6f}] {r.text}" for r in records])
    want = parse_input(str(plain)).boots
    boots = parse_input(str(p)).boots
    assert [b.completeness.status for b in boots] == [MapStatus.PRESENT] * len(want)
    assert [[t.entries for t in b.tables] for b in boots] == [
        [t.entries for t in b.tables] for b in want
    ]


@pytest.mark.parametrize("form", ["docker", "journal"])
def test_json_map_then_one_bare_line_is_whole(
    tmp_path: Path, records: list[LogLine], form: str
) -> None:
    """The first boot up to the line after its BIOS-e820 map (``NX (Execute Disable)
    protection: active``, which holds no anchor): that line shows the kernel went on, so
    the map is whole, in JSON containers as in plain text (it was called cut off: their
    lines are read one by one and their marks were not set)."""
    from e820scope.model.records import MapStatus
    from e820scope.parse import parse_input

    last = max(i for i, r in enumerate(records[:200]) if r.text.startswith("BIOS-e820:"))
    assert records[last + 1].text.startswith("NX ")
    p = _write(tmp_path, "j.log", _container_forms(records[: last + 2])[form])
    (boot,) = parse_input(str(p)).boots
    assert boot.completeness.status is MapStatus.PRESENT, boot.completeness.reason


@pytest.mark.parametrize("prefix", ["(XEN) HVM4: ", "(d4) "])
def test_xen_hvm_guest_console_prefix(tmp_path: Path, records: list[LogLine], prefix: str) -> None:
    """A Xen HVM guest's output relayed on the hypervisor's console (Xen <= 4.5
    "(XEN) HVM4: ", 4.6+ "(d4) "): the guest's lines, printk times kept; the
    hypervisor's own "(XEN) " lines are left as they are."""
    lines = [f"{prefix}[{r.timestamp:12.6f}] {r.text}" for r in records[:100]]
    lines.insert(0, "(XEN) Xen-e820 RAM map:")
    got = read_all(_write(tmp_path, "xl-dmesg.txt", lines))
    assert got[0].text == "(XEN) Xen-e820 RAM map:"
    want = [(r.text, r.timestamp) for r in records[:100]]
    assert [(g.text, g.timestamp) for g in got[1:]] == want
