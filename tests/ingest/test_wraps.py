"""Wrapped and encoded lines of pasted logs: types, ranges and command lines split by a
mail client, quoted-printable soft breaks, quote-depth changes, date-time prefixes on a
wrapped part, and entries a reply re-quoted.

Every kernel line here is a real one (samples/lab/stock-6.1-ovmf-2g-boot.log lines 4-18,
samples/public/xen-25-pv.log lines 18-20, samples/public/lkml-02.log's kdump command
line), wrapped the way the mail clients of samples/public (lkml-30, lkml-18) wrap them;
the expected values were read off those sample lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.model.records import Boot, StartMethod
from e820scope.parse import parse_input

_HEAD = "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP\n"
#: stock-6.1-ovmf-2g-boot lines 6-8 and 14 (ACPI NVS / ACPI data entries)
_NVS = "BIOS-e820: [mem 0x0000000000806000-0x0000000000807fff] ACPI NVS"
_NEXT = "BIOS-e820: [mem 0x0000000000808000-0x000000000080ffff] usable"
_DATA = "BIOS-e820: [mem 0x000000007f76c000-0x000000007f77dfff] ACPI data"


def _parse(tmp_path: Path, text: str) -> Boot:
    path = tmp_path / "mail.log"
    path.write_text(text, encoding="utf-8")
    (boot,) = parse_input(str(path)).boots
    return boot


def _types(boot: Boot) -> list[tuple[int, int, int]]:
    fw = boot.firmware_map
    assert fw is not None and fw.complete, fw
    return [(e.addr, e.end, e.type) for e in fw]


_NVS_E = (0x806000, 0x808000, 4)
_NEXT_E = (0x808000, 0x810000, 1)
_DATA_E = (0x7F76C000, 0x7F77E000, 3)


@pytest.mark.parametrize(
    "wrapped",
    [
        # a two-word type split by the mail client
        f"{_NVS[:-4]}\nNVS\n{_NEXT}\n{_DATA[:-5]}\ndata\n",
        # the same at another quote depth on the wrapped part
        f"> {_NVS[:-4]}\n> > NVS\n> {_NEXT}\n> {_DATA[:-5]}\n> > data\n",
        # "[mem" split from its range, and a range split after its "-"
        f"BIOS-e820: [mem\n{_NVS[16:]}\n{_NEXT[:35]}\n{_NEXT[35:]}\n{_DATA}\n",
        # quoted-printable soft breaks inside the type (no MIME header in the paste)
        f"{_NVS[:-7]}=\nCPI NVS\n{_NEXT}\n{_DATA[:-3]}=\nata\n",
    ],
    ids=["two-word-type", "quote-depth", "split-range", "qp-soft-break"],
)
def test_wrapped_entries_are_rejoined(tmp_path: Path, wrapped: str) -> None:
    boot = _parse(
        tmp_path, _HEAD + wrapped + "[    0.000000] last_pfn = 0x7ff78 max_arch_pfn = 0x400000000\n"
    )
    assert _types(boot) == [_NVS_E, _NEXT_E, _DATA_E]
    assert not boot.warnings


def test_era_a_parenthesised_type_split(tmp_path: Path) -> None:
    # lkml-01 line 56's era A form with "(ACPI" / "data)" on two lines
    boot = _parse(
        tmp_path,
        "Linux version 2.6.17.11 (root@h) #4 SMP\n"
        " BIOS-e820: 0000000000000000 - 000000000009f000 (usable)\n"
        " BIOS-e820: 00000000dfee0000 - 00000000dfef0000 (ACPI\ndata)\n"
        " BIOS-e820: 00000000dfef0000 - 00000000dff00000 (ACPI NVS)\n"
        "Memory: 3090068k/3145408k available\n",
    )
    assert [t for *_, t in _types(boot)] == [1, 3, 4]


def test_xen_type_wrapped_under_a_date_time_prefix(tmp_path: Path) -> None:
    # xen-25-pv lines 18-20 as a syslog paste whose wrapped type got its own prefix
    pre = "Jun  2 10:00:01 host kernel: "
    boot = _parse(
        tmp_path,
        f"{pre}Linux version 6.12.21-gentoo-generic (root@san1) #1 SMP\n"
        f"{pre}Xen: [mem 0x0000000000000000-0x000000000009ffff]\n{pre}usable\n"
        f"{pre}Xen: [mem 0x00000000000a0000-0x00000000000fffff] reserved\n"
        f"{pre}Xen: [mem 0x0000000000100000-0x0000000078da2fff]\n{pre}usable\n"
        f"{pre}last_pfn = 0x78da3 max_arch_pfn = 0x400000000\n",
    )
    fw = boot.firmware_map
    assert fw is not None and fw.who == "Xen"
    assert [(e.addr, e.end, e.type) for e in fw] == [
        (0, 0xA0000, 1),
        (0xA0000, 0x100000, 2),
        (0x100000, 0x78DA3000, 1),
    ]


def test_qp_without_header_decodes_the_command_line_and_banner(tmp_path: Path) -> None:
    # lkml-18's QP dmesg, as a paste that lost its MIME header: "=3D" and soft breaks
    boot = _parse(
        tmp_path,
        "[    0.000000] Linux version 5.12.0-devel+ (gcc (Debian 8.3.0-6) 8.3.0, GNU l=\n"
        "d 2.31.1) #1 SMP\n"
        "[    0.000000] Command line: BOOT_IMAGE=3D/isolinux/bzImage loglevel=3D1 sina_=\n"
        "toram console=3Dtty1\n"
        f"[    0.000000] {_NVS}\n[    0.000000] {_NEXT}\n",
    )
    assert boot.cmdline == "BOOT_IMAGE=/isolinux/bzImage loglevel=1 sina_toram console=tty1"
    assert boot.linux_version is not None and "GNU ld 2.31.1" in boot.linux_version


def test_elfcorehdr_on_a_wrapped_continuation_is_kdump(tmp_path: Path) -> None:
    # lkml-02 line 72's kdump command line, wrapped before "elfcorehdr=" by a mail client
    boot = _parse(
        tmp_path,
        " Linux version 2.6.12-rc2-mm3 (rddunlap@gargoyle) #25 Tue Apr 26 17:52:39 PDT 2005\n"
        "Kernel command line: root=/dev/hda9 nosmp console=ttyS0,115200n8 console=tty0 init 1\n"
        "memmap=exactmap memmap=640K@0K memmap=4404K@16384K memmap=60491K@21429K\n"
        "elfcorehdr=21428K\n"
        " BIOS-e820: 0000000000000100 - 000000000009fc00 (usable)\n"
        " BIOS-e820: 0000000000100000 - 0000000004000000 (usable)\n",
    )
    assert boot.cmdline is not None and boot.cmdline.endswith("elfcorehdr=21428K")
    assert boot.start.method is StartMethod.KDUMP
    assert "elfcorehdr=" in boot.start.evidence


def test_requoted_entries_are_merged_and_conflicts_flagged(tmp_path: Path) -> None:
    # a reply that re-quotes the first two entries one level deeper, then goes on
    boot = _parse(
        tmp_path,
        f"> {_HEAD}> [    0.000000] {_NVS}\n> [    0.000000] {_NEXT}\n"
        f"> > [    0.000000] {_NVS}\n> > [    0.000000] {_NEXT}\n"
        f"> [    0.000000] {_DATA}\n"
        "> [    0.000000] BIOS-e820: [mem 0x000000007f77c000-0x000000007f7fdfff] ACPI NVS\n",
    )
    fw = boot.firmware_map
    assert fw is not None
    assert [(e.addr, e.end, e.type) for e in fw][:3] == [_NVS_E, _NEXT_E, _DATA_E]
    assert len(fw) == 4  # the overlapping ACPI NVS entry is kept ...
    merged, clash = sorted(boot.warnings, key=lambda w: "merged" not in w.message)
    assert "repeats the one of line 2 and 1 more exactly: merged" in merged.message
    assert merged.ref is not None and merged.ref.line == 4
    assert "overlaps the entry 0x7f76c000-0x7f77dfff of line 6" in clash.message  # ... flagged


def test_real_qp_body_without_its_header(public: Path) -> None:
    # lkml-31: the QP attachment body alone; its first line is the banner with a soft
    # break ("gcc v=" / "ersion"), types "reser=" / "ved", a 9-line command line
    (boot,) = parse_input(str(public / "lkml-31-qp-nohdr.log")).boots
    assert boot.linux_version is not None and "(gcc version 4.8.1 (Debian 4.8.1-3) )" in (
        boot.linux_version
    )
    assert boot.cmdline is not None and "=3D" not in boot.cmdline
    assert boot.cmdline.startswith("hung_task_panic=1 rcutree.rcu_cpu_stall_timeout=100 ")
    assert boot.cmdline.endswith(
        " BOOT_IMAGE=/kernel/i386-randconfig-x15-0625/"
        "4c5c6fc11ee30ddf47c3772f3b1ec3f76f0e2437/"
        "vmlinuz-3.10.0-rc7-00925-g4c5c6fc"
    )
    fw = boot.firmware_map
    assert fw is not None and fw.complete and len(fw) == 7
    assert [e.type for e in fw] == [1, 2, 2, 1, 2, 2, 2]
    (update, remove) = boot.ops  # "usable =3D=3D> rese=" / "rved" decoded and joined
    assert (update.addr, update.size, update.old_type, update.new_type) == (0, 0x1000, 1, 2)
    assert (remove.addr, remove.size, remove.old_type) == (0xA0000, 0x60000, 1)
    assert [p.last_pfn for p in boot.last_pfn] == [0xFFFE]
