"""The themes file (``themes.parquet``): its one writer, reader and validator.

Columns: ``id`` (string), ``theme`` (int, -1 = outlier), ``label`` (the theme's suggested
label, empty for outliers), ``probability`` (float: HDBSCAN membership strength, 1 for k-means,
the largest LDA share), ``outlier`` (bool: the clusterer left the document out, also when
``--assign-outliers`` then gave it a theme) and, for LDA, ``mixture`` (list of float: the
document's share of every theme). Schema metadata ``oi_text_themes`` holds the method, the
settings and the verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from .model import ThemeResult

THEMES_COLUMNS = ("id", "theme", "label", "probability", "outlier")
_META = b"oi_text_themes"


def write_themes(result: ThemeResult, path: str | Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    names = {t.id: t.label for t in result.themes}
    cols: dict[str, Any] = {
        "id": pa.array(result.ids, pa.string()),
        "theme": pa.array(result.labels.astype(np.int64)),
        "label": pa.array([names.get(int(t), "") for t in result.labels], pa.string()),
        "probability": pa.array(result.probability.astype(np.float32)),
        "outlier": pa.array(result.outliers.astype(bool)),
    }
    if result.mixture is not None:
        k = result.mixture.shape[1]
        flat = pa.array(np.ascontiguousarray(result.mixture, dtype=np.float32).reshape(-1))
        cols["mixture"] = pa.FixedSizeListArray.from_arrays(flat, k)
    meta = {"method": result.settings.method, "settings": asdict(result.settings),
            "verdict": result.quality.verdict, "themes": len(result.themes)}
    table = pa.table(cols).replace_schema_metadata({_META: json.dumps(meta).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path


def read_themes(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(frame, metadata)`` of a themes file; refuses a file that is not one."""
    import pyarrow.parquet as pq

    path = Path(path)
    table = pq.read_table(path)
    missing = [c for c in THEMES_COLUMNS if c not in table.column_names]
    if missing:
        raise SchemaError(f"{path}: not a themes file (no {', '.join(map(repr, missing))}; "
                          f"columns {table.column_names}); write one with 'oi-text themes'")
    meta = json.loads((table.schema.metadata or {}).get(_META, b"{}"))
    return table.to_pandas(), meta
