"""Ingest: file -> mapped, cleaned, language-tagged, deduplicated records, with an account of
every row.

Rows are never dropped silently: each problem becomes an :class:`Issue` (kind, row, column,
id, action) that is counted in the :class:`IngestSummary` and written to the report file.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from ..errors import ConfigError, RowErrors, SchemaError, format_columns
from ..language import detect_language
from ..records import RECORD_COLUMNS
from ..text import clean_text, fold, repair_undecodable, text_hash, tokenize
from .dedupe import ExactIndex, NearDuplicateIndex
from .mapping import TEXT_COLUMN_GUESSES, ColumnMapping, guess_text_column
from .readers import JsonLineError, ReadOptions, Table, open_table, require_columns, resolve_column

logger = logging.getLogger(__name__)

OnError = Literal["fail", "skip"]
Dedupe = Literal["exact", "near", "none"]

#: What happens to a row with each problem when ``on_error`` is not given.
DEFAULT_POLICY: dict[str, str] = {
    "duplicate_id": "fail",
    "missing_id": "fail",
    "empty_text": "skip",
    "bad_row": "skip",
    "bad_json": "skip",
    "undecodable": "repair",
}
#: Problems that are reported but never change whether a row is kept.
WARNINGS = ("near_empty", "unknown_kind", "bad_year")

#: Texts with fewer words than this are flagged ``near_empty``.
NEAR_EMPTY_WORDS = 5
#: Issues kept in memory for the report/summary (counts are always exact).
MAX_ISSUES_KEPT = 100_000
_MAX_FAIL_SCAN = 1_000


@dataclass(frozen=True)
class Issue:
    """One problem with one input row."""

    kind: str
    row: int
    column: str | None
    id: str | None
    action: str  # "skipped", "kept", "repaired", "failed", "dropped"
    detail: str


@dataclass
class IngestSummary:
    """What ingest read, kept, dropped and why."""

    source: str
    read_as: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    blank_rows: int = 0
    rows_above_header: int = 0
    languages: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    exact_duplicates: int = 0
    near_duplicates: int = 0
    html_stripped: int = 0
    mojibake_fixed: int = 0
    issue_counts: Counter = field(default_factory=Counter)
    #: rows not used, by issue (an issue whose row was kept, such as near_empty, is not here)
    dropped_counts: Counter = field(default_factory=Counter)
    issue_rows: dict[str, list[int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    output: str | None = None
    report: str | None = None
    seconds: float = 0.0

    def add_issue(self, issue: Issue) -> None:
        self.issue_counts[issue.kind] += 1
        if issue.action in ("skipped", "dropped"):
            self.dropped_counts[issue.kind] += 1
        rows = self.issue_rows.setdefault(issue.kind, [])
        if len(rows) < 10:
            rows.append(issue.row)
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(issue)

    @property
    def rows_dropped(self) -> int:
        return self.rows_read - self.rows_kept

    def format(self) -> str:
        """A short human-readable account (what the CLI prints)."""
        lines = [f"Ingested {self.source} ({self.read_as})"]
        if self.rows_above_header:
            lines.append(f"  skipped {self.rows_above_header} non-empty row(s) above the header")
        lines.append(
            f"  rows read: {self.rows_read:,}   kept: {self.rows_kept:,}   dropped: {self.rows_dropped:,}"
            + (f"   blank rows ignored: {self.blank_rows:,}" if self.blank_rows else "")
        )
        if self.languages:
            total = sum(self.languages.values())
            langs = ", ".join(
                f"{k} {v:,} ({100 * v / total:.0f}%)" for k, v in self.languages.most_common()
            )
            lines.append(f"  languages: {langs}")
        if self.kinds:
            lines.append("  kinds: " + ", ".join(f"{k} {v:,}" for k, v in self.kinds.most_common()))
        lines.append(
            f"  duplicates: {self.exact_duplicates:,} exact, {self.near_duplicates:,} near"
        )
        lines.append(
            f"  empty texts: {self.issue_counts.get('empty_text', 0):,}   "
            f"near-empty (<{NEAR_EMPTY_WORDS} words): {self.issue_counts.get('near_empty', 0):,}"
        )
        if self.html_stripped or self.mojibake_fixed:
            lines.append(
                f"  cleaned: HTML stripped in {self.html_stripped:,}, broken encoding repaired in "
                f"{self.mojibake_fixed:,}"
            )
        problems = {k: v for k, v in self.issue_counts.items() if k not in ("near_empty",)}
        if problems:
            lines.append("  issues:")
            for kind, count in sorted(problems.items()):
                rows = self.issue_rows.get(kind, [])
                more = " ..." if count > len(rows) else ""
                kept = "  (kept)" if not self.dropped_counts.get(kind) else ""
                lines.append(f"    {kind:<16}{count:>8,}  rows {', '.join(map(str, rows))}{more}{kept}")
        else:
            lines.append("  issues: none")
        if self.output:
            lines.append(f"  records written to {self.output}")
        if self.report:
            lines.append(f"  report of every flagged row: {self.report}")
        lines.append(f"  took {self.seconds:.1f}s")
        return "\n".join(lines)


def _policy(on_error: OnError | None) -> dict[str, str]:
    if on_error is None:
        return dict(DEFAULT_POLICY)
    if on_error not in ("fail", "skip"):
        raise ConfigError(f"on_error must be 'fail' or 'skip', got {on_error!r}")
    return {k: on_error for k in DEFAULT_POLICY}


_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|2100)(?!\d)")


def parse_year(value: Any) -> int | None | Literal[False]:
    """A year from a number, date or text; ``None`` when blank, ``False`` when unreadable.

    >>> parse_year("01-03-2019"), parse_year(2021.0), parse_year(""), parse_year("soon")
    (2019, 2021, None, False)
    """
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.year
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        v = int(value)
        return v if 1800 <= v <= 2100 else False
    s = str(value).strip()
    if not s:
        return None
    m = _YEAR_RE.search(s)
    return int(m.group(1)) if m else False


def _split_orgs(value: Any, seps: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value if v is not None]
    else:
        items = re.split("[" + re.escape(seps) + "]", str(value))
    out = []
    for item in items:
        name = clean_text(item).text
        if name and name not in out:
            out.append(name)
    return out


_SURROGATE_RE = re.compile("[\udc80-\udcff]")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple, dict)):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)  # dates, Decimals in nested cells
    return str(value)


def _join_texts(parts: Sequence[str]) -> str:
    """Join cleaned text parts; a part without final punctuation gets a full stop."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out:
            out += " " if out[-1] in ".!?:;" else ". "
        out += part
    return out


