"""Build oi_text's sample data files from the canonical records.

    python scripts/build_sample_data.py            # rebuild the messy exports
    python scripts/build_sample_data.py --merge-parts DIR   # (once) merge hand-written parts

The canonical file is ``oi_text/datasets/sample_records.jsonl`` (written by us). From it this
script writes, deterministically:

- ``sample_gold.csv``: the gold labels in long form;
- ``exports/oi_sample_export.xlsx``: an Excel export as analysts receive them: two title rows
  above the header, the kind column merged over groups of rows, HTML in some descriptions,
  mojibake, duplicate and near-duplicate texts, a re-used id, empty descriptions, blank rows,
  years written as dates or ranges;
- ``exports/oi_sample_export_nl.csv``: the same as Dutch Excel saves CSV (cp1252, ``;``, CRLF);
- ``exports/oi_sample_export.yaml``: the column mapping for both.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "oi_text" / "datasets"
EXPORTS = DATA / "exports"

ECOSYSTEMS = {
    "ai", "quantum", "nanotechnology", "big-science", "chemistry", "precision-agriculture",
    "water-technology", "regenerative-medicine", "hydrogen", "offshore-energy",
    "health-chronic-disease", "health-dementia", "health-prevention", "solar-energy",
    "photonics", "semiconductors", "cybersecurity", "space", "robotics", "circular-materials",
}
KINDS_NL = {"startup": "Start-up", "project": "Project", "publication": "Publicatie", "wbso": "WBSO"}
SOURCES = {
    "startup": "Start-updatabase",
    "project": "Projectenbestand",
    "publication": "Publicatiedatabank",
    "wbso": "WBSO-registratie",
}
COLUMNS = ["Nr", "Naam / titel", "Soort", "Omschrijving", "Jaar", "Organisaties", "Bron"]
MAPPING_YAML = """\
# Column mapping for oi_text's sample export (every key: oi_text/ingest/mapping.py).
id: Nr
text: Omschrijving
title: Naam / titel
kind_column: Soort
kind_values: {Start-up: startup, Publicatie: publication, WBSO: wbso, Project: project}
year: Jaar
organisations: Organisaties
passthrough: [Bron]
"""


def merge_parts(parts_dir: Path, seed: int = 20240601) -> list[dict]:
    records = []
    for path in sorted(parts_dir.glob("*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            bad = set(rec["labels"]) - ECOSYSTEMS
            if bad:
                raise SystemExit(f"{path}:{line_no}: unknown labels {bad}")
            if rec["kind"] not in KINDS_NL or rec["language"] not in ("nl", "en"):
                raise SystemExit(f"{path}:{line_no}: bad kind/language {rec['kind']}/{rec['language']}")
            records.append(rec)
    rng = random.Random(seed)
    rng.shuffle(records)
    out = []
    for i, rec in enumerate(records, 1):
        out.append({
            "id": f"OI-{i:04d}",
            "kind": rec["kind"],
            "title": rec["title"].strip(),
            "text": re.sub(r"\s+", " ", rec["text"]).strip(),
            "year": int(rec["year"]),
            "organisations": [o.strip() for o in rec["organisations"]],
            "language": rec["language"],
            "labels": sorted(set(rec["labels"])),
            "case": rec["case"],
        })
    with open(DATA / "sample_records.jsonl", "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def load_records() -> list[dict]:
    path = DATA / "sample_records.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_gold(records: list[dict]) -> None:
    lines = ["id,ecosystem"]
    for rec in records:
        # an empty ecosystem: labelled, belongs to none
        lines += [f"{rec['id']},{eco}" for eco in rec["labels"]] or [f"{rec['id']},"]
    (DATA / "sample_gold.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _htmlify(text: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?]) ", text)
    cut = max(1, len(sentences) // 2)
    # entities that decode to the same characters, so the cleaned text equals the original
    first = " ".join(sentences[:cut]).replace("é", "&eacute;", 1).replace("'", "&#39;", 1)
    rest = " ".join(sentences[cut:])
    style = rng.choice(["p", "div"])
    body = f"<{style}><strong>{first}</strong></{style}>" + (f"<{style}>{rest}<br/></{style}>" if rest else "")
    return body + ("<script>trackView()</script>" if rng.random() < 0.3 else "")


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _year_cell(year: int, rng: random.Random) -> object:
    r = rng.random()
    if r < 0.1:
        return f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{year}"
    if r < 0.13:
        return f"{year}/{year + 1}"
    return year


def build_rows(records: list[dict], seed: int = 7) -> list[dict]:
    """The export's data rows, messy, in a fixed order (grouped by kind)."""
    rng = random.Random(seed)
    rows = []
    for rec in records:
        rows.append({
            "Nr": rec["id"],
            "Naam / titel": rec["title"],
            "Soort": KINDS_NL[rec["kind"]],
            "Omschrijving": rec["text"],
            "Jaar": _year_cell(rec["year"], rng),
            "Organisaties": "; ".join(rec["organisations"]),
            "Bron": SOURCES[rec["kind"]],
        })
    by_id = {r["Nr"]: r for r in rows}
    ids = [r["Nr"] for r in rows]
    picks = rng.sample(ids, 40)
    # HTML in descriptions (12), mojibake in texts with accents (3)
    for rid in picks[:12]:
        by_id[rid]["Omschrijving"] = _htmlify(by_id[rid]["Omschrijving"], rng)
    accented = [i for i in ids if re.search("[ëéèöïüá]", by_id[i]["Omschrijving"]) and i not in picks[:12]]
    for rid in rng.sample(accented, min(3, len(accented))):
        by_id[rid]["Omschrijving"] = _mojibake(by_id[rid]["Omschrijving"])
    extra = []
    n = 9000
    # exact duplicate texts registered again under another number (5)
    for rid in picks[12:17]:
        n += 1
        dup = dict(by_id[rid], Nr=f"OI-{n}")
        dup["Omschrijving"] = re.sub(r"<[^>]+>", "", dup["Omschrijving"]) + " "
        extra.append(dup)
    # near duplicates: the same text with a sentence added (3)
    for rid, tail in zip(picks[17:20], [" Het project loopt tot en met 2025.",
                                         " Contact via de projectwebsite.",
                                         " Updated description, version 2."]):
        n += 1
        extra.append(dict(by_id[rid], Nr=f"OI-{n}", Omschrijving=by_id[rid]["Omschrijving"] + tail))
    # an id used twice: a later version of the same registration (2)
    for rid in picks[20:22]:
        extra.append(dict(by_id[rid], Omschrijving="Geactualiseerde beschrijving: " + by_id[rid]["Omschrijving"]))
    # empty and near-empty descriptions (4 + 2)
    for title, kind in [("Pilot slimme sensoren (in voorbereiding)", "Project"),
                        ("Nog in te vullen", "WBSO"),
                        ("Demonstrator waterstofketen Noord", "Project"),
                        ("StartupXYZ B.V.", "Start-up")]:
        n += 1
        extra.append({"Nr": f"OI-{n}", "Naam / titel": title, "Soort": kind, "Omschrijving": "",
                      "Jaar": "onbekend" if kind == "WBSO" else 2023, "Organisaties": "", "Bron": "Handmatig"})
    for title in ("Bijlage projectplan", "Zie aanvraag"):
        n += 1
        extra.append({"Nr": f"OI-{n}", "Naam / titel": title, "Soort": "Project",
                      "Omschrijving": "Zie bijlage.", "Jaar": 2022, "Organisaties": "", "Bron": "Handmatig"})
    for row in extra:
        pos = rng.randrange(len(rows) + 1)
        rows.insert(pos, row)
    # group by kind, as a report grouped on "Soort" would be
    order = {"Project": 0, "WBSO": 1, "Start-up": 2, "Publicatie": 3}
    rows.sort(key=lambda r: order[r["Soort"]])
    # blank rows between groups (3)
    out: list[dict] = []
    prev = None
    for r in rows:
        if prev is not None and r["Soort"] != prev:
            out.append({c: None for c in COLUMNS})
        out.append(r)
        prev = r["Soort"]
    return out


