"""Word2Vec expansion on a small corpus built in the test: suggestions with evidence, and
accept/reject written back with provenance."""

from __future__ import annotations

import random

import numpy as np
import pytest
import yaml

from oi_text.keywords import load_taxonomy, save_taxonomy, validate
from oi_text.keywords.expand import TermExpander, accept_term, reject_term, suggest


def _corpus(n: int = 300, seed: int = 0) -> list[str]:
    """Hydrogen texts say 'waterstof' or, in a third of them, only 'elektrolyser'; other texts
    talk about farming."""
    rng = random.Random(seed)
    h2 = ["waterstof", "waterstof", "elektrolyser"]
    ctx_h = ["groene", "productie", "windstroom", "opslag", "zoutcaverne", "pijpleiding", "industrie", "Eemshaven"]
    ctx_a = ["akker", "bodem", "gewas", "drone", "trekker", "bemesting", "perceel", "oogst"]
    texts = []
    for i in range(n):
        if i % 2 == 0:
            words = [rng.choice(h2)] + rng.sample(ctx_h, 5)
        else:
            words = ["landbouw"] + rng.sample(ctx_a, 5)
        rng.shuffle(words)
        texts.append("Dit project gaat over " + " en ".join(words) + ".")
    return texts


@pytest.fixture
def small_taxonomy(tmp_path):
    data = {"version": 1, "ecosystems": [
        {"id": "hydrogen", "label": "Hydrogen", "keywords": {"nl": ["waterstof"], "en": []}},
        {"id": "farming", "label": "Farming", "keywords": {"nl": ["landbouw"], "en": []}},
    ]}
    path = tmp_path / "tax.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_word2vec_suggests_the_missing_synonym_with_its_impact(small_taxonomy):
    texts = _corpus()
    ids = [f"d{i}" for i in range(len(texts))]
    tax = load_taxonomy(small_taxonomy)
    expander = TermExpander(min_count=2, epochs=40).fit(texts)
    out = suggest(tax, "hydrogen", texts, ids, expander, top=8)
    terms = [s.term for s in out]
    assert "elektrolyser" in terms
    s = out[terms.index("elektrolyser")]
    assert s.source == "word2vec"
    # elektrolyser occurs in about a third of the 150 hydrogen texts, none of which say waterstof
    assert s.docs_added == s.docs_with_term and 30 <= s.docs_added <= 70
    assert len(s.examples) == 3 and "elektrolyser" in s.examples[0][1]
    assert "waterstof" not in terms  # already a term
    assert all(t not in terms for t in ("en", "over", "het"))  # no function words


class ConceptEncoder:
    """Stands in for a sentence encoder: each word has a concept direction (hydrogen, farming,
    or a neutral one of its own), a text is the mean of its words. So 'elektrolyser' lies near
    the hydrogen texts' meaning, as it would for a real multilingual encoder, although the
    texts that use it are not keyword matches."""

    concepts = {"waterstof": 0, "elektrolyser": 0, "brandstofcel": 0, "landbouw": 1, "akker": 1, "gewas": 1,
                "oogst": 1}

    def encode(self, texts, **_):
        out = []
        for t in texts:
            words = [w.strip(".,").lower() for w in t.split()]
            v = np.zeros(64)
            for w in words:
                v[self.concepts.get(w, 2 + sum(map(ord, w)) % 62)] += 1
            out.append(v / np.linalg.norm(v))
        return np.array(out, dtype=np.float32)


def test_embedding_source_suggests_terms_near_the_ecosystems_texts(small_taxonomy):
    # half the texts that say only 'elektrolyser' say 'brandstofcel' (fuel cell) instead: two
    # missing synonyms, each in about 25 texts
    texts, k = [], 0
    for t in _corpus():
        if "elektrolyser" in t:
            k += 1
            t = t.replace("elektrolyser", "brandstofcel") if k % 2 else t
        texts.append(t)
    ids = [f"d{i}" for i in range(len(texts))]
    tax = load_taxonomy(small_taxonomy)
    expander = TermExpander(min_count=2, epochs=40).fit(texts)
    enc = ConceptEncoder()
    out = suggest(tax, "hydrogen", texts, ids, expander, encoder=enc, doc_vectors=enc.encode(texts), top=1)
    assert [s.source for s in out] == ["word2vec", "embedding"]  # interleaved, one of each
    w2v, emb = out
    # the embedding source finds the synonym word2vec did not take: the one nearest in meaning
    assert {w2v.term, emb.term} == {"elektrolyser", "brandstofcel"} and emb.score > 0
    assert emb.docs_added == emb.docs_with_term >= 15 and emb.term in emb.examples[0][1]
    farming = suggest(tax, "farming", texts, ids, expander, encoder=enc, doc_vectors=enc.encode(texts), top=5)
    assert not {"elektrolyser", "brandstofcel"} & {s.term for s in farming if s.source == "embedding"}
    # without an encoder only word2vec suggests
    assert {s.source for s in suggest(tax, "hydrogen", texts, ids, expander, top=3)} == {"word2vec"}


