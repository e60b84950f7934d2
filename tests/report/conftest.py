"""Reports made once per test session from the real lab samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "samples" / "lab"
PATCHED = LAB / "patched-6.1-ovmf-4g-chain.log"
STOCK = LAB / "stock-6.1-ovmf-6g-chain.log"


def make_report(out: Path, *args: str) -> str:
    r = CliRunner().invoke(cli, ["report", *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def patched_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "patched.html"
    make_report(out, str(PATCHED))
    return out


@pytest.fixture(scope="session")
def stock_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "stock.html"
    make_report(out, str(STOCK))
    return out
