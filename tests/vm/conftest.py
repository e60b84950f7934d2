"""Fixtures of the real-VM tests: the kernel matrix (vmtest/matrix.py), one VM at a time.

They are part of the normal suite (``-m "not vm"`` leaves them out). Outside CI they are
skipped (with the reason) when QEMU, OVMF, busybox-static, kexec-tools or cpio are
missing (``vmtest/install-deps.sh`` installs them); inside CI (``CI=true``) a missing tool
is a failure. The kernels themselves are fetched from Debian's registry on first use
(vmtest/kernels.py). ``E820SCOPE_VM_KERNELS=6.12`` (comma-separated) limits the matrix;
consoles are kept under ``$E820SCOPE_VM_OUT`` (default: a pytest temporary directory).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # vmtest/ lives at the top of the repository
    sys.path.insert(0, str(REPO))

from vmtest.kernels import BY_NAME  # noqa: E402
from vmtest.matrix import Scenario, run_scenario, scenarios  # noqa: E402
from vmtest.tools import find_tools  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])

_TOOLS = find_tools()
IN_CI = os.environ.get("CI", "").lower() == "true"
#: what the VM tests need besides the kernels (those come from vmtest.kernels)
_BED_MISSING = [m for m in _TOOLS.missing if "vmlinuz" not in m and "linux-headers" not in m]


def selected_kernels() -> list[str]:
    env = os.environ.get("E820SCOPE_VM_KERNELS", "")
    names = [n.strip() for n in env.split(",") if n.strip()] or list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise pytest.UsageError(f"E820SCOPE_VM_KERNELS: {unknown} not in {list(BY_NAME)}")
    return names


def matrix_params() -> list[Any]:
    """(kernel, scenario) pairs of the selected kernels, as pytest params with ids."""
    return [
        pytest.param(k, sc, id=f"{k}-{sc.name}") for k in selected_kernels() for sc in scenarios(k)
    ]


def requires_vm(func: F) -> F:
    """Mark a test ``vm`` and skip it (outside CI) when the test bed cannot run here."""
    func = pytest.mark.vm(func)
    if not _BED_MISSING or IN_CI:
        return func
    reason = "VM test bed unavailable: missing " + "; ".join(_BED_MISSING)
    return pytest.mark.skip(reason=reason)(func)  # type: ignore[no-any-return]


class MatrixRuns:
    """Runs each (kernel, scenario) once per session, on first use."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows: dict[tuple[str, str], dict[str, object]] = {}

    def get(self, kernel: str, sc: Scenario) -> dict[str, object]:
        key = (kernel, sc.name)
        if key not in self.rows:
            if _BED_MISSING:
                pytest.fail("CI=true but the VM test bed is missing: " + "; ".join(_BED_MISSING))
            self.rows[key] = run_scenario(_TOOLS, kernel, sc, self.out)
        return self.rows[key]

    def text(self, kernel: str, sc: Scenario) -> str:
        row = self.get(kernel, sc)
        return Path(str(row["console"])).read_text(encoding="utf-8", errors="replace")


_RUNS: list[MatrixRuns] = []


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> MatrixRuns:
    base = os.environ.get("E820SCOPE_VM_OUT")
    runs = MatrixRuns(Path(base) / "matrix" if base else tmp_path_factory.mktemp("matrix"))
    _RUNS.append(runs)
    return runs


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Time per kernel of the matrix (QEMU wall time of its scenarios)."""
    for runs in _RUNS:
        per_kernel: dict[str, float] = {}
        for (kernel, name), row in sorted(runs.rows.items()):
            wall = float(str(row["wall_s"]))
            per_kernel[kernel] = per_kernel.get(kernel, 0.0) + wall
            terminalreporter.write_line(
                f"vm {kernel:>5} {name:<20} {wall:6.1f} s  rc={row['qemu_rc']}"
            )
        for kernel, total in per_kernel.items():
            terminalreporter.write_line(f"vm {kernel:>5} total {total:6.1f} s")
