from __future__ import annotations

import pytest

from oi_text.themes.prepare import BoilerplateRemover, Tokens, content_tokens

from .conftest import BOILER


def test_recurring_sentences_are_cut_and_reported(corpus):
    texts = corpus[0]
    bp = BoilerplateRemover().fit(texts)
    clean = bp.transform(texts)
    assert all("samenwerkingsverband" not in c for c in clean)
    assert clean[1] == texts[1]  # a text without the sentence is untouched
    assert clean[0] == texts[0].replace(BOILER, "").strip()
    top = bp.report_[0]
    assert top.kind == "sentence" and top.documents == 80
    assert top.text.startswith("dit project wordt uitgevoerd als samenwerkingsverband")
    assert "80 docs" in bp.summary()


def test_long_ngrams_inside_sentences_are_cut_dutch_and_english():
    nl = [f"Wij ontwikkelen {w} met steun van het Europees Fonds voor Regionale Ontwikkeling. Locatie: {r}."
          for w, r in zip(["sensoren", "robots", "kaas", "membranen", "chips", "software", "lasers", "drones"],
                          ["Gelderland", "Twente", "Limburg", "Drenthe", "Zeeland", "Utrecht", "Flevoland", "Brabant"])]
    en = [f"The consortium builds {w}; this project has received funding from the European Union programme"
          for w in ["pumps", "turbines", "batteries", "vaccines", "satellites", "fibres", "ships", "bridges"]]
    bp = BoilerplateRemover(min_docs=5).fit(nl + en)
    clean = bp.transform(nl + en)
    assert clean[0] == "Wij ontwikkelen sensoren. Locatie: Gelderland."
    assert clean[8] == "The consortium builds pumps;" or clean[8].startswith("The consortium builds pumps")
    assert "funding" not in clean[8] and "pumps" in clean[8]
    texts = {i.text for i in bp.report_}
    assert "met steun van het europees fonds voor regionale ontwikkeling" in texts
    assert any("received funding from the european union" in t for t in texts)


def test_nothing_is_cut_from_unique_texts():
    texts = [f"Tekst nummer {i} gaat over onderwerp {i * 7} en verder niets." for i in range(30)]
    bp = BoilerplateRemover().fit(texts)
    # "gaat over onderwerp" recurs but is shorter than the 5-word n-grams; numbers differ
    assert bp.transform(texts) == texts and bp.report_ == []


def test_a_rare_sentence_is_kept():
    texts = [f"Uniek project {i} over {i}." for i in range(100)] + [BOILER] * 3
    bp = BoilerplateRemover().fit(texts)  # 3 of 103 documents: under min_docs 5
    assert bp.transform([BOILER]) == [BOILER]


def test_unfitted_and_bad_input():
    with pytest.raises(RuntimeError, match="not fitted"):
        BoilerplateRemover().transform(["x"])
    with pytest.raises(Exception, match="sequence of texts"):
        BoilerplateRemover().fit("one string")


def test_tokens_drop_function_words_and_join_pairs():
    assert content_tokens("De bouw van 3 grote waterstof-installaties in 2024 en the data") == [
        "bouw", "grote", "waterstof-installaties", "data"]
    texts = [f"A fuel cell system for vehicle{i}" for i in range(20)]
    texts += [f"Project word{i}a word{i}b word{i}c word{i}d about nothing" for i in range(99)]
    texts += ["the cell of a prison, not fuel"]
    tok = Tokens().fit(texts)
    assert "fuel_cell" in tok.docs[0] and "fuel" not in tok.docs[0]
    assert "fuel_cell" not in tok.docs[-1] and "cell" in tok.docs[-1]  # not a pair there
    assert "fuel_cell" in tok.tokens_for(["another fuel cell"])[0]
    assert len(list(tok)) == 120 and len(list(tok)) == 120  # re-iterable
