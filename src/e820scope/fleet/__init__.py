"""``e820scope fleet``: many hosts' logs -> one row per host (docs/fleet.md).

Modules: ``inputs`` (arguments -> host directories and loose inputs), ``identity``
(which host a loose input belongs to), ``chain`` (one host: its boots as one chain in
time order, each boot once, then ``predict``'s model -> a row), ``row`` (the row and the
order of risk), ``runner`` (serial, local process pool, Dask distributed), ``progress``
(the bar on stderr), ``scan`` (the two passes), ``output`` (text, CSV, JSON, Parquet).
"""

from __future__ import annotations
