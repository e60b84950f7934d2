from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import Generation, generations
from e820scope.model.records import Boot

PATCHED = "patched-6.1-ovmf-4g-chain.log"


@pytest.fixture(scope="session")
def patched_boots(samples: Path) -> list[Boot]:
    return load_boots([str(samples / "lab" / PATCHED)])


@pytest.fixture(scope="session")
def patched_gens(patched_boots: list[Boot]) -> list[Generation]:
    """All 64 observed generations of the real chain (for checking, not for predicting)."""
    return generations(patched_boots)
