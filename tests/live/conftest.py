from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).with_name("data")


@pytest.fixture(scope="session")
def live_data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def gen2_root() -> Path:
    return DATA / "ovmf-6.1-gen2-root"
