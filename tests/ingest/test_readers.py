"""Every input format, including the broken files analysts actually receive."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from oi_text.errors import InputError, SchemaError
from oi_text.ingest import ColumnMapping, ReadOptions, ingest, open_table, sniff_encoding
from oi_text.records import load_records

ROWS = [
    ("S-001", "Coöperatie Slim Water", "Wij ontwikkelen sensoren die lekkages in drinkwaterleidingen opsporen."),
    ("S-002", "Qubit Labs", "We build cryogenic control electronics for superconducting qubits."),
    ("S-003", "Één Energie", "Elektrolyse van zeewater tot groene waterstof voor de haven van Rotterdam."),
]


def write_csv(path, rows, *, sep=",", encoding="utf-8", header=("id", "naam", "omschrijving"),
              newline="\n", prefix=""):
    lines = [sep.join(header)] + [sep.join(f'"{c}"' for c in r) for r in rows]
    path.write_bytes((prefix + newline.join(lines) + newline).encode(encoding))
    return path


@pytest.mark.parametrize(
    "encoding, sep, expected_encoding",
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("cp1252", ";", "cp1252"),
        ("utf-16", "\t", "utf-16"),
    ],
)
def test_csv_encodings_and_delimiters_are_sniffed(tmp_path, encoding, sep, expected_encoding):
    path = write_csv(tmp_path / "in.csv", ROWS, sep=sep, encoding=encoding)
    table = open_table(path)
    assert table.encoding == expected_encoding
    assert table.delimiter == sep
    assert table.columns == ["id", "naam", "omschrijving"]
    rows = list(table.iter_rows())
    assert [r for r, _ in rows] == [2, 3, 4]
    assert rows[0][1][1] == "Coöperatie Slim Water"
    assert rows[2][1][1] == "Één Energie"


def test_dutch_excel_csv_cp1252_semicolon_crlf(tmp_path):
    """As Dutch Excel saves 'CSV (puntkomma gescheiden)': cp1252, ';', CRLF, euro signs."""
    rows = [("1", "Proef", "Subsidie € 25.000; looptijd 2 jaar — coöperatie Noord"),
            ("2", "Pilot", "Café-eigenaren testen een app")]
    path = write_csv(tmp_path / "export.csv", rows, sep=";", encoding="cp1252", newline="\r\n")
    s = ingest(path, ColumnMapping(text=("omschrijving",), id="id"), out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert s.read_as.startswith("csv, encoding cp1252, delimiter ';'")
    assert df.text.tolist() == ["Subsidie € 25.000; looptijd 2 jaar — coöperatie Noord",
                                "Café-eigenaren testen een app"]


def test_excel_sep_hint_line_is_honoured(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS, sep="|", prefix="sep=|\n")
    table = open_table(path)
    assert table.delimiter == "|"
    assert table.header_row == 2
    assert [r for r, _ in table.iter_rows()] == [3, 4, 5]


def test_excel_sep_hint_beats_sniffing(tmp_path):
    # every line splits into 3 on ',' and into 2 on ';': sniffing alone would pick ','
    lines = ["id;titel, korte, omschrijving", "1;Waterstof, wind, zon", "2;Qubits, ionen, fotonen"]
    path = tmp_path / "hint.csv"
    path.write_text("sep=;\n" + "\n".join(lines) + "\n", encoding="utf-8")
    table = open_table(path)
    assert table.delimiter == ";" and table.columns == ["id", "titel, korte, omschrijving"]
    (tmp_path / "nohint.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert open_table(tmp_path / "nohint.csv").delimiter == ","


def test_sheet_named_like_a_number_and_jsonl_with_a_byte_order_mark(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "2022"
    wb.active.append(["id", "text"])
    wb.active.append(["a", "projecten van 2022"])
    ws = wb.create_sheet("2023")
    ws.append(["id", "text"])
    ws.append(["b", "projecten van 2023"])
    wb.save(tmp_path / "years.xlsx")
    rows = list(open_table(tmp_path / "years.xlsx", ReadOptions(sheet="2023")).iter_rows())
    assert rows[0][1] == ["b", "projecten van 2023"]
    (tmp_path / "bom.jsonl").write_bytes(b'\xef\xbb\xbf{"id": "p1", "text": "eerste regel"}\n{"id": "p2", "text": "tweede"}\n')
    assert [r[1] for r in open_table(tmp_path / "bom.jsonl").iter_rows()] == [["p1", "eerste regel"], ["p2", "tweede"]]


def test_sniff_encoding_mostly_utf8_with_a_stray_byte():
    sample = ("Coöperatie één " * 50).encode("utf-8") + b"caf\xe9 " + ("naïef " * 50).encode("utf-8")
    assert sniff_encoding(sample) == "utf-8"


def test_csv_header_not_on_first_row(tmp_path):
    content = "Export startups 2023;;\n;;\nid;naam;omschrijving\n1;A;Tekst een\n2;B;Tekst twee\n"
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    table = open_table(path, expected_columns=["omschrijving"])
    assert table.header_row == 3
    assert table.rows_above_header == 1
    assert [r for r, _ in table.iter_rows()] == [4, 5]


def test_xlsx_header_not_on_row_one_with_merged_cells(tmp_path, caplog):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Export"
    ws["A1"] = "Overzicht projecten 2022 (vertrouwelijk)"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Nr", "Soort", "Titel", "Omschrijving"])
    ws.append(["P1", "Project", "Waterstof", "Groene waterstof uit zeewater."])
    ws.append(["P2", None, "Membranen", "Membranen voor PFAS-verwijdering."])
    ws.append(["P3", None, "Drones", "Drones voor plaatsspecifieke bemesting."])
    ws.append(["W1", "WBSO", "Sensor", "Ontwikkeling van een nieuwe bodemsensor."])
    ws.merge_cells("B4:B6")  # 'Project' spans the first three data rows
    wb.create_sheet("Toelichting")
    path = tmp_path / "export.xlsx"
    wb.save(path)

    mapping = ColumnMapping(text=("Omschrijving",), id="Nr", title="Titel", kind_column="Soort")
    s = ingest(path, mapping, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert s.rows_above_header == 1
    assert "sheet 'Export', header on row 3" in s.read_as
    assert df.id.tolist() == ["P1", "P2", "P3", "W1"]
    assert df.kind.tolist() == ["project", "project", "project", "wbso"]
    assert df.source_row.tolist() == [4, 5, 6, 7]
    assert df.title.tolist() == ["Waterstof", "Membranen", "Drones", "Sensor"]

    # no text column given: its usual names find the header below the title row, and the
    # guess is said out loud
    import logging

    with caplog.at_level(logging.WARNING, logger="oi_text.ingest.pipeline"):
        s = ingest(path, ColumnMapping(), out=tmp_path / "g.parquet")
    assert "header on row 3" in s.read_as and s.rows_kept == 4
    assert "no text column given; using 'Omschrijving'" in caplog.text
    assert load_records(tmp_path / "g.parquet").text.iloc[0] == "Groene waterstof uit zeewater."

    # a misspelt column among correct ones is reported against the real header, not the title
    with pytest.raises(SchemaError, match=r"text column 'Omschrijvng' not found\. Columns found \(header on row 3\): "
                                          r"'Nr', 'Soort', 'Titel', 'Omschrijving'.*did you mean 'Omschrijving'"):
        ingest(path, ColumnMapping(text=("Omschrijvng",), id="Nr"), out=tmp_path / "x.parquet")


def test_xlsx_sheet_selection_and_errors(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["id", "text"])
    wb.active.append(["a", "eerste blad"])
    ws2 = wb.create_sheet("Tweede")
    ws2.append(["id", "text"])
    ws2.append(["b", "tweede blad met tekst"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    assert list(open_table(path, ReadOptions(sheet="Tweede")).iter_rows())[0][1] == ["b", "tweede blad met tekst"]
    assert list(open_table(path, ReadOptions(sheet=1)).iter_rows())[0][1][0] == "b"
    with pytest.raises(InputError, match=r"no sheet named 'Derde'; the workbook has sheets \['Sheet', 'Tweede'\]"):
        open_table(path, ReadOptions(sheet="Derde"))


def test_parquet_with_list_and_integer_columns(tmp_path):
    table = pa.table({
        "project_id": ["h2020-1", "h2020-2"],
        "objective": ["Offshore wind turbines with floating foundations.", "Solid oxide electrolysis for the production of hydrogen."],
        "start_year": [2019, 2020],
        "partners": [["TNO", "TU Delft"], ["DIFFER"]],
        "budget": [1_500_000.0, 2_000_000.5],
    })
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    mapping = ColumnMapping(text=("objective",), id="project_id", year="start_year", organisations="partners")
    ingest(path, mapping, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert df.year.tolist() == [2019, 2020]
    assert [list(o) for o in df.organisations] == [["TNO", "TU Delft"], ["DIFFER"]]
    assert df.budget.tolist() == ["1500000", "2000000.5"]
    assert set(df.language) == {"en"}


def test_jsonl_with_a_broken_line_is_reported_with_its_line_number(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "Kwantumsensoren voor medische beeldvorming in Leiden."}),
        "{not json",
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "b", "text": "Quantum networks between Delft and The Hague.", "extra": {"x": 1}}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    assert s.issue_counts["bad_json"] == 2
    assert s.issue_rows["bad_json"] == [2, 3]
    df = load_records(tmp_path / "r.parquet")
    assert df.id.tolist() == ["a", "b"]
    assert df.source_row.tolist() == [1, 5]


def test_gzipped_csv(tmp_path):
    import gzip

    plain = write_csv(tmp_path / "x.csv", ROWS)
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert len(list(open_table(gz).iter_rows())) == 3


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "old-style .xls workbooks are not supported"),
        ("data.json", b"[]", "plain .json is not read"),
        ("data.dat", b"x", "cannot tell the format from the suffix '.dat'"),
        ("empty.csv", b"", "the file is empty"),
        ("broken.xlsx", b"not a zip", "not a readable .xlsx workbook"),
        ("broken.parquet", b"not parquet", "not a readable Parquet file"),
    ],
)
def test_unreadable_files_get_clear_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        ingest(path, ColumnMapping(text=("text",)))
    assert name in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="input file not found"):
        ingest(tmp_path / "nope.csv")


def test_missing_column_names_it_and_lists_the_columns_found(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(SchemaError) as info:
        ingest(path, ColumnMapping(text=("omschriving",), id="nr"))
    msg = str(info.value)
    assert "in.csv" in msg
    assert "text column 'omschriving' not found" in msg
    assert "id column 'nr' not found" in msg
    assert "Columns found (header on row 1): 'id', 'naam', 'omschrijving'" in msg
    assert "did you mean 'omschrijving' for 'omschriving'?" in msg


def test_text_column_is_guessed_by_name_when_not_given(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS)
    s = ingest(path, out=tmp_path / "r.parquet")
    assert s.rows_kept == 3


def test_no_text_column_and_no_guess_is_an_error(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS, header=("a", "b", "c"))
    with pytest.raises(SchemaError, match=r"no text column given.*--text-col.*'a', 'b', 'c'"):
        ingest(path)


def test_jsonl_key_first_seen_late_is_named_not_silently_dropped(tmp_path, caplog):
    lines = [json.dumps({"id": f"p{i}", "text": "tekst"}) for i in range(1100)]
    lines.append(json.dumps({"id": "p1100", "text": "tekst", "fonds": "EFRO"}))
    (tmp_path / "late.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = open_table(tmp_path / "late.jsonl")
    with caplog.at_level("WARNING"):
        assert len(list(table.iter_rows())) == 1101
    assert "line 1101: key 'fonds' first appears after the first 1000 lines" in caplog.text


def test_unnamed_column_that_holds_data_is_kept_not_reported_as_broken_rows(tmp_path, caplog):
    """A header cell left blank over a column with data: kept as column_<n>, with a warning.
    Not columns: empty right-hand columns, a stray unquoted comma, and values beyond the
    header's last cell (those rows are reported, never silently cut short)."""
    rows = [f"S-{i:03d},Start-up {i},Wij bouwen sensoren voor waterleidingen (nummer {i}).,Utrecht" for i in range(8)]
    blank_cell = tmp_path / "blank_cell.csv"
    blank_cell.write_text("id,naam,omschrijving,\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = ColumnMapping(text=("omschrijving",), id="id")
    table = open_table(blank_cell)
    assert table.columns == ["id", "naam", "omschrijving", "column_4"]
    assert "column(s) 4 ('column_4')" in caplog.text and "have no name in the header" in caplog.text
    s = ingest(blank_cell, mapping, out=tmp_path / "r.parquet")
    assert "bad_row" not in s.issue_counts and s.rows_kept == 8
    assert load_records(tmp_path / "r.parquet").column_4.tolist() == ["Utrecht"] * 8

    # no header cell at all: every row is reported, with the hint
    no_cell = tmp_path / "no_cell.csv"
    no_cell.write_text("id,naam,omschrijving\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert open_table(no_cell).columns == ["id", "naam", "omschrijving"]
    s = ingest(no_cell, mapping, out=tmp_path / "r.parquet", on_error="skip")
    assert s.issue_rows["bad_row"] == list(range(2, 10))
    assert "a column without a name in the header?" in next(i.detail for i in s.issues if i.kind == "bad_row")

    # empty right-hand columns (a spreadsheet export) are dropped, as before
    empty = tmp_path / "empty.csv"
    empty.write_text("id,naam,omschrijving,,\n" + "\n".join(r.rsplit(",", 1)[0] + ",," for r in rows) + "\n",
                     encoding="utf-8")
    assert open_table(empty).columns == ["id", "naam", "omschrijving"]
    # unquoted commas in the text, even in most rows, under a header with a blank last cell:
    # values in a minority of rows do not make a column, and those rows are reported
    stray = tmp_path / "stray.csv"
    lines = [r.rsplit(",", 1)[0] + "," for r in rows]
    for i in (1, 4, 6):
        lines[i] = lines[i].replace("sensoren", "sensoren, pompen")
    stray.write_text("id,naam,omschrijving,\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert open_table(stray).columns == ["id", "naam", "omschrijving"]
    s = ingest(stray, mapping, out=tmp_path / "r.parquet", on_error="skip")
    assert s.issue_rows["bad_row"] == [3, 6, 8] and s.rows_kept == 5


def test_a_header_without_rows_is_said_and_a_text_column_named_text_is_no_guess(tmp_path, caplog):
    from oi_text.ingest import ColumnMapping, ingest

    empty = tmp_path / "leeg.csv"
    empty.write_text("id;omschrijving\n", encoding="utf-8")
    summary = ingest(empty, ColumnMapping(text=("omschrijving",), id="id"), out=tmp_path / "r.parquet")
    assert summary.rows_read == 0 and "a header but no rows below it" in caplog.text
    caplog.clear()
    plain = tmp_path / "plain.csv"
    plain.write_text("id,text\n1,Waterstof uit zeewind voor de Eemshaven\n", encoding="utf-8")
    assert ingest(plain, ColumnMapping(id="id"), out=tmp_path / "p.parquet").rows_kept == 1
    assert "no text column given" not in caplog.text
