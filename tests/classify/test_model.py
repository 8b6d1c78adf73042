"""Weak labels, the calibrated classifier (scikit-learn contract), thresholds, evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from oi_text.classify import (
    CalibratedLogit,
    KeywordEvidence,
    MultiLabelClassifier,
    choose_threshold,
    evaluation_table,
    format_table,
    weak_labels,
)
from oi_text.errors import ModelError


@parametrize_with_checks(
    [CalibratedLogit()],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data":
            "the calibration's cross-validation folds differ when rows are repeated instead of weighted",
        "check_class_weight_classifiers":
            "Platt calibration maps scores back to probabilities, undoing class_weight's shift of the "
            "decision threshold (by design: scores must read as probabilities)",
    },
)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_weak_labels_rules():
    # 6 texts, 1 ecosystem: 2 terms; 1 term; 1 term + exclusion (vetoed); 3 terms + exclusion
    # (kept); no hit but near the positives; no hit and far away
    n_terms = np.array([[2], [1], [1], [3], [0], [0]])
    matched = np.array([[True], [True], [False], [True], [False], [False]])
    excluded = np.array([[False], [False], [True], [True], [False], [False]])
    ev = KeywordEvidence(["ai"], n_terms, matched, excluded)
    X = np.array([[1, 0], [0.9, 0.1], [0, 1], [1, 0.05], [0.95, 0.05], [-1, 0]], dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    wl = weak_labels(ev, X, near_quantile=0.1)
    assert wl.y[:, 0].tolist() == [1, 1, 0, 1, -1, 0]
    assert wl.weight[:, 0].tolist() == pytest.approx([0.8, 0.6, 0.9, 0.7, 0.0, 0.7])
    assert wl.summary() == {"ai": {"positive": 3, "negative": 2, "unlabelled": 1}}
    # without embeddings nothing is "near": all non-hits are negatives
    assert weak_labels(ev).y[:, 0].tolist() == [1, 1, 0, 1, 0, 0]


def test_at_most_as_many_texts_are_left_unlabelled_as_there_are_positives():
    # 2 keyword positives and 5 non-hits that all lie near them: only the 2 nearest are left
    # for the classifier to decide; the rest stay negatives (texts that use other words are
    # expected to be a minority)
    n_terms = np.array([[1], [1], [0], [0], [0], [0], [0]])
    ev = KeywordEvidence(["ai"], n_terms, n_terms > 0, np.zeros((7, 1), bool))
    X = np.array([[1, 0.1], [1, -0.1], [1, 0], [1, 0.01], [1, 0.02], [1, 0.03], [1, 0.04]],
                 dtype=np.float32)  # the non-hits lie between the positives, in order of distance
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    wl = weak_labels(ev, X, near_quantile=0.0)
    assert wl.y[:, 0].tolist() == [1, 1, -1, -1, 0, 0, 0]


def test_weak_labels_keep_a_neighbours_texts_as_negatives():
    # 2 ecosystems. Text 2 hits no hydrogen term and sits right next to the hydrogen texts, but
    # the keywords place it in solar-energy: it stays a hydrogen negative (the classifier must
    # learn where hydrogen ends). Text 3 is as near and matches nothing: unlabelled.
    n_terms = np.array([[2, 0], [1, 0], [0, 1], [0, 0], [0, 0], [0, 2]])
    matched = n_terms > 0
    ev = KeywordEvidence(["hydrogen", "solar-energy"], n_terms, matched, np.zeros_like(matched))
    X = np.array([[1, 0], [0.95, 0.05], [0.97, 0.03], [0.96, 0.04], [-1, 0], [0, 1]], dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    wl = weak_labels(ev, X, near_quantile=0.1)
    assert wl.y[:, 0].tolist() == [1, 1, 0, -1, 0, 0]
    assert wl.weight[2, 0] == pytest.approx(0.7)
    # for solar-energy the hydrogen texts are the neighbours; text 3 is near and unplaced
    assert wl.y[:, 1].tolist() == [0, 0, 1, -1, 0, 1]


def test_multilabel_classifier_learns_skips_and_round_trips():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8)).astype(np.float32)
    Y = np.stack([(X[:, 0] > 0.5), (X[:, 1] < -0.5), np.zeros(200, bool)], axis=1).astype(np.int8)
    Y[:20, 1] = -1  # unlabelled entries are ignored
    clf = MultiLabelClassifier().fit(X, Y, ["a", "b", "empty"])
    assert clf.skipped_ == {"empty": "0 positives, 200 negatives"}
    p = clf.predict_proba(X)
    assert np.isnan(p[:, 2]).all()
    # it learned which rows are positive, not just how many (on fresh rows too)
    assert ((p[:, 0] >= 0.5) == (X[:, 0] > 0.5)).mean() > 0.9
    assert ((p[:, 1] >= 0.5) == (X[:, 1] < -0.5)).mean() > 0.9
    X_new = rng.normal(size=(200, 8)).astype(np.float32)
    assert ((clf.predict_proba(X_new)[:, 0] >= 0.5) == (X_new[:, 0] > 0.5)).mean() > 0.9
    clf.thresholds_[:] = [0.3, 0.7, 0.5]  # as tuned on labels: they travel with the weights
    again = MultiLabelClassifier.from_arrays(clf.to_arrays(), ["a", "b", "empty"])
    assert np.allclose(again.predict_proba(X), p, equal_nan=True)
    assert again.thresholds_.tolist() == pytest.approx([0.3, 0.7, 0.5])
    assert np.array_equal(again.predict(X), clf.predict(X))
    with pytest.raises(ModelError, match="embeddings have 4 dimensions; the classifier expects 8"):
        clf.predict_proba(X[:, :4])
    with pytest.raises(ModelError, match="not fitted"):
        MultiLabelClassifier().predict_proba(X)


def test_choose_threshold_for_target_precision():
    y = np.array([1, 1, 1, 0, 1, 0, 0, 1, 0, 0], dtype=bool)
    s = np.linspace(1, 0.1, 10)
    # precision is smoothed, (tp + 1) / (k + 2): 4 of the top 5 reads 5/7 = 0.71, 3 of 3 reads 0.8
    t, how = choose_threshold(y, s, target_precision=0.7)
    assert t == pytest.approx(s[4]) and "precision >= 0.70" in how
    t, how = choose_threshold(y, s, target_precision=0.75)
    assert t == pytest.approx(s[2])
    # a perfect top 3 is not proof of perfect precision: 1.0 is out of reach, and the cut with
    # the highest estimated precision is taken (top 3, 0.8)
    t, how = choose_threshold(y, s, target_precision=1.0)
    assert t == pytest.approx(s[2]) and "highest reachable precision 0.80" in how and "not reachable" in how
    t, how = choose_threshold(np.zeros(10, bool), s)
    assert t == 0.5 and "one class" in how


def test_asking_for_more_precision_never_gives_less():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(10, dtype=bool), rng.random(60) < 0.5]
    s = np.linspace(1, 0, len(y))
    got = []
    for target in (0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0):
        t, _ = choose_threshold(y, s, target_precision=target)
        pred = s >= t
        got.append(((pred & y).sum() / pred.sum(), target))
    precisions = [p for p, _ in got]
    assert precisions == sorted(precisions), got
    assert precisions[-1] == 1.0  # the perfect top 10 when nothing reaches the target


def test_evaluation_table_rows_and_averages():
    Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=bool)
    model = np.array([[1, 0], [1, 1], [1, 1], [0, 0]], dtype=bool)
    kw = np.array([[1, 0], [0, 0], [0, 1], [0, 0]], dtype=bool)
    t = evaluation_table(Y, model, kw, ["a", "b"])
    a = t.set_index("ecosystem").loc["a"]
    assert (a.model_precision, a.model_recall) == pytest.approx((2 / 3, 1.0))
    assert (a.keywords_precision, a.keywords_recall) == pytest.approx((1.0, 0.5))
    assert t.ecosystem.tolist() == ["a", "b", "macro", "micro"]
    assert t.set_index("ecosystem").loc["macro"].model_f1 == pytest.approx((0.8 + 1.0) / 2)
    # departures from the keywords: a adds texts 2 and 3 (text 2 a gold positive), b adds text 2
    assert (a.dropped, a.dropped_positive, a.added, a.added_positive) == (0, 0, 2, 1)
    assert t.set_index("ecosystem").loc["micro"][["dropped", "added", "added_positive"]].tolist() == [0, 3, 2]
    swapped = evaluation_table(Y, kw, model, ["a", "b"]).set_index("ecosystem")  # now it drops them
    assert swapped.loc["a", ["dropped", "dropped_positive", "added"]].tolist() == [2, 1, 0]
    text = format_table(t)
    assert "dropped (pos)" in text and "2 (1)" in text.splitlines()[1]


def test_evaluation_table_scores_each_ecosystem_on_its_labelled_texts():
    # reviewed labels: text 2 is labelled for a only, text 3 for b only (-1 = unlabelled)
    Y = np.array([[1, 0], [0, 1], [1, -1], [-1, 0]], dtype=np.int8)
    model = np.array([[1, 1], [0, 1], [0, 1], [1, 1]], dtype=bool)
    t = evaluation_table(Y, model, model, ["a", "b"]).set_index("ecosystem")
    assert t.loc["a", "positives"] == 2 and t.loc["a", "model_recall"] == pytest.approx(0.5)
    assert t.loc["a", "model_precision"] == pytest.approx(1.0)  # text 3 (unlabelled for a) not counted
    assert t.loc["b", "model_precision"] == pytest.approx(1 / 3)  # texts 0 and 3 are negatives, text 2 unlabelled
    assert t.loc["micro", "model_precision"] == pytest.approx(2 / 4)
