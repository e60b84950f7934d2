"""e820scope: x86 boot-log forensics of the e820 memory map.

The package is a pipeline; each stage is a public sub-package:

``ingest``   containers -> logical log lines (decompression, sosreports, prefixes, rejoining)
``grammar``  the Lark grammars of grammars/ and their loader
``parse``    log lines -> :class:`~e820scope.model.records.Boot` records
``model``    the immutable records every stage shares
``kernel``   the kernel's e820 semantics (sanitizer, range updates, setup_data policy, hand-off)
``analysis`` diff, timeline, hidden type 128, prediction, simulation
``render``   text, JSON, CSV and plots
``live``     the running machine (sysfs, boot_params, the companion module)
``cli``      the ``e820scope`` command
"""

from __future__ import annotations

__version__ = "0.1.0"
