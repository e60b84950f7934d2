"""One host's line of the fleet report, and the order of risk the report sorts by."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class HostRow:
    """What ``fleet`` says about one host (``docs/fleet.md`` explains every field).

    Generations are numbered 1..n over the host's chain as rebuilt (oldest first);
    ``reboots_left``: kexec reboots after the last boot seen that still keep all usable
    RAM (the next one loses ``bytes_lost``); 0 when the loss is already in the log.
    ``error`` is set when nothing could be predicted (the other fields then say what
    could be read).
    """

    host: str
    identified_by: str
    inputs: tuple[str, ...]
    input_bytes: int = 0
    kernel: str | None = None
    start_method: str | None = None
    boots: int = 0
    generations: int = 0
    duplicates_dropped: int = 0
    entries_received: int | None = None
    kexec_table_entries: int | None = None
    growth_per_generation: float | None = None
    mechanism: str | None = None
    mechanism_source: str | None = None
    handoff_path: str | None = None
    last_seen_generation: int | None = None
    first_loss_generation: int | None = None
    reboots_left: int | None = None
    bytes_lost: int | None = None
    will_not_boot_generation: int | None = None
    partial: bool = False
    warnings: tuple[str, ...] = field(default=())
    error: str | None = None

    @property
    def loss_in(self) -> int | None:
        """Reboots after the last seen until the one that loses memory (<= 0: seen)."""
        if self.first_loss_generation is None or self.last_seen_generation is None:
            return None
        return self.first_loss_generation - self.last_seen_generation

    @property
    def no_boot_in(self) -> int | None:
        """Reboots after the last seen until the generation that will not boot."""
        if self.will_not_boot_generation is None or self.last_seen_generation is None:
            return None
        return self.will_not_boot_generation - self.last_seen_generation

    def risk_key(self) -> tuple[int, int, int, str]:
        """Sort key, most urgent first: memory lost soonest (then most bytes), then hosts
        that will not boot, then hosts without a predicted loss, then unreadable ones."""
        if self.error is not None:
            return (3, 0, 0, self.host)
        if self.reboots_left is not None:
            return (0, self.reboots_left, -(self.bytes_lost or 0), self.host)
        if self.will_not_boot_generation is not None:
            return (1, self.no_boot_in or 0, 0, self.host)
        return (2, 0, 0, self.host)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists for tuples), for JSON, CSV and Parquet."""
        d = asdict(self)
        d["inputs"] = list(self.inputs)
        d["warnings"] = list(self.warnings)
        d["bytes_lost_hex"] = hex(self.bytes_lost) if self.bytes_lost is not None else None
        d["will_not_boot_in"] = self.no_boot_in
        return d
