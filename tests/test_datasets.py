"""The sample data we ship: realistic, labelled, with the study's hard cases, and a messy export
that ingest turns back into exactly the canonical records."""

from __future__ import annotations

import collections

import pandas as pd
import pytest

from oi_text.datasets import load_gold, load_sample, sample_export_path, sample_mapping_path
from oi_text.ingest import ingest, load_mapping
from oi_text.language import detect_language
from oi_text.records import load_records

CASE_STUDY = ["ai", "quantum", "nanotechnology", "big-science", "chemistry",
              "precision-agriculture", "water-technology", "regenerative-medicine"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_sample()


def test_sample_size_languages_and_kinds(sample):
    assert 400 <= len(sample) <= 800
    assert sample.id.is_unique
    share = sample.language.value_counts(normalize=True)
    assert share["nl"] > 0.4 and share["en"] > 0.35
    assert set(sample.kind) == {"project", "publication", "wbso", "startup"}
    # the stated language is what the detector finds
    assert (sample.text.map(detect_language) == sample.language).mean() > 0.98


def test_sample_covers_the_case_study_ecosystems_and_hard_cases(sample):
    counts = collections.Counter(label for labels in sample.labels for label in labels)
    for eco in CASE_STUDY:
        assert counts[eco] >= 20, (eco, counts[eco])
    assert counts["hydrogen"] >= 30
    cases = sample["case"].value_counts()
    assert cases["ai_washing"] >= 30
    assert cases["boilerplate"] >= 20
    assert cases["implicit"] >= 40
    assert (sample.labels.map(len) >= 2).sum() >= 40
    assert (sample.labels.map(len) == 0).sum() >= 60
    # AI-washing start-ups mention AI but are not labelled as AI
    washing = sample[sample["case"] == "ai_washing"]
    assert not any("ai" in labels for labels in washing.labels)
    mentions_ai = washing.text.str.contains(r"\bAI\b|kunstmatige intelligentie|artificial intelligence|algoritm",
                                            case=False, regex=True)
    assert mentions_ai.mean() > 0.8


def test_gold_file_matches_labels(sample):
    gold = load_gold()
    from_records = {(r.id, eco) for r in sample.itertuples() for eco in r.labels}
    from_records |= {(r.id, "") for r in sample.itertuples() if not r.labels}
    assert set(map(tuple, gold[["id", "ecosystem"]].values)) == from_records
    assert set(gold.id) == set(sample.id)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "records.parquet"
    mapping, options = load_mapping(sample_mapping_path())
    summary = ingest(sample_export_path("xlsx"), mapping, read_options=options, on_error="skip",
                     out=out)
    return summary, load_records(out)


def test_messy_export_is_accounted_for(ingested):
    summary, records = ingested
    assert summary.rows_above_header == 2
    assert summary.blank_rows == 3
    assert summary.issue_counts["duplicate_id"] == 2
    assert summary.issue_counts["empty_text"] == 4
    assert summary.exact_duplicates == 6
    assert summary.near_duplicates == 3
    assert summary.html_stripped == 12
    assert summary.mojibake_fixed == 3
    assert summary.rows_read == summary.rows_kept + 2 + 4 + 6
    assert len(records) == summary.rows_kept


def test_messy_export_cleans_back_to_the_canonical_records(ingested, sample):
    summary, records = ingested
    dup_ids = {i.id for i in summary.issues if i.kind == "duplicate_id"}
    got = records.set_index("id")
    want = sample.set_index("id")
    common = [i for i in want.index if i in got.index and i not in dup_ids]
    assert len(common) >= len(want) - 5
    for col in ("text", "kind", "title", "year"):
        mismatched = [i for i in common if got.loc[i, col] != want.loc[i, col]]
        assert not mismatched, (col, mismatched[:3])
    assert all(list(got.loc[i, "organisations"]) == want.loc[i, "organisations"] for i in common)


def test_dutch_excel_csv_export_gives_the_same_counts(tmp_path, ingested):
    summary, _ = ingested
    mapping, options = load_mapping(sample_mapping_path())
    s = ingest(sample_export_path("csv"), mapping, read_options=options, on_error="skip",
               out=tmp_path / "r.parquet")
    assert s.read_as.startswith("csv, encoding cp1252, delimiter ';'")
    assert (s.rows_read, s.rows_kept, s.exact_duplicates) == (summary.rows_read, summary.rows_kept,
                                                              summary.exact_duplicates)
