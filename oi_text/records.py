"""The data passed between stages: records files and their column names.

A *records file* is what ``oi-text ingest`` writes: one row per kept input record, Parquet (or
CSV/JSONL) with the columns below plus the input's passthrough columns. Later stages (embed,
classify, review) read it back in chunks with :func:`iter_record_chunks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .errors import InputError, SchemaError, format_columns

Kind = Literal["project", "publication", "wbso", "startup", "other"]
KINDS: tuple[str, ...] = ("project", "publication", "wbso", "startup", "other")

Language = Literal["nl", "en", "other"]
LANGUAGES: tuple[str, ...] = ("nl", "en", "other")

#: Columns every records file has, in this order; passthrough columns follow.
RECORD_COLUMNS: tuple[str, ...] = (
    "id",
    "text",
    "kind",
    "title",
    "year",
    "organisations",
    "language",
    "n_words",
    "text_hash",
    "flags",
    "duplicate_of",
    "near_duplicate_of",
    "source_row",
)


#: what a spreadsheet reads as the start of a formula (Excel, in .xlsx and .csv alike)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: Any) -> Any:
    """A copy of ``df`` whose text cells cannot run as spreadsheet formulas: a cell starting with
    ``=``, ``+``, ``-``, ``@`` or a tab/carriage return gets a leading apostrophe (record texts
    come from outside sources, and matched terms look like ``=AI`` or ``-using ai``).
    :func:`from_spreadsheet` undoes it when such a file is read back."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = df.copy()
    for col in out.columns:
        if is_object_dtype(out[col]) or is_string_dtype(out[col]):
            out[col] = [f"'{v}" if isinstance(v, str) and v[:1] in FORMULA_STARTS else v for v in out[col]]
    return out


def from_spreadsheet(value: str) -> str:
    """A cell as :func:`spreadsheet_safe` wrote it, back to its value (``'=AI`` -> ``=AI``)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS and len(value) > 1 else value


def id_strings(values: Any) -> list[str]:
    """Record ids as text: a whole number read as a float (``123.0``, as pandas reads an integer
    id column with a gap) is ``"123"``, as ingest writes it, so that every path gives one record
    the same id."""
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]


@dataclass(frozen=True)
class Record:
    """One cleaned input record.

    Parameters
    ----------
    id : str
        Stable identifier (from the input's id column, else ``<file stem>:<row>``).
    text : str
        Cleaned text (HTML stripped, unicode and whitespace normalised).
    kind : {"project", "publication", "wbso", "startup", "other"}
    title, year, organisations, language : optional metadata.
    extra : dict
        Passthrough columns of the input, as text.

    Examples
    --------
    >>> Record(id="p1", text="Groene waterstof uit zeewater.", kind="project").kind
    'project'
    """

    id: str
    text: str
    kind: Kind = "other"
    title: str | None = None
    year: int | None = None
    organisations: tuple[str, ...] = ()
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _read_any(path: Path, columns: list[str] | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        if columns:
            import pyarrow.parquet as pq

            names = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in names]
        return pd.read_parquet(path, columns=columns)
    if suffix in {".jsonl", ".ndjson"}:
        df = pd.read_json(path, lines=True, dtype=False)
    elif suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        raise InputError(
            f"{path}: cannot read records from a {suffix!r} file; expected .parquet, .jsonl or "
            ".csv as written by 'oi-text ingest'"
        )
    return df[[c for c in columns if c in df.columns]] if columns else df  # a missing one: load_records says so


def load_records(
    path: str | Path, columns: list[str] | None = None, required: tuple[str, ...] = ("id", "text")
) -> pd.DataFrame:
    """Load a whole records file into a DataFrame.

    Raises :class:`~oi_text.errors.SchemaError` when a ``required`` column (default ``id`` and
    ``text``) is missing, naming the columns that were found.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"records file not found: {str(path)!r}; run 'oi-text ingest' first")
    df = _read_any(path, columns)
    missing = [c for c in required if c not in df.columns and (not columns or c in columns)]
    if missing:
        raise SchemaError(
            f"{path}: not a records file, column(s) {', '.join(map(repr, missing))} missing; "
            f"found {format_columns(list(df.columns))}"
        )
    return df


def iter_record_chunks(
    path: str | Path, chunk_size: int = 10_000, columns: list[str] | None = None
) -> Iterator[pd.DataFrame]:
    """Yield a records file in chunks of ``chunk_size`` rows (Parquet is streamed)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=chunk_size, columns=columns):
            yield batch.to_pandas()
        return
    df = load_records(path, columns, required=())
    for start in range(0, len(df), chunk_size):
        yield df.iloc[start : start + chunk_size]
