"""Cleaning, flags, duplicates, error policies and the report: every row accounted for."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from oi_text.errors import RowErrors
from oi_text.ingest import ColumnMapping, ingest, parse_year
from oi_text.records import RECORD_COLUMNS, load_records

HEADER = "nr;soort;titel;omschrijving;jaar;partners\n"
GOOD = [
    "P1;Project;Waterstof;Dit project ontwikkelt elektrolysers voor groene waterstof in de Eemshaven.;2021;TNO; Gasunie",
    "P2;WBSO;Membraan;Technische knelpunten: de selectiviteit van het membraan voor PFAS is onvoldoende.;01-03-2019;Wetsus",
    "P3;Start-up;Qblox;We build control stacks for superconducting quantum computers in Delft.;2020/2021;",
]

MAPPING = ColumnMapping(text=("omschrijving",), id="nr", title="titel", kind_column="soort",
                        year="jaar", organisations="partners")


def _csv(tmp_path, lines, name="export.csv", encoding="utf-8"):
    path = tmp_path / name
    # quote the text column so the ';' inside partners stays in its column
    out = [HEADER]
    for line in lines:
        parts = line if isinstance(line, tuple) else line.split(";", 5)
        out.append(";".join(f'"{p}"' for p in parts) + "\n")
    path.write_bytes("".join(out).encode(encoding, errors="surrogateescape"))
    return path


def _report(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_clean_file_gives_records_with_all_columns(tmp_path):
    s = ingest(_csv(tmp_path, GOOD), MAPPING, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert list(df.columns[: len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
    assert df.id.tolist() == ["P1", "P2", "P3"]
    assert df.kind.tolist() == ["project", "wbso", "startup"]
    assert df.year.tolist() == [2021, 2019, 2020]
    assert df.language.tolist() == ["nl", "nl", "en"]
    assert [list(o) for o in df.organisations] == [["TNO", "Gasunie"], ["Wetsus"], []]
    assert s.rows_read == s.rows_kept == 3
    assert not s.issue_counts
    assert s.languages == {"nl": 2, "en": 1}


def test_html_in_text_is_stripped_and_counted(tmp_path):
    lines = GOOD + [("P4", "Project", "Html", "<p>Sensoren voor <b>precisielandbouw</b> &amp; bodemvocht</p>"
                     "<script>x()</script>", "2022", "WUR")]
    s = ingest(_csv(tmp_path, lines), MAPPING, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet").set_index("id")
    assert df.loc["P4", "text"] == "Sensoren voor precisielandbouw & bodemvocht"
    assert "html" in list(df.loc["P4", "flags"])
    assert s.html_stripped == 1


def test_duplicate_ids_fail_by_default_naming_file_rows_and_column(tmp_path):
    lines = GOOD + ["P2;Project;Dubbel;Een ander project met hetzelfde nummer in de export.;2022;"]
    out = tmp_path / "r.parquet"
    with pytest.raises(RowErrors) as info:
        ingest(_csv(tmp_path, lines), MAPPING, out=out, report=tmp_path / "report.csv")
    msg = str(info.value)
    assert "export.csv: 1 row(s) with duplicate_id (rows 5, column 'nr')" in msg
    assert "id 'P2' already used on row 3" in msg
    assert "--on-error skip" in msg
    assert not out.exists() and not (tmp_path / "r.parquet.partial").exists()
    rep = _report(tmp_path / "report.csv")
    assert rep[0]["row"] == "5" and rep[0]["issue"] == "duplicate_id" and rep[0]["action"] == "failed"


def test_duplicate_ids_skipped_on_request_keep_the_first(tmp_path):
    lines = GOOD + ["P2;Project;Dubbel;Een ander project met hetzelfde nummer in de export.;2022;"]
    s = ingest(_csv(tmp_path, lines), MAPPING, out=tmp_path / "r.parquet", on_error="skip",
               report=tmp_path / "report.csv")
    df = load_records(tmp_path / "r.parquet")
    assert df.id.tolist() == ["P1", "P2", "P3"]
    assert df.set_index("id").loc["P2", "kind"] == "wbso"
    assert s.issue_counts["duplicate_id"] == 1
    rep = _report(tmp_path / "report.csv")
    assert [(r["row"], r["id"], r["column"], r["issue"], r["action"]) for r in rep] == [
        ("5", "P2", "nr", "duplicate_id", "skipped")
    ]


def test_empty_and_near_empty_texts_and_blank_rows(tmp_path):
    lines = GOOD[:1] + [";;;;;", "P5;Project;Leeg;   ;2022;", "P6;Project;Kort;Zie bijlage.;2022;"] + GOOD[1:]
    s = ingest(_csv(tmp_path, lines), MAPPING, out=tmp_path / "r.parquet", report=tmp_path / "rep.csv")
    df = load_records(tmp_path / "r.parquet")
    assert df.id.tolist() == ["P1", "P6", "P2", "P3"]
    assert s.blank_rows == 1
    assert s.issue_rows["empty_text"] == [4]
    assert s.issue_rows["near_empty"] == [5]
    assert "near_empty" in list(df.set_index("id").loc["P6", "flags"])
    rep = {(r["row"], r["issue"]): r for r in _report(tmp_path / "rep.csv")}
    assert rep[("4", "empty_text")]["action"] == "skipped"
    assert rep[("4", "empty_text")]["column"] == "omschrijving"
    assert rep[("5", "near_empty")]["action"] == "kept"


def test_empty_text_fails_when_asked(tmp_path):
    lines = GOOD + ["P5;Project;Leeg;;2022;"]
    with pytest.raises(RowErrors, match=r"empty_text \(rows 5, column 'omschrijving'\)"):
        ingest(_csv(tmp_path, lines), MAPPING, on_error="fail")


def test_missing_id_names_row_and_column(tmp_path):
    lines = GOOD + [";Project;Zonder nummer;Een project zonder nummer in de export.;2022;"]
    with pytest.raises(RowErrors, match=r"missing_id \(rows 5, column 'nr'\); first: row 5: the id cell is empty"):
        ingest(_csv(tmp_path, lines), MAPPING)


def test_undecodable_bytes_repaired_and_reported_with_row_and_column(tmp_path):
    bad = "P4;Project;Co\udcf6p;De co\udcf6peratie test een sensor in het veld bij Lelystad.;2022;"
    utf8 = "P5;Project;Één;Één coöperatie, één café en één naïeve ideeënbus voor Zeeuwse reünies.;2022;"
    path = _csv(tmp_path, GOOD + [bad, utf8])
    s = ingest(path, MAPPING, out=tmp_path / "r.parquet", report=tmp_path / "rep.csv")
    df = load_records(tmp_path / "r.parquet").set_index("id")
    assert df.loc["P4", "text"] == "De coöperatie test een sensor in het veld bij Lelystad."
    assert s.issue_rows["undecodable"] == [5]
    rep = [r for r in _report(tmp_path / "rep.csv") if r["issue"] == "undecodable"]
    assert rep[0]["column"] == "omschrijving" and rep[0]["action"] == "repaired"
    with pytest.raises(RowErrors, match=r"export.csv: 1 row\(s\) with undecodable \(rows 5, column 'omschrijving'\)"):
        ingest(path, MAPPING, on_error="fail")


def test_row_with_too_many_fields_is_reported(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,Een gewone regel met tekst\n2,Een regel, met een komma zonder quotes\n", encoding="utf-8")
    s = ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    assert s.issue_rows["bad_row"] == [3]
    assert s.rows_kept == 1


def test_unknown_kind_and_bad_year_are_warnings(tmp_path):
    lines = GOOD + ["P4;Subsidie;X;Een project met een onbekende soort en een raar jaartal.;binnenkort;"]
    s = ingest(_csv(tmp_path, lines), MAPPING, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet").set_index("id")
    assert df.loc["P4", "kind"] == "other"
    assert pd.isna(df.loc["P4", "year"])
    assert s.issue_rows["unknown_kind"] == [5]
    assert s.issue_rows["bad_year"] == [5]


def test_exact_and_near_duplicates(tmp_path):
    base = ("Wetsus ontwikkelt in Leeuwarden samen met drie waterschappen een keramisch membraan dat "
            "medicijnresten en microplastics uit rioolwater haalt, zodat het effluent van de "
            "zuivering veilig op het oppervlaktewater geloosd kan worden zonder extra")
    lines = GOOD + [
        f"D1;Project;A;{base}.;2020;",
        f"D2;Project;B;{base.upper()}!;2021;",  # exact duplicate (case, punctuation)
        f"D3;Project;C;{base} nabehandeling.;2021;",  # near: one word more
        "D4;Project;D;Een heel ander project over kunstmatige intelligentie voor het herkennen van onkruid.;2022;",
    ]
    path = _csv(tmp_path, lines)
    s = ingest(path, MAPPING, out=tmp_path / "r.parquet", report=tmp_path / "r.csv")
    df = load_records(tmp_path / "r.parquet").set_index("id")
    assert s.exact_duplicates == 1 and s.near_duplicates == 1
    assert "D2" not in df.index
    assert df.loc["D3", "near_duplicate_of"] == "D1"
    assert pd.isna(df.loc["D4", "near_duplicate_of"])
    # every flagged row is in the report, the kept near duplicate too
    report = pd.read_csv(tmp_path / "r.csv", dtype=str).set_index("id")
    assert report.loc["D2", ["issue", "action"]].tolist() == ["duplicate_text", "dropped"]
    assert report.loc["D3", ["issue", "action"]].tolist() == ["near_duplicate", "kept"]
    assert s.dropped_counts == {"duplicate_text": 1}
    issues = {line.split()[0]: line for line in s.format().splitlines() if "  rows " in line}
    assert issues["near_duplicate"].endswith("(kept)") and not issues["duplicate_text"].endswith("(kept)")

    s = ingest(path, MAPPING, out=tmp_path / "none.parquet", dedupe="none", report=tmp_path / "none.csv")
    df = load_records(tmp_path / "none.parquet").set_index("id")
    assert df.loc["D2", "duplicate_of"] == "D1"
    assert s.rows_kept == 7 and not s.dropped_counts
    report = pd.read_csv(tmp_path / "none.csv", dtype=str).set_index("id")
    assert report.loc["D2", ["issue", "action"]].tolist() == ["duplicate_text", "kept"]

    s = ingest(path, MAPPING, out=tmp_path / "near.parquet", dedupe="near")
    assert set(load_records(tmp_path / "near.parquet").id) == {"P1", "P2", "P3", "D1", "D4"}


def test_several_text_columns_are_joined(tmp_path):
    path = _csv(tmp_path, GOOD)
    mapping = ColumnMapping(text=("titel", "omschrijving"), id="nr")
    ingest(path, mapping, out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert df.text[0].startswith("Waterstof. Dit project ontwikkelt")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_csv_and_jsonl_output(tmp_path, suffix):
    bad_year = "P4;Project;Zon;Zonnepanelen op de daken van boerderijen in Drenthe en Friesland.;onbekend;"
    ingest(_csv(tmp_path, GOOD + [bad_year]), MAPPING, out=tmp_path / f"r{suffix}")
    df = load_records(tmp_path / f"r{suffix}")
    assert df.id.tolist() == ["P1", "P2", "P3", "P4"]
    raw = (tmp_path / f"r{suffix}").read_text(encoding="utf-8")
    assert "2021" in raw and "2021.0" not in raw  # whole years, also beside a missing one


def test_passthrough_columns(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text,language,fund\n1,Dit is een tekst over de productie van waterstof met elektrolyse voor de industrie.,xx,EFRO\n", encoding="utf-8")
    ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert df.language[0] == "nl"
    assert df.language_input[0] == "xx"
    assert df.fund[0] == "EFRO"
    ingest(path, ColumnMapping(text=("text",), id="id", passthrough="none"), out=tmp_path / "n.parquet")
    assert "fund" not in load_records(tmp_path / "n.parquet").columns


def test_generated_ids_use_file_and_row(tmp_path):
    path = _csv(tmp_path, GOOD, name="startups_2023.csv")
    ingest(path, ColumnMapping(text=("omschrijving",)), out=tmp_path / "r.parquet")
    assert load_records(tmp_path / "r.parquet").id.tolist() == [
        "startups_2023:2", "startups_2023:3", "startups_2023:4"]


@pytest.mark.parametrize(
    "value, year",
    [(2019, 2019), (2019.0, 2019), ("2019", 2019), ("15-03-2019", 2019), ("2020/2021", 2020),
     ("", None), (None, None), ("onbekend", False), (12, False)],
)
def test_parse_year(value, year):
    assert parse_year(value) == year


def test_chunks_are_written_in_batches(tmp_path):
    lines = [f"X{i};Project;T;Project nummer {i} over het zuiveren van water met sensoren en membranen {i}.;2020;"
             for i in range(23)]
    ingest(_csv(tmp_path, lines), MAPPING, out=tmp_path / "r.parquet", chunk_size=5, near_threshold=1.0)
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(tmp_path / "r.parquet")
    assert pf.metadata.num_rows == 23
    assert pf.metadata.num_row_groups == 5


@pytest.mark.slow
def test_large_file_is_streamed_with_bounded_memory(tmp_path):
    """A ~60 MB CSV is ingested while peak memory grows far less than the file size."""
    path = tmp_path / "big.csv"
    words = ("waterstof elektrolyse membraan sensor drone bodem kwantum qubit algoritme data "
             "onderzoek innovatie project ontwikkeling toepassing").split()
    import random

    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("id,text\n")
        for i in range(120_000):
            text = " ".join(rng.choice(words) for _ in range(70))
            fh.write(f"r{i},{text} {i}\n")
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 50
    script = textwrap.dedent(f"""
        import resource, sys
        from oi_text.ingest import ingest, ColumnMapping
        import pandas, pyarrow.parquet, openpyxl, ftfy  # imports count in the baseline
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        s = ingest({str(path)!r}, ColumnMapping(text=("text",), id="id"), out={str(tmp_path / 'o.parquet')!r},
                   chunk_size=2000, near_threshold=1.0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(s.rows_kept, (peak - base) / 1024)
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    kept, grown_mb = res.stdout.split()
    assert int(kept) == 120_000
    # the file is ~60 MB; reading it whole into pandas would take several times that
    assert float(grown_mb) < 0.5 * size_mb, f"memory grew {grown_mb} MB for a {size_mb:.0f} MB file"


def test_unclosed_quote_is_reported_not_silently_swallowing_rows(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id;text;jaar\n1;"Een gewone regel";2020\n2;"Slim wonen met sensoren;2021\n'
                    '3;Een derde project over waterstof;2022\n4;Een vierde over qubits;2023\n', encoding="utf-8")
    s = ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    assert s.issue_rows["bad_row"] == [3]
    assert "never closed" in next(i.detail for i in s.issues if i.kind == "bad_row")
    assert load_records(tmp_path / "r.parquet").id.tolist() == ["1"]
    # a properly quoted text over several lines, full of delimiters, is a normal row
    path.write_text('id;text;jaar\n1;"Eerste regel; met; puntkomma\'s\nTweede regel;a;b;c";2020\n'
                    '2;"Nog een project";2021\n', encoding="utf-8")
    s = ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    assert "bad_row" not in s.issue_counts and s.rows_kept == 2


def test_messy_cells_id_bytes_long_texts_and_nested_dates(tmp_path):
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    # a stray cp1252 byte in an id, and a text longer than the csv module's default field limit
    long_text = "Waterstof uit wind. " * 8000  # 160,000 characters
    path = tmp_path / "in.csv"
    path.write_bytes("id;text\n0;Een coöperatie, één café en één naïeve ideeënbus.\n".encode()  # UTF-8
                     + b"Caf\xe9-1;Een project over koffie en warmte uit restwarmte.\n"
                     + b'2;"' + long_text.encode() + b'"\n')
    s = ingest(path, ColumnMapping(text=("text",), id="id"), out=tmp_path / "r.parquet")
    df = load_records(tmp_path / "r.parquet")
    assert df.id.tolist() == ["0", "Café-1", "2"] and len(df.text[2]) > 150_000
    assert s.issue_rows["undecodable"] == [3]
    # nested Parquet cells with dates are kept as JSON text
    t = pa.table({"id": ["a"], "text": ["Een project over zonnepanelen op daken."],
                  "meta": [{"start": datetime.date(2021, 3, 1)}]})
    pq.write_table(t, tmp_path / "in.parquet")
    ingest(tmp_path / "in.parquet", ColumnMapping(text=("text",), id="id"), out=tmp_path / "r2.parquet")
    assert "2021-03-01" in load_records(tmp_path / "r2.parquet").meta[0]


def test_load_texts_says_which_rows_it_did_not_use(tmp_path, caplog):
    from oi_text.pipeline import load_texts

    path = tmp_path / "in.csv"
    path.write_text("nr,tekst\n1,Een project over waterstof\n1,Dubbel id\n2,\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        df = load_texts(path, text_col="tekst", id_col="nr")
    assert df.id.tolist() == ["1"]
    assert "2 of 3 rows not used" in caplog.text and "duplicate_id 1" in caplog.text
    # the counts are of rows not used: a near-empty text is flagged but kept, so not counted
    assert "(duplicate_id 1, empty_text 1)" in caplog.text or "(empty_text 1, duplicate_id 1)" in caplog.text
    pd.DataFrame({"nr": [1.0, 2.0], "tekst": ["a b c", "d e f"]}).to_parquet(tmp_path / "f.parquet")
    assert load_texts(tmp_path / "f.parquet", text_col="tekst", id_col="nr").id.tolist() == ["1", "2"]
