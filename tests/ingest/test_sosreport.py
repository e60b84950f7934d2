"""sosreport directories and tarballs, built in tmp_path from the real samples."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from pathlib import Path

import pytest
import zstandard
from ingest_helpers import read_all

from e820scope.errors import InputError
from e820scope.ingest import log_lines, open_inputs
from e820scope.ingest.sosreport import select

ROOT = "sosreport-lab-2026-11-22-abcdef"


def _layout(samples: Path) -> dict[str, bytes]:
    """A real-looking sosreport: a crashed kernel, its kdump kernel, the current boot."""
    lab, public = samples / "lab", samples / "public"
    current = (lab / "stock-6.1-ovmf-2g-boot.log").read_bytes()
    return {
        "version.txt": b"sosreport: 4.5.6\n",
        "sos_commands/kernel/dmesg": current,
        "sos_commands/kernel/dmesg_-T": current,
        "sos_commands/kernel/uname_-a": b"Linux lab 6.1.0-56-amd64 x86_64 GNU/Linux\n",
        "sos_commands/logs/journalctl_--disk-usage": b"Archived and active journals take up 8M\n",
        "var/crash/127.0.0.1-2026-11-21-10:00:00/vmcore-dmesg.txt": (
            lab / "stock-6.1-seabios-2g-boot.log"
        ).read_bytes(),
        "var/crash/127.0.0.1-2026-11-21-10:00:00/kexec-dmesg.log": (
            public / "linuxmm-20-kdump.log"
        ).read_bytes(),
        "var/log/dmesg.1.gz": gzip.compress((public / "linuxhw-19.log").read_bytes()),
        "var/log/messages": (public / "syslog-17.log").read_bytes(),
    }


EXPECTED = [
    "var/crash/127.0.0.1-2026-11-21-10:00:00/vmcore-dmesg.txt",
    "var/crash/127.0.0.1-2026-11-21-10:00:00/kexec-dmesg.log",
    "var/log/dmesg.1.gz",
    "sos_commands/kernel/dmesg",
]


def _make_dir(base: Path, files: dict[str, bytes]) -> Path:
    root = base / ROOT
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def _make_tar(path: Path, files: dict[str, bytes], extra: tuple[tarfile.TarInfo, ...] = ()) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for rel, data in files.items():
            ti = tarfile.TarInfo(f"{ROOT}/{rel}")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        for ti in extra:
            tf.addfile(ti, io.BytesIO(b"x" * ti.size) if ti.size else None)
    raw = buf.getvalue()
    name = path.name
    if name.endswith(".gz"):
        raw = gzip.compress(raw)
    elif name.endswith(".xz"):
        raw = lzma.compress(raw)
    elif name.endswith(".zst"):
        raw = zstandard.ZstdCompressor().compress(raw)
    path.write_bytes(raw)


def test_select_order() -> None:
    assert select(_layout_names()) == EXPECTED


def _layout_names() -> list[str]:
    return [
        "sos_commands/kernel/dmesg_-T",
        "sos_commands/kernel/dmesg",
        "var/log/messages",
        "var/log/dmesg.1.gz",
        "var/crash/127.0.0.1-2026-11-21-10:00:00/kexec-dmesg.log",
        "var/crash/127.0.0.1-2026-11-21-10:00:00/vmcore-dmesg.txt",
        "sos_commands/logs/journalctl_--disk-usage",
    ]


def test_select_falls_back_to_journal_then_messages() -> None:
    assert select(
        [
            "sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
            "sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-1",
            "sos_commands/logs/journalctl_--list-boots",
            "var/log/messages",
        ]
    ) == [
        "sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-1",
        "sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
    ]
    assert select(["var/log/messages", "var/log/messages-1", "var/log/kern.log"]) == [
        "var/log/kern.log"
    ]
    assert select(["var/log/messages", "var/log/messages-1", "var/log/messages-2.gz"]) == [
        "var/log/messages-2.gz",
        "var/log/messages-1",
        "var/log/messages",
    ]


def test_sosreport_directory(tmp_path: Path, samples: Path) -> None:
    root = _make_dir(tmp_path, _layout(samples))
    for spec in (root, tmp_path):  # the report itself, or the folder it was unpacked in
        srcs = open_inputs(str(spec))
        assert [s.name for s in srcs] == [str(root / p) for p in EXPECTED]
    lines = read_all(root)
    first = [ln for ln in lines if ln.text.startswith("Linux version")]
    assert first[0].ref.path.endswith("vmcore-dmesg.txt")
    assert first[0].text.startswith("Linux version 6.1.0-56-amd64")
    assert first[-1].ref.path.endswith("sos_commands/kernel/dmesg")


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz", ".tar.xz", ".tar.zst"])
def test_sosreport_tarball(tmp_path: Path, samples: Path, suffix: str) -> None:
    tb = tmp_path / f"sos{suffix}"
    files = _layout(samples)
    _make_tar(tb, files)
    srcs = open_inputs(str(tb))
    assert [s.name for s in srcs] == [f"{tb}!/{p}" for p in EXPECTED]
    # each member reads exactly like the same file on disk (compressed member too)
    plain = _make_dir(tmp_path / "unpacked", files)
    for src, rel in zip(srcs, EXPECTED, strict=True):
        got = [(ln.ref.line, ln.text) for ln in log_lines(src)]
        want = [(ln.ref.line, ln.text) for ln in read_all(plain / rel)]
        assert got == want, rel
        assert got


def test_unsafe_tarball_refused(tmp_path: Path, samples: Path) -> None:
    evil = tarfile.TarInfo(f"{ROOT}/../x")
    evil.size = 1
    tb = tmp_path / "evil.tar"
    _make_tar(tb, _layout(samples), (evil,))
    with pytest.raises(InputError, match="escaping"):
        open_inputs(str(tb))
    absolute = tarfile.TarInfo("/etc/x")
    absolute.size = 1
    _make_tar(tb, _layout(samples), (absolute,))
    with pytest.raises(InputError, match="absolute"):
        open_inputs(str(tb))


def test_links_and_devices_never_read(tmp_path: Path, samples: Path) -> None:
    link = tarfile.TarInfo(f"{ROOT}/var/crash/x/vmcore-dmesg.txt")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/shadow"
    dev = tarfile.TarInfo(f"{ROOT}/var/log/dmesg.7")
    dev.type = tarfile.CHRTYPE
    tb = tmp_path / "links.tar"
    _make_tar(tb, _layout(samples), (link, dev))
    names = [s.name for s in open_inputs(str(tb))]
    assert names == [f"{tb}!/{p}" for p in EXPECTED]


def test_directory_that_is_not_a_sosreport(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    with pytest.raises(InputError, match="not a sosreport"):
        open_inputs(str(tmp_path))


def test_tarball_that_is_not_a_sosreport(tmp_path: Path) -> None:
    tb = tmp_path / "other.tar"
    with tarfile.open(tb, "w") as tf:
        ti = tarfile.TarInfo("src/main.c")
        ti.size = 3
        tf.addfile(ti, io.BytesIO(b"x\n\n"))
    with pytest.raises(InputError, match="not a sosreport"):
        open_inputs(str(tb))
