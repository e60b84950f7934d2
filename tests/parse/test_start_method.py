"""``cold`` only with evidence of a firmware start; ``unknown`` for a first boot without it."""

from __future__ import annotations

from pathlib import Path

from e820scope.ingest import LogLine, log_lines, open_inputs
from e820scope.model.records import SourceRef, StartMethod
from e820scope.parse import parse_input, parse_lines
from e820scope.parse.anchors import ANCHORS

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PATCHED = SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain.log"


def test_ovmf_first_boot_cold_by_efi_stub() -> None:
    # line 1 of the capture (after OVMF's screen escapes):
    # "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
    first = parse_input(str(PATCHED)).boots[0]
    assert first.start.method is StartMethod.COLD
    assert "EFI stub: Loaded initrd" in first.start.evidence
    assert f"{PATCHED}:1," in first.start.evidence
    assert first.first_line == 2  # the firmware line does not belong to the kernel's lines


def test_seabios_first_boot_cold_by_banner() -> None:
    log = SAMPLES / "lab" / "stock-6.1-seabios-6g-chain.log"
    boots = parse_input(str(log)).boots
    assert boots[0].start.method is StartMethod.COLD
    assert "SeaBIOS (version 1.16.2" in boots[0].start.evidence
    # the kexec'd generations print no firmware output
    assert all(b.start.method is StartMethod.KEXEC for b in boots[1:])


def test_dmesg_without_firmware_output_is_unknown() -> None:
    # forum-12: a dmesg pasted from a forum, starting at the kernel banner
    (boot,) = parse_input(str(SAMPLES / "public" / "forum-12.log")).boots
    assert boot.start.method is StartMethod.UNKNOWN
    assert "no sign of a firmware start" in boot.start.evidence
    assert "map starts at 0x0" in boot.start.evidence


def test_boot_after_panic_is_cold() -> None:
    # lkml-10: the kexec_load-started kernel panics at line 354, then a normal boot follows
    first, second = parse_input(str(SAMPLES / "public" / "lkml-10-kexec.log")).boots
    assert first.ended_by == "panic"
    assert second.start.method is StartMethod.COLD
    assert "ended in a kernel panic" in second.start.evidence


def test_grub_before_xen_pv_guest() -> None:
    # xen-25-pv line 2: "Welcome to GRUB!" (pvgrub) before the domU kernel banner
    (boot,) = parse_input(str(SAMPLES / "public" / "xen-25-pv.log")).boots
    assert boot.start.method is StartMethod.COLD
    assert "GRUB" in boot.start.evidence and "xen-25-pv.log:2" in boot.start.evidence


def test_excerpt_from_second_generation_is_kexec_file_load() -> None:
    # The patched chain cut just before generation 2's banner (line 253): no kexec marker
    # is left in the input, but the map reserves generation 1's 112-byte SETUP_EFI node.
    src = open_inputs(str(PATCHED))[0]
    lines = [ln for ln in log_lines(src, anchors=ANCHORS) if 253 <= ln.ref.line < 501]
    (boot,) = parse_lines(lines, "excerpt").boots
    assert boot.start.method is StartMethod.KEXEC_FILE_LOAD
    assert "kexec is not in the log" in boot.start.evidence


def _lines(*texts: str) -> list[LogLine]:
    return [LogLine(SourceRef("c.log", n), t) for n, t in enumerate(texts, 1)]


_MAP = (
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
    "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
)


def test_firmware_output_belongs_to_the_next_banner() -> None:
    boots = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            *_MAP,
            "reboot: Restarting system",
            "SeaBIOS (version 1.16.2)",
            "Probing EDD (edd=off to disable)... ok",
            "Linux version 6.1.0 (x)",
            *_MAP,
        ),
        "c.log",
    ).boots
    assert [b.start.method for b in boots] == [StartMethod.UNKNOWN, StartMethod.COLD]
    assert boots[1].first_line == 8  # the firmware lines do not start boot 2
    assert "'SeaBIOS (version 1.16.2)' at c.log:6" in boots[1].start.evidence


def test_firmware_output_after_kexec_means_the_kexec_failed() -> None:
    boots = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            *_MAP,
            "kexec_core: Starting new kernel",
            'BdsDxe: loading Boot0001 "UEFI QEMU HARDDISK"',
            "Linux version 6.1.0 (x)",
            *_MAP,
        ),
        "c.log",
    ).boots
    assert boots[1].start.method is StartMethod.COLD
    assert "EDK II boot manager" in boots[1].start.evidence


def test_firmware_banner_after_screen_garbage() -> None:
    # OVMF / SeaBIOS clear the screen before their first line; a container layer that
    # leaves the escape sequences in must not turn the banner into an unreadable line
    from e820scope.parse.classify import classify
    from e820scope.parse.facts import FirmwareFact

    for text in (
        "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HEFI stub: Loaded initrd from LINUX_EFI",
        "c[?7l[2J[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)",
    ):
        fact = classify(text)
        assert isinstance(fact, FirmwareFact), text