def test_expansion_is_deterministic(tmp_path):
    """The same corpus gives the same vectors (so the same suggestions) in another process, with
    another string-hash seed: a corpus of more than one batch of words (about 18k), where
    several worker threads or a hash-seeded initialisation would differ."""
    import os
    import subprocess
    import sys

    texts = _corpus(1500)
    assert sum(len(t.split()) for t in texts) > 15_000
    a = TermExpander(min_count=2, epochs=2).fit(texts).vectors
    code = ("import sys, numpy as np; sys.path.insert(0, '.'); from tests.keywords.test_expand import _corpus; "
            "from oi_text.keywords.expand import TermExpander; "
            f"np.save({str(tmp_path / 'b.npy')!r}, TermExpander(min_count=2, epochs=2).fit(_corpus(1500)).vectors['waterstof'])")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert np.allclose(a["waterstof"], np.load(tmp_path / "b.npy"))


def test_generator_input_is_refused_with_a_clear_message():
    with pytest.raises(Exception, match="not a one-shot generator"):
        TermExpander().fit(t for t in _corpus(10))


def test_accept_and_reject_are_written_back_with_provenance(small_taxonomy):
    texts = _corpus()
    tax = load_taxonomy(small_taxonomy)
    expander = TermExpander(min_count=2, epochs=40).fit(texts)
    out = {s.term: s for s in suggest(tax, "hydrogen", texts, [str(i) for i in range(len(texts))], expander, top=8)}
    entry = accept_term(tax, "hydrogen", out["elektrolyser"], "Anna")
    assert entry["by"] == "Anna" and entry["source"] == "word2vec" and entry["docs_added"] > 0 and entry["at"]
    other = next(t for t in out if t != "elektrolyser")
    reject_term(tax, "hydrogen", out[other], "Anna")
    save_taxonomy(tax, small_taxonomy)
    again = load_taxonomy(small_taxonomy)
    assert "elektrolyser" in again["hydrogen"].include_terms
    assert other in again["hydrogen"].rejected_terms
    assert again.hash() != validate(yaml.safe_load(small_taxonomy.read_text()) | {"ecosystems": [
        {"id": "hydrogen", "label": "Hydrogen", "keywords": {"nl": ["waterstof"], "en": []}},
        {"id": "farming", "label": "Farming", "keywords": {"nl": ["landbouw"], "en": []}}]}).hash()
    # neither is suggested again
    terms = [s.term for s in suggest(again, "hydrogen", texts, [str(i) for i in range(len(texts))], expander, top=8)]
    assert "elektrolyser" not in terms and other not in terms


def test_vectors_are_saved_in_word2vec_format(tmp_path):
    from gensim.models import KeyedVectors

    expander = TermExpander(min_count=2, epochs=3).fit(_corpus(80))
    path = expander.save_vectors(tmp_path / "w2v.bin")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    assert "waterstof" in kv.key_to_index
    txt = expander.save_vectors(tmp_path / "w2v.txt")
    assert txt.read_text(encoding="utf-8").split()[1] == str(expander.vector_size)


def test_sample_snippets_show_the_term_even_after_length_changing_folding():
    from oi_text.keywords.expand import _snippet

    # "ß" folds to "ss" and "ĳ" to "ij": offsets in the folded text are not offsets in the text
    text = "Straße " * 20 + "De Groningse waterstofcentrale draait op wind." + " Meer tekst." * 20
    assert "waterstofcentrale" in _snippet(text, ["waterstofcentrale"], width=40)
    assert "ĳsbaan" in _snippet("ĳ" * 50 + " een ĳsbaan op zonne-energie", ["ijsbaan"], width=20)


def test_phrases_neither_start_nor_end_with_a_dutch_connector_word():
    """Bigrams are joined across Dutch articles and prepositions ("waterstof_uit_zon"), never
    begun or ended by one ("uit_een" or "een_elektrolyser" would hide the word itself)."""
    rng = random.Random(0)
    filler = [f"woord{k}" for k in range(400)]
    texts = [" ".join(rng.sample(filler, 6)) + " uit een elektrolyser " + " ".join(rng.sample(filler, 3))
             + " waterstof uit zon " + " ".join(rng.sample(filler, 6)) for _ in range(200)]
    tokens = {tok for s in TermExpander(min_count=2, epochs=1).fit(texts).doc_tokens_ for tok in s}
    phrases = {t for t in tokens if "_" in t}
    assert phrases, tokens
    for p in phrases:
        first, last = p.split("_")[0], p.split("_")[-1]
        assert first not in {"uit", "een", "bij", "en"} and last not in {"uit", "een", "bij", "en"}, p
