"""The route from seed keywords to a saved model and resumable batch classification, with a
small bag-of-words encoder (fast, deterministic) standing in for the transformer."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from oi_text.classify.weak import KeywordEvidence, labels_matrix
from oi_text.datasets import load_sample
from oi_text.embed.base import EncodeStats, l2_normalize
from oi_text.errors import ModelError, SchemaError
from oi_text.keywords import load_taxonomy
from oi_text.pipeline import (
    EcosystemModel,
    classify_records,
    combine_scores,
    cross_fitted_proba,
    read_gold,
    train_model,
)
from oi_text.text import fold, tokenize


class BagOfWordsEncoder:
    """Hashed bag of words, 256 wide: similar texts get similar vectors."""

    model_id = "bag-of-words-256"
    dim = 256

    def __init__(self, fail_after: int | None = None):
        self.stats = EncodeStats()
        self.calls = 0
        self.fail_after = fail_after

    def encode(self, texts, *, batch_size=None, normalize=True, show_progress=False):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt("simulated crash")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in tokenize(fold(t)):
                if len(w) > 3:
                    out[i, int(hashlib.md5(w.encode()).hexdigest()[:6], 16) % self.dim] += 1
        self.stats.texts += len(texts)
        return l2_normalize(out)


@pytest.fixture(scope="module")
def setup():
    df = load_sample()
    tax = load_taxonomy()
    spec = tax.keyword_spec(["ai", "quantum", "hydrogen", "water-technology", "precision-agriculture"])
    enc = BagOfWordsEncoder()
    X = enc.encode(df.text.tolist())
    model, weak = train_model(df.text.tolist(), X, spec, encoder_id=enc.model_id, taxonomy_hash=tax.hash())
    return df, tax, spec, enc, X, model, weak


def test_training_from_zero_labels(setup):
    df, tax, spec, enc, X, model, weak = setup
    assert model.card["training"]["hand_labels"] == 0
    assert all(v["positive"] >= 20 for v in weak.summary().values())
    res = model.score(df.text.tolist(), X)
    Y = labels_matrix(df.labels, model.ecosystems)
    # better than chance by far, explained by terms
    for j, eco in enumerate(model.ecosystems):
        pred = res.predicted[:, j]
        precision = (pred & (Y[:, j] == 1)).sum() / max(pred.sum(), 1)
        assert precision > 0.5, eco
    i = int(np.argmax(res.score[:, model.ecosystems.index("quantum")]))
    assert res.terms[i].get("quantum")
    # the classifier changes decisions, and mostly for the better: where it departs from the
    # keyword rule (drops a match or adds a text), the gold label agrees with it more often
    # than not, and on AI (the "AI-powered app" false positives) it is more precise
    departs = res.predicted != res.evidence.matched
    assert departs.sum() >= 10
    # the card records those departures (there are no labels to measure precision with)
    dep = model.card["metrics"]["departures_from_keywords"]
    for j, eco in enumerate(model.ecosystems):
        kw, md = res.evidence.matched[:, j], res.predicted[:, j]
        assert dep[eco] == {"keyword_matches": kw.sum(), "dropped": (kw & ~md).sum(), "added": (md & ~kw).sum()}
    assert (res.predicted == (Y == 1))[departs].mean() > 0.5
    j = model.ecosystems.index("ai")
    kw, md, y = res.evidence.matched[:, j], res.predicted[:, j], Y[:, j] == 1
    assert (md & y).sum() / md.sum() > (kw & y).sum() / kw.sum()


def test_combined_score_rules():
    # one ecosystem, six texts: the classifier is unsure or against in every case but the last
    proba = np.array([[0.05], [0.05], [0.05], [0.45], [0.05], [0.9]], dtype=np.float32)
    n_terms = np.array([[1], [2], [3], [1], [2], [0]])
    matched = np.array([[True], [True], [True], [True], [False], [False]])
    excluded = np.array([[False], [False], [False], [True], [True], [False]])
    ev = KeywordEvidence(["ai"], n_terms, matched, excluded)
    predicted = (combine_scores(proba, ev) >= 0.5)[:, 0].tolist()
    # a single-term match the classifier rejects is dropped; two or three distinct terms are
    # not overturned; a match despite an exclusion needs p >= 0.5 (so does an exclusion hit
    # the keywords already vetoed); a confident classifier adds a text the keywords miss
    assert predicted == [False, True, True, False, False, True]
    # without a classifier (nan) the keyword rule decides alone
    nan = np.full_like(proba, np.nan)
    assert (combine_scores(nan, ev) >= 0.5)[:, 0].tolist() == matched[:, 0].tolist()


def test_classifier_crosses_a_keyword_border_only_where_it_prefers_the_other_side():
    # ecosystems (hydrogen, solar); the keywords place texts 0-2 in solar only, text 3 nowhere
    ev = KeywordEvidence(["hydrogen", "solar"], np.array([[0, 1], [0, 1], [0, 1], [0, 0]]),
                         np.array([[False, True]] * 3 + [[False, False]]), np.zeros((4, 2), dtype=bool))
    proba = np.array([[0.9, 0.95],  # near hydrogen, but the classifier prefers solar: stays solar
                      [0.95, 0.6],  # the classifier prefers hydrogen: added (and solar kept)
                      [0.9, np.nan],  # solar has no classifier: its keyword placement stands
                      [0.9, 0.1]], dtype=np.float32)  # placed nowhere: added as before
    predicted = combine_scores(proba, ev) >= 0.5
    assert predicted[:, 0].tolist() == [False, True, False, True]
    assert predicted[:, 1].tolist() == [True, True, True, False]
    # the blocked text still ranks above texts the classifier rejects
    s = combine_scores(np.array([[0.9, 0.95], [0.2, 0.95], [0.2, 0.95], [0.2, 0.1]], dtype=np.float32), ev)
    assert s[0, 0] > s[1, 0]


def test_save_load_round_trip_gives_identical_scores(setup, tuned, tmp_path):
    df, tax, spec, enc, X, zero_labels, _ = setup
    # a model with tuned thresholds (not the default 0.5): they come back with the weights
    for name, model in [("zero", zero_labels), ("tuned", tuned[1])]:
        model.save(tmp_path / name)
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["card.json", "weights.safetensors"]
        again = EcosystemModel.load(tmp_path / name, encoder_id=enc.model_id, taxonomy_hash=tax.hash())
        a = model.score(df.text.tolist(), X)
        b = again.score(df.text.tolist(), X)
        assert np.array_equal(a.score, b.score) and np.array_equal(a.predicted, b.predicted)
        assert np.array_equal(again.thresholds, model.thresholds)
        assert again.card["encoder_id"] == enc.model_id and again.card["taxonomy_hash"] == tax.hash()
    assert (again.thresholds != 0.5).any()


def test_loading_refuses_another_encoder_or_taxonomy(setup, tmp_path):
    _, tax, _, enc, _, model, _ = setup
    model.save(tmp_path / "m")
    with pytest.raises(ModelError, match="trained on embeddings from 'bag-of-words-256'"):
        EcosystemModel.load(tmp_path / "m", encoder_id="e5-small@x")
    with pytest.raises(ModelError, match="its terms or ecosystems changed"):
        EcosystemModel.load(tmp_path / "m", taxonomy_hash="0000")
    with pytest.raises(ModelError, match="not an oi_text model directory"):
        EcosystemModel.load(tmp_path)


def test_loading_a_damaged_model_directory_says_so(setup, tmp_path):
    _, tax, _, enc, _, model, _ = setup
    model.save(tmp_path / "m")
    weights = tmp_path / "m" / "weights.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:20])  # cut off mid-header, as by an interrupted copy
    with pytest.raises(ModelError, match="weights.safetensors: damaged .*copy the whole model directory"):
        EcosystemModel.load(tmp_path / "m", encoder_id=enc.model_id, taxonomy_hash=tax.hash())
    weights.unlink()
    with pytest.raises(ModelError, match="weights.safetensors is missing"):
        EcosystemModel.load(tmp_path / "m", encoder_id=enc.model_id, taxonomy_hash=tax.hash())


@pytest.mark.parametrize("key", ["keywords", "encoder_id", "ecosystems", "taxonomy_hash"])
def test_a_card_missing_what_scoring_needs_is_refused(setup, tmp_path, key):
    import json

    *_, model, _ = setup
    model.save(tmp_path / "m")
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    del card[key]
    (tmp_path / "m" / "card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match=f"card.json: has no '{key}' .*retrain"):
        EcosystemModel.load(tmp_path / "m")


def test_weights_lacking_an_array_are_refused(setup, tmp_path):
    from safetensors.numpy import load_file, save_file

    *_, model, _ = setup
    model.save(tmp_path / "m")
    arrays = load_file(str(tmp_path / "m" / "weights.safetensors"))
    del arrays["platt"]
    save_file(arrays, str(tmp_path / "m" / "weights.safetensors"))
    with pytest.raises(ModelError, match="the classifier weights lack platt"):
        EcosystemModel.load(tmp_path / "m")


@pytest.fixture(scope="module")
def tuned(setup):
    """The setup's data trained with every text hand-labelled, thresholds tuned for 0.9."""
    df, tax, spec, enc, X, _, _ = setup
    gold = read_gold(records=df.assign(labels=[";".join(x) or "none" for x in df.labels]),
                     ecosystems=list(spec), label_col="labels")
    model, _ = train_model(df.text.tolist(), X, spec, encoder_id=enc.model_id, taxonomy_hash=tax.hash(),
                           gold=gold, target_precision=0.9)
    return gold, model


