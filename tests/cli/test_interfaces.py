"""The same interface in every command (issue 17): ``FILE#N`` and stdin naming, ``FILE...``
usage, unwritable ``-o`` paths, missing options named at once, shell completion of file
names, and where ``live --load`` finds the module sources."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import e820scope
from e820scope.cli.main import cli
from e820scope.live.load import default_kmod_dir, kmod_candidates

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "samples" / "lab"
PATCHED = str(LAB / "patched-6.1-ovmf-4g-chain.log")
ONE_BOOT = str(LAB / "stock-6.1-ovmf-2g-boot.log")
READERS = ("parse", "diff", "timeline", "predict", "plot", "simulate", "report")


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), input=stdin, prog_name="e820scope")
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("name", [n for n in READERS if n != "diff"])
def test_usage_says_file_dots(name: str) -> None:
    out = CliRunner().invoke(cli, [name, "--help"], prog_name="e820scope").output
    assert f"Usage: e820scope {name} [OPTIONS] FILE..." in out


def test_file_n_in_parse_and_timeline() -> None:
    code, out, _ = run("parse", f"{PATCHED}#2")
    assert code == 0
    assert out.startswith(f"{PATCHED}#2  lines 253-509  Linux 6.1.192  started: kexec_file_load")
    assert f"{PATCHED}#1 " not in out and f"{PATCHED}#3 " not in out
    code, out, _ = run("timeline", f"{PATCHED}#57", f"{PATCHED}#58")
    assert code == 0
    rows = [ln for ln in out.splitlines() if ln[:3].strip().isdigit()]
    assert [r.split()[1] for r in rows] == ["57", "58"]
    assert "-1 GiB" in rows[1]


@pytest.mark.parametrize(
    "args",
    [
        ["parse", f"{PATCHED}#65"],
        ["timeline", f"{PATCHED}#65"],
        ["diff", f"{PATCHED}#1", f"{PATCHED}#65"],
        ["predict", f"{PATCHED}#65"],
    ],
    ids=lambda a: a[0],
)
def test_file_n_out_of_range_same_message(args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err == (
        f"e820scope: {PATCHED}#65: no boot #65; {PATCHED} has 64 boots; use {PATCHED}#1 .. "
        f"{PATCHED}#64 ('e820scope parse {PATCHED}' lists them)\n"
    )


def test_stdin_is_named_alike_everywhere() -> None:
    log = Path(PATCHED).read_text(encoding="utf-8")
    _, out, _ = run("parse", "--", "-#3", stdin=log)
    assert out.startswith("<stdin>#3  lines")
    _, out, _ = run("parse", "--json", "--", "-#3", stdin=log)
    assert '"label": "<stdin>#3"' in out
    _, out, _ = run("diff", "--", "-#57", "-#58", stdin=log)  # stdin read once for both
    assert out.startswith("e820scope diff: <stdin>#57 -> <stdin>#58")
    _, out, _ = run("timeline", "-", stdin=log)
    assert "== <stdin>" in out
    _, out, _ = run("parse", "--csv", "-", stdin=log)
    assert out.splitlines()[1].startswith("<stdin>,1,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", PATCHED, "-o", "/no/such/dir/x.png"], "directory /no/such/dir does not exist"),
        (["report", PATCHED, "-o", "/no/such/dir/r.html"], "directory /no/such/dir does not exist"),
        (["plot", PATCHED, "-o", "/"], "is a directory"),
        (
            ["simulate", "--kernel", "5.7", "--path", "kexec_file_load", ONE_BOOT, "-o", "/proc/x"],
            "/proc/x: cannot write",
        ),
    ],
    ids=["plot-nodir", "report-nodir", "plot-dir", "simulate-proc"],
)
def test_bad_output_path_exits_2_in_one_line(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and message in err, err
    assert "internal error" not in err


def test_output_file_that_is_a_file_for_simulate(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("keep me")
    code, _, err = run(
        "simulate", "--kernel", "5.7", "--path", "kexec_file_load", ONE_BOOT, "-o", str(f)
    )
    assert code == 2 and f.read_text() == "keep me", err
    assert err == f"e820scope: {f}: exists and is not a directory; give a directory\n"


@pytest.mark.parametrize("name", ["predict", "simulate", "plot", "report"])
def test_missing_options_named_at_once(name: str, tmp_path: Path) -> None:
    extra = (
        [] if name == "predict" else ["-o", str(tmp_path / ("x.png" if name == "plot" else "x"))]
    )
    if name == "report":
        extra = ["-o", str(tmp_path / "r.html")]
    code, _, err = run(name, ONE_BOOT, *extra)
    assert code == 2
    assert err.count("\n") == 1
    assert "without the kernel version of the future generations and the hand-off path" in err
    # the log's own kernel is suggested (it is a 6.1 boot), ready to paste
    assert "(--kernel 6.1.0-56-amd64 --path kexec_file_load)" in err


def _complete(words: str) -> list[str]:
    env = dict(os.environ, _E820SCOPE_COMPLETE="bash_complete", COMP_WORDS=words)
    env["COMP_CWORD"] = str(len(words.split()) - 1)
    out = subprocess.run(["e820scope"], env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("e820scope parse sam", "file"),
        ("e820scope diff sam", "file"),
        ("e820scope timeline sam", "file"),
        ("e820scope report sam", "file"),
        ("e820scope plot -o ch", "file"),
        ("e820scope simulate -o re", "dir"),
        ("e820scope live --kmod-dir km", "dir"),
    ],
)
def test_shell_completion_completes_paths(words: str, kind: str) -> None:
    """click's bash completion hands file and directory names to the shell."""
    assert _complete(words) == [f"{kind},{words.split()[-1]}"]


