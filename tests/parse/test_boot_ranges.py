"""Boot line ranges at a bare ``Linux version`` banner, and replays folded into their boot."""

from __future__ import annotations

from pathlib import Path

from e820scope.model import Severity
from e820scope.parse import parse_input


def _write(tmp_path: Path, name: str, *parts: str) -> Path:
    f = tmp_path / name
    f.write_text("".join(parts), encoding="utf-8")
    return f


def test_banner_split_ends_previous_boot_before_the_banner(samples: Path, tmp_path: Path) -> None:
    # Two consoles without timestamps, one after the other: the second banner is the only
    # boot marker, and it belongs to the second boot.
    first = (samples / "public" / "lkml-01.log").read_text(encoding="utf-8")
    second = (samples / "public" / "lkml-11.log").read_text(encoding="utf-8")
    f = _write(tmp_path, "two.log", first, second)
    lines = f.read_text(encoding="utf-8").splitlines()
    banners = [n for n, line in enumerate(lines, 1) if line.startswith("Linux version")]
    assert len(banners) == 2
    boots = parse_input(str(f)).boots
    assert len(boots) == 2 and boots[0].ended_by == "next_boot"
    assert boots[1].first_line == banners[1]
    assert boots[0].last_line == banners[1] - 1


def test_dmesg_replayed_on_the_console_is_part_of_the_boot(samples: Path, tmp_path: Path) -> None:
    # A real console, then the same boot's log printed again (as `dmesg` on the console
    # prints it: from [    0.000000]); then the machine kexecs into the next generation.
    chain = samples / "lab" / "patched-6.1-ovmf-4g-chain"
    gen1 = (chain / "gen01.log").read_text(encoding="utf-8")
    gen2 = (chain / "gen02.log").read_text(encoding="utf-8")
    console, _, tail = gen1.partition("kexec_core: Starting new kernel")
    # the kernel's own lines: from the banner (firmware output is not in dmesg) to where
    # userspace starts
    banner = console.index("Linux version")
    kernel_lines = console[banner:].split("LAB-", 1)[0].splitlines()
    # dmesg prints every line with its time; the early (bootconsole) lines have 0.000000
    replay = "\n".join(ln if ln.startswith("[") else f"[    0.000000] {ln}" for ln in kernel_lines)
    f = _write(
        tmp_path,
        "replay.log",
        console,
        replay,
        "\n[    9.000000] kexec_core: Starting new kernel",
        tail,
        gen2,
    )
    boots = parse_input(str(f)).boots
    assert len(boots) == 2, [(b.first_line, b.last_line) for b in boots]
    one, two = boots
    assert one.index == 1 and two.index == 2
    assert one.ended_by == "kexec"
    notes = [w for w in one.warnings if "replay this boot's kernel log" in w.message]
    assert len(notes) == 1 and notes[0].severity is Severity.INFO
    assert two.start.method.value == "kexec_file_load"


def test_the_same_vm_booted_twice_is_two_boots(samples: Path, tmp_path: Path) -> None:
    # Same kernel, command line and map, but SeaBIOS output before the second banner:
    # a genuine reboot, never folded as a replay.
    log = (samples / "lab" / "stock-6.1-seabios-2g-boot.log").read_text(encoding="utf-8")
    boots = parse_input(str(_write(tmp_path, "twice.log", log, log))).boots
    assert len(boots) == 2
    fa, fb = boots[0].firmware_map, boots[1].firmware_map
    assert fa is not None and fb is not None and fa.entries == fb.entries
