"""A sosreport or a ``live --root`` dump is a boundary; damaged files degrade, never crash.

The hostile trees are built here from the real dump in tests/live/data and the lab
logs in samples/: links pointing out of the tree, FIFOs, devices, deep nesting, invalid
UTF-8, directories where files belong, inconsistent ranges.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.errors import InputError
from e820scope.ingest.reader import log_lines, open_inputs

from .conftest import write

REPO = Path(__file__).resolve().parents[2]
DUMP = REPO / "tests/live/data/ovmf-6.1-gen2-root"
LOG = REPO / "samples/lab/stock-6.1-seabios-2g-boot.log"
#: a line only the analyst's own "host" log holds: it must never be read
SECRET = "Linux version 9.9.9-ANALYST-HOST"


def _outside(tmp_path: Path) -> Path:
    """A directory outside the tree holding logs and files that must never be read."""
    out = tmp_path / "elsewhere"
    write(out / "log/dmesg", f"[    0.000000] {SECRET}\n".encode() + LOG.read_bytes())
    write(out / "kernel/dmesg", f"[    0.000000] {SECRET}\n".encode())
    write(out / "secret", f"{SECRET}\n".encode())
    return out


def _sosreport(tmp_path: Path) -> Path:
    root = tmp_path / "sosreport-host"
    (root / "sos_commands/logs").mkdir(parents=True)
    (root / "var/log").mkdir(parents=True)
    return root


def _live(args: list[str]) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout, r.stderr


def _parse(path: Path) -> tuple[int, str, str]:
    return _live(["parse", str(path)])


# ---- sosreport directories ---------------------------------------------------------


@pytest.mark.parametrize("link", ["var/log", "sos_commands/kernel"])
def test_linked_directory_is_not_followed(tmp_path: Path, link: str) -> None:
    out, root = _outside(tmp_path), _sosreport(tmp_path)
    write(root / "var/crash/1/vmcore-dmesg.txt", LOG.read_bytes())
    target = out / ("log" if link == "var/log" else "kernel")
    shutil.rmtree(root / link, ignore_errors=True)
    (root / link).symlink_to(target)
    rc, stdout, stderr = _parse(root)
    assert rc == 0, stderr
    assert SECRET not in stdout + stderr and "9.9.9" not in stdout
    assert "var/crash/1/vmcore-dmesg.txt" in stdout


def test_linked_log_file_is_not_read(tmp_path: Path) -> None:
    out, root = _outside(tmp_path), _sosreport(tmp_path)
    (root / "sos_commands/kernel").mkdir()
    (root / "sos_commands/kernel/dmesg").symlink_to(out / "log/dmesg")
    rc, stdout, stderr = _parse(root)
    assert rc == 2 and SECRET not in stdout + stderr
    assert "without a kernel log" in stderr


def test_link_swapped_in_after_listing_is_not_followed(tmp_path: Path) -> None:
    """The file is opened without following links, not checked then opened by path."""
    out, root = _outside(tmp_path), _sosreport(tmp_path)
    write(root / "var/log/dmesg", LOG.read_bytes())
    src = open_inputs(str(root))[-1]
    (root / "var/log/dmesg").unlink()
    (root / "var/log/dmesg").symlink_to(out / "log/dmesg")
    with pytest.raises(InputError) as ei:
        list(log_lines(src))
    assert "symbolic link" in str(ei.value) and SECRET not in str(ei.value)


def test_deep_nesting_is_walked_iteratively(tmp_path: Path) -> None:
    root = _sosreport(tmp_path)
    write(root / "var/log/dmesg", LOG.read_bytes())
    chain = [root / "var/log"]
    for _ in range(1000):  # used to end in RecursionError (exit 70)
        chain.append(chain[-1] / "d")
        chain[-1].mkdir()
    write(chain[-1] / "messages", b"x\n")
    try:
        rc, stdout, stderr = _parse(root)
        assert rc == 0, stderr
        assert "var/log/dmesg" in stdout
    finally:  # bottom up: shutil.rmtree (pytest's clean-up) recurses once per level
        (chain[-1] / "messages").unlink()
        for d in reversed(chain[1:]):
            d.rmdir()


def _with_timeout(fn: object, seconds: float = 20) -> None:
    t = threading.Thread(target=fn, daemon=True)  # type: ignore[arg-type]
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked on a special file"


def test_fifo_and_device_are_never_opened(tmp_path: Path) -> None:
    root = _sosreport(tmp_path)
    (root / "sos_commands/kernel").mkdir()
    os.mkfifo(root / "sos_commands/kernel/dmesg")
    os.mkfifo(root / "var/log/dmesg")
    with contextlib.suppress(PermissionError):  # not root: the FIFOs still tell
        os.mknod(root / "var/log/messages", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    write(root / "var/log/kern.log", LOG.read_bytes())
    got: list[tuple[int, str, str]] = []
    _with_timeout(lambda: got.append(_parse(root)))
    rc, stdout, stderr = got[0]
    assert rc == 0, stderr
    assert "var/log/kern.log" in stdout


# ---- live --root dumps -------------------------------------------------------------


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    root = tmp_path / "dump"
    shutil.copytree(DUMP, root, symlinks=True)
    return root


def _live_ok(root: Path) -> tuple[str, str]:
    got: list[tuple[int, str, str]] = []
    _with_timeout(lambda: got.append(_live(["live", "--root", str(root)])))
    rc, stdout, stderr = got[0]
    assert rc == 0, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return stdout, stderr


def test_iomem_directory_and_invalid_utf8(dump: Path) -> None:
    (dump / "proc/iomem").unlink()
    (dump / "proc/iomem").mkdir()
    (dump / "proc/sys/kernel/osrelease").write_bytes(b"6.1.0-\xff\xfe-amd64\n")
    stdout, stderr = _live_ok(dump)
    assert "proc/iomem: a directory, not a regular file" in stderr
    assert "osrelease: not UTF-8 text (byte 0xff at offset 6)" in stderr
    assert "sysfs memmap" in stdout  # the rest is still shown


def test_fifo_boot_params_does_not_hang(dump: Path) -> None:
    data = dump / "sys/kernel/boot_params/data"
    data.unlink()
    os.mkfifo(data)
    stdout, stderr = _live_ok(dump)
    assert "boot_params/data: a FIFO, not a regular file" in stderr
    assert "boot_params:" not in stdout


def test_linked_module_status_is_not_read(dump: Path, tmp_path: Path) -> None:
    out = _outside(tmp_path)
    status = dump / "sys/kernel/e820scope/status"
    status.unlink()
    status.symlink_to(out / "secret")
    stdout, stderr = _live_ok(dump)
    assert SECRET not in stdout + stderr
    assert "status: a symbolic link (not followed)" in stderr


def test_linked_sys_is_not_followed(dump: Path, tmp_path: Path) -> None:
    """A link in the middle of a path (sys -> elsewhere) is not followed either."""
    out = tmp_path / "other-sys"
    shutil.move(dump / "sys", out)
    (dump / "sys").symlink_to(out)
    stdout, stderr = _live_ok(dump)
    assert "sysfs memmap" not in stdout and "memmap: absent" in stderr


def test_inconsistent_and_malformed_memmap_entries(dump: Path) -> None:
    mm = dump / "sys/firmware/memmap"
    (mm / "0/end").write_text("0x0\n")
    (mm / "0/start").write_text("0x9ffff\n")
    (mm / "1/start").write_text("banana\n")
    shutil.rmtree(mm / "2")
    (mm / "2").write_text("not a directory")
    stdout, stderr = _live_ok(dump)
    assert "memmap/0: end 0x0 is below start 0x9ffff; entry left out" in stderr
    assert "memmap/1/start: expected a number, found 'banana'" in stderr
    assert "memmap/2: a regular file, expected a directory" in stderr
    assert "-0x" in stdout and "entries" in stdout
    r = CliRunner().invoke(cli, ["live", "--root", str(dump), "--json"])
    doc = json.loads(r.stdout)
    assert all(e["size"] > 0 for e in doc["sysfs_memmap"]["entries"])
    assert len(doc["warnings"]) == 3


def test_damaged_module_table_leaves_the_others(dump: Path) -> None:
    t = dump / "sys/kernel/e820scope/e820_table_firmware"
    t.write_bytes(t.read_bytes().replace(b"usable", b"gibberish", 1))
    stdout, stderr = _live_ok(dump)
    assert "e820_table_firmware:2: unknown e820 type 'gibberish'; table left out" in stderr
    assert "e820_table_kexec" in stdout


def test_escapes_in_dump_strings_are_escaped(dump: Path) -> None:
    (dump / "sys/firmware/memmap/0/type").write_text("System RAM\x1b]0;PWNED\x07\n")
    stdout, stderr = _live_ok(dump)
    assert "\x1b" not in stdout + stderr


def test_a_special_file_is_never_opened(tmp_path: Path) -> None:
    """Not even non-blocking: a writer waiting on the FIFO is never met by a reader."""
    from e820scope.boundary import Boundary, OutsideError

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer() -> None:
        with fifo.open("wb"):  # blocks until someone opens the FIFO for reading
            opened.set()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    with pytest.raises(OutsideError, match="a FIFO, not a regular file"):
        Boundary(tmp_path).open("fifo")
    assert not opened.wait(0.5), "the FIFO was opened"
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release the writer
    t.join(5)
