"""Offline language detection for Dutch, English and everything else.

A function-word vote: Dutch, English, German, French, Spanish, Italian and Portuguese each have
a list of their most frequent function words; the language whose words cover most tokens wins
when it leads clearly. Function words are what separates Dutch from English even in texts full
of English jargon ("een AI-gedreven platform voor het mkb" is Dutch). Texts too short to tell
come out as ``"other"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .text import fold, tokenize

_FUNCTION_WORDS: dict[str, str] = {
    "nl": """de het een en van in is dat op te voor met zijn niet aan er ook als bij door om naar
        maar dan wordt worden werd deze dit die wat wel nog uit tot heeft hebben kan kunnen zal
        zullen moet moeten meer zo onder tussen omdat waar hoe geen hun haar hij zij wij ze je
        ons onze welke waarin waarbij hierbij daarnaast echter zoals binnen tegen zonder sinds
        reeds nieuwe andere veel zich waarmee hiervoor daarbij hierin ervan erop waardoor
        bovendien alleen enkele eigen graag jaar mogelijk gaat komen biedt vanuit samen
        en/of ten aanzien""",
    "en": """the of and to a in is that for it on with as are be this by from at an or was which
        have has not but their its we they can will these more such been were also into than
        other our use used using through between both each may should would about how based new
        within while where when them there what who has during after over into those well
        provide provides developed develop help helps make makes only most first for
        your you all every any across without better""",
    "de": """der die das und ist nicht ein eine mit von zu den dem auf für sich auch es im
        werden wird oder aber nach bei aus wie nur noch über durch kann sind einer eines wir
        ihre unsere diese dieser""",
    "fr": """le la les de des du et est une un en dans pour pas que qui sur au aux avec par plus
        ce cette sont ont été mais ou nous vous leur leurs son ses entre""",
    "es": """el la los las de del y en que es un una por para con no se su al como más pero sus
        este esta son entre""",
    "it": """il lo la gli le di del della e è che con non un una sono nel alla anche come più
        ma dei delle questo questa""",
    "pt": """o a os as de do da e é que em um uma para com não por no na se mais como ao dos das
        são seu sua""",
}

_WORDSETS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in words.split()) for lang, words in _FUNCTION_WORDS.items()
}

# a word in k lists counts 1/k for each ("de" is Dutch, French, Spanish and Portuguese)
_WEIGHTS: dict[str, dict[str, float]] = {}
for _lang, _words in _WORDSETS.items():
    _WEIGHTS[_lang] = {
        w: 1.0 / sum(w in other for other in _WORDSETS.values()) for w in _words
    }

#: Minimum function-word score for a verdict; below it the text is too short to tell.
MIN_HITS = 2.0

# spelling cues used only when a text has too few function words (lists of nouns, titles)
_CUES = {
    "nl": re.compile(r"ij|aa|uu|sch|oe|ui|tie\b|cht|ng\b|eid\b"),
    "en": re.compile(r"th|wh|sh|ght|tion|ou|ly\b|ing\b"),
}


# word -> [(language index, weight)], so that each token is looked up once
_LANGS = tuple(_WEIGHTS)
_LOOKUP: dict[str, list[tuple[int, float]]] = {}
for _i, _lang in enumerate(_LANGS):
    for _w, _weight in _WEIGHTS[_lang].items():
        _LOOKUP.setdefault(_w, []).append((_i, _weight))


def language_scores(text: str | list[str], max_tokens: int = 400) -> dict[str, float]:
    """Weighted function-word hits per language in the first ``max_tokens`` tokens.

    ``text`` may also be the ``tokenize(fold(text))`` tokens.
    """
    tokens = tokenize(fold(text)) if isinstance(text, str) else text
    scores = [0.0] * len(_LANGS)
    get = _LOOKUP.get
    for t in tokens[:max_tokens]:
        hits = get(t)
        if hits:
            for i, weight in hits:
                scores[i] += weight
    return {lang: round(score, 3) for lang, score in zip(_LANGS, scores)}


def _spelling_vote(tokens: list[str]) -> str:
    if len(tokens) < 4:
        return "other"
    folded = " ".join(tokens[:400])
    nl, en = (len(_CUES[lang].findall(folded)) for lang in ("nl", "en"))
    if nl >= 3 and nl >= 2 * en:
        return "nl"
    if en >= 3 and en >= 2 * nl:
        return "en"
    return "other"


def detect_language(text: str | list[str]) -> str:
    """Return ``"nl"``, ``"en"`` or ``"other"`` (another language, or too little text).

    ``text`` may also be the ``tokenize(fold(text))`` tokens (ingest computes them once).

    >>> detect_language("Wij ontwikkelen een AI-gedreven platform voor het mkb.")
    'nl'
    >>> detect_language("We develop membranes for the removal of micropollutants.")
    'en'
    >>> detect_language("Nous développons des capteurs pour les réseaux d'eau.")
    'other'
    """
    tokens = tokenize(fold(text)) if isinstance(text, str) else text
    scores = language_scores(tokens)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_HITS:
        # a short text with function words of one language only ("AI for medical billing")
        if top >= 1 and top >= 3 * second and best in ("nl", "en"):
            return best
        return _spelling_vote(tokens)
    if top <= second:
        return "other"
    # a clear lead: at least 1.5x the runner-up (Dutch and German share words like "die")
    if top < 1.5 * second:
        return "other"
    return best if best in ("nl", "en") else "other"


def detect_languages(texts: Iterable[str]) -> list[str]:
    """:func:`detect_language` over many texts."""
    return [detect_language(t) for t in texts]


def stopwords(languages: Iterable[str] = ("nl", "en", "de", "fr")) -> set[str]:
    """Folded function words of ``languages`` (used to filter keyword suggestions)."""
    out: set[str] = set()
    for lang in languages:
        out |= _WORDSETS[lang]
    return out
