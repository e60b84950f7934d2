"""``e820scope timeline --json`` (schema ``e820scope.timeline/1``) and ``--csv``.

JSON keeps list columns as lists; CSV joins them with ``;``. Missing values are
``null`` in JSON and empty in CSV. Columns are documented in docs/diff.md and in
:mod:`e820scope.analysis.timeline`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

SCHEMA = "e820scope.timeline/1"


def _clean(v: Any) -> Any:
    if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def timeline_json(df: pd.DataFrame) -> dict[str, Any]:
    rows = [{k: _clean(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")]
    return {"schema": SCHEMA, "columns": list(df.columns), "rows": rows}


def timeline_csv(df: pd.DataFrame) -> str:
    flat = df.copy()
    for col in flat.columns:
        flat[col] = flat[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
    text: str = flat.to_csv(index=False, lineterminator="\n")
    return text
