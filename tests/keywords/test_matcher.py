"""Keyword matching that works for Dutch: compounds explicit per term, exclusions, explanations."""

from __future__ import annotations

import pytest

from oi_text.errors import ConfigError
from oi_text.keywords.matcher import KeywordMatcher
from oi_text.keywords.terms import parse_term


def hits(spec, text, eco):
    return [h.text for h in KeywordMatcher({eco: spec}).match(text)[eco].hits]


@pytest.mark.parametrize(
    "term, text, expected",
    [
        # a compound head matches the word and compounds starting with it
        ("waterstof+", "Waterstofproductie en waterstof in Groningen", ["Waterstofproductie", "waterstof"]),
        # a plain word never matches inside a compound: water is not waterstof
        ("water", "waterstof, watertoren, drinkwater en water", ["water"]),
        # compound tail
        ("+zuivering", "De afvalwaterzuivering en zuivering van lucht", ["afvalwaterzuivering", "zuivering"]),
        # infix
        ("+membraan+", "keramischemembraanfilters en een membraan", ["keramischemembraanfilters", "membraan"]),
        ("+membraan*", "keramischemembraanfilters en membraantechniek", ["keramischemembraanfilters", "membraantechniek"]),
        # prefix wildcard
        ("quantum*", "Quantumcomputers, quantum sensing, QuTech", ["Quantumcomputers", "quantum"]),
        # case and diacritics do not matter
        ("coöperatie", "COOPERATIE en Coöperatie", ["COOPERATIE", "Coöperatie"]),
        # case-sensitive acronyms
        ("=ML", "ML-modellen, 5 ml water, ml", ["ML"]),
        ("=AI", "AI-gedreven zorg; ai!", ["AI"]),
        # hyphenated text words are separate words; a term's hyphen matches space or hyphen
        ("3d-printing", "3D printing en 3D-printing", ["3D printing", "3D-printing"]),
        ("kunstmatige intelligentie", "Kunstmatige  intelligentie!", ["Kunstmatige  intelligentie"]),
        # phrase whose last word is a compound head
        ("deep learning+", "een eigen deep-learningmodel", ["deep-learningmodel"]),
        ("groene waterstof+", "groene waterstofproductie", ["groene waterstofproductie"]),
    ],
)
def test_dutch_compound_aware_terms(term, text, expected):
    assert hits({"include": [term]}, text, "x") == expected


def test_exclusions_veto_single_term_hits_only():
    m = KeywordMatcher({"ai": {"include": ["=AI", "machine learning", "computer vision"],
                               "exclude": ["ai powered", "app"]}})
    washing = m.match("Onze AI-powered app plant je sportlessen.")["ai"]
    assert washing.hits and washing.excluded_by and not washing.matched
    real = m.match("We develop machine learning and computer vision models; also as an app.")["ai"]
    assert real.excluded_by and real.matched  # two distinct terms outweigh the exclusion
    assert "excluded by" in washing.explain() and "'app'" in washing.explain()


def test_terms_hitting_the_same_words_count_once():
    m = KeywordMatcher({"sensors": {"include": ["sensors", "+sensor+"], "exclude": ["app"]},
                        "quantum": {"include": ["quantum*", "quantum computer", "quantum sensing"]}})
    one = m.match("Slimme sensors in een app, en nog meer sensors.")["sensors"]
    assert one.terms == ["sensors", "+sensor+"] and one.n_terms == 1
    assert not one.matched  # one word, two patterns: not enough to outweigh the exclusion
    q = m.match("A quantum computer, quantum sensing, and more quantum.")["quantum"]
    assert q.n_terms == 2  # quantum* bridges both places, but each adds a term of its own
    assert m.match("A quantum computer.")["quantum"].n_terms == 1


def test_explanations_give_terms_and_offsets():
    m = KeywordMatcher({"hydrogen": {"include": ["waterstof+", "elektrolyse"]}})
    r = m.match("Elektrolyse maakt waterstofgas.")["hydrogen"]
    assert r.terms == ["elektrolyse", "waterstof+"]
    assert [(h.start, h.end) for h in r.hits] == [(0, 11), (18, 30)]
    assert r.score == 2.0


@pytest.mark.parametrize(
    "term, message",
    [
        ("", "non-empty"),
        ("wa*", "at least 3 letters"),
        ("water*+", "only allowed at the start"),
        ("=AI*", "takes no '\\*' or '\\+'"),
        ("wa*ter", "only allowed at the start"),
        ("re:(unclosed", "not a valid regular expression"),
        ("+ +", "no letters or digits"),
    ],
)
def test_bad_terms_are_explained(term, message):
    with pytest.raises(ConfigError, match=message):
        parse_term(term, "ecosystem 'x', include")


def test_regex_escape_hatch():
    m = KeywordMatcher({"x": {"include": [r"re:\bH2\b"]}})
    assert m.match("H2 uit wind")["x"].matched
