from __future__ import annotations

import pytest

from oi_text.text import (
    clean_text,
    dedupe_key,
    fold,
    has_undecodable,
    repair_undecodable,
    strip_html,
    tokenize,
)


def test_strip_html_drops_tags_and_script_but_keeps_text():
    text, had = strip_html("<p>Groene <b>waterstof</b> &amp; CO<sub>2</sub></p><script>alert(1)</script>")
    assert had
    assert " ".join(text.split()) == "Groene waterstof & CO2"
    assert "alert" not in text


def test_strip_html_leaves_comparisons_alone():
    text, had = strip_html("R&D-kosten < 5% en efficiency > 80%")
    assert not had
    assert text == "R&D-kosten < 5% en efficiency > 80%"


def test_clean_text_normalises_whitespace_unicode_and_invisibles():
    raw = "  Co\u00f6peratie\u00a0voor\u200b  precisie\u00adlandbouw\n\n\tin  Zeeland "
    assert clean_text(raw).text == "Coöperatie voor precisielandbouw in Zeeland"


def test_clean_text_repairs_mojibake():
    broken = "Co\u00f6peratie en na\u00efef".encode("utf-8").decode("cp1252")
    assert broken != "Coöperatie en naïef"
    cleaned = clean_text(broken)
    assert cleaned.text == "Coöperatie en naïef"
    assert cleaned.mojibake


def test_clean_text_leaves_correct_accents_alone():
    cleaned = clean_text("Café Ölmühle — één coöperatie")
    assert cleaned.text == "Café Ölmühle — één coöperatie"
    assert not cleaned.mojibake


def test_undecodable_bytes_are_repaired_as_cp1252():
    raw = b"Co\xf6peratie \xe9\xe9n".decode("utf-8", errors="surrogateescape")
    assert has_undecodable(raw)
    assert repair_undecodable(raw) == "Coöperatie één"
    cleaned = clean_text(raw)
    assert cleaned.undecodable and cleaned.text == "Coöperatie één"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("AI-gedreven zorg", ["ai-gedreven", "zorg"]),
        ("Waterstofproductie (H2) in 2030.", ["waterstofproductie", "h2", "in", "2030"]),
        ("d'r is één coöperatie", ["d'r", "is", "één", "coöperatie"]),
    ],
)
def test_tokenize(text, expected):
    assert tokenize(text) == expected


def test_fold_removes_case_and_diacritics():
    assert fold("Coöperatie ÉÉN") == "cooperatie een"


def test_dedupe_key_ignores_case_punctuation_and_spacing():
    assert dedupe_key("Groene waterstof, uit zeewater!") == dedupe_key("groene  WATERSTOF uit zeewater")
    assert dedupe_key("Groene waterstof") != dedupe_key("Blauwe waterstof")
