"""Every command the README shows runs as written (issue 17).

The README's ``sh`` blocks are extracted and run with bash, line by line (continuation
lines joined), in a scratch directory that holds a link to ``samples/``: outputs such as
``chain.png`` and ``rehearsal/`` land there, not in the checkout. ``e820scope`` is the
console script installed beside the test interpreter. The setup block (``./bootstrap.sh``
...) is not rerun (it is how this test's environment was made); its shape is checked, and
where ``./bootstrap.sh`` linked the command (CI), that a new login shell finds it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def sh_blocks(text: str) -> list[list[str]]:
    """The commands of every ```sh block: comments and blank lines dropped, ``\\``
    continuations joined."""
    blocks = []
    for body in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        joined = body.replace("\\\n", " ")
        cmds = [ln.strip() for ln in joined.splitlines()]
        blocks.append([c for c in cmds if c and not c.startswith("#")])
    return blocks


BLOCKS = sh_blocks(README)
SETUP = BLOCKS[0]
COMMANDS = [c for block in BLOCKS[1:] for c in block]


def test_readme_blocks_found() -> None:
    assert len(BLOCKS) >= 2 and len(COMMANDS) >= 12
    assert all(c.startswith("e820scope ") for c in COMMANDS), COMMANDS


def test_setup_block_is_bootstrap_then_the_test_command() -> None:
    first, second = SETUP
    assert first.startswith("./bootstrap.sh && e820scope predict ")
    assert second == "./bootstrap.sh --dev && .venv/bin/python -m pytest"
    # .ci/run calls exactly this test command
    assert second in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _run(cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(cwd)),
        "LANG": "C.UTF-8",
    }
    for key in ("E820SCOPE_CACHE_DIR", "TMPDIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    return subprocess.run(
        ["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("readme")
    (d / "samples").symlink_to(REPO / "samples")
    return d


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c[:60] for c in COMMANDS])
def test_readme_command_runs_as_written(cmd: str, scratch: Path) -> None:
    """Exit 0, or 1 where the README says a difference / a loss is the answer."""
    proc = _run(cmd, scratch)
    sub = cmd.split()[1]
    allowed = {0, 1} if sub in ("diff", "predict", "fleet") else {0}
    assert proc.returncode in allowed, f"{cmd}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    outputs = [a for a in re.findall(r"-o (\S+)", cmd)]
    if outputs:
        assert all((scratch / o).exists() for o in outputs), cmd
    else:
        assert proc.stdout.strip(), cmd


def test_first_command_after_setup(scratch: Path) -> None:
    """The part of command 1 after ``./bootstrap.sh &&`` runs as written."""
    proc = _run(SETUP[0].split("&&", 1)[1], scratch)
    assert proc.returncode == 0, proc.stderr
    assert "gen 58" in proc.stdout


def test_bootstrap_link_is_found_by_a_new_login_shell() -> None:
    """Where ./bootstrap.sh linked the command (CI runs it as root: /usr/local/bin), a new
    login shell with a clean environment finds ``e820scope`` and it is this checkout's."""
    link = Path("/usr/local/bin/e820scope") if os.geteuid() == 0 else None
    if link is None:
        link = Path.home() / ".local" / "bin" / "e820scope"
    if not link.is_symlink():
        if os.environ.get("CI"):
            pytest.fail(f"./bootstrap.sh did not link {link}")
        pytest.skip(f"{link} not linked here (./bootstrap.sh with E820SCOPE_BIN_DIR elsewhere)")
    env = {"HOME": str(Path.home()), "TERM": "dumb"}
    proc = subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-lc", "command -v e820scope"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, "a new login shell does not find e820scope"
    found = Path(proc.stdout.strip())
    assert found.resolve().name == "e820scope"
    if os.environ.get("CI"):
        assert found.resolve() == (REPO / ".venv" / "bin" / "e820scope").resolve()
    assert shutil.which("e820scope") is not None


def _link_only(bin_dir: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": str(bin_dir.parent), "E820SCOPE_BIN_DIR": str(bin_dir)}
    return subprocess.run(
        ["bash", str(REPO / "bootstrap.sh"), "--link-only"], env=env, capture_output=True, text=True
    )


def test_bootstrap_links_the_command(tmp_path: Path) -> None:
    """What command 1 does last (``./bootstrap.sh --link-only`` alone): a link to this
    checkout's script where pip puts scripts, and a hint when that is not on PATH."""
    bin_dir = tmp_path / "bin"
    r = _link_only(bin_dir, "/usr/bin:/bin")
    assert r.returncode == 0, r.stderr
    link = bin_dir / "e820scope"
    assert link.is_symlink() and link.readlink() == REPO / ".venv" / "bin" / "e820scope"
    assert f"{bin_dir} is not on your PATH; add it: export PATH=" in r.stderr
    # on PATH: no hint, and a new shell finds the command
    r = _link_only(bin_dir, f"{bin_dir}:/usr/bin:/bin")
    assert r.returncode == 0 and "not on your PATH" not in r.stderr
    found = subprocess.run(
        ["env", "-i", f"PATH={bin_dir}:/usr/bin:/bin", "bash", "-c", "command -v e820scope"],
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == str(link)
    # another install's file is left alone
    link.unlink()
    link.write_text("#!/bin/sh\n")
    r = _link_only(bin_dir, "/usr/bin:/bin")
    assert r.returncode == 0 and "exists and is not a link; left alone" in r.stderr
    assert link.read_text() == "#!/bin/sh\n"