def test_completion_still_completes_commands() -> None:
    assert "plain,report" in _complete("e820scope re")


def test_live_load_finds_the_module_sources_of_an_install() -> None:
    """The sources ship inside the package: found after an ordinary install, wherever
    the package is, and the same as kmod/ of the checkout."""
    found = default_kmod_dir()
    assert found is not None
    package = Path(e820scope.__file__).resolve().parent
    assert found == kmod_candidates()[0] == package / "kmod"
    for name in ("e820scope.c", "Kbuild", "Makefile", "e820scope-load.sh"):
        assert (found / name).read_bytes() == (REPO / "kmod" / name).read_bytes(), name


def test_live_load_without_sources_names_the_places(monkeypatch: pytest.MonkeyPatch) -> None:
    from e820scope.errors import UnavailableError
    from e820scope.live import load

    monkeypatch.setattr(load.os, "geteuid", lambda: 0)
    monkeypatch.setattr(load.Path, "is_dir", lambda self: False)
    with pytest.raises(UnavailableError) as exc:
        load.build_and_load(None, release="6.1.0-56-amd64")
    assert "kmod/ sources not found in " in exc.value.message
    assert str(kmod_candidates()[0]) in exc.value.message


def test_shipped_module_sources_build(tmp_path: Path) -> None:
    """The copy inside the package builds against an installed kernel's headers (CI
    installs linux-headers-amd64 for the VM tests), as ``live --load`` builds it."""
    import shutil

    headers = sorted(Path("/lib/modules").glob("*/build"))
    if not headers or shutil.which("make") is None:
        pytest.skip("no kernel headers or make here (apt-get install linux-headers-amd64 make)")
    src = default_kmod_dir()
    assert src is not None
    work = Path(shutil.copytree(src, tmp_path / "kmod"))
    release = headers[-1].parent.name
    r = subprocess.run(["make", "-C", str(work), f"KVER={release}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (work / "e820scope.ko").is_file()
    assert not any(src.glob("*.o")), "the installed package was written to"
