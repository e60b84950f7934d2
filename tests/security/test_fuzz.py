"""The fuzz harness in the repo: every kept finding stays fixed; a short run is clean.

The deterministic built-in mutator is used here (atheris is not needed for the test
suite); `.ci/run` also runs a coverage-guided run with atheris (fuzz/README.md).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "fuzz/harness.py"
#: inputs per target in the test run (the live target copies a dump per input)
RUNS = {"parse": 300, "container": 300, "live": 60}


@pytest.fixture(scope="module")
def harness() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("e820scope_fuzz_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    mod._outside()
    yield mod
    shutil.rmtree(mod._WORK, ignore_errors=True)
    del sys.modules[spec.name]


def _regressions() -> list[tuple[str, Path]]:
    base = HARNESS.parent / "regressions"
    return [(d.name, p) for d in sorted(base.iterdir()) for p in sorted(d.iterdir())]


@pytest.mark.parametrize(("target", "path"), _regressions(), ids=lambda v: getattr(v, "name", v))
def test_kept_finding_stays_fixed(harness: ModuleType, target: str, path: Path) -> None:
    harness.run_one(target, path.read_bytes())


@pytest.mark.parametrize("target", sorted(RUNS))
def test_short_run_finds_nothing(harness: ModuleType, target: str, tmp_path: Path) -> None:
    found = harness.run_plain(target, RUNS[target], seed=1, crashes=tmp_path)
    assert found == 0, sorted(p.name for p in tmp_path.iterdir())
