"""The README and --help stay in step with the commands (sqlite-utils' test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


def test_every_command_is_registered() -> None:
    assert set(COMMANDS) >= {"parse", "diff", "timeline", "predict", "plot", "simulate", "live"}


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_is_in_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert len(cli.commands[name].help or "") > 40, f"{name} needs real help text"
    assert f"e820scope {name}" in README, f"README does not mention `e820scope {name}`"


def test_exit_codes_in_help_match_readme() -> None:
    out = CliRunner().invoke(cli, ["--help"]).output
    section = out.split("Exit codes:", 1)[1]
    help_codes = set(re.findall(r"^\s+(\d+)\s+\w", section, re.M))
    readme_codes = set(re.findall(r"^\| (\d+) \|", README, re.M))
    assert help_codes == readme_codes == {"0", "1", "2", "3", "4", "70"}


def _options(name: str) -> dict[str, click.Option]:
    """Every option of command ``name`` by each of its names (``-j``, ``--jobs``...)."""
    out: dict[str, click.Option] = {}
    for p in cli.commands[name].params:
        if isinstance(p, click.Option):
            out.update(dict.fromkeys((*p.opts, *p.secondary_opts), p))
    return out


@pytest.mark.parametrize("name", COMMANDS)
def test_shared_option_names_mean_one_thing(name: str) -> None:
    """-q is --quiet, -j is --jobs, --json and --csv are flags, in every command that
    has them (fleet's -j was --workers alone)."""
    opts = _options(name)
    pairs = {"-q": "--quiet", "-j": "--jobs"}
    for short, long in pairs.items():
        if short in opts or long in opts:
            assert opts.get(short) is opts.get(long), f"{name}: {short} is not {long}"
    for flag in ("--json", "--csv", "--quiet"):
        if flag in opts:
            assert opts[flag].is_flag, f"{name}: {flag} takes a value"


@pytest.mark.parametrize("name", COMMANDS)
def test_json_schema_of_the_help_is_documented(name: str) -> None:
    """The schema version --json's help names is the one docs/json.md lists for the
    command, and its schema file ships."""
    from e820scope.render.json_common import schema_path

    opts = _options(name)
    if "--json" not in opts:
        return
    found = re.search(r"schema (e820scope\.\w+/\d+)", opts["--json"].help or "")
    assert found, f"{name} --json help names no schema"
    schema = found.group(1)
    table = (REPO / "docs" / "json.md").read_text(encoding="utf-8")
    assert f"| `{schema}` | `{name} --json` |" in table
    assert schema_path(schema).is_file()
