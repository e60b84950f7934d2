"""Every sample's full ``parse --json`` document against its golden file.

Regenerate with ``E820SCOPE_UPDATE_GOLDEN=1`` (then check the diff by eye against the
logs: entry counts, first/last addresses, era, start method, completeness).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from e820scope.model.records import Boot, E820Entry, E820Table, SourceRef, TableKind
from e820scope.parse import parse_input
from e820scope.render.json_out import boot_json, boot_text, parse_json

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


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_boot_text_is_the_dump_of_boot_json(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``parse --json`` writes each boot with the memoised ``boot_text``: it must be the
    very text ``json.dumps`` makes of ``boot_json`` (the object the goldens check)."""
    monkeypatch.chdir(REPO)
    spec = log.relative_to(REPO).as_posix()
    for b in parse_input(spec).boots:
        assert boot_text(b, spec) == json.dumps(boot_json(b, spec))


def test_boot_text_of_odd_entries() -> None:
    """Entries without a line, type text needing escapes, an empty table, a slot-like
    string in a field before the tables."""
    ref = SourceRef("odd.log", 7)
    odd = E820Table(
        TableKind.FIRMWARE,
        "BIOS-e820",
        (
            E820Entry(0, 0x9F000, 1, 'us"able\\ \u00e9', ref),
            E820Entry(0x100000, 0x1000, 2, "reserved"),
            E820Entry(0x200000, 0x1000, 12, "persistent (type 12)", ref),
        ),
        first_ref=ref,
        last_ref=ref,
    )
    empty = E820Table(TableKind.KEXEC_FILE_MEMMAP, "kexec", ())
    boot = Boot(
        index=1,
        source="odd.log",
        first_line=1,
        last_line=9,
        cmdline='x="tables": [] "entries": []',
        tables=(odd, empty),
    )
    assert boot_text(boot, "odd.log") == json.dumps(boot_json(boot, "odd.log"))
