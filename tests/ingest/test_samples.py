"""Container quirks of every real sample (MANIFEST.tsv), checked line by line.

Expected texts, line numbers and timestamps were read by eye from the sample files
(``sed -n Np samples/...``), not copied from the implementation's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import by_line, read_all


def test_plain_dmesg_timestamps_and_line_numbers(public: Path) -> None:
    lines = by_line(read_all(public / "linuxhw-14.log"))
    assert lines[2].text.startswith("Linux version 5.4.0-58-generic (XXX@XXX)")
    assert lines[2].timestamp == 0.0
    assert lines[16].text == "BIOS-e820: [mem 0x0000000000000000-0x00000000000913ff] usable"
    assert not lines[16].boot_hint and not lines[16].truncated


def test_markdown_wrapped_dmesg_keeps_prose_lines_out_of_the_way(public: Path) -> None:
    lines = by_line(read_all(public / "forum-26-vbox.log"))
    assert lines[28].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
    assert lines[1].text == "---"  # front matter is passed through untouched


def test_tabs_survive(public: Path) -> None:
    texts = [ln.text for ln in read_all(public / "linuxhw-14.log")]
    assert any("\t" in t for t in texts)


def test_non_zero_based_timestamps_kept(public: Path) -> None:
    e801 = by_line(read_all(public / "forum-24-e801.log"))
    assert e801[1].timestamp == pytest.approx(4294667.296)
    assert e801[3].text == " BIOS-e801: 0000000000000000 - 000000000009f000 (usable)"
    assert e801[20].timestamp == 0.0  # "Detected 232.150 MHz processor."
    assert e801[21].timestamp == pytest.approx(19524.579227)
    vaio = by_line(read_all(public / "forum-16.log"))
    assert vaio[25].timestamp == pytest.approx(17179569.184)
    assert vaio[25].text == " BIOS-e820: 0000000000000000 - 000000000009f800 (usable)"


def test_kexec_pair_timestamps(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-10-kexec.log"))
    assert lines[84].text == "Starting new kernel"
    assert lines[84].timestamp == pytest.approx(8655.114721)
    assert lines[85].timestamp == 0.0
    assert lines[85].text.startswith("Linux version 2.6.19.2-xiv-34-x86_64-misc (dan@pro135)")


def test_no_timestamps_console_in_mail(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-11.log"))
    assert lines[42].timestamp is None
    assert lines[44].text == " BIOS-e820: 0000000000000000 - 000000000009dc00 (usable)"


def test_leading_space_linux_version_kept(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-02.log"))
    assert lines[71].text.startswith(" Linux version 2.6.12-rc2-mm3 (rddunlap@gargoyle)")
    assert lines[80].text == " user: 0000000000000000 - 00000000000a0000 (usable)"


def test_serial_screen_border_and_overwritten_tail(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-01.log"))
    assert lines[53].text == "BIOS-provided physical RAM map:"
    assert lines[54].text == " BIOS-e820: 0000000000000000 - 000000000009b000 (usable)"
    assert lines[63].text == " BIOS-e820: 00000000fff80000 - 0000000100000000 (reserved)"


def test_mail_quoting_and_printk_levels(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-04.log"))
    assert lines[53].text == " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)"
    assert lines[83].text.startswith("Memory: 29372k/32768k available (1511k kernel code")


def test_quoted_printable_soft_breaks_and_wrapped_memory_line(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-06.log"))
    assert lines[133].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009abff] usable"
    assert lines[143].text == "BIOS-e820: [mem 0x000000007def0000-0x000000007e0d3fff] ACPI NVS"
    assert 134 not in lines  # the "e" that completed line 133
    assert lines[160].text == "user: [mem 0x0000000000000000-0x000000000009abff] usable"
    assert lines[172].text == (
        "Memory: 1762976K/2061136K available (16394K kernel code, 3568K rwdata, 10328K "
        "rodata, 2676K init, 4924K bss, 297900K reserved, 0K cma-reserved)"
    )
    assert lines[172].timestamp == pytest.approx(0.02552)
    assert 173 not in lines and 174 not in lines
    # "=3D" is "=" and the quoted prose is unquoted
    assert any("mem=4G" in ln.text for ln in lines.values())


def test_quoted_printable_attachment_journal_export(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-18-qp.log"))
    assert lines[158].boot_hint  # first line after "----- New boot: ... ------"
    assert (
        lines[158].text == "microcode: microcode updated early to revision 0xd6, date = 2020-04-27"
    )
    assert lines[160].text.startswith("Linux version 5.12.0-devel+ (thilbrich@ws-3) (gcc")
    assert lines[160].text.endswith("#1 SMP Tue Mar 16 09:39:34 CET 2021")
    assert lines[184].text == "BIOS-e820: [mem 0x0000000000000000-0x0000000000057fff] usable"
    assert lines[265].text == "user: [mem 0x0000000100000000-0x000000065f7fffff] usable"
    assert not any(ln.boot_hint for n, ln in lines.items() if n != 158)
    # the 8bit part before the attachment is not QP-decoded
    assert not any(ln.text.endswith("=") for ln in lines.values() if ln.ref.line > 158)


def test_wdiff_markers_rejoined(public: Path) -> None:
    lines = by_line(read_all(public / "lkml-07-wdiff.log"))
    assert lines[136].text == (
        "BIOS-e820: [mem [-0x0000000000100000-0x0000000065a6efff]-] "
        "{+0x0000000000100000-0x00000000682abfff]+} usable"
    )
    assert 137 not in lines
    assert lines[135].text == "BIOS-e820: [mem 0x000000000009f000-0x00000000000fffff] reserved"


def test_journal_short_localized_month_reboot_and_pager_truncation(public: Path) -> None:
    lines = read_all(public / "notes-05.log")
    d = by_line(lines)
    assert d[18].text == "Linux version 5.8.8-200.fc32.x86_64 (redacted@example.invalid>"
    assert d[18].truncated
    assert d[26].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009ebff] usable"
    assert not d[26].truncated
    assert 16 not in d  # "-- Logs begin at ..." dropped
    # systemd records are not kernel lines
    assert not any("systemd[" in ln.text for ln in lines)
    # its "-- Reboot --" separators sit in a unit's journal (no kernel record follows
    # them) and the document goes on in plain text: no line starts a boot
    assert not any(ln.boot_hint for ln in lines)


def test_journal_prefix_in_shell_notes(public: Path) -> None:
    d = by_line(read_all(public / "notes-08.log"))
    assert d[96].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
    assert d[87].truncated and d[87].text.startswith("Linux version 6.8.0-51-generic")


def test_rfc3339_syslog_and_screen_truncated_entries(public: Path) -> None:
    d = by_line(read_all(public / "notes-09.log"))
    assert d[58].text == "BIOS-provided physical RAM map:"
    assert d[74].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbf]"
    for n in (74, 75, 76, 77):
        assert d[n].truncated, n
    assert not d[58].truncated
    assert 96 not in d  # "kodekloud systemd[1]: ..." is not a kernel line


def test_bsd_syslog_with_other_programs(public: Path) -> None:
    lines = read_all(public / "syslog-17.log")
    d = by_line(lines)
    assert d[69].text.startswith("Linux version 2.4.9-13 (redacted@example.invalid)")
    assert d[71].text == " BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)"
    # other programs' records (syslogd, syslog) are not kernel lines; klogd's banner
    # is logged with the kernel tag and stays
    assert 61 not in d and 62 not in d and 65 not in d
    assert d[63].text == "klogd 1.4.1, log source = /proc/kmsg started."


def test_era_d_double_space_kept(public: Path) -> None:
    d = by_line(read_all(public / "lkml-15-newfmt.log"))
    assert d[182].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff]  System RAM"


def test_garbage_glued_before_timestamp(public: Path) -> None:
    d = by_line(read_all(public / "blog-23-jailhouse.log"))
    assert d[2].text.startswith("Linux version 5.14.0-rc2+ (codetronaut@Thinkpad)")
    assert d[2].timestamp == 0.0


@pytest.mark.parametrize(
    ("name", "line", "text"),
    [
        ("blog-13.log", 30, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"),
        ("forum-12.log", 175, " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)"),
        ("linuxmm-20-kdump.log", 130, " BIOS-e820: 0000000000000100 - 000000000009f400 (usable)"),
        ("notes-03.log", 35, "BIOS-e820: [mem 0x0000000000000000-0x0000000000057fff] usable"),
        ("linuxhw-19.log", 20, "BIOS-e820: [mem 0x0000000000000000-0x000000000009efff] usable"),
        (
            "readme-21-firecracker.log",
            12,
            "BIOS-e820: [mem 0x0000000000100000-0x000000003e7fffff] usable",
        ),
        ("xen-25-pv.log", 18, "Xen: [mem 0x0000000000000000-0x000000000009ffff] usable"),
    ],
)
def test_first_entries(public: Path, name: str, line: int, text: str) -> None:
    assert by_line(read_all(public / name))[line].text == text


def test_ovmf_ansi_and_earlyprintk_without_timestamps(lab: Path) -> None:
    d = by_line(read_all(lab / "patched-6.1-ovmf-4g-chain.log"))
    assert d[1].text == "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
    assert d[2].text.startswith("Linux version 6.1.192 (root@vm)")
    assert d[2].timestamp is None  # earlyprintk, before printk time is on
    assert d[5].text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable"
    assert "\r" not in d[5].text


def test_console_handover_duplicates_dropped(lab: Path) -> None:
    d = by_line(read_all(lab / "patched-6.1-ovmf-4g-chain.log"))
    assert d[122].text == "printk: console [ttyS0] enabled"
    assert 123 not in d
    assert d[124].text == "printk: bootconsole [earlyser0] disabled"
    assert 125 not in d
    assert d[126].text == "ACPI: Core revision 20220331"


def test_seabios_garbage_and_lone_cr(lab: Path) -> None:
    d = by_line(read_all(lab / "stock-6.1-seabios-2g-boot.log"))
    assert d[1].text == "SeaBIOS (version 1.16.2-debian-1.16.2-1)"
    assert d[3].text.startswith("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)")
    assert d[3].timestamp == 0.0


def test_every_sample_reads(samples: Path) -> None:
    for f in sorted(samples.glob("*/*.log")):
        lines = read_all(f)
        assert lines, f
        for path in {ln.ref.path for ln in lines}:  # several machines' consoles: per source
            nums = [ln.ref.line for ln in lines if ln.ref.path == path]
            assert nums == sorted(set(nums)), (f, path)
        assert all("\r" not in ln.text and "\x1b" not in ln.text for ln in lines), f


def test_userspace_console_lines_pass_through(public: Path) -> None:
    d = by_line(read_all(public / "blog-13.log"))
    assert d[151].text == "[  OK  ] Listening on Journal Socket (/dev/log)."
    assert d[151].timestamp is None


def test_non_monotonic_timestamps_kept(public: Path) -> None:
    d = by_line(read_all(public / "readme-21-firecracker.log"))
    assert d[1].text.startswith("root@ubuntu-VirtualBox:")  # the shell prompt line
    assert d[108].timestamp == pytest.approx(0.392007)
    assert d[109].timestamp == pytest.approx(0.004)  # a secondary CPU goes back in time
    assert d[112].text == "smp: Brought up 1 node, 2 CPUs"
