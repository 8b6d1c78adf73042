"""Streaming readers: CSV/TSV (encoding and delimiter sniffed), XLSX, Parquet, JSONL.

Every reader turns a file into a :class:`Table`: the header (column names) and a re-iterable
stream of ``(row_number, cells)``. Row numbers are what a person sees: for CSV and XLSX the
spreadsheet row (the header row counts, so the first data row under a header on row 1 is row 2);
for JSONL the line number; for Parquet the 1-based record number. Nothing is held in memory
beyond one row (CSV, JSONL, XLSX) or one row group batch (Parquet).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ..errors import InputError, SchemaError, format_columns

logger = logging.getLogger(__name__)

Format = Literal["csv", "xlsx", "parquet", "jsonl"]

_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

#: rows scanned to find the header of a CSV or XLSX file
HEADER_SCAN_ROWS = 30
_SNIFF_BYTES = 1 << 20


@dataclass
class ReadOptions:
    """How to read a file; every field is optional and sniffed when left out.

    Parameters
    ----------
    format : {"csv", "xlsx", "parquet", "jsonl"}, optional
        Defaults to the file's suffix (``.csv .tsv .txt .xlsx .parquet .jsonl``, also ``.gz``).
    encoding : str, optional
        CSV only. Default: sniffed (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else cp1252).
    delimiter : str, optional
        CSV only. Default: sniffed among ``, ; tab |`` (Excel's ``sep=;`` first line is honoured).
    sheet : str or int, optional
        XLSX only: sheet name or 0-based index. Default: the first sheet.
    header_row : int, optional
        CSV/XLSX: 1-based row of the header. Default: detected (the first row that holds the
        mapped column names, else the first row about as wide as the table).
    """

    format: Format | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None


@dataclass
class Table:
    """A readable table: its columns and a re-iterable row stream."""

    path: Path
    format: Format
    columns: list[str]
    header_row: int | None = None
    rows_above_header: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    total_rows: int | None = None
    _factory: Any = field(default=None, repr=False)

    def iter_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Yield ``(row_number, values)`` with ``values`` aligned to :attr:`columns`.

        Rows shorter than the header are padded with ``None``; longer rows keep their extra
        values beyond ``len(columns)`` so the caller can report them.
        """
        return self._factory()

    def describe(self) -> str:
        """One line saying how the file was read."""
        parts = [self.format]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.delimiter:
            parts.append(f"delimiter {self.delimiter!r}")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.header_row:
            parts.append(f"header on row {self.header_row}")
        return ", ".join(parts)


def detect_format(path: Path, fmt: str | None = None) -> Format:
    """The format of ``path`` from ``fmt`` or its suffix; a clear error otherwise."""
    if fmt:
        if fmt not in ("csv", "xlsx", "parquet", "jsonl"):
            raise InputError(
                f"unknown format {fmt!r}; expected one of 'csv', 'xlsx', 'parquet', 'jsonl'"
            )
        return fmt  # type: ignore[return-value]
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise InputError(
            f"{path}: old-style .xls workbooks are not supported; open the file in Excel or "
            "LibreOffice and save it as .xlsx (or export CSV)"
        )
    if suffix == ".json":
        raise InputError(
            f"{path}: plain .json is not read; write one JSON object per line (JSON Lines, "
            "'.jsonl'), e.g. with pandas: df.to_json('file.jsonl', orient='records', lines=True)"
        )
    raise InputError(
        f"{path}: cannot tell the format from the suffix {suffix!r}; expected .csv, .tsv, .xlsx, "
        ".parquet or .jsonl (optionally .gz), or pass --format"
    )


def open_table(
    path: str | Path,
    options: ReadOptions | None = None,
    expected_columns: Sequence[str] = (),
) -> Table:
    """Open ``path`` for streaming.

    ``expected_columns`` (the mapped column names) helps find the header row of CSV and XLSX
    files whose header is not on row 1.
    """
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise InputError(f"input file not found: {str(path)!r}")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder; give the path of one CSV/XLSX/Parquet/JSONL file")
    fmt = detect_format(path, options.format)
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    if fmt == "csv":
        return _open_csv(path, options, expected_columns)
    if fmt == "xlsx":
        return _open_xlsx(path, options, expected_columns)
    if fmt == "parquet":
        return _open_parquet(path)
    return _open_jsonl(path)


# ---------------------------------------------------------------------------------------------
# header detection (CSV and XLSX)


def _norm_name(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold() if value is not None else ""


def _find_header(
    rows: list[tuple[int, list[Any]]], expected: Sequence[str], path: Path
) -> int:
    """Index into ``rows`` of the header row."""
    if not rows:
        raise InputError(f"{path}: no rows found (the file holds no data)")
    wanted = {_norm_name(c) for c in expected if c}
    if wanted:
        hits = [len(wanted & {_norm_name(c) for c in cells}) for _, cells in rows]
        if max(hits) > 0:
            # every mapped name, else the most of them: a misspelt one is then reported as missing
            # against the real header, not against a title row above it
            return hits.index(max(hits))
    # else: the first row whose filled cells are all text and about as many as the widest row
    widths = [sum(1 for c in cells if _norm_name(c)) for _, cells in rows]
    widest = max(widths)
    for i, (_, cells) in enumerate(rows):
        filled = [c for c in cells if _norm_name(c)]
        if len(filled) >= max(1, 0.6 * widest) and all(isinstance(c, str) for c in filled):
            return i
    return 0


def _header_names(cells: list[Any], sample: Sequence[Sequence[Any]] = ()) -> tuple[list[str], list[int]]:
    """Column names from header cells: trimmed; blanks become ``column_<n>``; repeats get a suffix.

    Unnamed columns at the right are dropped (Excel's empty right-hand columns), unless the
    column holds data: a value in more than half of the ``sample`` rows (data rows under the
    header), at least two. A header cell is needed: values beyond the header's last cell are
    left for the row check to report (an unquoted delimiter in the text looks just like them,
    and taking them for a column would cut those texts short). Returns the names and the 0-based
    positions of the unnamed columns kept."""
    names: list[str] = []
    unnamed: set[int] = set()
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = re.sub(r"\s+", " ", str(cell)).strip() if cell is not None else ""
        if name.startswith("\ufeff"):
            name = name[1:]
        if not name:
            name = f"column_{i + 1}"
            unnamed.add(i)
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)

    def holds_data(i: int) -> bool:
        filled = sum(1 for row in sample if len(row) > i and not _is_blank(row[i:i + 1]))
        return filled >= 2 and 2 * filled > len(sample)

    while len(names) > 1 and len(names) - 1 in unnamed and not holds_data(len(names) - 1):
        unnamed.discard(len(names) - 1)
        names.pop()
    return names, sorted(i for i in unnamed if holds_data(i))


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _locate_header(
    raw_rows: Any, options: ReadOptions, expected: Sequence[str], path: Path, where: str = ""
) -> tuple[int, list[str], int, Any]:
    """Scan the first non-blank rows for the header (given or detected).

    Returns ``(header row number, column names, non-blank rows above it, data-row factory)``.
    """
    head: list[tuple[int, list[Any]]] = []
    for row_no, cells in raw_rows():
        if _is_blank(cells):
            continue
        head.append((row_no, cells))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not head:
        raise InputError(f"{path}: {where or 'the file'} holds no data")
    if options.header_row:
        idx = next((i for i, (r, _) in enumerate(head) if r == options.header_row), None)
        if idx is None:
            raise InputError(f"{path}: header row {options.header_row} of {where or 'the file'} is blank "
                             f"or beyond the first {HEADER_SCAN_ROWS} filled rows")
    else:
        idx = _find_header(head, expected, path)
    header_row_no, header_cells = head[idx]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for row_no, cells in raw_rows():
            if row_no > header_row_no:
                yield row_no, cells

    above = sum(1 for r, _ in head if r < header_row_no)
    names, unnamed = _header_names(header_cells, [cells for _, cells in head[idx + 1:]])
    if unnamed:
        listed = ", ".join(f"{i + 1} ('{names[i]}')" for i in unnamed)
        logger.warning("%s: column(s) %s of %s have no name in the header (row %d) but hold data: "
                       "kept under that name (use it in the column mapping, e.g. --text-col column_3) or "
                       "name them in the file",
                       path, listed, where or "the file", header_row_no)
    return header_row_no, names, above, rows


# ---------------------------------------------------------------------------------------------
# CSV


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def sniff_encoding(sample: bytes) -> str:
    """Guess the encoding of a CSV sample: BOMs first, then UTF-8, else cp1252.

    >>> sniff_encoding("Coöperatie".encode("cp1252"))
    'cp1252'
    >>> sniff_encoding(b"\\xef\\xbb\\xbfid;tekst")
    'utf-8-sig'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut off at the end of the sample is still UTF-8
        if exc.start >= len(sample) - 3 and exc.reason in ("unexpected end of data",):
            return "utf-8"
        # mostly valid UTF-8 with a few stray bytes: keep UTF-8 and report those rows
        decoded = sample.decode("utf-8", errors="replace")
        invalid = decoded.count("\ufffd")
        valid = sum(1 for ch in decoded if ord(ch) > 127) - invalid
        if valid >= 4 * invalid:
            return "utf-8"
        return "cp1252"


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the sample lines most consistently."""
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        share = widths.count(common) / len(widths)
        score = share * 10 + min(common, 50) / 50
        if score > best_score:
            best, best_score = delim, score
    return best


# a cell may hold a whole document (the csv module's default cap is 131,072 characters)
csv.field_size_limit(2**31 - 1)


def _open_csv(path: Path, options: ReadOptions, expected: Sequence[str]) -> Table:
    with _open_binary(path) as fh:
        sample = fh.read(_SNIFF_BYTES)
    encoding = options.encoding or sniff_encoding(sample)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{path}: unknown encoding {encoding!r}; try utf-8, cp1252 or latin-1") from None
    text_sample = sample.decode(encoding, errors="replace")
    sample_lines = text_sample.splitlines()[:-1] or text_sample.splitlines()
    skip_first = 0
    delimiter = options.delimiter
    if sample_lines and re.fullmatch(r"\ufeff?sep=(.)", sample_lines[0].strip()):
        # Excel's hint line: "sep=;"
        delimiter = delimiter or sample_lines[0].strip()[-1]
        skip_first = 1
    if delimiter is None:
        delimiter = sniff_delimiter(sample_lines[skip_first : skip_first + 200])
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"

    def raw_rows() -> Iterator[tuple[int, list[Any]]]:
        fh = _open_binary(path)
        try:
            text = io.TextIOWrapper(fh, encoding=encoding, errors="surrogateescape", newline="")
            reader = csv.reader(text, delimiter=delimiter)
            row_no = 0
            try:
                for cells in reader:
                    row_no += 1
                    if row_no <= skip_first:
                        continue
                    yield row_no, cells
            except csv.Error as exc:
                raise InputError(
                    f"{path}: row {row_no + 1}: the CSV is malformed ({exc}); check quoting around "
                    f"that row, or pass --delimiter/--encoding if the sniffed ones "
                    f"({delimiter!r}, {encoding}) are wrong"
                ) from None
        finally:
            fh.close()

    header_row_no, columns, above, rows = _locate_header(raw_rows, options, expected, path)

    return Table(
        path=path,
        format="csv",
        columns=columns,
        header_row=header_row_no,
        rows_above_header=above,
        encoding=encoding,
        delimiter=delimiter,
        _factory=rows,
    )


# ---------------------------------------------------------------------------------------------
# XLSX


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch.upper()) - 64)
    return n


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range, streamed from the sheet XML."""
    import xml.etree.ElementTree as ET

    ranges = []
    with archive.open(sheet_path) as src:
        for _event, elem in ET.iterparse(src, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ref = elem.get("ref", "")
                m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref)
                if m:
                    ranges.append(
                        (int(m[2]), _col_index(m[1]), int(m[4]), _col_index(m[3]))
                    )
            elif tag == "row":
                elem.clear()
    return ranges


def _open_xlsx(path: Path, options: ReadOptions, expected: Sequence[str]) -> Table:
    import openpyxl

    def load():  # type: ignore[no-untyped-def]
        try:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InputError(f"{path}: not a readable .xlsx workbook ({exc})") from None

    wb = load()
    names = wb.sheetnames
    if options.sheet is None:
        visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
        sheet = visible[0] if visible else names[0]
    elif str(options.sheet) in names:  # a name first, even one that looks like a number ("2023")
        sheet = str(options.sheet)
    elif isinstance(options.sheet, int) or str(options.sheet).isdigit():
        i = int(options.sheet)
        if not 0 <= i < len(names):
            raise InputError(f"{path}: sheet index {i} out of range; the workbook has sheets {names}")
        sheet = names[i]
    else:
        if options.sheet not in names:
            raise InputError(f"{path}: no sheet named {options.sheet!r}; the workbook has sheets {names}")
        sheet = str(options.sheet)
    ws = wb[sheet]
    merged = _merged_ranges(wb._archive, ws._worksheet_path)  # noqa: SLF001
    total = ws.max_row
    wb.close()

    # vertical/horizontal merges inside the data: every cell shows the top-left value
    fill: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in merged:
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    fill[(r, c)] = (r1, c1)
    anchors = set(fill.values())

    def raw_rows() -> Iterator[tuple[int, list[Any]]]:
        book = load()
        try:
            keep: dict[tuple[int, int], Any] = {}
            for row_no, cells in enumerate(book[sheet].iter_rows(values_only=True), start=1):
                values = list(cells)
                if fill:
                    for c, v in enumerate(values, start=1):
                        if (row_no, c) in anchors:
                            keep[(row_no, c)] = v
                    for c in range(1, len(values) + 1):
                        src = fill.get((row_no, c))
                        if src is not None and values[c - 1] is None:
                            values[c - 1] = keep.get(src)
                yield row_no, values
        finally:
            book.close()

    header_row_no, columns, above, rows = _locate_header(raw_rows, options, expected, path, f"sheet {sheet!r}")

    return Table(
        path=path,
        format="xlsx",
        columns=columns,
        header_row=header_row_no,
        rows_above_header=above,
        sheet=sheet,
        total_rows=(total - header_row_no) if total else None,
        _factory=rows,
    )


# ---------------------------------------------------------------------------------------------
# Parquet


def _open_parquet(path: Path) -> Table:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = list(pf.schema_arrow.names)
    total = pf.metadata.num_rows

    def rows() -> Iterator[tuple[int, list[Any]]]:
        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=8192):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*cols):
                n += 1
                yield n, list(values)

    return Table(path=path, format="parquet", columns=columns, total_rows=total, _factory=rows)


# ---------------------------------------------------------------------------------------------
# JSONL


class JsonLineError(ValueError):
    """A JSONL line that is not a JSON object (reported as a ``bad_json`` issue)."""


def _open_jsonl(path: Path) -> Table:
    columns: list[str] = []
    seen: set[str] = set()
    with _open_binary(path) as fh:
        for i, line in enumerate(fh):
            if i >= 1000:
                break
            if i == 0 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                for key in obj:
                    if key not in seen:
                        seen.add(key)
                        columns.append(str(key))
    if not columns:
        raise SchemaError(
            f"{path}: no JSON objects found in the first 1000 lines; expected one JSON object per "
            "line, e.g. {\"id\": \"p1\", \"text\": \"...\"}"
        )
    index = {c: i for i, c in enumerate(columns)}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        late: set[str] = set()
        with _open_binary(path) as fh:
            for line_no, raw in enumerate(fh, start=1):
                if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                    raw = raw[3:]
                if not raw.strip():
                    continue
                line = raw.decode("utf-8", errors="surrogateescape")
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError(f"a JSON {type(obj).__name__}, not an object")
                except ValueError as exc:
                    yield line_no, [JsonLineError(str(exc))]
                    continue
                values: list[Any] = [None] * len(columns)
                for key, value in obj.items():
                    i = index.get(key)
                    if i is None:  # the columns come from the first 1000 lines
                        if key not in late:
                            late.add(key)
                            logger.warning("%s: line %d: key %r first appears after the first 1000 lines, which "
                                           "set the columns; it is not read (put a line with it near the top)",
                                           path, line_no, key)
                        continue
                    values[i] = value
                yield line_no, values

    return Table(path=path, format="jsonl", columns=columns, _factory=rows)


def require_columns(table: Table, wanted: Sequence[str], what: Sequence[str]) -> None:
    """Raise :class:`SchemaError` naming every missing column and listing those found."""
    lower = {c.casefold(): c for c in table.columns}
    missing = [
        (w, role) for w, role in zip(wanted, what) if w not in table.columns and w.casefold() not in lower
    ]
    if not missing:
        return
    desc = "; ".join(f"{role} column {w!r} not found" for w, role in missing)
    import difflib

    hints = []
    for w, _ in missing:
        close = difflib.get_close_matches(w, table.columns, n=1, cutoff=0.6)
        if close:
            hints.append(f"did you mean {close[0]!r} for {w!r}?")
    where = f" (header on row {table.header_row})" if table.header_row else ""
    raise SchemaError(
        f"{table.path}: {desc}. Columns found{where}: {format_columns(table.columns)}."
        + (" " + " ".join(hints) if hints else "")
        + " Fix the column name in --text-col/--id-col/... or the mapping file."
    )


def resolve_column(table: Table, name: str) -> int:
    """Index of column ``name`` (exact, else case-insensitive)."""
    if name in table.columns:
        return table.columns.index(name)
    lower = [c.casefold() for c in table.columns]
    return lower.index(name.casefold())