def test_gold_labels_tune_thresholds(setup, tuned):
    df, tax, spec, enc, X, _, _ = setup
    gold, model = tuned
    assert (gold >= 0).all()
    assert model.card["training"]["hand_labels"] == gold.size
    # every ecosystem with enough labelled positives got its own threshold, meeting the target
    # on the labels when scoring, with more recall than the default 0.5 would give
    res = model.score(df.text.tolist(), X)
    reached = 0
    for j, eco in enumerate(model.ecosystems):
        how = model.card["threshold_choice"][eco]
        assert model.card["thresholds"][eco] == pytest.approx(float(model.thresholds[j]))
        pred, y = res.predicted[:, j], gold[:, j] == 1
        if y.sum() >= 5 and "precision >= 0.90" in how:
            reached += 1
            assert model.thresholds[j] != 0.5 and how.startswith(f"{model.thresholds[j]:.3f}"), eco
            assert (pred & y).sum() / pred.sum() >= 0.9, eco
            assert (pred & y).sum() > ((res.score[:, j] >= 0.5) & y).sum(), eco
    assert reached >= 3
    # the card holds the held-out metrics behind those thresholds, with the keyword baseline
    metrics = model.card["metrics"]
    assert "cross-fitted scores of 555 hand-labelled texts" in metrics["on"] and "optimistic" in metrics["on"]
    for j, eco in enumerate(model.ecosystems):
        m = metrics["per_ecosystem"][eco]
        assert m["positives"] == (gold[:, j] == 1).sum()
        p_, r_ = m["model_precision"], m["model_recall"]
        assert m["model_f1"] == pytest.approx(2 * p_ * r_ / (p_ + r_), abs=1e-3)
        assert 0.5 < m["keywords_f1"] < 1
    assert set(metrics["per_ecosystem"]) == {*model.ecosystems, "macro", "micro"}
    assert "precision >= 0.90 on labelled data" in model.card["threshold_choice"]["ai"]
    assert model.card["threshold_choice_on"] == f"cross-fitted scores of {len(df)} hand-labelled texts (5 folds)"


