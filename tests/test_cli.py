"""The command line: fast --help without torch, summaries, and errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from oi_text.cli import main


def test_help_does_not_import_torch_or_other_heavy_libraries():
    code = (
        "import sys; from oi_text.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'pandas', 'pyarrow') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("HEAVY")][0]
    assert "[]" in line, line
    assert "ingest" in out


def test_ingest_command_prints_summary(tmp_path):
    src = tmp_path / "startups.csv"
    src.write_text(
        "naam;beschrijving\n"
        "Qblox;We build control stacks for quantum computers.\n"
        "Lely;Wij ontwikkelen melkrobots en sensoren voor de veehouderij.\n"
        "Lely;Wij ontwikkelen melkrobots en sensoren voor de veehouderij.\n"
        "Leeg;\n",
        encoding="cp1252",
    )
    res = CliRunner().invoke(main, ["ingest", str(src), "--text-col", "beschrijving", "--kind", "startup",
                                    "--out", str(tmp_path / "r.parquet"), "--report", str(tmp_path / "rep.csv")])
    assert res.exit_code == 0, res.output
    assert "rows read: 4   kept: 2   dropped: 2" in res.output
    assert "languages: en 1 (50%), nl 1 (50%)" in res.output
    assert "duplicates: 1 exact, 0 near" in res.output
    assert "empty_text" in res.output and "rows 5" in res.output
    assert (tmp_path / "rep.csv").exists()


def test_ingest_error_exits_without_traceback(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,een tekst over water\n1,nog een tekst over water\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["ingest", str(src), "--text-col", "text", "--id-col", "id",
                                    "--out", str(tmp_path / "r.parquet")])
    assert res.exit_code == 1
    assert "error:" in res.output and "duplicate_id (rows 3, column 'id')" in res.output
    assert "Traceback" not in res.output

    res = CliRunner().invoke(main, ["ingest", str(src), "--text-col", "tekst", "--out", str(tmp_path / "r.parquet")])
    assert res.exit_code == 2
    assert "text column 'tekst' not found" in res.output


def test_mapping_file_and_cli_override(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("nr,titel,omschrijving\nA1,Titel,Wij bouwen sensoren voor precisielandbouw in Zeeland.\n",
                   encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("id: nr\ntext: [titel, omschrijving]\nkind: project\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["ingest", str(src), "--mapping", str(mapping), "--kind", "wbso",
                                    "--out", str(tmp_path / "r.jsonl")])
    assert res.exit_code == 0, res.output
    import json

    rec = json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rec["id"] == "A1" and rec["kind"] == "wbso"
    assert rec["text"] == "Titel. Wij bouwen sensoren voor precisielandbouw in Zeeland."


def test_bad_mapping_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,tekst\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("txt: text\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["ingest", str(src), "--mapping", str(mapping), "--out", str(tmp_path / "r.parquet")])
    assert res.exit_code == 2
    assert "unknown key 'txt'; did you mean 'text'?" in res.output
