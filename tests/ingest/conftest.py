"""Fixtures for the container-layer tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def public(samples: Path) -> Path:
    return samples / "public"


@pytest.fixture(scope="session")
def lab(samples: Path) -> Path:
    return samples / "lab"
