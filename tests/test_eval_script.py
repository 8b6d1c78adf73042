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
