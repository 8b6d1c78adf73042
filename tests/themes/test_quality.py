from __future__ import annotations

import numpy as np
import pytest

from oi_text.errors import InputError
from oi_text.themes import ThemeSettings, find_themes
from oi_text.themes.quality import Quality, Stability, npmi_per_theme, topic_diversity, verdict


def test_npmi_of_words_always_together_apart_and_independent():
    docs = [["a", "b"]] * 5 + [["c"]] * 5 + [["d"]] * 5
    npmi = npmi_per_theme(docs, {0: ["a", "b"], 1: ["a", "c"], 2: ["a", "zzz"]})
    assert npmi[0] == pytest.approx(1.0)
    assert npmi[1] == pytest.approx(-1.0)
    assert np.isnan(npmi[2])  # one known term: no pair
    assert topic_diversity({0: ["a", "b"], 1: ["a", "c"]}) == 0.75


def _q(themes=5, outliers=0.1, ari=0.8, jac=0.8, npmi=0.1):
    stab = Stability([0, 1, 2], 100, [ari], {t: jac for t in range(themes)})
    return Quality(themes, 100, outliers, {t: npmi for t in range(themes)}, 0.9, 0.3, stab)


def test_verdict_rules():
    assert verdict(_q())[0] == "distinct"
    assert verdict(_q(ari=0.5))[0] == "weak"
    assert verdict(_q(npmi=0.01))[0] == "weak"
    assert verdict(_q(outliers=0.5))[0] == "weak"
    assert verdict(_q(ari=0.2))[0] == "not supported by this data"
    assert verdict(_q(outliers=0.7))[0] == "not supported by this data"
    assert verdict(_q(themes=1))[0] == "not supported by this data"
    v, reasons = verdict(_q(ari=0.5, jac=0.3))
    assert reasons == ["stability ARI 0.50 < 0.65", "best-match Jaccard 0.30 < 0.6"]


def test_clear_topics_are_distinct_with_terms_and_mix(corpus):
    texts, X, gold, kinds, years = corpus
    r = find_themes(texts, vectors=X, gold=gold, kinds=kinds, years=years,
                    settings=ThemeSettings(stability_seeds=3))
    assert r.verdict == "distinct", r.quality.reasons
    assert r.quality.labels["nmi"] == pytest.approx(1.0)
    from .conftest import TOPICS

    for th in r.themes:  # each theme's top terms are its topic's words
        topic = gold[th.examples[0]]
        assert set(th.term_words[:5]) <= set(TOPICS[topic].split()) | {f"{topic}lab"}, th.term_words
    words = {w for th in r.themes for w in th.term_words}
    assert not words & {"samenwerkingsverband", "kennisinstellingen", "overheid"}  # boilerplate cut first
    th = r.themes[0]
    assert sum(th.kinds.values()) == th.size and set(th.kinds) <= {"project", "wbso", "startup"}
    assert sum(th.years.values()) == th.size
    assert len(th.examples) == 3 and all(r.labels[i] == th.id for i in th.examples)


def test_pure_noise_is_not_supported(noise):
    texts, X = noise
    r = find_themes(texts, vectors=X, settings=ThemeSettings(stability_seeds=5))
    assert r.verdict == "not supported by this data", r.quality.table()


def test_pure_noise_with_lda_is_not_supported(noise):
    r = find_themes(noise[0], settings=ThemeSettings(method="lda", k=5, stability_seeds=3))
    assert r.verdict == "not supported by this data", r.quality.table()


def test_bad_input_has_clear_messages():
    with pytest.raises(InputError, match="all 30 texts are empty"):
        find_themes([""] * 30, vectors=np.zeros((30, 4)))
    with pytest.raises(InputError, match="at least 20 documents with text, got 5"):
        find_themes(["een tekst"] * 5 + [""] * 10, vectors=np.zeros((15, 4)))
    with pytest.raises(InputError, match="one row per text"):
        find_themes([f"tekst {i}" for i in range(30)], vectors=np.zeros((29, 4)))
    with pytest.raises(InputError, match="method 'bertopic' unknown"):
        find_themes([f"tekst {i}" for i in range(30)], settings=ThemeSettings(method="bertopic"))
