from __future__ import annotations

import numpy as np
import pytest

from oi_text.errors import InputError
from oi_text.themes.lda import LdaThemes
from oi_text.themes.prepare import Tokens


@pytest.fixture(scope="module")
def docs(corpus):
    return Tokens().fit(corpus[0]).docs


def test_lda_finds_the_topics_deterministically(docs, corpus):
    a = LdaThemes(k=4, seed=3).fit(docs)
    b = LdaThemes(k=4, seed=3).fit(docs)
    assert (a.labels_ == b.labels_).all() and np.allclose(a.mixture_, b.mixture_)
    gold = np.array(corpus[2])
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(gold, a.labels_) > 0.8
    assert a.mixture_.shape == (len(docs), 4) and np.allclose(a.mixture_.sum(axis=1), 1, atol=1e-3)
    # a document's mixture does not depend on the other documents in the call
    assert np.allclose(a.transform(docs[5:6]), a.mixture_[5:6])


def test_k_by_coherence_sweep(docs):
    lda = LdaThemes(k_grid=(2, 4, 8), passes=5).fit(docs)
    assert [r["k"] for r in lda.sweep_] == [2, 4, 8]
    assert all("c_npmi" in r and "c_v" in r for r in lda.sweep_)
    best = max(lda.sweep_, key=lambda r: r["c_npmi"])
    assert lda.k_ == best["k"]


def test_empty_documents_get_no_theme(docs):
    lda = LdaThemes(k=4).fit([*docs, [], ["onbekendwoord"]])
    assert lda.labels_[-1] == -1 and lda.labels_[-2] == -1 and (lda.labels_[:-2] >= 0).all()


def test_a_generator_is_refused(docs):
    with pytest.raises(InputError, match="several times"):
        LdaThemes(k=2).fit(d for d in docs)


def test_too_little_text():
    with pytest.raises(InputError, match="too little text"):
        LdaThemes(k=2).fit([["een"], ["een"], ["een"]])  # in every document: filtered out
