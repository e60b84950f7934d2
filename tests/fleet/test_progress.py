"""The progress bar: drawn on a terminal only, counts files, bytes, hosts, gives an ETA."""

from __future__ import annotations

import io

from e820scope.fleet.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_counts_and_erases_itself() -> None:
    out = Tty()
    bar = Progress("fleet", 4, 8, 4 << 20, enabled=True, stream=out)
    bar.advance(2, 1 << 20)
    assert bar.line(bar.start + 10.0) == (
        "fleet: 2/8 files  1.0 MiB/4.0 MiB  1/4 hosts  ETA 0:00:30"
    )
    for _ in range(3):
        bar.advance(2, 1 << 20)
    bar.close()
    text = out.getvalue()
    assert "4/4 hosts" in text and text.endswith("\r")


def test_no_bar_into_a_pipe_or_when_quiet() -> None:
    pipe = io.StringIO()
    Progress("fleet", 1, 1, 1, enabled=True, stream=pipe).advance(1, 1)
    quiet = Tty()
    Progress("fleet", 1, 1, 1, enabled=False, stream=quiet).advance(1, 1)
    assert pipe.getvalue() == "" and quiet.getvalue() == ""
