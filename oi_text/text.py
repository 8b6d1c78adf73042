"""The one text normaliser and tokenizer shared by ingest, keyword matching, LDA and Word2Vec.

Keeping a single implementation means a word that keyword matching sees is the same word that
Word2Vec learned and LDA counted.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

# ---------------------------------------------------------------------------------------------
# bytes that were not valid in the file's encoding

_SURROGATE_RE = re.compile("[\udc80-\udcff]")


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("oi_text_cp1252", _cp1252_fallback)


def has_undecodable(value: str) -> bool:
    """True when ``value`` holds bytes that were not valid in the file's encoding.

    Readers decode with ``errors="surrogateescape"`` so that such bytes survive as lone
    surrogates; this finds them.
    """
    return _SURROGATE_RE.search(value) is not None


def repair_undecodable(value: str) -> str:
    """Decode bytes that were invalid UTF-8 as cp1252 (the usual mix-up in Dutch exports)."""
    raw = value.encode("utf-8", errors="surrogateescape")
    return raw.decode("utf-8", errors="oi_text_cp1252")


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>|<!--")
_HTML_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BLOCK_TAGS = frozenset(
    "p div br li ul ol tr td th table h1 h2 h3 h4 h5 h6 section article header footer "
    "blockquote pre hr dd dt dl".split()
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(value: str) -> tuple[str, bool]:
    """Remove HTML tags (dropping script/style content) and unescape entities.

    Returns the text and whether any tag was found. Text without tags only has its entities
    unescaped, so ``"R&D < 5%"`` is left alone.

    >>> strip_html("<p>Groene <b>waterstof</b></p><script>x()</script>")
    (' Groene waterstof ', True)
    """
    if _HTML_TAG_RE.search(value) is None:
        if "&" in value and _HTML_ENTITY_RE.search(value):
            return html.unescape(value), False
        return value, False
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts), True


# ---------------------------------------------------------------------------------------------
# unicode and whitespace

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WS_RE = re.compile(r"\s+")
_MOJIBAKE_HINT_RE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]")


def fix_mojibake(value: str) -> tuple[str, bool]:
    """Repair UTF-8 text that was once decoded as cp1252/latin-1 ("CoÃ¶peratie").

    Uses ftfy only when the text shows the tell-tale pattern, so clean text is untouched.
    """
    if _MOJIBAKE_HINT_RE.search(value) is None:
        return value, False
    import ftfy

    fixed = ftfy.fix_encoding(value)
    return fixed, fixed != value


def normalize_whitespace(value: str) -> str:
    """Collapse every run of whitespace into one space and trim."""
    return _WS_RE.sub(" ", value).strip()


@dataclass(frozen=True)
class Cleaned:
    """The result of :func:`clean_text`: the text and what was done to it."""

    text: str
    html: bool = False
    mojibake: bool = False
    undecodable: bool = False


def clean_text(value: object) -> Cleaned:
    """Clean one raw text cell: bytes, mojibake, HTML, unicode (NFC), invisible characters,
    whitespace.

    >>> clean_text("  Co\u00c3\u00b6peratie&nbsp;<br>voor  <i>precisielandbouw</i> ").text
    'Coöperatie voor precisielandbouw'
    """
    if value is None:
        return Cleaned("")
    text = value if isinstance(value, str) else str(value)
    undecodable = False
    if has_undecodable(text):
        text = repair_undecodable(text)
        undecodable = True
    text, mojibake = fix_mojibake(text)
    text, had_html = strip_html(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    return Cleaned(normalize_whitespace(text), had_html, mojibake, undecodable)


# ---------------------------------------------------------------------------------------------
# tokens

#: A word: letters/digits, with inner hyphens or apostrophes ("AI-gedreven", "d'r").
WORD_RE = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(value: str) -> str:
    """Case- and diacritics-insensitive form for matching ("Coöperatie" -> "cooperatie")."""
    value = value.casefold()
    if value.isascii():
        return value
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", value))


def fold_with_offsets(value: str) -> tuple[str, list[int]]:
    """:func:`fold`, and for every character of the result the index of the original character
    it came from (folding can change the length: "ß" -> "ss", "ĳ" -> "ij", accents dropped).

    >>> fold_with_offsets("Straße")
    ('strasse', [0, 1, 2, 3, 4, 4, 5])
    """
    if value.isascii():
        return value.casefold(), list(range(len(value)))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(value):
        f = fold(ch)
        out.append(f)
        offsets.extend([i] * len(f))
    return "".join(out), offsets


def tokenize(text: str, *, lowercase: bool = True, split_hyphens: bool = False) -> list[str]:
    """Split text into word tokens.

    >>> tokenize("AI-gedreven zorg, in 2024!")
    ['ai-gedreven', 'zorg', 'in', '2024']
    >>> tokenize("AI-gedreven zorg", split_hyphens=True)
    ['ai', 'gedreven', 'zorg']
    """
    if lowercase:
        text = text.casefold()
    words = WORD_RE.findall(text)
    if split_hyphens:
        return [part for w in words for part in re.split(r"[-'\u2019]", w) if part]
    return words


def text_hash(text: str) -> str:
    """A stable 16-hex-digit hash of a cleaned text (used by caches and the review store)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def dedupe_key(text: str | list[str]) -> str:
    """Key under which texts count as exact duplicates: folded words only, so differences in
    case, accents, punctuation and whitespace do not matter. Accepts the text or its
    ``tokenize(fold(text))`` tokens."""
    tokens = tokenize(fold(text)) if isinstance(text, str) else text
    return text_hash(" ".join(tokens))
