"""Line ranges of boots split by a bare ``Linux version`` banner."""

from __future__ import annotations

from pathlib import Path

from e820scope.parse import parse_input


def test_banner_split_ends_previous_boot_before_the_banner(samples: Path, tmp_path: Path) -> None:
    # A console capture without timestamps pasted twice: the second banner is the only
    # boot marker, and it belongs to the second boot.
    text = (samples / "public" / "lkml-01.log").read_text(encoding="utf-8")
    f = tmp_path / "twice.log"
    f.write_text(text + text, encoding="utf-8")
    lines = f.read_text(encoding="utf-8").splitlines()
    banners = [n for n, line in enumerate(lines, 1) if line.startswith("Linux version")]
    assert len(banners) == 2
    boots = parse_input(str(f)).boots
    assert [b.ended_by for b in boots] == ["next_boot", "eof"]
    assert boots[1].first_line == banners[1]
    assert boots[0].last_line == banners[1] - 1
