"""Helpers shared by the container-layer tests (imported by module name)."""

from __future__ import annotations

from pathlib import Path

from e820scope.ingest import LogLine, log_lines, open_inputs


def read_all(spec: str | Path, **kw: object) -> list[LogLine]:
    """Every LogLine of every source of ``spec``."""
    out: list[LogLine] = []
    for src in open_inputs(str(spec)):
        out.extend(log_lines(src, **kw))  # type: ignore[arg-type]
    return out


def by_line(lines: list[LogLine]) -> dict[int, LogLine]:
    return {ln.ref.line: ln for ln in lines}