@dataclass
class _Plan:
    text_idx: list[int]
    text_names: list[str]
    id_idx: int | None
    title_idx: int | None
    kind_idx: int | None
    year_idx: int | None
    org_idx: int | None
    passthrough: list[tuple[int, str]]  # (input index, output name)


def _plan(table: Table, mapping: ColumnMapping) -> _Plan:
    if not mapping.text:
        guess = guess_text_column(table.columns)
        if guess is None:
            raise SchemaError(
                f"{table.path}: no text column given and none of the usual names found; pass "
                f"--text-col NAME (several allowed) or 'text:' in the mapping file. Columns "
                f"found: {format_columns(table.columns)}"
            )
        if guess.casefold() != "text":  # a column called text is no guess
            logger.warning("%s: no text column given; using %r (pass --text-col or 'text:' in a mapping to choose)",
                           table.path.name, guess)
        mapping.text = (guess,)
    named = [(c, "text") for c in mapping.text]
    for attr, role in (
        ("id", "id"),
        ("title", "title"),
        ("kind_column", "kind"),
        ("year", "year"),
        ("organisations", "organisations"),
    ):
        col = getattr(mapping, attr)
        if col:
            named.append((col, role))
    require_columns(table, [c for c, _ in named], [r for _, r in named])
    idx = {c: resolve_column(table, c) for c, _ in named}
    used = set(idx.values())
    if mapping.passthrough == "none":
        keep: list[int] = []
    elif mapping.passthrough == "all":
        keep = [i for i in range(len(table.columns)) if i not in used]
    else:
        require_columns(table, list(mapping.passthrough), ["passthrough"] * len(mapping.passthrough))
        keep = [resolve_column(table, c) for c in mapping.passthrough]
    passthrough = []
    taken = set(RECORD_COLUMNS)
    for i in keep:
        name = table.columns[i]
        out = name if name not in taken else f"{name}_input"
        taken.add(out)
        passthrough.append((i, out))
    return _Plan(
        text_idx=[idx[c] for c in mapping.text],
        text_names=[table.columns[idx[c]] for c in mapping.text],
        id_idx=idx.get(mapping.id) if mapping.id else None,
        title_idx=idx.get(mapping.title) if mapping.title else None,
        kind_idx=idx.get(mapping.kind_column) if mapping.kind_column else None,
        year_idx=idx.get(mapping.year) if mapping.year else None,
        org_idx=idx.get(mapping.organisations) if mapping.organisations else None,
        passthrough=passthrough,
    )


