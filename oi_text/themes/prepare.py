"""Before any theme model: boilerplate removal and the tokens LDA and c-TF-IDF count.

Short project texts from one programme share sentences ("met steun van het Europees Sociaal
Fonds", "als samenwerkingsverband van overheid, bedrijfsleven en kennisinstellingen"). A topic
model then finds the programmes, not the subjects. :class:`BoilerplateRemover` finds such text
from corpus statistics alone, in any language: whole sentences that recur in many documents, and
runs of words covered by long n-grams (``ngram`` words, default 5) that recur in many documents.
Both are cut from every text, and what was cut is reported with the number of documents it was
cut from.

The tokens for LDA and theme terms are oi_text's one tokenizer (:func:`oi_text.text.tokenize` on
folded text) without Dutch, English, German and French function words, numbers and one-letter
words, with frequent word pairs joined by gensim's ``Phrases`` ("fuel_cell").
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..language import stopwords
from ..text import WORD_RE, fold

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*[\n\r]+\s*|\s+[•·|]\s+")

#: extra words that carry no theme in project descriptions (kept short: corpus statistics find
#: the rest as boilerplate)
EXTRA_STOPWORDS = frozenset(
    "also alsook daarnaast hierbij hiermee hierdoor waarbij waardoor wordt worden werd zullen "
    "will would can could may also well within using used use based new one two three via etc "
    "eg ie nbsp amp per".split()
)


@dataclass(frozen=True)
class BoilerplateItem:
    """One piece of boilerplate: its (folded) words, how it was found, and in how many
    documents it was cut."""

    text: str
    kind: str  # "sentence" | "ngram"
    documents: int


def _word_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    words, spans = [], []
    for m in WORD_RE.finditer(text):
        words.append(fold(m.group()))
        spans.append(m.span())
    return words, spans


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _sentence_key(text: str) -> str:
    return " ".join(fold(w) for w in WORD_RE.findall(text))


@dataclass
class BoilerplateRemover:
    """Find and cut text that recurs across many documents (an estimator: ``fit``, ``transform``).

    Parameters
    ----------
    min_doc_share : float
        A sentence or n-gram is boilerplate when it occurs in at least this share of the
        documents (default 2%) ...
    min_docs : int
        ... and in at least this many documents (default 5).
    ngram : int
        Length in words of the recurring runs looked for inside sentences (default 5).
    min_sentence_words : int
        Shorter sentences ("Samenvatting.") are only cut through n-grams.
    max_fit_docs : int
        Statistics come from at most this many documents (a seeded sample), so that fitting
        stays fast on millions of texts; ``transform`` cuts from every text.
    seed : int
        Seed of that sample.

    Examples
    --------
    >>> docs = [f"Project {i} over {w}. Met steun van het Europees Sociaal Fonds." for i, w in
    ...         enumerate(["zorg", "water", "energie", "scholing", "robots", "chips"] * 2)]
    >>> bp = BoilerplateRemover(min_docs=3)
    >>> bp.fit_transform(docs)[0]
    'Project 0 over zorg.'
    >>> bp.report_[0].text, bp.report_[0].documents
    ('met steun van het europees sociaal fonds', 12)
    """

    min_doc_share: float = 0.02
    min_docs: int = 5
    ngram: int = 5
    min_sentence_words: int = 4
    max_fit_docs: int = 20_000
    seed: int = 0
    sentences_: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    ngrams_: dict[tuple[str, ...], int] = field(default_factory=dict, init=False, repr=False)
    report_: list[BoilerplateItem] = field(default_factory=list, init=False, repr=False)
    threshold_: int = field(default=0, init=False)
    fitted_docs_: int = field(default=0, init=False)

    def fit(self, texts: Sequence[str]) -> BoilerplateRemover:
        if isinstance(texts, str):
            raise InputError("BoilerplateRemover.fit expects a sequence of texts, not one string")
        texts = list(texts)
        if len(texts) > self.max_fit_docs:
            pick = np.random.default_rng(self.seed).choice(len(texts), self.max_fit_docs, replace=False)
            texts = [texts[i] for i in np.sort(pick)]
        n = len(texts)
        self.fitted_docs_ = n
        self.threshold_ = max(self.min_docs, int(np.ceil(self.min_doc_share * n)))
        sent_df: Counter[str] = Counter()
        k = self.ngram
        # n-grams are counted as 64-bit hashes in one array (a Counter of word tuples took
        # gigabytes on 20,000 long texts); the few frequent ones are then collected as words
        hashes: list[np.ndarray] = []
        for text in texts:
            keys = set()
            for s, e in _sentences(text):
                key = _sentence_key(text[s:e])
                if key.count(" ") + 1 >= self.min_sentence_words:
                    keys.add(key)
            sent_df.update(keys)
            words = [fold(w) for w in WORD_RE.findall(text)]
            hashes.append(np.fromiter({hash(tuple(words[i : i + k])) for i in range(len(words) - k + 1)},
                                      dtype=np.int64))
        t = self.threshold_
        self.sentences_ = {s: c for s, c in sent_df.items() if c >= t}
        values, counts = np.unique(np.concatenate(hashes) if hashes else np.zeros(0, np.int64), return_counts=True)
        frequent = dict(zip(values[counts >= t].tolist(), counts[counts >= t].tolist()))
        del hashes, values, counts
        self.ngrams_ = {}
        if frequent:
            for text in texts:
                words = [fold(w) for w in WORD_RE.findall(text)]
                for i in range(len(words) - k + 1):
                    gram = tuple(words[i : i + k])
                    n = frequent.get(hash(gram))
                    if n is not None:
                        self.ngrams_[gram] = n
        self._cut_counts: Counter[tuple[str, str]] = Counter()
        return self

    def _check(self) -> None:
        if not self.threshold_:
            raise RuntimeError("BoilerplateRemover is not fitted yet; call fit(texts) first")

    def clean(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """``text`` without its boilerplate, and what was cut: ``[(kind, folded words), ...]``."""
        self._check()
        cut: list[tuple[str, str]] = []
        keep: list[tuple[int, int]] = []
        for s, e in _sentences(text):
            key = _sentence_key(text[s:e])
            if key in self.sentences_:
                cut.append(("sentence", key))
            else:
                keep.append((s, e))
        if not self.ngrams_:
            return " ".join(text[s:e] for s, e in keep).strip(), cut
        parts: list[str] = []
        k = self.ngram
        for s, e in keep:
            sentence = text[s:e]
            words, spans = _word_spans(sentence)
            covered = np.zeros(len(words), dtype=bool)
            for i in range(len(words) - k + 1):
                if tuple(words[i : i + k]) in self.ngrams_:
                    covered[i : i + k] = True
            if not covered.any():
                parts.append(sentence)
                continue
            out, pos, i = [], 0, 0
            while i < len(words):
                if not covered[i]:
                    i += 1
                    continue
                j = i
                while j + 1 < len(words) and covered[j + 1]:
                    j += 1
                out.append(sentence[pos : spans[i][0]])
                cut.append(("ngram", " ".join(words[i : j + 1])))
                pos = spans[j][1]
                i = j + 1
            out.append(sentence[pos:])
            rest = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", "".join(out))).strip(" ,;:-")
            if WORD_RE.search(rest):
                parts.append(rest)
        return " ".join(p for p in parts if p).strip(), cut

    def transform(self, texts: Sequence[str]) -> list[str]:
        """Every text without its boilerplate. :attr:`report_` counts the documents each passage
        was cut from, over every call since ``fit``."""
        self._check()
        out = []
        for text in texts:
            cleaned, cut = self.clean(text)
            self._cut_counts.update(set(cut))
            out.append(cleaned)
        self.report_ = [BoilerplateItem(text, kind, n) for (kind, text), n in
                        sorted(self._cut_counts.items(), key=lambda kv: (-kv[1], kv[0][1]))]
        return out

    def fit_transform(self, texts: Sequence[str]) -> list[str]:
        return self.fit(texts).transform(texts)

    def grouped(self) -> list[tuple[BoilerplateItem, int]]:
        """:attr:`report_` with the parts of a listed passage folded into it (a shorter cut whose
        words lie inside a more frequent one): ``[(item, parts folded in), ...]``."""
        kept: list[list] = []
        for item in self.report_:
            home = next((k for k in kept if item.text in k[0].text), None)
            if home is not None:
                home[1] += 1
            else:
                kept.append([item, 0])
        return [(k[0], k[1]) for k in kept]

    def summary(self, top: int = 10) -> str:
        """What was cut, most frequent first, for a terminal or a report."""
        if not self.report_:
            return "no boilerplate found"
        groups = self.grouped()
        lines = [f"{len(self.report_)} boilerplate passage(s) cut (recurring in >= {self.threshold_} documents):"]
        for item, parts in groups[:top]:
            more = f"  (+{parts} part{'s' * (parts > 1)} of it)" if parts else ""
            lines.append(f"  {item.documents:>6,} docs  [{item.kind}] {item.text[:100]}{more}")
        if len(groups) > top:
            lines.append(f"  ... and {len(groups) - top} more")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# tokens for LDA and theme terms


def theme_stopwords() -> frozenset[str]:
    return frozenset(stopwords()) | EXTRA_STOPWORDS


def content_tokens(text: str, stop: frozenset[str] | None = None) -> list[str]:
    """Folded words of ``text`` without function words, numbers and one-letter words.

    >>> content_tokens("De bouw van 3 grote waterstof-installaties in 2024")
    ['bouw', 'grote', 'waterstof-installaties']
    """
    stop = theme_stopwords() if stop is None else stop
    # interned: a corpus of 100,000 texts holds each word once, not once per occurrence
    return [sys.intern(w) for w in (fold(m) for m in WORD_RE.findall(text))
            if len(w) > 1 and w not in stop and not w.replace("-", "").isdigit()]


@dataclass
class Tokens:
    """Token lists of a corpus, with frequent pairs joined ("fuel_cell") by gensim Phrases.

    Re-iterable: LDA and coherence read it several times. Fit on the training texts; apply the
    same phrases to new texts with :meth:`tokens_for`.
    """

    min_count: int = 5
    threshold: float = 10.0
    docs: list[list[str]] = field(default_factory=list, init=False, repr=False)

    def fit(self, texts: Sequence[str]) -> Tokens:
        from .._optional import require

        phrases = require("gensim.models.phrases", "word pairs in themes")
        stop = theme_stopwords()
        raw = [content_tokens(t, stop) for t in texts]
        self._phrases = phrases.Phrases(raw, min_count=self.min_count, threshold=self.threshold,
                                        delimiter="_").freeze()
        self._stop = stop
        self.docs = [[sys.intern(w) for w in self._phrases[d]] for d in raw]
        return self

    def tokens_for(self, texts: Sequence[str]) -> list[list[str]]:
        return [list(self._phrases[content_tokens(t, self._stop)]) for t in texts]

    def __iter__(self):
        return iter(self.docs)

    def __len__(self) -> int:
        return len(self.docs)