def test_evidence_names_every_boot_loader_line() -> None:
    # stock-6.1-seabios-2g-boot lines 1-2: SeaBIOS's banner, then its boot menu's
    # "Booting from ROM..." (the banner of line 3 follows "Probing EDD" after screen codes)
    (boot,) = parse_input(str(SAMPLES / "lab" / "stock-6.1-seabios-2g-boot.log")).boots
    ev = boot.start.evidence
    assert boot.start.method is StartMethod.COLD
    assert ev.startswith("started by SeaBIOS, then the BIOS boot menu: ")
    assert "'Booting from ROM...' at samples/lab/stock-6.1-seabios-2g-boot.log:2" in ev.replace(
        str(SAMPLES), "samples"
    )
    # xen-25-pv line 5: GRUB's menu entry after its progress bar
    (xen,) = parse_input(str(SAMPLES / "public" / "xen-25-pv.log")).boots
    assert '"Booting `Default\'" at ' in xen.start.evidence


def test_a_dozen_boot_loader_lines_are_counted() -> None:
    grub = (
        "SeaBIOS (version rel-1.16.3-0-ga6ed6b701f0a-prebuilt.qemu.org)",
        "iPXE (http://ipxe.org) 00:03.0 CA00 PCI2.10 PnP PMM+7EFCB380+7EF0B380 CA00",
        "Booting from Hard Disk...",
        "Welcome to GRUB!",
        "Booting `Debian GNU/Linux'",
        "Loading Linux 6.1.0-56-amd64 ...",
        "Loading initial ramdisk ...",
    )
    boots = parse_lines(_lines(*grub, "Linux version 6.1.0 (x)", *_MAP), "c.log").boots
    (boot,) = boots
    ev = boot.start.evidence
    assert boot.start.method is StartMethod.COLD
    assert ev.startswith("started by SeaBIOS, then iPXE, then the BIOS boot menu, then GRUB: ")
    assert "'Booting from Hard Disk...' at c.log:3" in ev and "and 3 more lines" in ev
    assert boot.first_line == 8


def _crash_then(*capture: str) -> list[LogLine]:
    return _lines(
        "Linux version 6.1.0 (x)",
        *_MAP,
        "sysrq: Trigger a crash",
        "Kernel panic - not syncing: sysrq triggered crash",
        *capture,
    )


def test_kdump_told_by_memmap_exactmap() -> None:
    crashed, capture = parse_lines(
        _crash_then(
            "Linux version 6.1.0 (x)",
            "Command line: ro irqpoll memmap=exactmap memmap=640K@0K memmap=130412K@17024K",
            *_MAP,
        ),
        "c.log",
    ).boots
    assert crashed.ended_by == "panic"
    assert capture.start.method is StartMethod.KDUMP
    assert "memmap=exactmap" in capture.start.evidence
    assert "'sysrq: Trigger a crash' at c.log:5" in capture.start.evidence


def test_kdump_told_by_a_kexec_tools_map_after_a_crash() -> None:
    _, capture = parse_lines(
        _crash_then(
            "Linux version 6.1.0 (x)",
            " BIOS-e820: 0000000000000100 - 000000000009fc00 (usable)",
            " BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)",
        ),
        "c.log",
    ).boots
    assert capture.start.method is StartMethod.KDUMP
    assert "first RAM entry starts at 0x100" in capture.start.evidence


def test_after_a_panic_without_a_command_line_nothing_is_claimed() -> None:
    _, second = parse_lines(_crash_then("Linux version 6.1.0 (x)", *_MAP), "c.log").boots
    assert second.start.method is StartMethod.UNKNOWN
    assert "command line is not in the log" in second.start.evidence


def test_second_firmware_map_without_a_banner_starts_a_boot() -> None:
    # a kdump capture kernel's console appended without its banner (quiet loglevel,
    # or a paste that begins at the map): its map must not become the first boot's
    boots = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            "BIOS-provided physical RAM map:",
            *_MAP,
            "Oops: 0002 [#1] PREEMPT SMP NOPTI",
            "BIOS-provided physical RAM map:",
            " BIOS-e820: 0000000000000100 - 000000000009fc00 (usable)",
            " BIOS-e820: 0000000000100000 - 0000000008000000 (usable)",
            "Command line: ro elfcorehdr=0x7f000000 irqpoll",
        ),
        "c.log",
    ).boots
    first, capture = boots
    assert first.firmware_map is not None and first.firmware_map.entries[-1].end == 0xBFFE0000
    assert first.last_line == 6 and capture.first_line == 7
    assert capture.start.method is StartMethod.KDUMP
    assert capture.firmware_map is not None and capture.firmware_map.entries[0].addr == 0x100


def test_second_headerless_firmware_map_starts_a_boot() -> None:
    boots = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            *_MAP,
            "BIOS-e820: [mem 0x0000000000001000-0x000000000009fbff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable",
        ),
        "c.log",
    ).boots
    assert [len(b.tables) for b in boots] == [1, 1]
    assert boots[1].first_line == 5
