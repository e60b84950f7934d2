"""The README and --help stay in step with the commands (sqlite-utils' test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

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
