"""The progress bar of parse, timeline and predict: bytes read of the total, rate and
time left, on a terminal only, silenced by -q, wiped before the output."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.cli.progress import Progress
from e820scope.parse.api import BootStream

LAB = Path(__file__).resolve().parents[2] / "samples" / "lab"
PATCHED = LAB / "patched-6.1-ovmf-4g-chain.log"
MiB = 1 << 20


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bar_shows_bytes_rate_and_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    bar = Progress("timeline", enabled=True, stream=out, clock=clock)
    bar.update(10 * MiB, 40 * MiB)  # before the first second: nothing
    assert out.getvalue() == ""
    clock.now += 5.0
    bar.update(10 * MiB, 40 * MiB)
    # 10 MiB in 5 s: 2 MiB/s, 30 MiB left: 15 s
    first = "timeline [#####               ]  25% 10 MiB/40 MiB 2.0 MiB/s ETA 0:15"
    assert out.getvalue() == "\r" + first
    clock.now += 0.1  # redrawn at most every 0.25 s
    bar.update(20 * MiB, 40 * MiB)
    assert out.getvalue().count("\r") == 1
    clock.now += 5.0
    bar.update(40 * MiB, None)  # no total (stdin): bytes and rate only
    second = "timeline 40 MiB 4.0 MiB/s"  # padded over what the longer line left
    assert out.getvalue().endswith("\r" + second + " " * (len(first) - len(second)))
    bar.close()
    assert out.getvalue().endswith("\r" + " " * len(second) + "\r")


def test_off_when_stderr_is_not_a_terminal() -> None:
    out, clock = io.StringIO(), Clock()
    bar = Progress("parse", stream=out, clock=clock)  # StringIO is no terminal
    clock.now += 10
    bar.update(1, 2)
    bar.close()
    assert not bar.enabled and out.getvalue() == ""


def test_the_stream_reports_the_bytes_read() -> None:
    seen: list[int] = []
    stream = BootStream(str(PATCHED))
    stream.on_read = seen.append
    assert sum(1 for _ in stream) == 64
    assert seen == sorted(seen) and seen[-1] == PATCHED.stat().st_size


def test_commands_write_no_bar_in_a_pipe_or_with_q() -> None:
    for args in (["timeline"], ["predict"], ["parse"], ["timeline", "-q"], ["parse", "-q"]):
        r = CliRunner().invoke(cli, [*args, str(PATCHED)])
        assert r.exit_code == 0 and "\r" not in r.stderr, args