def test_cross_fitted_scores_come_from_classifiers_that_never_saw_the_text():
    """Labels that are pure noise on features wide enough to memorise them: the classifier
    trained on all rows ranks its own training labels almost perfectly (the optimism a
    threshold tuned on them inherits); the cross-fitted scores rank them by chance. Half the
    texts appear twice (same vector, same label): a twin in another fold would leak the label."""
    from sklearn.metrics import roc_auc_score

    from oi_text.classify.model import MultiLabelClassifier

    rng = np.random.default_rng(3)
    n = 160
    X = l2_normalize(rng.normal(size=(n, 300)).astype(np.float32))
    texts = [f"project {i}" for i in range(n)]
    X[n // 2:] = X[:n // 2]  # the second half repeats the first
    texts[n // 2:] = texts[:n // 2]
    y = (rng.random(n // 2) < 0.35).astype(np.int8)
    Y = np.r_[y, y][:, None]
    W = np.ones(Y.shape, dtype=np.float32)
    in_sample = MultiLabelClassifier(C=10.0).fit(X, Y, ["a"], sample_weight=W).predict_proba(X)[:, 0]
    assert roc_auc_score(Y[:, 0], in_sample) > 0.95
    oof = cross_fitted_proba(X, Y, W, ["a"], np.arange(n), texts, C=10.0)[:, 0]
    assert not np.isnan(oof).any()
    assert roc_auc_score(Y[:, 0], oof) < 0.7
    # twins share a fold, so they get the same cross-fitted score
    np.testing.assert_allclose(oof[: n // 2], oof[n // 2:])
    # scoring only the first copies: the twins (not among the rows scored) are held out too
    first = cross_fitted_proba(X, Y, W, ["a"], np.arange(n // 2), texts, C=10.0)[:, 0]
    assert roc_auc_score(y, first) < 0.75


def test_classify_resumes_after_a_crash_without_duplicates(setup, tmp_path):
    df, tax, spec, enc, X, model, _ = setup
    records = tmp_path / "records.parquet"
    df[["id", "text"]].to_parquet(records)
    full = tmp_path / "full.parquet"
    classify_records(records, model, BagOfWordsEncoder(), full, chunk_size=100)
    out = tmp_path / "scores.parquet"
    with pytest.raises(KeyboardInterrupt):
        classify_records(records, model, BagOfWordsEncoder(fail_after=3), out, chunk_size=100)
    assert not out.exists()
    assert len(list((tmp_path / "scores.parquet.parts").glob("chunk-*.parquet"))) == 3
    enc2 = BagOfWordsEncoder()
    summary = classify_records(records, model, enc2, out, chunk_size=100)
    assert summary.chunks_resumed == 3 and enc2.calls == summary.chunks - 3
    got = pq.read_table(out).to_pandas()
    want = pq.read_table(full).to_pandas()
    assert len(got) == len(df) * len(model.ecosystems)
    assert not got.duplicated(["id", "ecosystem"]).any()
    pd.testing.assert_frame_equal(got, want)
    assert not (tmp_path / "scores.parquet.parts").exists()
    assert summary.predicted == {e: int(n) for e, n in want[want.predicted].ecosystem.value_counts().items()} | {
        e: 0 for e in model.ecosystems if e not in set(want[want.predicted].ecosystem)}


def test_converted_input_is_reused_so_a_rerun_resumes(tmp_path):
    import os
    import time

    from oi_text.pipeline import records_for_classify

    csv = tmp_path / "export.csv"
    pd.DataFrame({"nr": ["a1", "a2"], "omschrijving": ["Waterstof uit wind", "Qubits in Delft"]}).to_csv(csv, index=False)
    out = tmp_path / "scores.parquet"
    first = records_for_classify(csv, out, text_col="omschrijving", id_col="nr")
    assert first == tmp_path / "scores.records.parquet"
    assert pd.read_parquet(first)[["id", "text"]].values.tolist() == [["a1", "Waterstof uit wind"], ["a2", "Qubits in Delft"]]
    stamp = first.stat().st_mtime_ns
    time.sleep(0.01)
    assert records_for_classify(csv, out, text_col="omschrijving", id_col="nr") == first
    assert first.stat().st_mtime_ns == stamp  # reused: the classify manifest still matches
    # a changed input (or other columns) is converted again
    csv.write_text("nr,omschrijving\na3,Kwantumsensoren\n")
    os.utime(csv, ns=(stamp + 10**9, stamp + 10**9))
    assert pd.read_parquet(records_for_classify(csv, out, text_col="omschrijving", id_col="nr")).id.tolist() == ["a3"]
    records = tmp_path / "r.parquet"
    pd.DataFrame({"id": ["x"], "text": ["t"]}).to_parquet(records)
    assert records_for_classify(records, out) == records  # Parquet is used as is
    # ... unless it lacks the default id column: then converted, with <file>:<row> ids
    bare = tmp_path / "bare.parquet"
    pd.DataFrame({"text": ["Waterstof uit wind", "Qubits in Delft"]}).to_parquet(bare)
    converted = records_for_classify(bare, out)
    assert converted != bare and pd.read_parquet(converted).id.tolist() == ["bare:1", "bare:2"]
    # a named id column that is missing is left for classify to report
    assert records_for_classify(bare, out, id_col="nr") == bare
    # a Parquet export with a repeated id, a blank and a missing text goes through ingest like a
    # CSV: those rows are dropped with a warning, so the scores have one row per (id, ecosystem)
    messy = tmp_path / "messy.parquet"
    pd.DataFrame({"id": ["p1", "p2", "p1", "p3", "p4"],
                  "text": ["Waterstof uit wind", "Qubits in Delft", "Een ander project", "  ", None]}).to_parquet(messy)
    converted = records_for_classify(messy, tmp_path / "new" / "scores.parquet")  # a folder not made yet
    assert converted == tmp_path / "new" / "scores.records.parquet"
    assert pd.read_parquet(converted).id.tolist() == ["p1", "p2"]
    # an input named like the converted file is never written over
    same = tmp_path / "x.records.parquet"
    pd.DataFrame({"id": ["a", "b", None], "text": ["Kwantumsensor", "", "Waterstof"], "year": [2020, 2021, 2022]}
                 ).to_parquet(same)
    converted = records_for_classify(same, tmp_path / "x.parquet")
    assert converted != same and pd.read_parquet(converted).id.tolist() == ["a"]
    assert pd.read_parquet(same).shape == (3, 3)


def test_records_with_blank_texts_keep_their_other_columns(tmp_path, caplog):
    """A JSONL export with a label list and a blank text: the blank row is dropped and said, the
    label lists of the others are kept (as --label-col reads them); a column called id that is
    not the chosen --id-col keeps its values as id_input."""
    from oi_text.pipeline import load_texts

    src = tmp_path / "export.jsonl"
    pd.DataFrame({"nr": ["n1", "n2", "n3"], "id": ["x", "y", "z"],
                  "text": ["Qubits in Delft", " ", "Groene waterstof"],
                  "labels": [["quantum"], ["ai"], ["hydrogen", "chemistry"]]}).to_json(src, orient="records", lines=True)
    df = load_texts(src, id_col="nr")
    assert df.id.tolist() == ["n1", "n3"] and df.id_input.tolist() == ["x", "z"]
    assert [list(x) for x in df.labels] == [["quantum"], ["hydrogen", "chemistry"]]
    assert "1 of 3 rows not used (empty_text 1, duplicate_id 0; first: row 2, id n2)" in caplog.text
    Y = read_gold(records=df, ecosystems=["quantum", "hydrogen"], label_col="labels", known=load_taxonomy().ids)
    assert Y.tolist() == [[1, 0], [0, 1]]


def test_classify_output_columns_and_restriction(setup, tmp_path):
    df, *_ , model, _ = setup
    records = tmp_path / "r.parquet"
    df[["id", "text"]].head(30).to_parquet(records)
    out = tmp_path / "s.parquet"
    classify_records(records, model, BagOfWordsEncoder(), out, ecosystems=["ai", "quantum", "ai"])  # a repeat is ignored
    t = pq.read_table(out).to_pandas()
    assert list(t.columns)[:5] == ["id", "ecosystem", "score", "predicted", "matched_terms"]
    assert set(t.ecosystem) == {"ai", "quantum"} and len(t) == 60
    from oi_text.errors import ConfigError

    with pytest.raises(ConfigError, match="ecosystem 'AI' is not in the model; did you mean 'ai'"):
        classify_records(records, model, BagOfWordsEncoder(), tmp_path / "t.parquet", ecosystems=["AI"])
    # CSV for a spreadsheet: the same rows, terms joined by "; ", readable by Excel (BOM)
    csv = tmp_path / "s.csv"
    classify_records(records, model, BagOfWordsEncoder(), csv, ecosystems=["ai", "quantum"])
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfid,ecosystem,score,predicted,matched_terms")
    c = pd.read_csv(csv, encoding="utf-8-sig", dtype={"id": str}, keep_default_na=False)
    assert c.id.tolist() == t.id.tolist() and c.predicted.tolist() == t.predicted.tolist()
    # the same terms, with a leading apostrophe where a spreadsheet would read a formula ("=AI")
    from oi_text.records import from_spreadsheet

    assert [from_spreadsheet(x) for x in c.matched_terms] == ["; ".join(x) for x in t.matched_terms]
    assert not any(x[:1] in "=+-@" and x for x in c.matched_terms)
    assert any("; " in x for x in c.matched_terms)
    with pytest.raises(ConfigError, match=r"written as Parquet \(\*.parquet\) or CSV \(\*.csv\)"):
        classify_records(records, model, BagOfWordsEncoder(), tmp_path / "s.xlsx")


def test_gold_labels_speak_for_the_ecosystems_they_name(tmp_path, caplog):
    records = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["w", "x", "y", "z"]})
    ecos = ["ai", "quantum", "hydrogen"]
    gold = tmp_path / "gold.csv"
    # semicolons, as Dutch Excel saves a CSV; 'e' is not among the records
    gold.write_text("id;ecosystem\na;ai\nb;quantum\nb;ai\nc;\ne;ai\n", encoding="utf-8")
    Y = read_gold(records=records, ecosystems=ecos, gold_file=gold, known=ecos)
    # a, b, c labelled for ai and quantum (named in the file); nobody for hydrogen; d unlabelled
    assert Y.tolist() == [[1, 0, -1], [1, 1, -1], [0, 0, -1], [-1, -1, -1]]
    assert "1 of its 4 ids are not in the records" in caplog.text and "e.g. e" in caplog.text
    # the same from a label column: 'none' labels a record with none of the named ecosystems
    labelled = records.assign(labels=["ai", "quantum;ai", "none", None])
    assert read_gold(records=labelled, ecosystems=ecos, label_col="labels").tolist() == Y.tolist()


@pytest.mark.parametrize("label, hint", [("AI", "did you mean 'ai'?"), ("quantm", "did you mean 'quantum'?")])
def test_a_mistyped_gold_label_is_an_error_not_a_negative(tmp_path, label, hint):
    records = pd.DataFrame({"id": ["a", "b"], "text": ["w", "x"]})
    gold = tmp_path / "gold.csv"
    gold.write_text(f"id,ecosystem\na,ai\nb,{label}\n", encoding="utf-8")
    tax_ids = load_taxonomy().ids
    with pytest.raises(SchemaError, match=f"gold.csv, row 3: unknown ecosystem '{label}'; {hint}"):
        read_gold(records=records, ecosystems=["ai", "quantum"], gold_file=gold, known=tax_ids)
    labelled = records.assign(labels=["ai", label])
    with pytest.raises(SchemaError, match=re.escape(f"label column 'labels', record 2 (id 'b'): unknown ecosystem '{label}'")):
        read_gold(records=labelled, ecosystems=["ai", "quantum"], label_col="labels", known=tax_ids)


def test_gold_labels_of_ecosystems_left_out_of_the_model_are_ignored(tmp_path, caplog):
    records = pd.DataFrame({"id": ["a", "b"], "text": ["w", "x"]})
    gold = tmp_path / "gold.csv"
    gold.write_text("id,ecosystem\na,ai\nb,hydrogen\n", encoding="utf-8")
    Y = read_gold(records=records, ecosystems=["ai"], gold_file=gold, known=load_taxonomy().ids)
    assert Y.tolist() == [[1], [0]] and "ignored: ['hydrogen']" in caplog.text


def test_an_export_without_a_text_column_gets_the_usual_names(tmp_path, caplog):
    """No --text-col and no column called text: the first usual name (objective, description,
    omschrijving, ...) is taken and said, for JSONL and Parquet as for CSV."""
    from oi_text.pipeline import load_texts

    df = pd.DataFrame({"id": ["c1", "c2"], "acronym": ["H2GO", "QLINK"],
                       "objective": ["Green hydrogen from offshore wind.", "Quantum links between Delft and Leiden."]})
    for name in ("cordis.jsonl", "cordis.parquet"):
        path = tmp_path / name
        df.to_json(path, orient="records", lines=True) if name.endswith("jsonl") else df.to_parquet(path)
        got = load_texts(path)
        assert got.id.tolist() == ["c1", "c2"] and got.text.tolist() == df.objective.tolist()
        assert "no text column given; using 'objective'" in caplog.text
        caplog.clear()
    with pytest.raises(SchemaError, match="text column 'summary' not found"):
        load_texts(tmp_path / "cordis.parquet", text_col="summary")  # a named column is never guessed
    # a guessed column loads the file as the named one does: a list of labels stays a list
    df.assign(labels=[["hydrogen"], ["quantum"]]).to_parquet(tmp_path / "labelled.parquet")
    assert [list(x) for x in load_texts(tmp_path / "labelled.parquet").labels] == [["hydrogen"], ["quantum"]]
    # classify streams such a Parquet: id and the guessed column copied under "text", no ingest
    from oi_text.pipeline import records_for_classify

    converted = records_for_classify(tmp_path / "cordis.parquet", tmp_path / "s.parquet")
    assert pd.read_parquet(converted).to_dict("list") == {"id": ["c1", "c2"], "text": df.objective.tolist()}
    # an export with its header under a title row: the id column is still found
    csv = tmp_path / "rvo.csv"
    csv.write_text("Rapport Projecten RVO,,\nid,Omschrijving,jaar\nP-1,Waterstof uit zeewind,2021\n"
                   "P-2,Kwantumsensoren voor MRI,2022\n", encoding="utf-8")
    assert load_texts(csv).id.tolist() == ["P-1", "P-2"]
