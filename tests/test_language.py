from __future__ import annotations

import collections
import csv

import pytest

from oi_text.language import detect_language


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Wij ontwikkelen een AI-gedreven platform voor het mkb in Brabant.", "nl"),
        ("Dit project betreft de ontwikkeling van een membraan voor de verwijdering van PFAS.", "nl"),
        ("We develop electrolysers that turn offshore wind power into green hydrogen.", "en"),
        ("AI for medical billing", "en"),
        ("Wir entwickeln Sensoren für die Landwirtschaft und die Industrie.", "other"),
        ("Nous développons des capteurs pour les réseaux d'eau potable.", "other"),
        ("", "other"),
        ("QKD", "other"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_dutch_text_full_of_english_jargon_is_dutch():
    text = ("Onze SaaS-oplossing biedt een dashboard met real-time insights en een API voor "
            "machine learning pipelines, speciaal voor het mkb.")
    assert detect_language(text) == "nl"


def _column_texts(path, cols, limit=600):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = []
        for row in reader:
            text = " ".join(row[c] for c in cols).strip()
            if len(text.split()) >= 8:
                out.append(text)
            if len(out) >= limit:
                break
    return out


@pytest.mark.shared
@pytest.mark.parametrize(
    "name, cols, lang, min_share",
    [
        ("questions_dekamer_nl.csv", ["question"], "nl", 0.98),
        ("projects_structuralfunds_nl.csv", ["title", "description"], "nl", 0.95),
        ("startups_yc.csv", ["one_liner", "long_description"], "en", 0.98),
        ("projects_cordis_h2020_cleantech.csv", ["title", "objective"], "en", 0.99),
        ("abstracts_arxiv_math.csv", ["title", "abstract"], "en", 0.98),
    ],
)
def test_language_mix_on_real_corpora(shared_data, name, cols, lang, min_share):
    texts = _column_texts(shared_data / name, cols)
    counts = collections.Counter(detect_language(t) for t in texts)
    share = counts[lang] / len(texts)
    assert share >= min_share, (name, counts)
