"""Ingest CSV / Excel / Parquet / JSONL exports into clean records.

Typical use::

    from oi_text.ingest import ingest, ColumnMapping
    summary = ingest("startups.xlsx", ColumnMapping(text=("Omschrijving",), id="KvK", kind="startup"),
                     out="records.parquet", report="report.csv")
    print(summary.format())
"""

from .mapping import ColumnMapping, load_mapping, mapping_from_dict
from .pipeline import DEFAULT_POLICY, IngestSummary, Issue, ingest, parse_year, write_report
from .readers import ReadOptions, Table, open_table, sniff_delimiter, sniff_encoding

__all__ = [
    "DEFAULT_POLICY",
    "ColumnMapping",
    "IngestSummary",
    "Issue",
    "ReadOptions",
    "Table",
    "ingest",
    "load_mapping",
    "mapping_from_dict",
    "open_table",
    "parse_year",
    "sniff_delimiter",
    "sniff_encoding",
    "write_report",
]
