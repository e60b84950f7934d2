"""Helpers shared by the container-layer tests (imported by module name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.ingest import LogLine, lineproc, log_lines, open_inputs


def read_all(spec: str | Path, **kw: object) -> list[LogLine]:
    """Every LogLine of every source of ``spec``."""
    out: list[LogLine] = []
    for src in open_inputs(str(spec)):
        out.extend(log_lines(src, **kw))  # type: ignore[arg-type]
    return out


def by_line(lines: list[LogLine]) -> dict[int, LogLine]:
    return {ln.ref.line: ln for ln in lines}


def kept_machines(monkeypatch: pytest.MonkeyPatch) -> list[lineproc.LineMachine]:
    """A list that every LineMachine made from now on (in this test) is appended to."""
    made: list[lineproc.LineMachine] = []
    init = lineproc.LineMachine.__init__

    def keep(self: lineproc.LineMachine, *a: object) -> None:
        init(self, *a)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(lineproc.LineMachine, "__init__", keep)
    return made
