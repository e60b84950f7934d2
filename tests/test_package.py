"""The installed package carries its grammars and its console script."""

from __future__ import annotations

import shutil
import subprocess

from e820scope.grammar.loader import grammar_dir


def test_grammars_are_shipped() -> None:
    names = {p.name for p in grammar_dir().glob("*.lark")}
    assert names, f"no .lark files in {grammar_dir()}"


def test_console_script_runs() -> None:
    exe = shutil.which("e820scope")
    assert exe, "the e820scope console script is not on PATH"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("e820scope, version ")
