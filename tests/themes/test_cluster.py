from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from oi_text.errors import InputError
from oi_text.themes.cluster import (
    EmbeddingThemes,
    HdbscanClusterer,
    KMeansClusterer,
    NoReduction,
    UmapReducer,
    best_match_jaccard,
    relabel_by_size,
)


@pytest.fixture(scope="module")
def fitted(corpus):
    X = corpus[1]
    return EmbeddingThemes(seed=0).fit(X), X


def test_four_groups_are_found(fitted, corpus):
    est, _ = fitted
    gold = np.array(corpus[2])
    assert est.n_themes_ == 4
    for t in range(4):  # every theme is one topic
        assert len(set(gold[est.labels_ == t])) == 1


def test_transform_of_training_vectors_is_the_training_assignment(fitted):
    est, X = fitted
    labels, sims = est.transform(X)
    assert (labels == est.labels_).all()
    # also in another order and in small chunks
    order = np.random.default_rng(3).permutation(len(X))
    labels2, _ = est.transform(X[order], chunk_size=7)
    assert (labels2 == est.labels_[order]).all()


def test_training_outliers_stay_outliers_in_transform():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.05, (60, 8)) + c for c in np.eye(8)[:3] * 3] + [rng.normal(0, 3, (6, 8))])
    est = EmbeddingThemes(reducer=NoReduction(), clusterer=HdbscanClusterer(min_cluster_size=10)).fit(X)
    assert est.outliers_.any()
    assert (est.transform(X)[0] == est.labels_).all()
    assigned = EmbeddingThemes(reducer=NoReduction(), clusterer=HdbscanClusterer(min_cluster_size=10),
                               assign_outliers=True).fit(X)
    assert (assigned.labels_ >= 0).all() and (assigned.transform(X)[0] == assigned.labels_).all()
    assert assigned.outliers_.sum() == est.outliers_.sum()  # still reported as left out by HDBSCAN


def test_new_vectors_follow_the_documented_rule(fitted):
    est, X = fitted
    # a new vector close to theme 2's centroid goes to theme 2; one opposite to every centroid
    # is an outlier, or the nearest theme with assign_outliers
    near = est.centroids_[2] + 0.01 * np.random.default_rng(1).normal(size=X.shape[1])
    far = -est.centroids_.sum(axis=0)
    labels, sims = est.transform(np.vstack([near, far]).astype(np.float32))
    assert labels[0] == 2 and labels[1] == -1
    assert sims[0] > est.radius_[2]
    est.assign_outliers = True
    try:
        assert est.transform(far[None, :].astype(np.float32))[0][0] == int(np.argmax(est.centroids_ @ far))
    finally:
        est.assign_outliers = False


def test_same_seed_same_themes_across_processes(corpus, tmp_path):
    """The whole route (boilerplate, word pairs, UMAP, HDBSCAN, terms) in two fresh processes
    (each with its own string-hash seed) and here: the same themes and the same terms."""
    import json

    texts, X = corpus[0], corpus[1]
    np.save(tmp_path / "X.npy", X)
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    code = ("import json, numpy as np; from oi_text.themes import find_themes, ThemeSettings; "
            f"X = np.load({str(tmp_path / 'X.npy')!r}); texts = json.load(open({str(tmp_path / 'texts.json')!r})); "
            "r = find_themes(texts, vectors=X, settings=ThemeSettings(seed=7, stability_seeds=0)); "
            "print(json.dumps([r.labels.tolist(), [t.terms for t in r.themes]]))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
            for _ in range(2)]
    from oi_text.themes import ThemeSettings, find_themes

    r = find_themes(texts, vectors=X, settings=ThemeSettings(seed=7, stability_seeds=0))
    assert json.loads(runs[0]) == json.loads(runs[1]) == json.loads(json.dumps([r.labels.tolist(),
                                                                                [t.terms for t in r.themes]]))


@pytest.mark.parametrize("backend", ["fast_hdbscan", "hdbscan", "sklearn"])
def test_hdbscan_backends_agree_on_clear_groups(backend, corpus):
    pytest.importorskip(backend if backend != "sklearn" else "sklearn")
    Y = UmapReducer(seed=0).fit_transform(corpus[1])
    labels = HdbscanClusterer(backend=backend).fit_predict(Y)
    gold = np.array(corpus[2])
    assert labels.max() + 1 == 4
    assert all(len(set(gold[labels == t])) == 1 for t in range(4))


def test_no_theme_may_hold_most_of_the_corpus():
    rng = np.random.default_rng(0)
    # one large group without inner structure and two small tight ones
    X = np.vstack([rng.normal(0, 1.0, (400, 5)), rng.normal(8, 0.1, (40, 5)), rng.normal(-8, 0.1, (40, 5))])
    free = HdbscanClusterer(min_cluster_size=10, max_share=1.0).fit_predict(X)
    assert sorted(np.bincount(free[free >= 0]).tolist()) == [40, 40, 400]
    capped = HdbscanClusterer(min_cluster_size=10).fit_predict(X)  # default: at most half
    assert sorted(np.bincount(capped[capped >= 0]).tolist()) == [40, 40]
    assert (capped[:400] == -1).all()  # it shows as outliers, not as a theme


def test_kmeans_and_helpers():
    X = np.vstack([np.eye(4)[i] + 0.01 * np.random.default_rng(i).normal(size=(10, 4)) for i in range(4)])
    labels = KMeansClusterer(k=4).fit_predict(X)
    assert len(set(labels.tolist())) == 4
    assert relabel_by_size(np.array([5, 5, -1, 2, 2, 2, 7])).tolist() == [1, 1, -1, 0, 0, 0, 2]
    assert best_match_jaccard(np.array([0, 0, 1, 1]), np.array([3, 3, 3, -1])).tolist() == [2 / 3, 1 / 4]


def test_bad_vectors_are_refused():
    with pytest.raises(InputError, match="at least 3 vectors"):
        EmbeddingThemes().fit(np.zeros((2, 4)))
    with pytest.raises(InputError, match="NaN"):
        EmbeddingThemes().fit(np.full((10, 4), np.nan))
    with pytest.raises(RuntimeError, match="not fitted"):
        EmbeddingThemes().transform(np.zeros((2, 4)))
