"""oi-text themes on the command line: outputs, the vectors hand-off, the taxonomy view, bad input."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from oi_text.cli import main
from oi_text.datasets import SAMPLE_RECORDS
from oi_text.themes.io import read_themes

from ..embed.conftest import build_tiny_xlmr


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from oi_text.datasets import load_sample

    return build_tiny_xlmr(tmp_path_factory.mktemp("m") / "tiny", load_sample().text.tolist())


def invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args])


def run(args):
    res = invoke(args)
    assert res.exit_code == 0, res.output
    return res.output


FAST = ["--stability-seeds", "2", "--device", "cpu"]


def test_themes_writes_its_files_and_a_verdict(tmp_path, tiny):
    out = run(["themes", SAMPLE_RECORDS, "--out", tmp_path / "t", "--embed-model", tiny, "--label-col", "case", *FAST])
    assert re.search(r"verdict: (distinct|weak|not supported by this data)", out)
    assert "boilerplate passage(s) cut" in out and "dit project betreft de ontwikkeling van een" in out
    assert "NMI vs labels" in out
    frame, meta = read_themes(tmp_path / "t" / "themes.parquet")
    records = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str})
    assert frame["id"].tolist() == records["id"].tolist()
    assert meta["method"] == "umap-hdbscan" and meta["verdict"] in out
    k = frame["theme"].max() + 1
    assert k >= 2 and set(frame["theme"]) <= set(range(-1, k))
    md = (tmp_path / "t" / "themes.md").read_text()
    assert "## Boilerplate removed" in md and "## Themes" in md and "representative documents" in md
    page = (tmp_path / "t" / "themes.html").read_text()
    # self-contained: pictures inline, no external script, style or font
    assert "data:image/png;base64," in page and '<canvas id="map"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for png in ("themes_map.png", "themes_terms.png", "themes_kinds.png", "themes_years.png"):
        assert (tmp_path / "t" / png).stat().st_size > 5000


def test_lda_method_writes_mixtures(tmp_path):
    out = run(["themes", SAMPLE_RECORDS, "--out", tmp_path / "l", "--method", "lda", "--k", "6", *FAST])
    frame, meta = read_themes(tmp_path / "l" / "themes.parquet")
    assert meta["method"] == "lda" and len(frame["mixture"].iloc[0]) == 6
    assert "6 themes (lda)" in out


def test_vectors_file_is_a_real_hand_off(tmp_path, tiny):
    vectors = tmp_path / "v.parquet"
    run(["embed", SAMPLE_RECORDS, "--out", vectors, "--model", tiny, "--device", "cpu", "--no-cache"])
    out = run(["themes", SAMPLE_RECORDS, "--out", tmp_path / "t", "--vectors", vectors, "--embed-model", tiny, *FAST])
    assert "verdict:" in out and "made from the texts with their boilerplate" in out
    # another encoder than the one asked for is refused, naming both
    other = build_tiny_xlmr(tmp_path / "other", ["een twee drie vier vijf"] * 5, seed=3)
    res = invoke(["themes", SAMPLE_RECORDS, "--out", tmp_path / "t2", "--vectors", vectors, "--embed-model", other,
                  *FAST])
    assert res.exit_code == 2 and "vectors from encoder" in res.output and "not comparable" in res.output
    assert "Traceback" not in res.output
    # records the vectors do not cover
    part = tmp_path / "part.csv"
    pd.DataFrame({"id": ["new-1", *[f"x{i}" for i in range(30)]],
                  "text": [f"Een nieuw project over waterstof nummer {i}" for i in range(31)]}).to_csv(part, index=False)
    res = invoke(["themes", part, "--out", tmp_path / "t3", "--vectors", vectors, "--embed-model", tiny, *FAST])
    assert res.exit_code == 2 and "no vector for 31 of the 31 records (first: id 'new-1')" in res.output


def test_themes_held_against_a_model(tmp_path, tiny):
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu",
         "--ecosystems", "ai,quantum,hydrogen,water-technology,precision-agriculture"])
    out = run(["themes", SAMPLE_RECORDS, "--out", tmp_path / "t", "--model", model, "--embed-model", tiny, *FAST])
    assert "candidate ecosystems" in out
    md = (tmp_path / "t" / "themes.md").read_text()
    assert "## Themes held against the taxonomy" in md and "### Candidate ecosystems" in md
    assert "### Not visible bottom-up in this data" in md
    assert re.search(r"\| \d+: .* \| \d+ \| (ai|quantum|hydrogen|water-technology|precision-agriculture) \d+%", md)


def test_bad_input_is_named(tmp_path, tiny):
    few = tmp_path / "few.csv"
    pd.DataFrame({"id": list("abcde"), "text": ["Waterstof uit zeewater"] * 5}).to_csv(few, index=False)
    res = invoke(["themes", few, "--out", tmp_path / "o", "--embed-model", tiny, *FAST])
    assert res.exit_code == 2 and "at least 20 documents with text, got 5" in res.output
    empty = tmp_path / "empty.csv"
    pd.DataFrame({"id": [str(i) for i in range(25)], "text": [""] * 25}).to_csv(empty, index=False)
    res = invoke(["themes", empty, "--out", tmp_path / "o", "--embed-model", tiny, *FAST])
    assert res.exit_code == 2 and "no records with text" in res.output and "Traceback" not in res.output
    res = invoke(["themes", SAMPLE_RECORDS, "--out", tmp_path / "o", "--label-col", "cases", *FAST])
    assert res.exit_code == 2 and "no column 'cases' for --label-col; did you mean 'case'?" in res.output
    (tmp_path / "file").write_text("x")
    res = invoke(["themes", SAMPLE_RECORDS, "--out", tmp_path / "file", *FAST])
    assert res.exit_code == 2 and "is a file" in res.output