def _schema(passthrough: list[tuple[int, str]]) -> pa.Schema:
    return pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("kind", pa.string()),
            ("title", pa.string()),
            ("year", pa.int32()),
            ("organisations", pa.list_(pa.string())),
            ("language", pa.string()),
            ("n_words", pa.int32()),
            ("text_hash", pa.string()),
            ("flags", pa.list_(pa.string())),
            ("duplicate_of", pa.string()),
            ("near_duplicate_of", pa.string()),
            ("source_row", pa.int64()),
        ]
        + [(name, pa.string()) for _, name in passthrough]
    )


class _Writer:
    """Writes record batches to .parquet/.csv/.jsonl via a temporary file renamed at the end."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path = path
        self.tmp = path.with_name(path.name + ".partial")
        self.schema = schema
        self.suffix = path.suffix.lower()
        if self.suffix not in (".parquet", ".csv", ".jsonl"):
            raise ConfigError(f"output {str(path)!r}: expected a .parquet, .csv or .jsonl file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pq = None
        self._fh = None
        self._first = True

    def write(self, table: pa.Table) -> None:
        if self.suffix == ".parquet":
            import pyarrow.parquet as pq

            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
            self._pq.write_table(table)
            return
        df = table.to_pandas(integer_object_nulls=True)  # years stay 2021, not 2021.0, with gaps
        if self._fh is None:
            self._fh = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close/abort)
        if self.suffix == ".csv":
            for col in ("organisations", "flags"):
                df[col] = df[col].map(lambda v: "; ".join(v) if v is not None else "")
            df.to_csv(self._fh, index=False, header=self._first)
        else:
            df.to_json(self._fh, orient="records", lines=True, force_ascii=False)
        self._first = False

    def close(self) -> None:
        if self._pq is None and self._fh is None:
            self.write(self.schema.empty_table())
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def write_report(path: str | Path, issues: Sequence[Issue], source: str) -> None:
    """Write every flagged row to a CSV: file, row, id, column, issue, action, detail."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "row", "id", "column", "issue", "action", "detail"])
        for i in sorted(issues, key=lambda i: (i.row, i.kind)):
            w.writerow([source, i.row, i.id or "", i.column or "", i.kind, i.action, i.detail])


