"""The installed package carries its grammars, its console script and (where required) its
native seam."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from e820scope import _native
from e820scope.grammar.loader import grammar_dir


def test_grammars_are_shipped() -> None:
    names = {p.name for p in grammar_dir().glob("*.lark")}
    assert names, f"no .lark files in {grammar_dir()}"


def test_console_script_runs() -> None:
    exe = shutil.which("e820scope")
    assert exe, "the e820scope console script is not on PATH"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("e820scope, version ")


def test_native_seam_built_when_required() -> None:
    """CI sets E820SCOPE_REQUIRE_SPEEDUPS=1: the native seam must be in use there."""
    if not os.environ.get("E820SCOPE_REQUIRE_SPEEDUPS"):
        pytest.skip("E820SCOPE_REQUIRE_SPEEDUPS is not set (pure Python is allowed)")
    if os.environ.get("E820SCOPE_PURE"):
        pytest.skip("E820SCOPE_PURE=1 asks for the pure-Python twin")
    assert _native.load() is not None


def test_pure_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    assert _native.load() is None


NATIVE_SRC = sorted((Path(__file__).resolve().parents[1] / "src/e820scope/_native").glob("*.c"))


@pytest.mark.parametrize("source", NATIVE_SRC, ids=lambda p: p.name)
def test_c_sources_compile_without_warnings(source: Path) -> None:
    """hatch_build.py compiles without -Werror (a new compiler's new warning must not
    break an install); warnings are kept out of the sources here instead."""
    include = sysconfig.get_paths()["include"]
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None or not (Path(include) / "Python.h").is_file():
        pytest.skip("no C compiler or no Python headers")
    flags = ["-fsyntax-only", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"]
    proc = subprocess.run(
        [cc, *flags, f"-I{include}", str(source)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


REPO = Path(__file__).resolve().parents[1]


def test_sdist_ships_what_the_tests_and_users_read(tmp_path: Path) -> None:
    """The sdist holds docs/, contrib/, the changelog and everything the test suite
    reads (the fuzz harness, bootstrap.sh, .ci/run), built as a packager would
    (``python -m build --sdist``; --no-isolation: hatchling is a dev dependency)."""
    import importlib.util
    import sys
    import tarfile

    if importlib.util.find_spec("build") is None or importlib.util.find_spec("hatchling") is None:
        pytest.skip("build and hatchling are dev dependencies (./bootstrap.sh --dev)")
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (sdist,) = out.glob("e820scope-*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    wanted = [
        *(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md")),
        *(p.relative_to(REPO).as_posix() for p in (REPO / "contrib").rglob("*") if p.is_file()),
        "CHANGELOG.md",
        "SECURITY.md",
        "README.md",
        "bootstrap.sh",
        ".ci/run",
        "fuzz/harness.py",
        "grammars/e820.lark",
        "src/e820scope/schemas/timeline-4.json",
    ]
    assert len(wanted) > 12
    missing = [w for w in wanted if w not in names]
    assert not missing, f"not in {sdist.name}: {missing}"
