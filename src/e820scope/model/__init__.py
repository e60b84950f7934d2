"""The records shared by every stage (see :mod:`e820scope.model.records`)."""

from __future__ import annotations

from .kversion import KernelVersion
from .records import (
    Boot,
    BootStart,
    Completeness,
    E820Entry,
    E820Table,
    EfiMemDesc,
    LastPfn,
    LogEvent,
    MapStatus,
    MemoryLine,
    NodeRange,
    OpKind,
    ParsedLog,
    ParseWarning,
    RangeOp,
    Severity,
    SourceRef,
    StartMethod,
    TableKind,
)
from .types import E820Type, Era

__all__ = [
    "Boot",
    "BootStart",
    "Completeness",
    "E820Entry",
    "E820Table",
    "E820Type",
    "EfiMemDesc",
    "Era",
    "KernelVersion",
    "LastPfn",
    "LogEvent",
    "MapStatus",
    "MemoryLine",
    "NodeRange",
    "OpKind",
    "ParseWarning",
    "ParsedLog",
    "RangeOp",
    "Severity",
    "SourceRef",
    "StartMethod",
    "TableKind",
]