def ingest(
    source: str | Path,
    mapping: ColumnMapping | None = None,
    *,
    out: str | Path | None = None,
    report: str | Path | None = None,
    read_options: ReadOptions | None = None,
    on_error: OnError | None = None,
    dedupe: Dedupe = "exact",
    near_threshold: float = 0.8,
    chunk_size: int = 5_000,
    progress: bool = False,
) -> IngestSummary:
    """Read ``source`` into clean records, written to ``out`` (Parquet, CSV or JSONL).

    Parameters
    ----------
    source : path
        A CSV/TSV, XLSX, Parquet or JSONL file (``.gz`` allowed for CSV/JSONL).
    mapping : ColumnMapping, optional
        Which columns are text, id, kind, ... Default: guess the text column by name.
    out : path, optional
        Where to write records; written to ``<out>.partial`` and renamed when complete.
        Without it, nothing is written and only the summary is returned.
    report : path, optional
        A CSV listing every flagged row (file, row, id, column, issue, action, detail).
    on_error : {"fail", "skip"}, optional
        What to do with rows that have errors (duplicate or missing ids, empty text, broken
        rows, undecodable bytes). Default: fail on duplicate/missing ids, skip and report
        empty texts and broken rows, repair undecodable bytes (as cp1252) and report them.
    dedupe : {"exact", "near", "none"}
        Drop exact duplicate texts (default), also near duplicates, or none (duplicates are
        then kept and marked in ``duplicate_of``/``near_duplicate_of``).
    near_threshold : float
        Jaccard similarity of word 3-shingles above which texts count as near duplicates.
    chunk_size : int
        Rows per written batch; memory use is bounded by this, not by the file size.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    IngestSummary

    Raises
    ------
    RowErrors
        When a row breaks a rule whose policy is ``fail``; nothing is written then, and the
        message lists the rows (and the report is still written when asked for).

    Examples
    --------
    >>> from oi_text.datasets import sample_export_path
    >>> s = ingest(sample_export_path("csv"), ColumnMapping(text=("Omschrijving",), id="Nr"),
    ...            on_error="skip")
    >>> s.rows_kept > 400
    True
    """
    t0 = time.perf_counter()
    mapping = (mapping or ColumnMapping()).validate()
    if dedupe not in ("exact", "near", "none"):
        raise ConfigError(f"dedupe must be 'exact', 'near' or 'none', got {dedupe!r}")
    policy = _policy(on_error)
    # without a text column, its usual names help find a header below title rows
    expected = [*mapping.columns_used(), *(() if mapping.text else TEXT_COLUMN_GUESSES)]
    table = open_table(source, read_options, expected_columns=expected)
    plan = _plan(table, mapping)
    source_name = str(source)
    summary = IngestSummary(source=source_name, read_as=table.describe())
    summary.rows_above_header = table.rows_above_header
    schema = _schema(plan.passthrough)
    writer = _Writer(Path(out), schema) if out is not None else None
    failed: list[Issue] = []
    try:
        for batch in _process(table, mapping, plan, policy, dedupe, near_threshold, chunk_size,
                              summary, failed, progress):
            if failed:
                if len(failed) >= _MAX_FAIL_SCAN:
                    break
                continue
            if writer is not None and batch:
                writer.write(pa.Table.from_pydict(batch, schema=schema))
        if failed:
            if writer is not None:
                writer.abort()
            summary.seconds = time.perf_counter() - t0
            if report is not None:
                write_report(report, summary.issues, source_name)
                summary.report = str(report)
            raise RowErrors(_fail_message(source_name, failed, report), failed)
        if writer is not None:
            writer.close()
            summary.output = str(out)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if report is not None:
        write_report(report, summary.issues, source_name)
        summary.report = str(report)
    if summary.rows_read == 0:
        logger.warning("%s: a header but no rows below it (%s); nothing to ingest", source_name,
                       "the output holds no records" if out is not None else "no records")
    summary.seconds = time.perf_counter() - t0
    return summary


_FIX_HINTS = {
    "duplicate_id": "ids must be unique: fix the export, pick another --id-col, or pass "
    "--on-error skip to keep the first row of each id and report the rest",
    "missing_id": "every row needs an id: fill the id column, leave out --id-col to number rows, "
    "or pass --on-error skip",
    "empty_text": "fill the text, or pass --on-error skip to drop such rows and report them",
    "bad_row": "check the quoting and the delimiter of those rows, or pass --on-error skip",
    "bad_json": "each line must be one JSON object; fix those lines or pass --on-error skip",
    "undecodable": "re-export the file as UTF-8, pass --encoding, or leave out --on-error fail to "
    "repair such bytes as cp1252",
}


def _fail_message(source: str, failed: list[Issue], report: str | Path | None) -> str:
    by_kind: dict[str, list[Issue]] = {}
    for i in failed:
        by_kind.setdefault(i.kind, []).append(i)
    parts = []
    for kind, items in by_kind.items():
        first = items[0]
        rows = ", ".join(str(i.row) for i in items[:10]) + (" ..." if len(items) > 10 else "")
        col = f", column {first.column!r}" if first.column else ""
        parts.append(
            f"{source}: {len(items)} row(s) with {kind} (rows {rows}{col}); first: row "
            f"{first.row}: {first.detail}. To fix: {_FIX_HINTS.get(kind, '')}"
        )
    more = f" (stopped after {_MAX_FAIL_SCAN} problems)" if len(failed) >= _MAX_FAIL_SCAN else ""
    tail = f" Every flagged row is listed in {report}." if report else ""
    return "\n".join(parts) + more + tail


