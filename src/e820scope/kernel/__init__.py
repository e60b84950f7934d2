"""The kernel's e820 semantics in pure Python, one module per kernel concept.

* :mod:`.sanitize` — ``e820__update_table()`` (the sanitizer);
* :mod:`.table` — a mutable ``struct e820_table`` with capacity;
* :mod:`.range_ops` — ``__e820__range_update()`` / ``e820__range_remove()``;
* :mod:`.policy` — version rules (capacities, no-merge types, setup_data reservation,
  /sys/firmware/memmap source, kexec-tools details);
* :mod:`.setup_data` — setup_data node types and ranges;
* :mod:`.cmdline` — ``mem=`` / ``memmap=`` and the ``user`` table;
* :mod:`.handoff` — kexec_file_load, kexec_load (kexec-tools) and kdump hand-offs;
* :mod:`.boot` — one kernel's early boot over the three tables;
* :mod:`.printk` — the exact lines the kernel prints, per era;
* :mod:`.hidden` — abutting same-printed entries that reveal type 128.
"""

from __future__ import annotations