def write_xlsx(rows: list[dict], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Export"
    ws["A1"] = "Export O&I-registraties (steekproef), aangemaakt 2024-06-01"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A2"] = "Bron: oi_text voorbeelddata (synthetisch). Niet voor publicatie."
    header_row = 4
    for c, name in enumerate(COLUMNS, 1):
        ws.cell(row=header_row, column=c, value=name).font = Font(bold=True)
    r = header_row
    group_start = None
    soort_col = COLUMNS.index("Soort") + 1

    def close_group(end: int) -> None:
        if group_start is not None and end > group_start:
            ws.merge_cells(start_row=group_start, start_column=soort_col, end_row=end, end_column=soort_col)
            ws.cell(row=group_start, column=soort_col).alignment = Alignment(vertical="top")

    for row in rows:
        r += 1
        if row["Nr"] is None:
            close_group(r - 1)
            group_start = None
            continue
        for c, name in enumerate(COLUMNS, 1):
            if name == "Soort" and group_start is not None:
                continue
            ws.cell(row=r, column=c, value=row[name])
        if group_start is None:
            group_start = r
    close_group(r)
    widths = {"A": 10, "B": 40, "C": 12, "D": 100, "E": 12, "F": 40, "G": 20}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    wb.save(path)


def write_csv(rows: list[dict], path: Path) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    path.write_bytes(buf.getvalue().encode("cp1252", errors="replace"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--merge-parts", type=Path, help="merge hand-written part files into sample_records.jsonl")
    args = ap.parse_args()
    records = merge_parts(args.merge_parts) if args.merge_parts else load_records()
    write_gold(records)
    EXPORTS.mkdir(parents=True, exist_ok=True)
    rows = build_rows(records)
    write_xlsx(rows, EXPORTS / "oi_sample_export.xlsx")
    write_csv(rows, EXPORTS / "oi_sample_export_nl.csv")
    (EXPORTS / "oi_sample_export.yaml").write_text(MAPPING_YAML, encoding="utf-8")
    n_rows = sum(1 for r in rows if r["Nr"] is not None)
    print(f"{len(records)} records; export with {n_rows} data rows written to {EXPORTS}")


if __name__ == "__main__":
    main()
