"""Shared fixtures. Tests import the installed e820scope (``./bootstrap.sh --dev``)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

import e820scope

REPO = Path(__file__).resolve().parents[1]

# `.venv/bin/python -m pytest` does not put .venv/bin on PATH: make the console script
# installed beside this interpreter the one subprocess tests find.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
SAMPLES = REPO / "samples"

# Built Lark parsers go to a cache of this test run (subprocesses inherit it), not to
# the user's ~/.cache; tests/parse/test_grammar_cache.py tests the cache itself.
if "E820SCOPE_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="e820scope-test-cache-")
    os.environ["E820SCOPE_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str:
    return f"e820scope imported from {Path(e820scope.__file__).parent}"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


if os.environ.get("E820SCOPE_TEST_INSTALLED"):
    # CI must exercise the installed package, not the source tree.
    assert "site-packages" in e820scope.__file__, e820scope.__file__
