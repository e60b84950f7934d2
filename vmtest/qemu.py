"""Run one QEMU VM (TCG, -smp 1) and capture its serial console to a file.

KVM does not work on the project's machines (docs/lab.md), so this always uses TCG. The
guest powers itself off; ``-no-reboot`` turns a reset or a panic with ``panic=-1`` into
an exit; a timeout kills QEMU by its PID.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .tools import Tools


@dataclass(frozen=True)
class VmRun:
    console: Path
    wall_s: float
    returncode: int | None  #: None = killed on timeout

    def text(self) -> str:
        return self.console.read_text(encoding="utf-8", errors="replace")


def run_vm(
    tools: Tools,
    *,
    firmware: str,
    kernel: Path,
    initrd: Path,
    append: str,
    console: Path,
    mem: str = "4G",
    timeout_s: float = 600.0,
    stop_on: bytes | None = None,
) -> VmRun:
    """Boot ``kernel`` + ``initrd`` under ``firmware`` (``seabios`` | ``ovmf``).

    ``stop_on``: end QEMU as soon as the console shows this text. A panic inside
    setup_arch() happens before ``panic=`` is parsed, so the guest spins instead of
    rebooting; the lab passes ``b"end Kernel panic"``.
    """
    if tools.qemu is None:
        raise RuntimeError("qemu-system-x86_64 not installed")
    with tempfile.TemporaryDirectory(prefix="e820scope-vm.") as tmp:
        fw: list[str] = []
        if firmware == "ovmf":
            if not (tools.ovmf_code and tools.ovmf_vars):
                raise RuntimeError("OVMF not installed")
            vars_copy = Path(tmp) / "vars.fd"
            shutil.copy2(tools.ovmf_vars, vars_copy)
            fw = [
                "-drive",
                f"if=pflash,format=raw,unit=0,readonly=on,file={tools.ovmf_code}",
                "-drive",
                f"if=pflash,format=raw,unit=1,file={vars_copy}",
            ]
        elif firmware != "seabios":
            raise ValueError(f"firmware must be seabios or ovmf, not {firmware!r}")
        args = [
            str(tools.qemu),
            "-accel",
            "tcg",
            "-m",
            mem,
            "-smp",
            "1",
            "-nographic",
            "-monitor",
            "none",
            "-no-reboot",
            "-net",
            "none",
            *fw,
            "-serial",
            f"file:{console}",
            "-kernel",
            str(kernel),
            "-initrd",
            str(initrd),
            "-append",
            append,
        ]
        t0 = time.monotonic()
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        rc: int | None = None
        seen = 0
        while time.monotonic() - t0 < timeout_s:
            try:
                rc = proc.wait(timeout=2.0)
                break
            except subprocess.TimeoutExpired:
                pass
            if stop_on is not None and console.exists():
                with console.open("rb") as fh:
                    fh.seek(max(0, seen - len(stop_on)))
                    chunk = fh.read()
                    seen = fh.tell()
                if stop_on in chunk:
                    proc.terminate()  # SIGTERM: QEMU exits with rc 0
                    rc = proc.wait()
                    break
        else:
            proc.kill()
        _, err = proc.communicate()
        if rc:
            console.with_suffix(".qemu-stderr").write_bytes(err)
        return VmRun(console, time.monotonic() - t0, rc)
