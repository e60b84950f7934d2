"""Every sample's full ``parse --json`` document against its golden file.

Regenerate with ``E820SCOPE_UPDATE_GOLDEN=1`` (then check the diff by eye against the
logs: entry counts, first/last addresses, era, start method, completeness).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from e820scope.parse import parse_input
from e820scope.render.json_out import parse_json

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "parse"
LOGS = sorted((REPO / "samples" / "public").glob("*.log")) + sorted(
    (REPO / "samples" / "lab").glob("*.log")
)


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_golden(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    doc = parse_json([parse_input(log.relative_to(REPO).as_posix())])
    golden = GOLDEN / f"{log.stem}.json"
    if os.environ.get("E820SCOPE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; run with E820SCOPE_UPDATE_GOLDEN=1"
    assert doc == json.loads(golden.read_text(encoding="utf-8"))
