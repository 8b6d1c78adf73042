"""scripts/eval_classify.py's disagreements file: what the model decides differently from the
keywords, one text at a time."""

import importlib.util
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "eval_classify.py"


def _load():
    spec = importlib.util.spec_from_file_location("eval_classify", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_disagreements_lists_dropped_and_added_texts_with_labels_and_terms():
    mod = _load()
    texts = [
        "Grid-scale energy storage with redox flow batteries for wind parks.",
        "A booking app for hair salons; polyethylene used in transportation, energy storage, water cleaning.",
        "Seasonal heat buffers in aquifers for district heating networks.",
        "Electrolysers for green hydrogen production in the port of Rotterdam.",
    ]
    ecosystems = ["energy-storage", "hydrogen"]
    names = ["storage", "h2"]
    cols = [[0], [1]]
    Y = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], bool)
    pred_k = np.array([[1, 0], [1, 0], [0, 0], [0, 1]], bool)
    pred_m = np.array([[1, 0], [0, 0], [1, 0], [0, 1]], bool)
    score = np.array([[0.9, 0.0], [0.2, 0.0], [0.7, 0.0], [0.0, 0.95]])
    terms = [{"energy-storage": ["energy storage", "redox flow"]}, {"energy-storage": ["energy storage"]}, {},
             {"hydrogen": ["green hydrogen"]}]
    df = mod.disagreements(["a", "b", "c", "d"], texts, Y, pred_m, pred_k, score, names, cols, ecosystems, terms,
                           snippet=40)
    # only the two texts where the decisions differ; agreements (a, d) are not listed
    assert df.id.tolist() == ["c", "b"]  # sorted by target, then "added" before "dropped"
    added, dropped = df.iloc[0], df.iloc[1]
    assert (added.change, added.label, added.matched_terms, added.model_score) == ("added", True, "", 0.7)
    assert (dropped.change, dropped.label, dropped.matched_terms) == ("dropped", True, "energy storage")
    assert dropped.text == texts[1][:40]


def test_adjudicated_table_corrects_only_judged_disagreements(tmp_path):
    mod = _load()
    ids = [f"p{i}" for i in range(40)]
    names = ["energy-storage"]
    # 34 texts both methods call positive, 3 the keywords alone (dropped), 3 the model alone (added)
    pred_k = np.array([[True]] * 37 + [[False]] * 3)
    pred_m = np.array([[True]] * 34 + [[False]] * 3 + [[True]] * 3)
    Y = np.array([[True]] * 37 + [[False]] * 3)  # the corpus labels follow the keywords
    (tmp_path / "adj.csv").write_text(
        "corpus,id,target,belongs,borderline,reason\n"
        "cordis,p34,energy-storage,0,0,named once in a list\n"
        "cordis,p35,energy-storage,0,0,named as context\n"
        "cordis,p37,energy-storage,1,0,develops batteries\n"
        "cordis,p38,energy-storage,1,0,develops storage systems\n"
        "other,p39,energy-storage,1,0,another corpus: ignored\n")
    table, unjudged = mod.adjudicated_table("cordis", ids, Y, pred_m, pred_k, names, path=tmp_path / "adj.csv")
    row = table[table.ecosystem == "energy-storage"].iloc[0]
    # corrected labels: p0-p33, p36 (unjudged: corpus label), p37, p38 positive; p34, p35 negative;
    # p39 negative (its judgment belongs to another corpus)
    assert row.positives == 37
    assert unjudged == {"energy-storage": 2}  # p36 (dropped) and p39 (added) have no judgment here
    # keywords: TP 35 (p0-p33, p36), FP 2 (p34, p35), FN 2 (p37, p38)
    assert abs(row.keywords_f1 - 70 / 74) < 1e-9
    # model: TP 36 (p0-p33, p37, p38), FP 1 (p39), FN 1 (p36)
    assert abs(row.model_f1 - 72 / 74) < 1e-9
    # without a file for the corpus there is no second table
    assert mod.adjudicated_table("startups_yc", ids, Y, pred_m, pred_k, names, path=tmp_path / "adj.csv") is None
    assert mod.adjudicated_table("cordis", ids, Y, pred_m, pred_k, names, path=tmp_path / "none.csv") is None