def _process(
    table: Table,
    mapping: ColumnMapping,
    plan: _Plan,
    policy: dict[str, str],
    dedupe: Dedupe,
    near_threshold: float,
    chunk_size: int,
    summary: IngestSummary,
    failed: list[Issue],
    progress: bool,
) -> Iterator[dict[str, list[Any]]]:
    exact = ExactIndex()
    near = NearDuplicateIndex(threshold=near_threshold) if near_threshold < 1 else None
    seen_ids: dict[str, int] = {}
    stem = table.path.name.split(".")[0]
    ncols = len(table.columns)
    text_col_label = "+".join(plan.text_names)
    id_col = table.columns[plan.id_idx] if plan.id_idx is not None else None

    def new_batch() -> dict[str, list[Any]]:
        return {name: [] for name in _schema(plan.passthrough).names}

    batch = new_batch()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=table.total_rows, unit="rows", desc="ingest", mininterval=0.5)

    def problem(kind: str, row: int, column: str | None, rid: str | None, detail: str) -> bool:
        """Record an error; returns True when the row must be dropped."""
        action = policy.get(kind, "kept")
        verb = {"fail": "failed", "skip": "skipped", "repair": "repaired"}.get(action, action)
        issue = Issue(kind, row, column, rid, verb, detail)
        summary.add_issue(issue)
        if action == "fail":
            failed.append(issue)
            return True
        return action == "skip"

    try:
        for row_no, cells in table.iter_rows():
            if bar is not None:
                bar.update(1)
            if cells and isinstance(cells[0], JsonLineError):
                summary.rows_read += 1
                problem("bad_json", row_no, None, None, f"not a JSON object: {cells[0]}")
                continue
            if _is_blank_row(cells):
                summary.blank_rows += 1
                continue
            summary.rows_read += 1
            flags: list[str] = []
            if len(cells) > ncols and any(_cell_text(c).strip() for c in cells[ncols:]):
                n_extra = sum(1 for c in cells[ncols:] if _cell_text(c).strip())
                if problem(
                    "bad_row", row_no, None, None,
                    f"{len(cells)} fields but the header has {ncols}: {n_extra} value(s) beyond the "
                    f"last column (an unquoted delimiter in the text, or a column without a name in the header?)",
                ):
                    continue
            short = len(cells) < ncols
            if short:
                cells = list(cells) + [None] * (ncols - len(cells))
            if short and table.delimiter and ncols > 1:
                # an unclosed quote swallows the rest of the row and the rows after it into one
                # cell: the row comes out short, and the cell's lines look like rows of their own
                # (a properly quoted text over several lines leaves the row its full width)
                swallowed = next((table.columns[i] for i, c in enumerate(cells[:ncols]) if isinstance(c, str)
                                  and "\n" in c and any(line.count(table.delimiter) >= ncols - 1
                                                        for line in c.split("\n")[1:])), None)
                if swallowed is not None and problem(
                    "bad_row", row_no, swallowed, None,
                    "the cell runs over several lines that look like rows of their own: an opening "
                    "quote that is never closed? Those rows are inside this one; fix the quoting",
                ):
                    continue

            # id
            if plan.id_idx is not None:
                rid = _cell_text(cells[plan.id_idx]).strip()
                if _SURROGATE_RE.search(rid):  # bytes not valid in the file's encoding
                    rid = repair_undecodable(rid)
                    if problem(
                        "undecodable", row_no, id_col, rid,
                        f"bytes in the id not valid in {table.encoding or 'the file encoding'}; "
                        + ("decoded as cp1252" if policy["undecodable"] == "repair" else "row not used"),
                    ):
                        continue
                if not rid:
                    if problem("missing_id", row_no, id_col, None, "the id cell is empty"):
                        continue
                    rid = f"{stem}:{row_no}"
            else:
                rid = f"{stem}:{row_no}"
            if rid in seen_ids:
                if problem(
                    "duplicate_id", row_no, id_col, rid,
                    f"id {rid!r} already used on row {seen_ids[rid]}",
                ):
                    continue
            else:
                seen_ids[rid] = row_no

            # text
            parts = []
            undecodable_cols = []
            for i in plan.text_idx:
                cleaned = clean_text(_cell_text(cells[i]))
                if cleaned.undecodable:
                    undecodable_cols.append(table.columns[i])
                if cleaned.html:
                    flags.append("html")
                if cleaned.mojibake:
                    flags.append("mojibake")
                parts.append(cleaned.text)
            if undecodable_cols:
                flags.append("undecodable")
                if problem(
                    "undecodable", row_no, ", ".join(undecodable_cols), rid,
                    f"bytes not valid in {table.encoding or 'the file encoding'}; "
                    + ("decoded as cp1252" if policy["undecodable"] == "repair" else "row not used"),
                ):
                    continue
            text = _join_texts(parts)
            if not text and problem("empty_text", row_no, text_col_label, rid, "no text after cleaning"):
                continue
            tokens = tokenize(fold(text)) if text else []
            n_words = len(tokens)
            if 0 < n_words < NEAR_EMPTY_WORDS:
                flags.append("near_empty")
                summary.add_issue(Issue("near_empty", row_no, text_col_label, rid, "kept",
                                        f"only {n_words} word(s): {text[:60]!r}"))

            # duplicates
            dup_of = exact.check_and_add(rid, tokens) if text else None
            near_of = None
            if dup_of is not None:
                summary.exact_duplicates += 1
                flags.append("duplicate")
                if dedupe in ("exact", "near"):
                    summary.add_issue(Issue("duplicate_text", row_no, text_col_label, rid, "dropped",
                                            f"same text as id {dup_of!r}"))
                    continue
                summary.add_issue(Issue("duplicate_text", row_no, text_col_label, rid, "kept",
                                        f"same text as id {dup_of!r} (--dedupe none)"))
            elif near is not None and text:
                near_of = near.check_and_add(rid, tokens)
                if near_of is not None:
                    summary.near_duplicates += 1
                    flags.append("near_duplicate")
                    if dedupe == "near":
                        summary.add_issue(Issue("near_duplicate", row_no, text_col_label, rid,
                                                "dropped", f"near-identical to id {near_of!r}"))
                        continue
                    summary.add_issue(Issue("near_duplicate", row_no, text_col_label, rid, "kept",
                                            f"near-identical to id {near_of!r} (--dedupe near drops it)"))

            # metadata
            if plan.kind_idx is not None:
                raw_kind = cells[plan.kind_idx]
                kind = mapping.kind_of(raw_kind)
                if kind is None:
                    kind = "other"
                    if _cell_text(raw_kind).strip():
                        flags.append("unknown_kind")
                        summary.add_issue(Issue(
                            "unknown_kind", row_no, table.columns[plan.kind_idx], rid, "kept",
                            f"{_cell_text(raw_kind)!r} is not a known kind; recorded as 'other' "
                            "(add it under kind_values in the mapping file)",
                        ))
            else:
                kind = mapping.kind or "other"
            year = None
            if plan.year_idx is not None:
                parsed = parse_year(cells[plan.year_idx])
                if parsed is False:
                    flags.append("bad_year")
                    summary.add_issue(Issue(
                        "bad_year", row_no, table.columns[plan.year_idx], rid, "kept",
                        f"no year in {_cell_text(cells[plan.year_idx])!r}; left empty",
                    ))
                else:
                    year = parsed
            title = clean_text(_cell_text(cells[plan.title_idx])).text if plan.title_idx is not None else ""
            orgs = _split_orgs(cells[plan.org_idx], mapping.organisations_sep) if plan.org_idx is not None else []
            language = detect_language(tokens) if text else "other"

            if flags:
                if "html" in flags:
                    summary.html_stripped += 1
                if "mojibake" in flags:
                    summary.mojibake_fixed += 1
            summary.rows_kept += 1
            summary.languages[language] += 1
            summary.kinds[kind] += 1
            batch["id"].append(rid)
            batch["text"].append(text)
            batch["kind"].append(kind)
            batch["title"].append(title or None)
            batch["year"].append(year)
            batch["organisations"].append(orgs)
            batch["language"].append(language)
            batch["n_words"].append(n_words)
            batch["text_hash"].append(text_hash(text))
            batch["flags"].append(sorted(set(flags)))
            batch["duplicate_of"].append(dup_of)
            batch["near_duplicate_of"].append(near_of)
            batch["source_row"].append(row_no)
            for i, name in plan.passthrough:
                value = cells[i]
                if value is None:
                    batch[name].append(None)
                else:
                    s = _cell_text(value)
                    batch[name].append(clean_text(s).text if isinstance(value, str) else s)
            if len(batch["id"]) >= chunk_size:
                yield batch
                batch = new_batch()
        if batch["id"]:
            yield batch
    finally:
        if bar is not None:
            bar.close()


def _is_blank_row(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
