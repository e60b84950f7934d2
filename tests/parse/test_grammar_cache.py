"""The per-user cache of built Lark parsers (e820scope.grammar.loader)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark

from e820scope.grammar import loader

# real lines of samples/: an era C entry, an update, a Memory: line, and a banner
LINES = [
    "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable",
    "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
    "Memory: 1981212K/2096632K available (14336K kernel code, 2340K rwdata)",
    "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian "
    "12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC "
    "Debian 6.1.76-1 (2024-02-01)",
]


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(loader.CACHE_DIR_ENV, str(where))
    monkeypatch.delenv(loader.NO_CACHE_ENV, raising=False)
    return where


def _trees(parser: Lark) -> list[str]:
    return [parser.parse(line).pretty() for line in LINES]


def test_cache_dir_is_created_private(cache_env: Path) -> None:
    assert loader.cache_dir() == cache_env
    assert stat.S_IMODE(cache_env.stat().st_mode) == 0o700


def test_no_cache_env_turns_it_off(cache_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.NO_CACHE_ENV, "1")
    assert loader.cache_dir() is None
    assert loader.cache_file("kmsg", "start", loader.grammar_dir()) is None


def test_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(loader.CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(loader.NO_CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert loader.cache_dir() == tmp_path / "xdg" / "e820scope"


def test_no_home_directory_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (loader.CACHE_DIR_ENV, loader.NO_CACHE_ENV, "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)  # no passwd entry either
    assert loader.cache_dir() is None


def test_a_dir_others_can_write_is_not_used(cache_env: Path) -> None:
    cache_env.mkdir(mode=0o700)
    cache_env.chmod(0o777)
    assert loader.cache_dir() is None
    cache_env.chmod(0o770)
    assert loader.cache_dir() is None
    cache_env.chmod(0o755)
    assert loader.cache_dir() == cache_env


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory away")
def test_a_dir_owned_by_someone_else_is_not_used(cache_env: Path) -> None:
    cache_env.mkdir(mode=0o700)
    os.chown(cache_env, 65534, 65534)
    assert loader.cache_dir() is None


def test_a_file_in_the_way_means_no_cache(cache_env: Path) -> None:
    cache_env.write_text("not a directory")
    assert loader.cache_dir() is None


def _grammar_copy(tmp_path: Path) -> Path:
    gdir = tmp_path / "grammars"
    shutil.copytree(loader.grammar_dir(), gdir)
    return gdir


def test_file_name_follows_every_grammar_file(cache_env: Path, tmp_path: Path) -> None:
    gdir = _grammar_copy(tmp_path)
    first = loader.cache_file("kmsg", "start", gdir)
    assert first is not None and first.parent == cache_env
    # an edit of an *imported* grammar (not kmsg.lark itself) gives another file
    with (gdir / "tokens.lark").open("a", encoding="utf-8") as f:
        f.write("\n// edited\n")
    second = loader.cache_file("kmsg", "start", gdir)
    assert second is not None and second != first
    assert loader.cache_file("kmsg", "other_start", gdir) not in (first, second)


def test_an_old_parser_is_removed_when_a_new_one_is_due(cache_env: Path, tmp_path: Path) -> None:
    gdir = _grammar_copy(tmp_path)
    first = loader.cache_file("kmsg", "start", gdir)
    assert first is not None
    first.write_bytes(b"old")
    other = cache_env / "lark-boot-start-0000-lark0-py30.pickle"
    other.write_bytes(b"another grammar's")
    assert loader.cache_file("kmsg", "start", gdir) == first  # still current: kept
    assert first.exists()
    (gdir / "kmsg.lark").write_text(
        (gdir / "kmsg.lark").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert loader.cache_file("kmsg", "start", gdir) != first
    assert not first.exists()
    assert other.exists()  # only files of the same grammar and start go


def test_two_installs_keep_a_parser_each(cache_env: Path, tmp_path: Path) -> None:
    """The same grammars in two places (two venvs): Lark would not load the other's
    parser (its import path differs), so each keeps its own file and neither removes
    the other's."""
    one = _grammar_copy(tmp_path / "one")
    two = _grammar_copy(tmp_path / "two")
    first = loader.cache_file("kmsg", "start", one)
    assert first is not None
    loader.build_parser("kmsg", cache=first)
    second = loader.cache_file("kmsg", "start", two)
    assert second is not None and second != first
    loader.build_parser("kmsg", cache=second)
    assert first.exists() and second.exists()
    assert loader.cache_file("kmsg", "start", one) == first and second.exists()


def test_second_build_loads_the_cached_parser(
    cache_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = loader.cache_file("kmsg", "start", loader.grammar_dir())
    assert path is not None and not path.exists()
    fresh = loader.build_parser("kmsg", cache=path)
    assert path.stat().st_size > 0

    def no_build(self: Lark) -> None:
        raise AssertionError("the parser was built, not loaded from the cache")

    monkeypatch.setattr(Lark, "_build_parser", no_build)
    cached = loader.build_parser("kmsg", cache=path)
    assert _trees(cached) == _trees(fresh)


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"0" * 64 + b"\n\x80\x04truncated"])
def test_a_broken_cache_file_is_rebuilt(cache_env: Path, content: bytes) -> None:
    path = loader.cache_file("kmsg", "start", loader.grammar_dir())
    assert path is not None
    path.write_bytes(content)
    parser = loader.build_parser("kmsg", cache=path)
    assert _trees(parser) == _trees(loader.build_parser("kmsg"))
    assert path.read_bytes() != content  # written again, whole


def test_a_cache_of_another_grammar_is_not_loaded(cache_env: Path) -> None:
    path = cache_env / "shared.pickle"
    cache_env.mkdir(mode=0o700)
    loader.build_parser("e820", "e820_line", cache=path)  # another grammar in that file
    parser = loader.build_parser("kmsg", cache=path)
    assert _trees(parser) == _trees(loader.build_parser("kmsg"))


def test_cli_without_a_usable_cache_is_silent(tmp_path: Path, samples: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory would go")
    env = {**os.environ, loader.CACHE_DIR_ENV: str(blocker / "sub")}
    env.pop(loader.NO_CACHE_ENV, None)
    res = subprocess.run(
        [sys.executable, "-m", "e820scope", "parse", "-q", str(samples / "public" / "lkml-01.log")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "usable" in res.stdout
