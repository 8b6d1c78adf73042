"""oi_text's own sample data: a few hundred synthetic but realistic Dutch and English records.

Written by the oi_text developers (no third-party text): descriptions of research projects,
publications, WBSO R&D registrations and start-ups across about twenty ecosystems, with gold
labels. It includes the hard cases of the Dutch ecosystem study: apps and digital services that
only *mention* AI (``case == "ai_washing"``), boilerplate-heavy project texts, texts that belong
to two ecosystems, and texts that describe an ecosystem without its usual keywords
(``case == "implicit"``).

Files:

- ``sample_records.jsonl``: one record per line (id, kind, title, text, year, organisations,
  language, labels, case).
- ``sample_gold.csv``: the gold labels in long form (id, ecosystem); a record with no
  ecosystem has one row with an empty ecosystem.
- ``exports/oi_sample_export.xlsx`` and ``exports/oi_sample_export_nl.csv``: the same records as
  a messy export (title rows, merged cells, HTML, duplicates, empty rows; the CSV as Dutch Excel
  writes it: cp1252 and semicolons), with ``exports/oi_sample_export.yaml`` as column mapping.

Examples
--------
>>> from oi_text.datasets import load_sample
>>> df = load_sample()
>>> sorted(df["language"].unique())
['en', 'nl']
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

_HERE = Path(__file__).resolve().parent

SAMPLE_RECORDS = _HERE / "sample_records.jsonl"
SAMPLE_GOLD = _HERE / "sample_gold.csv"
EXPORTS = _HERE / "exports"


def load_sample() -> pd.DataFrame:
    """The sample records, one row each, with a ``labels`` list column (gold ecosystems)."""
    df = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str, "year": "Int64"})
    df["labels"] = df["labels"].map(list)
    df["organisations"] = df["organisations"].map(list)
    return df


def load_gold() -> pd.DataFrame:
    """Gold labels in long form: columns ``id`` and ``ecosystem`` (empty: no ecosystem)."""
    return pd.read_csv(SAMPLE_GOLD, dtype=str, keep_default_na=False)


def sample_export_path(fmt: Literal["xlsx", "csv"] = "xlsx") -> Path:
    """Path of the messy sample export (``xlsx``, or ``csv`` in cp1252 with semicolons)."""
    if fmt == "xlsx":
        return EXPORTS / "oi_sample_export.xlsx"
    if fmt == "csv":
        return EXPORTS / "oi_sample_export_nl.csv"
    raise ValueError(f"fmt must be 'xlsx' or 'csv', got {fmt!r}")


def sample_mapping_path() -> Path:
    """Path of the YAML column mapping for the sample exports."""
    return EXPORTS / "oi_sample_export.yaml"


__all__ = [
    "EXPORTS",
    "SAMPLE_GOLD",
    "SAMPLE_RECORDS",
    "load_gold",
    "load_sample",
    "sample_export_path",
    "sample_mapping_path",
]
