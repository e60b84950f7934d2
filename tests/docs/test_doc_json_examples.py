"""The JSON examples in docs/ are real output: each ```json block follows a
``<!-- json-example: COMMAND -->`` line; the test runs COMMAND and checks that the
example is an excerpt of what it prints (every key with the same value, list items in
order, lists possibly cut short) and that the example itself is valid against the
document's JSON Schema (so every object in it is whole)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.render.json_common import schema_path

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted((REPO / "docs").glob("*.md"))
_EXAMPLE = re.compile(r"<!-- json-example: (.+?) -->\n```json\n(.*?)^```", re.S | re.M)


def examples() -> list[tuple[str, str, str]]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        found = _EXAMPLE.findall(text)
        # every json block is an example with its command
        assert text.count("```json") == len(found), f"{doc.name}: a json block without a command"
        out.extend((doc.name, cmd, body) for cmd, body in found)
    return out


EXAMPLES = examples()


def is_excerpt(example: Any, real: Any, where: str = "$") -> None:
    """Fail unless ``example`` is ``real`` with lists cut (items kept in order)."""
    if isinstance(example, dict):
        assert isinstance(real, dict), where
        for k, v in example.items():
            assert k in real, f"{where}.{k}: not in the real output"
            is_excerpt(v, real[k], f"{where}.{k}")
    elif isinstance(example, list):
        assert isinstance(real, list), where
        k = 0
        for i, item in enumerate(example):
            while k < len(real):
                try:
                    is_excerpt(item, real[k], f"{where}[{i}]")
                    break
                except AssertionError:
                    k += 1
            else:
                pytest.fail(f"{where}[{i}]: no matching item in the real output (in order)")
            k += 1
    else:
        assert example == real, f"{where}: {example!r} != {real!r}"


def test_docs_have_examples() -> None:
    assert {d for d, _, _ in EXAMPLES} >= {"diff.md", "predict.md", "json.md"}


def test_excerpt_check_catches_changes() -> None:
    real = {"a": [{"x": 1}, {"x": 2}, {"x": 3}], "b": "t"}
    is_excerpt({"a": [{"x": 1}, {"x": 3}]}, real)
    for bad in ({"a": [{"x": 3}, {"x": 1}]}, {"a": [{"x": 4}]}, {"b": "u"}, {"c": 1}):
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            is_excerpt(bad, real)


@pytest.mark.parametrize(
    ("doc", "cmd", "body"), EXAMPLES, ids=[f"{d}:{c[:40]}" for d, c, _ in EXAMPLES]
)
def test_example_is_real_and_valid(
    doc: str, cmd: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    argv = shlex.split(cmd)
    assert argv[0] == "e820scope" and "--json" in argv
    r = CliRunner().invoke(cli, argv[1:])
    assert r.exit_code in (0, 1), r.output
    real = json.loads(r.stdout)
    example = json.loads(body)  # no comments, pastes as it is
    is_excerpt(example, real)
    schema = json.loads(schema_path(example["schema"]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(example)
