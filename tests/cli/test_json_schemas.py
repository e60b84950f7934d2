"""Every command's JSON document against the JSON Schema shipped in the package, and the
one convention they share (integers with hex beside them, ``end`` exclusive)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.render.json_common import schema_path

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "samples" / "lab"
PATCHED = str(LAB / "patched-6.1-ovmf-4g-chain.log")
GENS = LAB / "patched-6.1-ovmf-4g-chain"
STOCK = str(LAB / "stock-6.1-ovmf-6g-chain.log")
ONE_BOOT = str(LAB / "stock-6.1-ovmf-2g-boot.log")
GUEST_ROOT = REPO / "tests" / "live" / "data" / "ovmf-6.1-gen2-root"
SCHEMAS = ("parse/2", "diff/3", "predict/4", "timeline/4", "live/1", "fleet/1", "error/1")


def validate(doc: dict[str, Any]) -> None:
    """``doc`` against the schema file its ``schema`` field names, and the conventions."""
    schema = json.loads(schema_path(doc["schema"]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    for obj in _objects(doc):
        _check_convention(obj)


def _objects(x: Any) -> Iterator[dict[str, Any]]:
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from _objects(v)
    elif isinstance(x, list):
        for v in x:
            yield from _objects(v)


def _check_convention(o: dict[str, Any]) -> None:
    """A range's ``end`` is exclusive and its hex strings agree with its integers."""
    if {"addr", "size", "end"} <= o.keys():
        assert o["end"] == o["addr"] + o["size"], o
        assert o["addr_hex"] == hex(o["addr"]), o
        assert o["last_hex"] == (hex(o["end"] - 1) if o["size"] else None), o
    for k, v in o.items():
        base = k.removesuffix("_hex")
        if k.endswith("_hex") and base in o and isinstance(o[base], int):
            assert v == hex(o[base]), (k, o)


def run_json(*args: str, code: tuple[int, ...] = (0,)) -> dict[str, Any]:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code in code, r.output
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_files_are_valid_json_schemas(name: str) -> None:
    schema = json.loads(schema_path(f"e820scope.{name}").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == f"e820scope.{name}"


def test_schemas_ship_inside_the_installed_package() -> None:
    import e820scope

    shipped = sorted(p.name for p in (Path(e820scope.__file__).parent / "schemas").glob("*.json"))
    assert shipped == sorted(f"{n.replace('/', '-')}.json" for n in SCHEMAS)


@pytest.mark.parametrize(
    "golden", sorted((REPO / "tests" / "golden" / "parse").glob("*.json")), ids=lambda p: p.stem
)
def test_parse_documents(golden: Path) -> None:
    """The parse goldens are the documents ``parse --json`` writes for every sample."""
    validate(json.loads(golden.read_text(encoding="utf-8")))


def test_parse_cli_document_with_boot_pick() -> None:
    doc = run_json("parse", "--json", f"{PATCHED}#58", ONE_BOOT)
    validate(doc)
    assert [b["label"] for b in doc["boots"]] == [f"{PATCHED}#58", f"{ONE_BOOT}#1"]
    assert doc["inputs"][0]["spec"] == f"{PATCHED}#58" and doc["inputs"][0]["boots"] == 1


@pytest.mark.parametrize(
    "pair",
    [
        (f"{PATCHED}#57", f"{PATCHED}#58"),
        (str(GENS / "gen01.log"), str(GENS / "gen02.log")),
        (f"{STOCK}#1", f"{STOCK}#2"),
        (f"{STOCK}#2", f"{STOCK}#3"),
    ],
    ids=["cap-loss", "first-split", "stock-fixed", "stock-identical"],
)
def test_diff_documents(pair: tuple[str, str]) -> None:
    doc = run_json("diff", "--json", *pair, code=(0, 1))
    validate(doc)


def test_diff_ranges_are_integers_with_end_exclusive() -> None:
    doc = run_json("diff", "--json", f"{PATCHED}#57", f"{PATCHED}#58", code=(1,))
    dropped = doc["handoff"]["dropped"]
    top = max(dropped, key=lambda e: e["addr"])
    # gen 57's kexec table ends with 0x100000000-0x13fffffff usable (1 GiB): dropped
    assert (top["addr"], top["size"], top["end"]) == (1 << 32, 1 << 30, 0x140000000)
    assert top["last_hex"] == "0x13fffffff" and top["type_name"] == "usable"


@pytest.mark.parametrize(
    "args",
    [
        [PATCHED],
        [str(GENS / "gen01.log"), str(GENS / "gen02.log"), str(GENS / "gen03.log")],
        [STOCK],
        ["--kernel", "5.7", "--path", "kexec_file_load", ONE_BOOT],
    ],
    ids=["chain", "three-gens", "never", "one-boot"],
)
def test_predict_documents(args: list[str]) -> None:
    validate(run_json("predict", "--json", *args))


def test_predict_first_loss_range_convention() -> None:
    doc = run_json("predict", "--json", PATCHED)
    first = doc["first_loss"]
    assert first["generation"] == 58
    usable = [e for e in first["dropped"] if e["type_name"] == "usable"]
    assert [(e["addr"], e["end"]) for e in usable] == [(0x100000000, 0x140000000)]


@pytest.mark.parametrize(
    "files",
    [
        [PATCHED],
        [STOCK, ONE_BOOT],
        sorted(str(p) for p in (REPO / "samples/public").glob("lkml-*.log")),
    ],
    ids=["patched", "stock", "public"],
)
def test_timeline_documents(files: list[str]) -> None:
    validate(run_json("timeline", "--json", *files))


def test_timeline_marks_the_panicked_generation() -> None:
    rows = run_json("timeline", "--json", PATCHED)["rows"]
    last = rows[-1]
    assert last["fate"].startswith("panic: Kernel panic - not syncing")
    assert last["ended_by"] == "panic"
    assert all(r["fate"] is None for r in rows[:-1])
    # exact deltas: 1 GiB at gen 58, 7128 KiB at gen 60, 14688232 bytes at gen 63
    deltas = {r["index"]: r["usable_delta_bytes"] for r in rows}
    assert (deltas[58], deltas[60], deltas[63]) == (-(1 << 30), -7128 * 1024, -14688232)


def test_live_documents(tmp_path: Path) -> None:
    doc = run_json("live", "--root", str(GUEST_ROOT), "--json")
    validate(doc)
    assert doc["schema"] == "e820scope.live/1"
    validate(run_json("live", "--root", str(tmp_path), "--json"))


def test_error_document() -> None:
    r = CliRunner().invoke(cli, ["diff", "--json", f"{PATCHED}#1", "nope.log"])
    assert r.exit_code == 2
    validate(json.loads(r.stderr))
