"""Fixtures of the real-VM tests: one OVMF chain and one SeaBIOS chain per session.

They are part of the normal suite (``-m "not vm"`` leaves them out). Outside CI they are
skipped (with the reason) when QEMU, OVMF, the Debian kernel, its headers, busybox-static,
kexec-tools or cpio are missing (``vmtest/install-deps.sh`` installs them); inside CI
(``CI=true``) a missing tool is a failure. Consoles are kept under ``$E820SCOPE_VM_OUT`` (default: a
pytest temporary directory) for inspection.
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

from vmtest.chain import ChainRun, run_chain  # noqa: E402
from vmtest.tools import find_tools  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])

#: generations per chain and load/unload cycles (generation 1 of the OVMF chain)
OVMF_GENERATIONS = 3
SEABIOS_GENERATIONS = 2
STRESS_CYCLES = 200

_TOOLS = find_tools()
IN_CI = os.environ.get("CI", "").lower() == "true"


def requires_vm(func: F) -> F:
    """Mark a test ``vm`` and skip it (outside CI) when the test bed cannot run here."""
    func = pytest.mark.vm(func)
    if _TOOLS.ok or IN_CI:
        return func
    reason = "VM test bed unavailable: missing " + "; ".join(_TOOLS.missing)
    return pytest.mark.skip(reason=reason)(func)  # type: ignore[no-any-return]


def _outdir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    base = os.environ.get("E820SCOPE_VM_OUT")
    return Path(base) / name if base else tmp_path_factory.mktemp(name)


def _need_tools() -> None:
    if not _TOOLS.ok:
        pytest.fail("CI=true but the VM test bed is missing: " + "; ".join(_TOOLS.missing))


@pytest.fixture(scope="session")
def ovmf_chain(tmp_path_factory: pytest.TempPathFactory) -> ChainRun:
    _need_tools()
    return run_chain(
        _TOOLS,
        _outdir(tmp_path_factory, "ovmf"),
        firmware="ovmf",
        generations=OVMF_GENERATIONS,
        stress=STRESS_CYCLES,
    )


@pytest.fixture(scope="session")
def seabios_chain(tmp_path_factory: pytest.TempPathFactory) -> ChainRun:
    _need_tools()
    return run_chain(
        _TOOLS,
        _outdir(tmp_path_factory, "seabios"),
        firmware="seabios",
        generations=SEABIOS_GENERATIONS,
    )
